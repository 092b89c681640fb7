// What a step runs is exactly what was written, through every sink: the engine's substitution of the whole file
// (drone/envsubst v1.0.3, ported below; Woodpecker v3.17.0 uses the same, pipeline/frontend/metadata/substitution.go:21-25),
// the kubelet's `$(NAME)` expansion of the pod env values the engine puts a step's values in (ported in
// test/core/kubelet-expansion.ts; which values, see `inContainer`), and the step's POSIX shell: both engines run
// commands with /bin/sh (Woodpecker pipeline/backend/common/script.go:31, drone-runner-kube v1.0.0-rc.5
// engine/compiler/script.go:53). Here that is dash; in Kaniko's -debug image it is
// busybox ash (osscontainertools/kaniko v1.28.3 deploy/Dockerfile:61 busybox:musl, :156-161 /bin/sh -> /busybox/sh),
// which reads single quotes the same way (POSIX.1-2017 XCU 2.2.2).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { CiEngineKind, ImageTag, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step } from '../../lib';
import { escapeSubstitution } from '../../lib/ci/pipeline/shell';
import { escapeEnvLiteral } from '../../lib/core/env';
import { shellQuote } from '../../lib/core/shell';
import { expand, mappingFor } from '../core/kubelet-expansion';
import { IMAGES, platform, REPO } from './pipeline-fixtures';

/**
 * drone/envsubst v1.0.3 as it reads text, ported line by line so that its escapes are modelled, not assumed:
 * `parse/scan.go` (scanner: read/unread/peek/skip 63-99, scan 103-116, scanIdent 121-150, scanLbrack 156-166,
 * scanEscaped 180-198) and `parse/parse.go` (parseAny 50-86). Only `${name}` is substituted (parseFunc's other
 * forms are not needed: the rendered files must hold no `${` that envsubst would read at all).
 */
function envsubst(input: string, env: Record<string, string>): string {
  const EOF = '';
  let buf = input;
  let pos = 0;
  let start = 0;
  let width = 0;
  const read = () => {
    if (pos >= buf.length) {
      width = 0;
      return EOF;
    }
    width = 1; // UTF-16 units instead of UTF-8 bytes: the escapes are all ASCII
    return buf[pos++];
  };
  const unread = () => {
    pos -= width;
  };
  const peek = () => {
    const r = read();
    unread();
    return r;
  };
  const skip = () => {
    buf = buf.slice(0, pos - 1) + buf.slice(pos);
  };
  const scanLbrack = (r: string) => {
    if (r === '$') {
      if (read() === '{') return true;
      unread();
    }
    return false;
  };
  const scanEscaped = (r: string) => (r === '$' && peek() === '$') || (r === '\\' && (peek() === '/' || peek() === '\\'));
  const scanIdent = (r: string) => {
    if (scanEscaped(r)) skip();
    for (;;) {
      const c = read();
      if (c === EOF) {
        unread();
        break;
      }
      if (scanLbrack(c)) {
        unread();
        unread();
        break;
      }
      if (scanEscaped(c)) {
        skip();
        continue;
      }
    }
    return true;
  };
  let out = '';
  for (;;) {
    start = pos;
    const r = read();
    if (r === EOF) return out;
    if (scanLbrack(r)) {
      const close = buf.indexOf('}', pos);
      const name = buf.slice(pos, close);
      if (close < 0 || !/^\w+$/.test(name)) throw new Error(`unported substitution at ${JSON.stringify(buf.slice(start, start + 20))}`);
      out += env[name] ?? '';
      pos = close + 1;
      continue;
    }
    scanIdent(r);
    out += buf.slice(start, pos);
  }
}

