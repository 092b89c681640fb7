// Synth benchmark, in one run on this machine:
// 1. the README's synth command, `npm run synth` end to end (the fast build of scripts/build-synth.js, then the
//    synth), after a clean build and with nothing changed, beside the previous command (tsc over everything, then
//    node) and the cdk8s TypeScript template's `cdk8s synth` of a one-Deployment app (bench/template/, as
//    `cdk8s init typescript-app` generates it), with the ratio;
// 2. the default stack against a one-Deployment cdk8s-plus floor, each run as compiled JavaScript, directly with
//    node and through `cdk8s synth`;
// 3. apps/teams with 100 and 1,000 teams beside the same floor, on Drone and on Woodpecker: the growth from 100 to
//    1,000 teams (linear is 10x the per-team part: the bound is time(1000)/time(100) <= 8), 1,000 teams
//    against 6x the floor, and the largest object at 1,000 teams against the 256 KiB that client-side
//    `kubectl apply` can store; and, for reference, the same objects written again by cdk8s alone (bench/same-objects/).
// Prints the median of 5 runs after one warm-up; section 3, of 7 rounds after one warm-up round.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const RUNS = 5;
const TARGET_RATIO = 1.3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-bench-'));
const env = { ...process.env, DOCKYARD_STATE: path.join(work, 'state.json') };
const cli = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface RunOptions {
  cwd?: string;
  /** runs before each run, untimed */
  before?: () => void;
  extraEnv?: NodeJS.ProcessEnv;
}

/** Run `command` once, with `{out}` in its arguments and `CDK8S_OUTDIR` set to `outdir`; returns its wall time in ms. */
function timeOnce(command: string[], outdir: string, options: RunOptions): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1).map((a) => a.replace('{out}', outdir)), {
    cwd: options.cwd ?? ROOT, env: { ...env, CDK8S_OUTDIR: outdir, ...options.extraEnv }, encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command.join(' ')} failed: ${result.stderr}${result.stdout}`);
  }
  return ms;
}

/** The median time of `RUNS` runs of `command`, after one warm-up run; run `i` writes to `<work>/out-<i>`. */
function median(command: string[], options: RunOptions = {}): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    options.before?.();
    const ms = timeOnce(command, path.join(work, `out-${i}`), options);
    if (i > 0) {
      times.push(ms);
    }
  }
  return mid(times);
}

/** The median of `values` (the upper one of an even count). */
function mid(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/**
 * Run each command once per round, in order, for one warm-up round and `runs` timed ones; returns each timed round's
 * times, in the commands' order. Round `i`'s output of command `j` is in `<work>/<name>-round-<i>-<j>`: a section of
 * its own for each call, as each stack keeps an output directory of its own (a synth refuses a new state over an
 * output another state made).
 */
function interleaved(name: string, commands: [string[], RunOptions][], runs: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i <= runs; i++) {
    const times = commands.map(([command, options], j) => timeOnce(command, path.join(work, `${name}-round-${i}-${j}`), options));
    if (i > 0) {
      out.push(times);
    }
  }
  return out;
}

const ms = (t: number) => `${t.toFixed(0).padStart(7)} ms`;
/** A path as one single-quoted shell word, whatever it holds: these commands go through `sh -c`. */
const sh = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

// 1. The README's synth command against the cdk8s TypeScript template.
const cacheFile = path.join(ROOT, 'build', '.synth-build.json');
const clean = median([npm, 'run', 'synth'], { before: () => fs.rmSync(cacheFile, { force: true }) });
const unchanged = median([npm, 'run', 'synth']);

// the previous `npm run synth`: tsc over everything (here into a scratch outDir, so build/ is left alone), then node
const previousOut = path.join(work, 'previous-build');
const previous = median(['sh', '-c', `${sh(process.execPath)} ${sh(tsc)} -p tsconfig.json --outDir ${sh(previousOut)} && ` +
  `${sh(process.execPath)} ${sh(path.join(previousOut, 'apps', 'default', 'main.js'))}`], { extraEnv: { NODE_PATH: path.join(ROOT, 'node_modules') } });

// the template as generated: main.ts, tsconfig.json and cdk8s.yaml, in a project folder of its own
const template = path.join(work, 'template');
fs.mkdirSync(template);
for (const f of ['main.ts', 'tsconfig.json', 'cdk8s.yaml']) {
  fs.copyFileSync(path.join(ROOT, 'bench', 'template', f), path.join(template, f));
}
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(template, 'node_modules'), 'dir');
const templateApp = /^app:\s*(.*)$/m.exec(fs.readFileSync(path.join(template, 'cdk8s.yaml'), 'utf8'))?.[1].trim();
let tsNode: string | undefined;
try {
  tsNode = require.resolve('ts-node/register', { paths: [ROOT] });
} catch {
  tsNode = undefined;
}
// `npx ts-node main.ts` type-checks main.ts and runs it; without ts-node, tsc (same checks, with the template's
// tsconfig.json) and then node stand in for it
const app = tsNode
  ? `${sh(process.execPath)} -r ${sh(tsNode)} main.ts`
  : `${sh(process.execPath)} ${sh(tsc)} && ${sh(process.execPath)} main.js`;
const how = tsNode ? 'node -r ts-node/register main.ts' : 'tsc && node main.js, as ts-node is not installed';
const templateMs = median([process.execPath, cli, 'synth', '--no-check-upgrade', '--app', app, '--output', '{out}'], { cwd: template });

console.log(`README synth command vs the cdk8s TypeScript template (one cdk8s-plus-27 Deployment), median of ${RUNS} runs`);
console.log(`  npm run synth, clean build (every file compiled)        ${ms(clean)}`);
console.log(`  npm run synth, nothing changed since the last synth     ${ms(unchanged)}`);
console.log(`  previous npm run synth (tsc over everything, then node) ${ms(previous)}`);
console.log(`  template: cdk8s synth                                   ${ms(templateMs)}`);
console.log(`    (its cdk8s.yaml runs \`${templateApp}\`; emulated with ${how})`);
console.log(`  ratio npm run synth / template: clean build ${(clean / templateMs).toFixed(2)}, nothing changed ` +
  `${(unchanged / templateMs).toFixed(2)} (target <= ${TARGET_RATIO})`);
