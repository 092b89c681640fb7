import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { applyOrderWarnings } from '../../lib/core/apply-order';
import { kube } from '../../lib/core/k8s';
import { stderrOf } from '../util';

// kubectl apply -f <dir> reads the directory's files in lexical order of their names and applies their objects in
// that order: k8s.io/cli-runtime v0.36.2 pkg/resource/visitor.go, ExpandPathsToFileVisitors, walks the directory with
// Go's filepath.Walk ("The files are walked in lexical order"), skipping subdirectories without -R. An object whose
// Namespace comes later is refused on a fresh cluster.

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** What synthesize prints for an app of one chart `id` that creates namespace `team` and a generated Secret in it. */
function synthWarnings(id: string, extra?: (app: App) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-apply-order-'));
  made.push(dir);
  const app = new App({ outdir: path.join(dir, 'dist') });
  const chart = new DockyardChart(app, id, { namespace: 'team' });
  kube(chart, 'Ns', 'Namespace', { metadata: { name: 'team' } });
  kube(chart, 'C', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: 'b' } });
  new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
  extra?.(app);
  return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
}

describe('applyOrderWarnings', () => {
  const file = (p: string, defines: string[], uses: [string, string][]) => ({ path: p, defines: new Set(defines), uses: new Map(uses) });

  test('a file sorting before the one that creates its namespace is named, with the object, both files and the way out', () => {
    expect(applyOrderWarnings([
      file('tenants.k8s.yaml', ['team'], [['team', 'ConfigMap team/settings']]),
      file('secrets.local.yaml', [], [['team', 'Secret team/db']]),
    ])).toEqual(['kubectl apply -f on the output directory would create Secret team/db (secrets.local.yaml) before Namespace team ' +
      '(tenants.k8s.yaml): it reads files in name order; apply tenants.k8s.yaml first, or give its chart an id that sorts before secrets.local.yaml']);
  });

  test('names sort by their bytes, as Go compares strings: an upper-case chart id sorts before "secrets"', () => {
    expect(applyOrderWarnings([file('Tenants.k8s.yaml', ['team'], []), file('secrets.local.yaml', [], [['team', 'Secret team/db']])])).toEqual([]);
    expect(applyOrderWarnings([file('zeta.k8s.yaml', ['team'], []), file('alpha.k8s.yaml', [], [['team', 'Role team/r']])])).toHaveLength(1);
  });

  test('a namespace no file creates, one created earlier, files in subdirectories, and a second object of one namespace: no warning', () => {
    expect(applyOrderWarnings([file('a.k8s.yaml', [], [['kube-system', 'Role kube-system/r']])])).toEqual([]);
    expect(applyOrderWarnings([file('a.k8s.yaml', ['team'], []), file('b.k8s.yaml', [], [['team', 'Role team/r']])])).toEqual([]);
    expect(applyOrderWarnings([file('z.k8s.yaml', ['team'], []), file('nodes/a.yaml', [], [['team', 'Secret team/x']])])).toEqual([]);
    expect(applyOrderWarnings([
      file('z.k8s.yaml', ['team'], []), file('a.k8s.yaml', [], [['team', 'Role team/r']]), file('b.k8s.yaml', [], [['team', 'Role team/s']]),
    ])).toHaveLength(1);
  });

  test('many namespaces out of order between the same two files are one line, naming the first object and counting the rest', () => {
    const teams = Array.from({ length: 8 }, (_, i) => `team-${i}`);
    expect(applyOrderWarnings([
      file('tenants.k8s.yaml', teams, []),
      file('secrets.local.yaml', [], teams.map((t) => [t, `Secret ${t}/pull`])),
    ])).toEqual(['kubectl apply -f on the output directory would create Secret team-0/pull (secrets.local.yaml) before Namespace team-0 ' +
      '(tenants.k8s.yaml), and objects of 7 more namespaces (team-1, team-2, team-3, team-4, team-5 and 2 more) before theirs: it reads ' +
      'files in name order; apply tenants.k8s.yaml first, or give its chart an id that sorts before secrets.local.yaml']);
    expect(applyOrderWarnings([
      file('tenants.k8s.yaml', ['a', 'b'], []),
      file('secrets.local.yaml', [], [['a', 'Secret a/x'], ['b', 'Secret b/x']]),
    ])[0]).toContain('before Namespace a (tenants.k8s.yaml), and objects of 1 more namespace (b) before theirs: ');
  });

  test('each pair of files gets its own line, in the order kubectl meets them', () => {
    expect(applyOrderWarnings([
      file('zeta.k8s.yaml', ['z'], []), file('tenants.k8s.yaml', ['t'], []),
      file('alpha.k8s.yaml', [], [['t', 'Role t/r'], ['z', 'Role z/r']]),
      file('secrets.local.yaml', [], [['t', 'Secret t/x']]),
    ]).map((w) => w.slice(0, w.indexOf(':')))).toEqual([
      'kubectl apply -f on the output directory would create Role t/r (alpha.k8s.yaml) before Namespace t (tenants.k8s.yaml)',
      'kubectl apply -f on the output directory would create Role z/r (alpha.k8s.yaml) before Namespace z (zeta.k8s.yaml)',
    ]);
  });
});

describe('synthesize warns of an apply order that fails on a fresh cluster', () => {
  test('a chart whose manifest sorts after secrets.local.yaml', () => {
    expect(synthWarnings('tenants')).toContain('dockyard: warning: kubectl apply -f on the output directory would create Secret team/db ' +
      '(secrets.local.yaml) before Namespace team (tenants.k8s.yaml)');
  });

  test('a chart sorting first: nothing', () => {
    expect(synthWarnings('platform')).not.toContain('kubectl apply');
  });

  test('a second chart with objects in the first chart\'s namespace, sorting before it', () => {
    const stderr = synthWarnings('platform', (app) => {
      const other = new DockyardChart(app, 'apps');
      kube(other, 'R', 'ServiceAccount', { metadata: { name: 'deployer', namespace: 'team' } });
    });
    expect(stderr).toContain('would create ServiceAccount team/deployer (apps.k8s.yaml) before Namespace team (platform.k8s.yaml)');
  });
});