describe('the envsubst port', () => {
  test('reproduces upstream\'s own cases for escapes and substitution', () => {
    // drone/envsubst v1.0.3 eval_test.go:169-183 and parse/parse_test.go:17-35
    expect(envsubst('$${var01}', { var01: 'abcdEFGH28ij' })).toBe('${var01}');
    expect(envsubst('some text ${var01}$${var$${var01}$var01${var01}', { var01: 'abcdEFGH28ij' }))
      .toBe('some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij');
    expect(envsubst('$$string', {})).toBe('$string');
    expect(envsubst('http://github.com', {})).toBe('http://github.com');
    expect(envsubst('}text', {})).toBe('}text');
    expect(envsubst('${string}', { string: 'x' })).toBe('x');
  });

  test('reads \\\\ as \\ and \\/ as / outside substitutions (scan.go:189-197), and leaves other backslashes', () => {
    expect(envsubst('a\\\\b\\/c\\nd\\"e', {})).toBe('a\\b/c\\nd\\"e');
  });
});

// strings heavy with what the shell, YAML and envsubst treat specially, among arbitrary text
const special = fc.constantFrom("'", '"', '\\', '$', '$$', '${', '${A}', '`', '$(', '(', ')', '$(HOME)', '$$(HOME)', '$(V)', '\n', '\t', ' ', '!', '*', '?', '~', '#', ';', '&', '|', '<', '>',
  '{', '}', '%', ': ', ' #', '- ', '---', '\\n', '\\/', '\\\\', '\u0085', '\u2028', '\ufeff', 'é', '😀');
const text = fc.array(fc.oneof(special, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 8 })
  .map((parts) => parts.join(''))
  // no NUL (no argument or variable can hold one) and no lone surrogate (no UTF-8 can)
  .filter((s) => !s.includes('\0') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s));
const command = text.filter((s) => s.trim() !== '');

/** Each argument through `sh`, back as printf printed it: what the shell made of each word. */
function throughShell(words: string[], env: Record<string, string> = {}): string[] {
  const script = words.map((w) => `printf '%s\\0' ${w}`).join('\n');
  const out = execFileSync('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shell quoting', () => {
  test('every string is one word that the shell reads back exactly', () => {
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), (values) => {
      expect(throughShell(values.map(shellQuote))).toEqual(values);
    }), { numRuns: 60 });
  });

  test('the property is not vacuous: an unquoted or double-quoted word is expanded', () => {
    expect(throughShell(['$HOME', '"$HOME"'], { HOME: '/h' })).toEqual(['/h', '/h']);
  });
});

/** The rendered files of `pipelines` as each engine reads them: substituted with `env`, then parsed. */
function asEngineReads(kind: CiEngineKind, pipelines: Pipeline[], env: Record<string, string> = {}): any[] {
  const { chart, engine } = platform(kind);
  const files = new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines }).render();
  return files.flatMap((f) => parseAllDocuments(envsubst(f.content, env), { version: '1.1' }).map((d) => {
    if (d.errors.length > 0) throw d.errors[0];
    return d.toJS();
  }));
}

/**
 * The variables the kubelet resolves `$(NAME)` against in a pod env value: those listed before it in the container
 * and the `kubernetes` Service's (kubernetes pkg/kubelet/kubelet_pods.go makeEnvironmentVariables, MappingFuncFor of
 * both). Both engines list a step's variables from a Go map, in random order (drone-runner-kube v1.0.0-rc.5
 * engine/convert.go:228-233, woodpecker v3.17.0 pipeline/backend/kubernetes/pod.go:737), so any may come first: all
 * are defined here, the step's own `V` among them, and `HOME` for a name a step may well define.
 */
const KUBELET_VARS: Readonly<Record<string, string>> = { HOME: '/root', V: 'from-V', KUBERNETES_SERVICE_HOST: '10.96.0.1' };