console.log();

// 2. The default stack against the floor, as compiled JavaScript (built by `npm run bench`).
const stack = path.join(ROOT, 'build', 'apps', 'default', 'main.js');
const floor = path.join(ROOT, 'build', 'bench', 'floor', 'main.js');
const rows = [
  ['node (compiled app)', median([process.execPath, stack]), median([process.execPath, floor])],
  ['cdk8s synth (compiled app)', median([process.execPath, cli, 'synth', '--no-check-upgrade', '--app', `${process.execPath} ${stack}`, '--output', '{out}']),
    median([process.execPath, cli, 'synth', '--no-check-upgrade', '--app', `${process.execPath} ${floor}`, '--output', '{out}'])],
] as const;
console.log(`median of ${RUNS} runs, ms      default stack    floor    overhead`);
for (const [name, ours, base] of rows) {
  console.log(`${name.padEnd(28)} ${ours.toFixed(0).padStart(13)} ${base.toFixed(0).padStart(8)} ${((ours / base - 1) * 100).toFixed(1).padStart(10)}%`);
}
console.log();

// 3. Many teams: apps/teams, compiled, with DOCKYARD_TEAMS teams, each size with a state of its own, on Drone (the
// issue's targets) and on Woodpecker (reported beside them: its routes give every team agents of its own). The floor
// and both sizes run in rounds, one of each per round, so that each 1,000-team run has a floor run beside it under the
// same load: this machine's load drifts over seconds, and a ratio of medians taken a minute apart drifts with it.
// The verdicts are on the medians of the rounds' ratios; the ratio of the medians is printed beside the first.
const TEAM_RUNS = 7;
const teamsApp = path.join(ROOT, 'build', 'apps', 'teams', 'main.js');
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s', { paths: [ROOT] }))] }));
const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER');

