// Synth benchmark: the default stack against a one-Deployment cdk8s-plus floor, each run as compiled JavaScript,
// directly with node and through `cdk8s synth`. Prints the median of 5 runs after one warm-up.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const RUNS = 5;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-bench-'));
const env = { ...process.env, DOCKYARD_STATE: path.join(work, 'state.json') };
const cli = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

function median(command: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const outdir = path.join(work, `out-${i}`);
    const start = process.hrtime.bigint();
    const result = spawnSync(command[0], command.slice(1).map((a) => a.replace('{out}', outdir)), {
      cwd: ROOT, env: { ...env, CDK8S_OUTDIR: outdir }, encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      throw new Error(`${command.join(' ')} failed: ${result.stderr}`);
    }
    if (i > 0) {
      times.push(ms);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

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
fs.rmSync(work, { recursive: true, force: true });