/**
 * A step as the engine parsed it, as its container's shell gets it: the command lines the shell runs and each plain
 * variable's value, once the kubelet has expanded the pod env values with `vars` defined.
 *
 * - Env values are pod env `value`s on both engines, written as they are: Drone puts them in the step's Envs
 *   (drone-runner-kube v1.0.0-rc.5 engine/compiler/step.go:31, util.go:63-74) and writes each as `Value`
 *   (engine/convert.go:225-233); Woodpecker v3.17.0 into the step's environment (pipeline/frontend/yaml/compiler/
 *   convert.go:123, strings as they are: settings/params.go:89-90) and writes it with mapToEnvVars
 *   (pipeline/backend/kubernetes/pod.go:274-276, 735-743).
 * - Woodpecker's commands reach the pod as base64 in CI_SCRIPT (pipeline/backend/common/script.go:29-31, copied into
 *   the env at pod.go:257-259): no `$` in it, so the kubelet changes nothing.
 * - Drone's commands reach it as one script in the DRONE_SCRIPT pod env value (engine/compiler/script.go:52-55), piped
 *   to /bin/sh: `shell.Script` (engine/compiler/shell/shell.go:17-33) writes each command after a trace line,
 *   `echo + <the command in Go's %q, each $ written \$>` (traceScript :54-57). The preamble before the first
 *   command (:37-50, :59-76) holds no `$(` and no `$$`, so the kubelet leaves it as it is and it cannot reach into
 *   what follows; it is left out. JSON.stringify stands in for %q (strconv.Quote): the two spell non-printable
 *   characters differently, but neither writes nor drops a `$`, `(` or `)`, all the kubelet reads.
 */
function inContainer(kind: CiEngineKind, step: any, vars: Readonly<Record<string, string>>): { commands: string[]; env: Record<string, string> } {
  const mapping = mappingFor(new Map(Object.entries(vars)));
  const env = Object.fromEntries(Object.entries(step.environment ?? {})
    .filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, expand(v as string, mapping)]));
  if (kind === CiEngineKind.WOODPECKER) {
    return { commands: step.commands, env };
  }
  const script = droneScript(step.commands);
  const lines = script.map((part) => expand(part, mapping));
  // the script expands as its parts do: no reference the kubelet reads runs from a trace line into a command
  expect(expand(script.join(''), mapping)).toBe(lines.join(''));
  return { commands: lines.filter((_, i) => i % 2 === 1).map((l) => l.slice(0, -1)), env };
}

/** drone-runner-kube's DRONE_SCRIPT for `commands` in parts, each trace line then its command (see `inContainer`). */
function droneScript(commands: readonly string[]): string[] {
  return commands.flatMap((c) => [`\necho + ${JSON.stringify(c).replace(/\$/g, '\\$')}\n`, `${c}\n`]);
}

/** Whether `command` holds a `$(` with no `)` after it, which Drone's rendering refuses (lib/ci/pipeline/drone.ts). */
const unclosedReference = (command: string) => /\$\((?![^]*\))/.test(command);

/**
 * `step` as the engine reads it in a pipeline `p`; or, on Drone with a command that holds an unclosed `$(`,
 * undefined, once the refusal is checked: such a step is refused, and no other.
 */
function renderedOrRefused(kind: CiEngineKind, step: Step): any | undefined {
  const pipelines = [pushPipeline(step)];
  if (kind === CiEngineKind.DRONE && step.commands.some(unclosedReference)) {
    expect(() => asEngineReads(kind, pipelines)).toThrow('must close each "$(" with a ")" after it on Drone');
    return undefined;
  }
  return asEngineReads(kind, pipelines, { V: 'substituted', A: 'substituted' }).find((d) => d.steps).steps[0];
}

/** A pipeline `p` on push of `steps`. */
function pushPipeline(...steps: Step[]): Pipeline {
  return new Pipeline({ name: 'p', events: [PipelineEvent.PUSH], steps });
}

