// A team's database added later to a stack built on the default platform (README "Many teams", its `appDb`), over the
// same platform: `defaultPlatform(...).postgres` is the in-cluster PostgreSQL the platform's own databases are on.
// The official image runs its init scripts only while PGDATA is empty (docker-library/postgres 6edb0a8c4d,
// 17/bookworm/docker-entrypoint.sh lines 92 and 342-357), so a database added later reaches the server through the
// reconciler's Job alone, and the PostgreSQL StatefulSet must not roll for it.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as ts from 'typescript';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultPlatform } from '../../apps/default/stack';
import { NetworkPeer, Secret, SecretValue, TeamMember, TeamPlatform } from '../../lib';
import { synthStack } from '../stacks';

/** The default platform with team `payments`, and with its database when `withDatabase`. */
function build(app: App, withDatabase: boolean) {
  const platform = defaultPlatform(app, DEFAULT_CONFIG, { sharedPipelineRepos: ['example/demo'] });
  const teams = new TeamPlatform(platform.chart, 'Teams', { ci: platform.ci, harbor: platform.harbor, sharedProjects: ['dockerhub'] });
  const payments = teams.addTeam({ name: 'payments', repos: ['example/payments-*'], namespaces: ['payments', 'payments-staging'] });
  if (withDatabase) {
    const appDb = platform.postgres.addDatabase('payments', { connectionLimit: 10 });
    payments.allowEgress(NetworkPeer.pods(platform.postgres.namespace, { 'app.kubernetes.io/name': 'postgres' }), [platform.postgres.port]);
    appDb.grantConnect(payments.appPeer);
    for (const namespace of payments.namespaces) {
      new Secret(platform.chart, `PaymentsDatabase-${namespace}`, { name: 'payments-database', namespace, values: { password: SecretValue.copyOf(appDb.password) } });
    }
  }
  return platform.chart;
}

describe('apps/default: a stack on defaultPlatform adds a team\'s database to the platform\'s PostgreSQL later', () => {
  const before = synthStack('teams', (app) => build(app, false));
  const after = synthStack('teams-db', (app) => build(app, true));
  const find = (objects: any[], kind: string, ns: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

  test('the database is the platform\'s PostgreSQL\'s: its reconciler creates it, and the server rolls not', () => {
    const reconcile = (objects: any[]) => objects.find((o) => o.kind === 'ConfigMap' && /^postgres-reconcile-[0-9a-f]{8}$/.test(o.metadata.name));
    expect(JSON.stringify(reconcile(before.objects).data)).not.toMatch(/"payments"|\bpayments\b/);
    expect(JSON.stringify(reconcile(after.objects).data)).toMatch(/\bpayments\b/);
    const template = (objects: any[]) => JSON.stringify(find(objects, 'StatefulSet', 'dockyard', 'postgres').spec.template);
    expect(template(after.objects)).toBe(template(before.objects));
  });

  test('the team\'s app namespaces reach it, and its pods get the password in their own namespace', () => {
    const policy = find(after.objects, 'NetworkPolicy', 'dockyard', 'postgres');
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'dockyard.dev/team': 'payments', 'dockyard.dev/team-namespace': 'app' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    const password = find(after.secrets, 'Secret', 'dockyard', 'postgres-payments').stringData.password;
    for (const namespace of ['payments', 'payments-staging']) {
      expect([namespace, find(after.secrets, 'Secret', namespace, 'payments-database')?.stringData.password]).toEqual([namespace, password]);
    }
  });

  // The README's example itself, run on the default platform's parts (as test/docs/readme-examples.test.ts only
  // type-checks it): the database's policy admits every app namespace of the team (`appPeer`), so each of them, and
  // not only the one named like the team, must get the password, or the staging pods connect without one
  test('README "Many teams": every app namespace the database admits gets its password', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Many teams\n'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)![1];
    expect(block).toContain('postgres.addDatabase(');
    // the README's team owns acme/payments-*: the platform's organisation is acme
    const platform = defaultPlatform(new App({ outdir: '/nonexistent' }), { ...DEFAULT_CONFIG, organization: 'acme' }, { sharedPipelineRepos: ['acme/demo'] });
    const names = ['chart', 'ci', 'harbor', 'postgres', 'NetworkPeer', 'Secret', 'SecretValue', 'TeamMember', 'TeamPlatform'];
    const code = ts.transpileModule(`${block}\nreturn { payments, paymentsDb };`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const { payments, paymentsDb } = new Function(...names, code)(platform.chart, platform.ci, platform.harbor, platform.postgres,
      NetworkPeer, Secret, SecretValue, TeamMember, TeamPlatform);
    const copies = platform.chart.node.findAll().filter((c): c is Secret => c instanceof Secret && c.secretName === 'payments-database');
    expect(payments.namespaces).toEqual(['payments', 'payments-staging']);
    expect(copies.map((c) => c.namespace).sort()).toEqual([...payments.namespaces].sort());
    for (const copy of copies) {
      expect(copy.values.password.sources.value).toBe(paymentsDb.password);
    }
  });
});
