import * as pulumi from '@pulumi/pulumi';
import { registered, settled, setup } from './digitalocean/harness';

const CHECKSUM = 'dockyard.dev/inputs-checksum';
const HOST = 'pg-host.placeholder.dockyard';

/**
 * A Job that sets or logs in with a credential runs again when the credential changes: at synth its name carries the
 * values' digest, but under Pulumi the values are Outputs, unknown when the objects are named, so the name counts the
 * keys' names only. Its pod template then carries the values' checksum, which ChartDeployment finishes: a new value
 * changes the template, and @pulumi/kubernetes replaces a Job whose `.spec.template` changed (pulumi-kubernetes
 * v4.32.0 provider/pkg/provider/diff.go, `job` force-new properties; deleted first, as its name stays: provider.go
 * Diff, deleteBeforeReplace), which runs it again. Before, a reset `doadmin` password (or a rotated robot secret)
 * left the reconciler (or Harbor's configure Job) as it was.
 */
describe('a Job under ChartDeployment', () => {
  beforeAll(() => setup());

  /** The DigitalOcean charts' grants: a reconciler logging in as doadmin with a provided password. */
  async function app() {
    const { App } = await import('cdk8s');
    const { DatabaseGrants, DockyardChart, ExternalPostgres, Secret, SslMode } = await import('../../lib');
    const a = new App();
    const chart = new DockyardChart(a, 'c', { namespace: 'ci' });
    const db = new ExternalPostgres(chart, 'Db', {
      host: HOST, port: 25060, databaseName: 'drone', user: 'drone', sslMode: SslMode.REQUIRE,
      password: Secret.fromSecretName(chart, 'DbPassword', 'drone-database').key('password'),
    });
    new DatabaseGrants(chart, 'Grants', {
      host: HOST, port: 25060, adminUser: 'doadmin', adminDatabase: 'defaultdb',
      adminPassword: Secret.fromSecretName(chart, 'Admin', 'postgres-admin').key('password'), databases: [db],
    });
    return { a, chart };
  }

  async function job(run: string, admin: pulumi.Input<string>, user = 'user-password') {
    const { ChartDeployment } = await import('../../lib/pulumi');
    const before = registered.length;
    new ChartDeployment('d', {
      app: (await app()).a,
      secrets: [
        { namespace: 'ci', name: 'postgres-admin', stringData: { password: admin } },
        { namespace: 'ci', name: 'drone-database', stringData: { password: user } },
      ],
      substitutions: { [HOST]: 'private-pg.db.ondigitalocean.com' },
    }, { parent: new pulumi.ComponentResource(`acme:index:${run}`, run) });
    await settled();
    const jobs = registered.slice(before).filter((r) => r.inputs?.kind === 'Job');
    expect(jobs).toHaveLength(1);
    return { name: jobs[0].inputs.metadata.name as string, checksum: jobs[0].inputs.spec.template.metadata.annotations?.[CHECKSUM], secret: jobs[0].secretInputs };
  }

  test('a new credential changes its pod template, under the same name; the same ones change nothing', async () => {
    const first = await job('First', 'admin-one');
    const again = await job('Again', 'admin-one');
    const reset = await job('Reset', pulumi.secret('admin-two'));
    const user = await job('User', 'admin-one', 'user-two');
    expect(first.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toEqual(first);
    expect(reset.name).toBe(first.name);
    expect(reset.checksum).not.toBe(first.checksum);
    // DigitalOcean keeps the users' passwords, which the grants never set: no input of the Job
    expect(user).toEqual(first);
    // over a secret value, kept encrypted in the state, as a workload's checksum is
    expect(reset.secret).toBe(true);
  });

  test('at synth, where the name carries the digest, the template has no checksum: the manifests are as before', async () => {
    const { a } = await app();
    const rendered = a.charts.flatMap((c) => c.toJson()).find((o: any) => o.kind === 'Job');
    expect(rendered.spec.template.metadata.annotations?.[CHECKSUM]).toBeUndefined();
  });
});