describe('through the engine\'s substitution and the kubelet\'s expansion', () => {
  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: commands and env values arrive as written', (kind) => {
    fc.assert(fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), text, (commands, value) => {
      const rendered = renderedOrRefused(kind, Step.run('s', { image: IMAGES.go, commands, env: { V: value } }));
      if (rendered) {
        expect(inContainer(kind, rendered, KUBELET_VARS)).toEqual({ commands, env: { V: value } });
      }
    }), { numRuns: 150 });
  });

  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: then the shell reads each word and variable exactly', (kind) => {
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), text, (words, value) => {
      const commands = [...words.map((w) => `printf '%s\\0' ${shellQuote(w)}`), 'printf \'%s\\0\' "$V"'];
      const rendered = renderedOrRefused(kind, Step.run('s', { image: IMAGES.go, commands, env: { V: value } }));
      if (!rendered) {
        return;
      }
      const shell = inContainer(kind, rendered, KUBELET_VARS);
      const out = execFileSync('/bin/sh', ['-c', shell.commands.join('\n')], { env: { PATH: process.env.PATH, ...shell.env }, encoding: 'utf8' });
      expect(out.split('\0').slice(0, -1)).toEqual([...words, value]);
    }), { numRuns: 60 });
  });

  test('the property is not vacuous: unescaped, the engine substitutes and unescapes, the kubelet expands and unescapes', () => {
    expect(envsubst('echo ${A} $$B a\\\\b', { A: 'x' })).toBe('echo x $B a\\b');
    expect(escapeSubstitution('echo ${A} $B a\\b')).toBe('echo $${A} $$B a\\\\b');
    expect(envsubst(escapeSubstitution('echo ${A} $B a\\b'), { A: 'x' })).toBe('echo ${A} $B a\\b');
    // the reviewer's case: what a Drone command or either engine's env value became before it was escaped for the kubelet
    const step = { commands: ['echo "pid=$$" $(HOME)'], environment: { V: 'pa$$word $(HOME)' } };
    expect(inContainer(CiEngineKind.DRONE, step, KUBELET_VARS)).toEqual({ commands: ['echo "pid=$" /root'], env: { V: 'pa$word /root' } });
    expect(inContainer(CiEngineKind.WOODPECKER, step, KUBELET_VARS)).toEqual({ commands: step.commands, env: { V: 'pa$word /root' } });
  });

  test('Drone\'s refusal is needed: an unclosed "$(" on the trace line runs on into the command, escaped or not', () => {
    const command = 'echo "$(pwd)" \'$(\'';
    expect(unclosedReference(command)).toBe(true);
    const script = expand(droneScript([escapeEnvLiteral(command)]).join(''), mappingFor(new Map(Object.entries(KUBELET_VARS))));
    // the reference from the trace line's last "$(" takes in the command up to its first ")", which the kubelet copies
    // unexpanded: the shell would get "$$" (its process ID) for the first "$"
    expect(script.endsWith('\necho "$$(pwd)" \'$(\'\n')).toBe(true);
    expect(() => asEngineReads(CiEngineKind.DRONE, [pushPipeline(Step.run('s', { image: IMAGES.go, commands: [command] }))]))
      .toThrow('invalid pipelines.p.steps.s.commands "echo \\"$(pwd)\\" \'$(\'": must close each "$(" with a ")" after it on Drone');
    // Woodpecker's commands never meet the kubelet, and pass
    expect(asEngineReads(CiEngineKind.WOODPECKER, [pushPipeline(Step.run('s', { image: IMAGES.go, commands: [command] }))])
      .find((d) => d.steps).steps[0].commands).toEqual([command]);
  });
});

/**
 * The commit variables each engine gives a commands step, transcribed: Drone sets CI_COMMIT_SHA, DRONE_COMMIT and
 * DRONE_COMMIT_SHA (drone/runner-go v1.12.0 environ/environ.go:167,130-131, in every step through drone-runner-kube
 * v1.0.0-rc.5 engine/compiler/compiler.go:293-302,408-410); Woodpecker v3.17.0 sets CI_COMMIT_SHA
 * (pipeline/frontend/metadata/environment.go:95, every step through yaml/compiler/convert.go:89-91) and its DRONE_*
 * copies only in plugin steps (pipeline/runtime/step.go:94-97), which an image build is not.
 */
