// Two stacks on one secret state (the default stack into dist/, apps/teams into dist-teams/) each write the shared
// credentials into their own output. A rotation from one leaves the other's output holding the old values, and
// applying it as it is puts them back in the cluster. The README said to synthesize every other stack again; the
// state now records the output directories synths from it wrote, and a rotating synth names the others.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { stderrOf } from '../util';

const STALE = /^dockyard: warning: another output directory was made from this state before this rotation, and may hold the old value: (.*); synthesize its stack again before applying it, or the apply puts the old value back in the cluster$/m;

function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-stale-'));
  const statePath = path.join(dir, 'state.json');
  /** Synthesize a stack with the shared Secret `db` into `outdir`, rotating `rotate`; returns what it printed. */
  const synth = (outdir: string, options: { rotate?: string[]; state?: string } = {}) => stderrOf(() => {
    const app = new App({ outdir: path.join(dir, outdir) });
    const chart = new DockyardChart(app, 'test', { namespace: 'ci' });
    new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
    synthesize(app, new LocalSecretStore({ statePath: options.state ?? statePath, rotate: options.rotate ?? [] }));
  });
  const outputs = (): string[] => JSON.parse(fs.readFileSync(statePath, 'utf8')).outputs;
  return { dir, statePath, synth, outputs, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('a rotation names the other output directories made from the same state, and no others', () => {
  const w = workspace();
  expect(w.synth('dist')).not.toMatch(STALE);
  expect(w.synth('dist-teams')).not.toMatch(STALE);
  // sorted absolute paths: the state's text does not depend on which stack ran first
  expect(w.outputs()).toEqual([path.join(w.dir, 'dist'), path.join(w.dir, 'dist-teams')]);
  const warned = w.synth('dist', { rotate: ['ci/db/password'] });
  expect(warned).toContain('dockyard: rotated 1 key on purpose: ci/db/password');
  expect(STALE.exec(warned)?.[1]).toBe(JSON.stringify(path.join(w.dir, 'dist-teams')));
  // the stale output does hold the old value: what the warning is for
  const password = (out: string) => /password: "?([A-Za-z0-9]+)/.exec(fs.readFileSync(path.join(w.dir, out, 'secrets.local.yaml'), 'utf8'))?.[1];
  expect(password('dist-teams')).not.toBe(password('dist'));
  // a synth that rotates nothing says nothing of it, the stale output included
  expect(w.synth('dist')).not.toMatch(STALE);
  w.done();
});

test('an output deleted, or made from another state since, drops off the record and is not named', () => {
  const w = workspace();
  w.synth('dist');
  w.synth('gone');
  w.synth('elsewhere');
  fs.rmSync(path.join(w.dir, 'gone'), { recursive: true });
  // the same directory, now synthesized from a state of its own (which then records it)
  const other = path.join(w.dir, 'other-state.json');
  fs.rmSync(path.join(w.dir, 'elsewhere'), { recursive: true });
  w.synth('elsewhere', { state: other });
  const warned = w.synth('dist', { rotate: ['ci/db/password'] });
  expect(warned).toContain('rotated 1 key on purpose');
  expect(warned).not.toMatch(STALE);
  expect(w.outputs()).toEqual([path.join(w.dir, 'dist')]);
  expect(JSON.parse(fs.readFileSync(other, 'utf8')).outputs).toEqual([path.join(w.dir, 'elsewhere')]);
  w.done();
});

test('a state written before outputs were recorded reads as none, and a second synth into the same output leaves it byte-identical', () => {
  const w = workspace();
  w.synth('dist');
  const state = JSON.parse(fs.readFileSync(w.statePath, 'utf8'));
  delete state.outputs;
  fs.writeFileSync(w.statePath, JSON.stringify(state, undefined, 2) + '\n', { mode: 0o600 });
  w.synth('dist');
  expect(w.outputs()).toEqual([path.join(w.dir, 'dist')]);
  const before = fs.readFileSync(w.statePath);
  w.synth('dist');
  expect(fs.readFileSync(w.statePath)).toEqual(before);
  // a value other than a list of strings reads as none, as the other advisory fields do
  fs.writeFileSync(w.statePath, JSON.stringify({ ...state, outputs: 'dist' }, undefined, 2) + '\n', { mode: 0o600 });
  w.synth('dist');
  expect(w.outputs()).toEqual([path.join(w.dir, 'dist')]);
  w.done();
});

test('a store rendered outside a synth records no output', () => {
  const w = workspace();
  const app = new App({ outdir: path.join(w.dir, 'never') });
  const chart = new DockyardChart(app, 'test', { namespace: 'ci' });
  new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
  stderrOf(() => new LocalSecretStore({ statePath: w.statePath }).render(app));
  expect(JSON.parse(fs.readFileSync(w.statePath, 'utf8')).outputs).toBeUndefined();
  w.done();
});

test('an output written from another directory, which names the state relative to there, stays on the record and is named', () => {
  const w = workspace();
  fs.mkdirSync(path.join(w.dir, 'apps'));
  const cwd = process.cwd();
  try {
    // the default stack from the project's root names the state `state.json`; another stack run from apps/ reads
    // that header from there, where `state.json` would be apps/state.json: the output must not drop off for it
    process.chdir(w.dir);
    w.synth('dist', { state: 'state.json' });
    process.chdir(path.join(w.dir, 'apps'));
    w.synth('dist-teams', { state: '../state.json' });
    expect(w.outputs()).toEqual([path.join(w.dir, 'dist'), path.join(w.dir, 'dist-teams')]);
    const warned = w.synth('dist-teams', { state: '../state.json', rotate: ['ci/db/password'] });
    expect(STALE.exec(warned)?.[1]).toBe(JSON.stringify(path.join(w.dir, 'dist')));
    // a relative name that cannot be this state's (another file name) still takes the output off
    process.chdir(w.dir);
    fs.rmSync(path.join(w.dir, 'dist'), { recursive: true });
    w.synth('dist', { state: 'other.json' });
    w.synth('dist-teams');
    expect(w.outputs()).toEqual([path.join(w.dir, 'dist-teams')]);
  } finally {
    process.chdir(cwd);
  }
  w.done();
});
