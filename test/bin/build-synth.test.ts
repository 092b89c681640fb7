import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { scriptCode } from '../../lib/harbor/script-code';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'build-synth.js');

interface BuildResult { visited: string[]; compiled: string[]; outDir: string }
// plain JavaScript, run by `npm run synth` without compiling
const { build } = require(SCRIPT) as { build: (o: { entries: string[]; outDir?: string; cache?: boolean }) => BuildResult };

/** Every file under `dir`, relative, sorted. */
function filesIn(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/**
 * The fast build behind `npm run synth` (scripts/build-synth.js): TypeScript's transpiler over the files the synth
 * imports, without type-checking, must give exactly what the full tsc build gives, and never compile the Pulumi side.
 */
describe('scripts/build-synth.js', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-build-synth-'));
  const tscOut = path.join(work, 'tsc');
  const fastOut = path.join(work, 'fast');
  const state = path.join(work, 'state', 'secrets.json');
  let first: BuildResult;

  beforeAll(() => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'),
      '--outDir', tscOut], { encoding: 'utf8' });
    expect(tsc.stdout).toBe('');
    const fast = spawnSync(process.execPath, [SCRIPT, '--outDir', fastOut, 'apps/default/main.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(fast.stderr).toBe('');
    expect(fast.status).toBe(0);
    first = build({ entries: [path.join(ROOT, 'apps/default/main.ts')], outDir: path.join(work, 'api') });
  }, 300_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('emits what tsc emits, byte for byte, with the layout of build/ and configure.js beside configure-job.js', () => {
    const files = filesIn(fastOut).filter((f) => f !== '.synth-build.json');
    expect(files).toContain(path.join('apps', 'default', 'main.js'));
    expect(files).toContain(path.join('lib', 'harbor', 'configure-job.js'));
    expect(files).toContain(path.join('lib', 'harbor', 'configure.js'));
    for (const f of files) {
      expect([f, fs.readFileSync(path.join(fastOut, f), 'utf8')]).toEqual([f, fs.readFileSync(path.join(tscOut, f), 'utf8')]);
    }
  });

  test('a bad option is one line, and DOCKYARD_DEBUG reads as lib/core/debug.ts reads it: 0, false, no and off keep the stack trace off', () => {
    const withDebug = (value: string | undefined) => spawnSync(process.execPath, [SCRIPT, '--bogus'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, DOCKYARD_DEBUG: value },
    });
    for (const off of [undefined, '', '0', 'false', 'FALSE', 'no', 'off', ' ', ' off ']) {
      const result = withDebug(off);
      expect(result.status).toBe(1);
      expect(result.stderr.split('\n')[0]).toBe('build-synth: unknown option --bogus');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const traced = withDebug('1');
    expect(traced.status).toBe(1);
    expect(traced.stderr).toMatch(/unknown option --bogus[\s\S]*\n\s+at /);
  });

  test('does not compile the Pulumi program, nor read it', () => {
    for (const list of [filesIn(fastOut), first.visited, first.compiled]) {
      expect(list.filter((f) => /^(lib[/\\]pulumi|apps[/\\]digitalocean)([/\\]|$)/.test(f))).toEqual([]);
    }
    expect(first.compiled).toEqual(first.visited);
    expect(first.visited).toContain(path.join('lib', 'harbor', 'configure.js'));
  });

  test('compiles nothing again when nothing changed, and restores an output that did', () => {
    const outDir = path.join(work, 'api');
    expect(build({ entries: [path.join(ROOT, 'apps/default/main.ts')], outDir }).compiled).toEqual([]);
    const main = path.join(outDir, 'lib', 'index.js');
    const text = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, '// edited\n');
    expect(build({ entries: [path.join(ROOT, 'apps/default/main.ts')], outDir }).compiled).toEqual([path.join('lib', 'index.ts')]);
    expect(fs.readFileSync(main, 'utf8')).toBe(text);
  });

  test('the default stack synthesized from it equals the one from the tsc build, and the Harbor Job gets its script', () => {
    const synth = (outDir: string, dist: string) => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKYARD_')));
      const cwd = fs.mkdtempSync(path.join(work, 'cwd-'));
      const result = spawnSync(process.execPath, [path.join(outDir, 'apps', 'default', 'main.js')], {
        cwd, encoding: 'utf8', env: { ...env, DOCKYARD_STATE: state, CDK8S_OUTDIR: dist, NODE_PATH: path.join(ROOT, 'node_modules') },
      });
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(0);
      return dist;
    };
    // the tsc build first: it generates the state both synths share
    const fromTsc = synth(tscOut, path.join(work, 'dist-tsc'));
    const fromFast = synth(fastOut, path.join(work, 'dist-fast'));
    const files = filesIn(fromTsc);
    expect(filesIn(fromFast)).toEqual(files);
    for (const f of files) {
      expect([f, fs.readFileSync(path.join(fromFast, f), 'utf8')]).toEqual([f, fs.readFileSync(path.join(fromTsc, f), 'utf8')]);
    }
    const objects = parseAllDocuments(fs.readFileSync(path.join(fromFast, 'dockyard.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const scripts = objects.filter((o) => o?.kind === 'ConfigMap' && o.data?.['configure.js'] !== undefined);
    expect(scripts).toHaveLength(1);
    // the script the build put beside configure-job.js, without its comment lines (lib/harbor/script-code.ts)
    expect(scripts[0].data['configure.js']).toBe(scriptCode(fs.readFileSync(path.join(fastOut, 'lib', 'harbor', 'configure.js'), 'utf8')));
    expect(scripts[0].data['configure.js']).toContain('async function applyGc(');
  });
});