/** Section 3 for one CI engine (`DOCKYARD_CI`). */
function teamsSection(ci: 'drone' | 'woodpecker'): void {
  const teamsCommand = (teams: number): [string[], RunOptions] => [[process.execPath, teamsApp], {
    extraEnv: { DOCKYARD_CI: ci, DOCKYARD_TEAMS: String(teams), DOCKYARD_STATE: path.join(work, `teams-${ci}-${teams}`, 'state.json') },
  }];
  const rounds = interleaved(`teams-${ci}`, [[[process.execPath, floor], {}], teamsCommand(100), teamsCommand(1000)], TEAM_RUNS);
  const floorMs = mid(rounds.map((r) => r[0]));
  const t100 = mid(rounds.map((r) => r[1]));
  const t1000 = mid(rounds.map((r) => r[2]));
  const pairedRatio = mid(rounds.map((r) => r[2] / r[0]));
  const pairedGrowth = mid(rounds.map((r) => r[2] / r[1]));
  // the output of the last 1,000-team run: every object's JSON size, as kubectl would send it
  let largest = { bytes: 0, name: '' };
  const lastOut = path.join(work, `teams-${ci}-round-${TEAM_RUNS}-2`);
  const objects: unknown[] = [];
  for (const file of fs.readdirSync(lastOut).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(lastOut, file), 'utf8'))) {
      const object = doc.toJS();
      objects.push(object);
      const bytes = Buffer.byteLength(JSON.stringify(object));
      if (bytes > largest.bytes) largest = { bytes, name: `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}` };
    }
  }
  console.log(`apps/teams on ${ci}, compiled, run with node, median of ${TEAM_RUNS} rounds (floor, 100, 1,000 teams each)` +
    (ci === 'drone' ? '' : ': for information, the issue\'s targets are on Drone'));
  console.log(`  floor (one Deployment)      ${ms(floorMs)}`);
  console.log(`  100 teams                   ${ms(t100)}`);
  console.log(`  1,000 teams                 ${ms(t1000)}   ${pairedRatio.toFixed(2)}x the floor, median of the rounds' ratios (target <= 6: ${verdict(pairedRatio <= 6)}); ratio of the medians ${(t1000 / floorMs).toFixed(2)}x`);
  console.log(`  time(1000) / time(100)      ${pairedGrowth.toFixed(2).padStart(7)}      median of the rounds' ratios (target <= 8: ${verdict(pairedGrowth <= 8)})`);
  console.log(`  largest object at 1,000     ${(largest.bytes / 1024).toFixed(1).padStart(7)} KiB  ${largest.name} (target <= 256 KiB: ${verdict(largest.bytes <= 256 * 1024)})`);
  if (ci === 'drone') {
    sameObjects(objects, floorMs, t1000);
  }
}

/**
 * For reference beside the 6x bound: the objects of the last 1,000-team run written again by cdk8s alone
 * (bench/same-objects/), the median of `RUNS` runs after a warm-up, each its wall time less the time it took to parse
 * its input, against the floor and the 1,000-team synth measured above.
 */
function sameObjects(objects: unknown[], floorMs: number, t1000: number): void {
  const input = path.join(work, 'same-objects.json');
  fs.writeFileSync(input, JSON.stringify(objects));
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [path.join(ROOT, 'build', 'bench', 'same-objects', 'main.js'), input], {
      cwd: ROOT, env: { ...env, CDK8S_OUTDIR: path.join(work, `same-objects-${i}`) }, encoding: 'utf8',
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      throw new Error(`bench/same-objects failed: ${result.stderr}`);
    }
    if (i > 0) {
      times.push(wall - Number(result.stdout.trim()));
    }
  }
  const same = mid(times);
  console.log(`  the same ${objects.length.toLocaleString('en-US')} objects through cdk8s alone (ApiObject, app.synth()), for reference:`);
  console.log(`                              ${ms(same)}   ${(same / floorMs).toFixed(2)}x the floor; the 1,000-team synth takes ${(t1000 / same).toFixed(2)}x its time`);
}

teamsSection('drone');
console.log();
teamsSection('woodpecker');
fs.rmSync(work, { recursive: true, force: true });
