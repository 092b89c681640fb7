// The build options measured for the fast `npm run synth` (issue 10), in one run: the build step of each, from
// clean and with nothing changed, and whether the default stack it builds synthesizes byte-identically to the full
// tsc build's. Run: node scripts/build-synth.js bench/build-options.ts && node build/bench/build-options.js
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const RUNS = 3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-build-options-'));
const node = process.execPath;
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const ENTRIES = ['apps/default/main.ts', 'apps/harbor-do/main.ts'];

function run(command: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command.join(' ')} failed: ${result.stderr}${result.stdout}`);
  }
  return ms;
}

/** Median of RUNS timed runs; `fresh` gives a clean outDir to each run, else one warm-up run fills it first. */
function median(make: (outDir: string) => string[], fresh: boolean, name: string): { ms: number; outDir: string } {
  const times: number[] = [];
  let outDir = path.join(work, `${name}-warm`);
  if (!fresh) {
    run(make(outDir));
  }
  for (let i = 0; i < RUNS; i++) {
    if (fresh) {
      outDir = path.join(work, `${name}-${i}`);
    }
    times.push(run(make(outDir)));
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(RUNS / 2)], outDir };
}

const esbuildScript = (bundle: boolean) => `
const esbuild = require(${JSON.stringify(require.resolve('esbuild-wasm', { paths: [ROOT] }))});
const fs = require('fs'), path = require('path');
const [outDir, ...entries] = process.argv.slice(2);
(async () => {
  const options = { absWorkingDir: ${JSON.stringify(ROOT)}, outbase: '.', outdir: outDir, platform: 'node', format: 'cjs',
    target: 'es2022', tsconfig: 'tsconfig.json', logLevel: 'error' };
  if (${bundle}) {
    await esbuild.build({ ...options, entryPoints: entries, bundle: true, packages: 'external', keepNames: true });
    // configure-job reads configure.js beside its __dirname, which is now the bundle's
    for (const e of entries) fs.copyFileSync('lib/harbor/configure.js', path.join(outDir, path.dirname(e), 'configure.js'));
  } else {
    const { metafile } = await esbuild.build({ ...options, entryPoints: entries, bundle: true, packages: 'external', write: false, metafile: true });
    await esbuild.build({ ...options, entryPoints: Object.keys(metafile.inputs), bundle: false });
    fs.copyFileSync('lib/harbor/configure.js', path.join(outDir, 'lib/harbor/configure.js'));
  }
  esbuild.stop();
})().catch((e) => { console.error(e); process.exit(1); });
`;
const esbuildFile = (bundle: boolean) => {
  const file = path.join(work, bundle ? 'esbuild-bundle.js' : 'esbuild-transpile.js');
  fs.writeFileSync(file, esbuildScript(bundle));
  return file;
};
const scopedTsconfig = path.join(work, 'tsconfig.synth.json');
fs.writeFileSync(scopedTsconfig, JSON.stringify({
  extends: path.join(ROOT, 'tsconfig.json'),
  compilerOptions: { rootDir: ROOT, incremental: true, declaration: false, typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
  files: [...ENTRIES, 'lib/harbor/configure.js'].map((f) => path.join(ROOT, f)),
  include: [],
}));

const options: { name: string; make: (outDir: string) => string[] }[] = [
  { name: 'full tsc (the previous npm run synth\'s build)', make: (o) => [node, tsc, '-p', 'tsconfig.json', '--outDir', o] },
  { name: '(a) esbuild-wasm, bundle per app', make: (o) => [node, esbuildFile(true), o, ...ENTRIES] },
  { name: '(a) esbuild-wasm, transpile each file', make: (o) => [node, esbuildFile(false), o, ...ENTRIES] },
  { name: '(b) ts.transpileModule (scripts/build-synth.js)', make: (o) => [node, path.join(ROOT, 'scripts', 'build-synth.js'), '--outDir', o, ...ENTRIES] },
  { name: '(c) tsc over the cdk8s side, --incremental', make: (o) => [node, tsc, '-p', scopedTsconfig, '--outDir', o, '--tsBuildInfoFile', path.join(o, '.tsbuildinfo')] },
];

/** The default stack synthesized from `outDir`'s main.js, file by file, with one shared state. */
function synth(outDir: string): Map<string, string> | string {
  const dist = path.join(outDir, '..', `${path.basename(outDir)}-dist`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKYARD_')));
  const result = spawnSync(node, [path.join(outDir, 'apps', 'default', 'main.js')], {
    cwd: work, encoding: 'utf8', env: { ...env, DOCKYARD_STATE: path.join(work, 'state.json'), CDK8S_OUTDIR: dist, NODE_PATH: path.join(ROOT, 'node_modules') },
  });
  if (result.status !== 0) {
    return `failed: ${result.stderr}`;
  }
  return new Map((fs.readdirSync(dist, { recursive: true }) as string[]).sort().filter((f) => fs.statSync(path.join(dist, f)).isFile())
    .map((f) => [f, fs.readFileSync(path.join(dist, f), 'utf8')]));
}

/** 'identical', or what differs from `reference`. */
function compare(out: Map<string, string> | string, reference: Map<string, string>): string {
  if (typeof out === 'string') {
    return out.split('\n')[0];
  }
  const differ = [...new Set([...out.keys(), ...reference.keys()])].filter((f) => out.get(f) !== reference.get(f));
  if (differ.length === 0) {
    return 'identical';
  }
  const [a, b] = [reference.get(differ[0]) ?? '', out.get(differ[0]) ?? ''];
  let line = 0;
  while (a.split('\n')[line] === b.split('\n')[line]) {
    line++;
  }
  return `DIFFERS: ${differ.join(', ')}, from line ${line + 1}: ${JSON.stringify(b.split('\n')[line]?.slice(0, 60))}`;
}

console.log(`build step only, median of ${RUNS} runs, ms     clean  nothing changed  synth output = full tsc's`);
let reference: Map<string, string> | undefined;
for (const { name, make } of options) {
  const clean = median(make, true, name.replace(/\W+/g, '-'));
  const warm = median(make, false, name.replace(/\W+/g, '-'));
  const out = synth(clean.outDir);
  if (reference === undefined && typeof out !== 'string') {
    reference = out;
  }
  console.log(`${name.padEnd(48)} ${clean.ms.toFixed(0).padStart(6)} ${warm.ms.toFixed(0).padStart(16)}  ${reference ? compare(out, reference) : out}`);
}
fs.rmSync(work, { recursive: true, force: true });
