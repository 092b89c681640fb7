// The API server keeps one object per group, kind, namespace and name: its storage key is the resource's prefix, then
// the namespace and the name (kubernetes/apiserver pkg/registry/generic/registry/store.go, NamespaceKeyFunc; NoNamespaceKeyFunc
// for cluster-scoped kinds), so a second `kubectl apply` of the same identity updates the first, and two constructs
// rendering one identity apply as one object, the second replacing the first. A
// review found two DatabaseGrants in one namespace rendering two NetworkPolicies "database-grants", so one Job lost its
// egress. Every chart refuses a repeated identity as it renders, and synthesize across its charts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { DatabaseGrants, DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { kube } from '../../lib/core/k8s';
import { testChart, thrown } from '../util';

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The one-line refusal of `what`, rendered by the constructs at `a` and `b`. */
const refusal = (what: string, a: string, b: string) => `invalid object "${what}": must be rendered once, but ${a} and ${b} both ` +
  'render it, and the API server keeps one object per kind, namespace and name (the second applied would replace the first): give one of ' +
  'them another name or namespace';

describe('a repeated object identity', () => {
  test('two objects of one kind, namespace and name in a chart are refused, by toJson and by the streamed manifest alike', () => {
    const make = () => {
      const chart = testChart('apps');
      kube(chart, 'A', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: '1' } });
      kube(chart, 'B', 'ConfigMap', { metadata: { name: 'settings' }, data: { b: '2' } });
      return chart;
    };
    const expected = refusal('ConfigMap apps/settings', 'test/A', 'test/B');
    expect(thrown(() => make().toJson()).message).toBe(expected);
    expect(thrown(() => make()._toYamlChunks()).message).toBe(expected);
  });

  test('in a chart with dependencies (rendered in cdk8s\'s order), the refusal names both constructs too (review)', () => {
    const chart = testChart('apps');
    const a = kube(chart, 'A', 'ConfigMap', { metadata: { name: 'settings' }, data: { a: '1' } });
    const b = kube(chart, 'B', 'ConfigMap', { metadata: { name: 'settings' }, data: { b: '2' } });
    b.node.addDependency(a);
    expect(thrown(() => chart.toJson()).message).toBe(refusal('ConfigMap apps/settings', 'test/A', 'test/B'));
  });

  test('another namespace, another kind or another API group is another object; rendering twice claims nothing twice', () => {
    const chart = testChart('apps');
    kube(chart, 'A', 'ConfigMap', { metadata: { name: 'settings' }, data: {} });
    kube(chart, 'B', 'ConfigMap', { metadata: { name: 'settings', namespace: 'other' }, data: {} });
    kube(chart, 'C', 'ServiceAccount', { metadata: { name: 'settings' } });
    kube(chart, 'D', 'NetworkPolicy', { metadata: { name: 'settings' }, spec: { podSelector: {} } });
    // a custom resource of the same kind name in another group
    new ApiObject(chart, 'E', { apiVersion: 'crd.example.com/v1', kind: 'NetworkPolicy', metadata: { name: 'settings' } });
    expect(chart.toJson()).toHaveLength(5);
    expect(chart.toJson()).toHaveLength(5);
    expect(chart._toYamlChunks().length).toBeGreaterThan(0);
  });

  test('a cluster-scoped kind is one object whatever namespace its props name', () => {
    const chart = testChart('apps');
    kube(chart, 'A', 'ClusterRole', { metadata: { name: 'reader' }, rules: [] });
    kube(chart, 'B', 'ClusterRole', { metadata: { name: 'reader', namespace: 'elsewhere' }, rules: [] });
    expect(thrown(() => chart.toJson()).message).toBe(refusal('ClusterRole reader', 'test/A', 'test/B'));
  });

  test('synthesize refuses one identity rendered by two charts, before anything is written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-object-names-'));
    made.push(dir);
    const app = new App({ outdir: path.join(dir, 'dist') });
    for (const id of ['first', 'second']) {
      const chart = new DockyardChart(app, id, { namespace: 'apps' });
      kube(chart, 'Settings', 'ConfigMap', { metadata: { name: 'settings' }, data: { id } });
    }
    expect(thrown(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }))).message)
      .toBe(refusal('ConfigMap apps/settings', 'first/Settings', 'second/Settings'));
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
  });

  test('synthesize refuses a chart\'s object of a generated Secret\'s identity, which secrets.local.yaml would write again (review)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-object-names-'));
    made.push(dir);
    const app = new App({ outdir: path.join(dir, 'dist') });
    const a = new DockyardChart(app, 'a', { namespace: 'x' });
    new Secret(a, 'S', { name: 'creds', values: { password: SecretValue.password(20) } });
    const b = new DockyardChart(app, 'b', { namespace: 'x' });
    new ApiObject(b, 'Raw', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'mine' } });
    expect(thrown(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }))).message)
      .toBe(refusal('Secret x/creds', 'b/Raw', 'generated Secret a/S'));
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
  });

  test('the review\'s case: two DatabaseGrants of the default name in one namespace', () => {
    const chart = testChart('dockyard');
    const adminPassword = Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password');
    new DatabaseGrants(chart, 'A', { host: 'a.example.com', port: 25060, adminUser: 'doadmin', adminPassword, grants: [{ database: 'one', user: 'one' }] });
    new DatabaseGrants(chart, 'B', { host: 'b.example.com', port: 5432, adminUser: 'postgres', adminPassword, grants: [{ database: 'two', user: 'two' }] });
    // the first object of the two that clash, in the order they render, the list of the current Job
    // (lib/core/current-jobs.ts), and the prop that names both, at its default
    expect(thrown(() => chart.toJson()).message).toBe('invalid name "database-grants": must differ between two DatabaseGrants constructs in one ' +
      'namespace, but test/A and test/B both have it (DatabaseGrants\'s default when name is unset) and both render ConfigMap ' +
      'dockyard/database-grants-jobs: give one of them another name, a DNS label');
  });
});