function commitEnv(kind: CiEngineKind, sha: string): Record<string, string> {
  return kind === CiEngineKind.DRONE ? { CI_COMMIT_SHA: sha, DRONE_COMMIT: sha, DRONE_COMMIT_SHA: sha } : { CI_COMMIT_SHA: sha };
}

describe('an image build, end to end', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
  const pathArg = text.filter((s) => s !== '');

  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: the executor gets each argument exactly, the commit from CI_COMMIT_SHA', (kind) => {
    fc.assert(fc.property(pathArg, pathArg, fc.uniqueArray(tag, { maxLength: 3 }), fc.integer({ min: 7, max: 40 }), (context, dockerfile, fixed, digits) => {
      const step = Step.buildImage('publish', {
        repository: 'harbor.example.com/apps/demo', context, dockerfile, tags: [...fixed.map((t) => ImageTag.of(t)), ImageTag.commitSha(digits)],
        dockerConfig: SecretRef.of('harbor-push', 'docker_config'),
      });
      const [doc] = asEngineReads(kind, [pushPipeline(step)], commitEnv(kind, 'from-the-engine')).filter((d) => d.steps);
      const executor = inContainer(kind, doc.steps[0], { ...KUBELET_VARS, ...commitEnv(kind, sha) }).commands[2];
      // the -debug image's executor (deploy/Dockerfile:122, its ENTRYPOINT :124)
      expect(executor.startsWith("'/kaniko/executor' ")).toBe(true);
      // the executor's arguments as the shell passes them, with printf standing in for the executor, in the
      // environment the engine gives the step: the commit must come from a variable both engines set
      const out = execFileSync('/bin/sh', ['-c', executor.replace(/^'\/kaniko\/executor'/, "printf '%s\\0'")],
        { env: { PATH: process.env.PATH, ...commitEnv(kind, sha) }, encoding: 'utf8' });
      expect(out.split('\0').slice(0, -1)).toEqual([
        `--context=${context}`, `--dockerfile=${dockerfile}`,
        ...fixed.map((t) => `--destination=harbor.example.com/apps/demo:${t}`), `--destination=harbor.example.com/apps/demo:${sha.slice(0, digits)}`,
      ]);
    }), { numRuns: 40 });
  });

  test('the Docker config is written byte for byte, backslashes and dollars included', () => {
    const step = Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') });
    const [doc] = asEngineReads(CiEngineKind.DRONE, [pushPipeline(step)]).filter((d) => d.steps);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-kaniko-'));
    try {
      const file = path.join(dir, 'config.json');
      const config = '{"auths":{"harbor.example.com":{"auth":"YTpi\\\\n$x\'"}}}\n';
      // where Kaniko reads registry logins: $DOCKER_CONFIG/config.json (docker/cli config.Load, as kaniko's own
      // cmd/executor/cmd/login.go:76 calls it; README.md:680), with DOCKER_CONFIG=/kaniko/.docker/ set by the image
      // (osscontainertools/kaniko v1.28.3 deploy/Dockerfile:84, inherited by the -debug stage :150)
      const kanikoConfig = path.posix.join('/kaniko/.docker/', 'config.json');
      const { commands } = inContainer(CiEngineKind.DRONE, doc.steps[0], KUBELET_VARS);
      expect(commands[0]).toBe(`mkdir -p ${shellQuote(path.posix.dirname(kanikoConfig))}`);
      expect(commands[1].endsWith(` > ${shellQuote(kanikoConfig)}`)).toBe(true);
      const write = commands[1].replace(shellQuote(kanikoConfig), shellQuote(file));
      execFileSync('/bin/sh', ['-c', write], { env: { PATH: process.env.PATH, DOCKER_CONFIG_JSON: config } });
      expect(fs.readFileSync(file, 'utf8')).toBe(config);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: the commit tag needs no bash: POSIX sh gives the first digits', (kind) => {
    expect(throughShell([ImageTag.commitSha(9)._destinationWord('r.example.com/a')], commitEnv(kind, sha))).toEqual([`--destination=r.example.com/a:${sha.slice(0, 9)}`]);
  });
});
