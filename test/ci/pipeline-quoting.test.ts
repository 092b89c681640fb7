// What a step runs is exactly what was written, through both sinks: the engine's substitution of the whole file
// (drone/envsubst v1.0.3, ported below; Woodpecker v3.17.0 uses the same, pipeline/frontend/metadata/substitution.go:21-25)
// and the step's POSIX shell: both engines run commands with /bin/sh (Woodpecker pipeline/backend/common/script.go:31,
// drone-runner-kube v1.0.0-rc.5 engine/compiler/script.go:53). Here that is dash; in Kaniko's -debug image it is
// busybox ash (osscontainertools/kaniko v1.28.3 deploy/Dockerfile:61 busybox:musl, :156-161 /bin/sh -> /busybox/sh),
// which reads single quotes the same way (POSIX.1-2017 XCU 2.2.2).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { CiEngineKind, ImageTag, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step } from '../../lib';
import { escapeSubstitution, shellQuote } from '../../lib/ci/pipeline/shell';
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
const special = fc.constantFrom("'", '"', '\\', '$', '$$', '${', '${A}', '`', '$(', '\n', '\t', ' ', '!', '*', '?', '~', '#', ';', '&', '|', '<', '>',
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

describe('through the engine\'s substitution', () => {
  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: commands and env values arrive as written', (kind) => {
    fc.assert(fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), text, (commands, value) => {
      const step = Step.run('s', { image: IMAGES.go, commands, env: { V: value } });
      const [doc] = asEngineReads(kind, [new Pipeline({ name: 'p', events: [PipelineEvent.PUSH], steps: [step] })], { V: 'substituted', A: 'substituted' })
        .filter((d) => d.steps);
      expect(doc.steps[0].commands).toEqual(commands);
      expect(doc.steps[0].environment).toEqual({ V: value });
    }), { numRuns: 150 });
  });

  test('the property is not vacuous: unescaped, the engine substitutes and unescapes', () => {
    expect(envsubst('echo ${A} $$B a\\\\b', { A: 'x' })).toBe('echo x $B a\\b');
    expect(escapeSubstitution('echo ${A} $B a\\b')).toBe('echo $${A} $$B a\\\\b');
    expect(envsubst(escapeSubstitution('echo ${A} $B a\\b'), { A: 'x' })).toBe('echo ${A} $B a\\b');
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
      const [doc] = asEngineReads(kind, [new Pipeline({ name: 'p', events: [PipelineEvent.PUSH], steps: [step] })], commitEnv(kind, 'from-the-engine'))
        .filter((d) => d.steps);
      const executor = doc.steps[0].commands[2] as string;
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
    const [doc] = asEngineReads(CiEngineKind.DRONE, [new Pipeline({ name: 'p', events: [PipelineEvent.PUSH], steps: [step] })]).filter((d) => d.steps);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-kaniko-'));
    try {
      const file = path.join(dir, 'config.json');
      const config = '{"auths":{"harbor.example.com":{"auth":"YTpi\\\\n$x\'"}}}\n';
      // where Kaniko reads registry logins: $DOCKER_CONFIG/config.json (docker/cli config.Load, as kaniko's own
      // cmd/executor/cmd/login.go:76 calls it; README.md:680), with DOCKER_CONFIG=/kaniko/.docker/ set by the image
      // (osscontainertools/kaniko v1.28.3 deploy/Dockerfile:84, inherited by the -debug stage :150)
      const kanikoConfig = path.posix.join('/kaniko/.docker/', 'config.json');
      const commands = doc.steps[0].commands as string[];
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
