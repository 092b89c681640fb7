import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { kube } from '../../lib/core/k8s';
import { stderrOf } from '../util';

/** When set, stands in for `fs.renameSync` (the module's own property cannot be spied on). */
let mockRename: ((from: fs.PathLike, to: fs.PathLike) => void) | undefined;
jest.mock('fs', () => {
  const actual = jest.requireActual('fs');
  return { ...actual, renameSync: (from: any, to: any) => (mockRename ?? actual.renameSync)(from, to) };
});

// synthesize swaps its output in through two siblings of the output directory: `.<dir>.new-XXXXXX`, the staging
// folder it fills, and `.<dir>.old-XXXXXX`, where the previous output waits between the two renames

/** The temporary directories the tests made, removed after them. */
const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function workdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-synth-'));
  made.push(dir);
  return dir;
}

/** An app writing to `outdir`: one ConfigMap holding `note`, and one generated Secret. */
function build(outdir: string, note = 'one'): App {
  const app = new App({ outdir });
  const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
  kube(chart, 'C', 'ConfigMap', { metadata: { name: 'settings' }, data: { note } });
  new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
  return app;
}

function synthInto(outdir: string, statePath: string, note?: string): string[] {
  let written: string[] = [];
  stderrOf(() => { written = synthesize(build(outdir, note), new LocalSecretStore({ statePath })); });
  return written;
}

describe('synthesize: the staging folders', () => {
  test('an output directory below a folder whose name holds ".new-" is written', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'site.new-ui', 'dist');
    const written = synthInto(outdir, path.join(dir, 'state.json'));
    expect(written).toEqual([path.join(outdir, 'test.k8s.yaml'), path.join(outdir, 'secrets.local.yaml')]);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
    // a second synth swaps the previous output out beside it, in the same folder, and removes it
    synthInto(outdir, path.join(dir, 'state.json'), 'two');
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    expect(fs.readdirSync(path.join(dir, 'site.new-ui'))).toEqual(['dist']);
    expect(fs.readdirSync(dir).sort()).toEqual(['site.new-ui', 'state.json', 'state.lock.json']);
  });

  test('a staging folder an interrupted synth left is removed, secrets and all; other folders are not', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    synthInto(outdir, statePath);
    // a synth killed while writing: its half-filled staging folder, with the generated Secrets
    const stale = path.join(dir, '.dist.new-Ab3xYz');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'secrets.local.yaml'), 'kind: Secret\n', { mode: 0o600 });
    // not a staging folder of this output directory: another's, and one of another shape
    fs.mkdirSync(path.join(dir, '.dist2.new-Ab3xYz'));
    fs.mkdirSync(path.join(dir, '.dist.new-keep-me'));
    synthInto(outdir, statePath, 'two');
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.new-keep-me', '.dist2.new-Ab3xYz', 'dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  test('a synth interrupted between the renames: the previous output is put back first, and then replaced', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    synthInto(outdir, statePath);
    const previous = fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8');
    // killed after moving the output aside, before moving the staging folder in; an older leftover beside it
    fs.renameSync(outdir, path.join(dir, '.dist.old-Qw12er'));
    fs.mkdirSync(path.join(dir, '.dist.old-Zz99zz'));
    fs.writeFileSync(path.join(dir, '.dist.old-Zz99zz', 'test.k8s.yaml'), 'stale\n');
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dir, '.dist.old-Zz99zz'), past, past);
    fs.mkdirSync(path.join(dir, '.dist.new-Qw12er'));

    // a synth that fails while rendering touches nothing: the leftovers are cleared when an output is written
    const app = build(outdir, 'two');
    const chart = app.node.findChild('test') as DockyardChart;
    kube(chart, 'B', 'ConfigMap', { metadata: { name: 'big' }, data: { x: 'x'.repeat(1024 * 1024) } });
    expect(() => stderrOf(() => synthesize(app, new LocalSecretStore({ statePath })))).toThrow(/^invalid ConfigMap platform\/big/);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.new-Qw12er', '.dist.old-Qw12er', '.dist.old-Zz99zz', 'state.json', 'state.lock.json']);

    synthInto(outdir, statePath, 'two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    // the kept password is the previous output's
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(previous);
  });

  test('the newest previous output is the one put back', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    synthInto(outdir, statePath);
    fs.renameSync(outdir, path.join(dir, '.dist.old-Newest'));
    fs.mkdirSync(path.join(dir, '.dist.old-Oldest'));
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dir, '.dist.old-Oldest'), past, past);
    // a synth whose swap fails after the recovery: the output it recovered stays, and the older one is gone
    const renameSync = jest.requireActual('fs').renameSync;
    mockRename = (from, to) => {
      if (String(from).includes('.dist.new-')) throw new Error('interrupted');
      renameSync(from, to);
    };
    try {
      expect(() => synthInto(outdir, statePath, 'two')).toThrow('interrupted');
    } finally {
      mockRename = undefined;
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
  });

  test('an output link left dangling by an interrupted swap gets its target back, and stays a link', () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'gitops'));
    const link = path.join(dir, 'dist');
    fs.symlinkSync(path.join(dir, 'gitops'), link);
    const statePath = path.join(dir, 'state.json');
    synthInto(link, statePath);
    fs.renameSync(path.join(dir, 'gitops'), path.join(dir, '.gitops.old-Ab3xYz'));
    synthInto(link, statePath, 'two');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'gitops', 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'gitops', 'state.json', 'state.lock.json']);
  });
});
