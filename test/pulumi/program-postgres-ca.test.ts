// The managed PostgreSQL's CA (ManagedPostgres.caCertificate, from getDatabaseCa) reaches the Secret each namespace's
// clients mount, and every client verifies the server with it (POSTGRES_SSL_MODE, verify-ca) at the private host
import { DEFERRED_DIGEST, withDigests } from '../../lib/core/checksum';
import { fakeDatabaseCa, registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

const PRIVATE_HOST = 'private-postgres-cluster-a1b2c3.db.ondigitalocean.com';

describe('the managed PostgreSQL\'s CA', () => {
  beforeAll(() => setup(), 60_000);

  const object = (kind: string, namespace: string, name: (n: string) => boolean) => {
    const found = registered.filter((r) => r.inputs?.kind === kind && r.inputs.metadata?.namespace === namespace && name(r.inputs.metadata.name));
    expect(found).toHaveLength(1);
    return found[0].inputs;
  };
  const envOf = (workload: any, container: string) =>
    Object.fromEntries(workload.spec.template.spec.containers.find((c: any) => c.name === container).env.map((e: any) => [e.name, e.value]));
  const caVolume = (workload: any) => workload.spec.template.spec.volumes.find((v: any) => v.name === 'database-ca');

  test.each(['drone', 'woodpecker'])('%s: the cluster\'s CA in harbor/postgres-ca and dockyard/postgres-ca, which every client verifies with', async (engine) => {
    registered.length = 0;
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ciEngine: engine } as any, 'oauth-secret');
    await settled(100);

    for (const namespace of ['harbor', 'dockyard']) {
      const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.namespace === namespace
        && r.inputs.metadata.name === 'postgres-ca')!;
      expect(secret.inputs.stringData).toEqual({ 'ca.crt': fakeDatabaseCa('postgres-cluster-id') });
    }

    const core = object('Deployment', 'harbor', (n) => n === 'harbor-core');
    expect(envOf(core, 'core')).toMatchObject({ POSTGRESQL_HOST: PRIVATE_HOST, POSTGRESQL_SSLMODE: 'verify-ca', PGSSLROOTCERT: '/etc/postgresql-ca/ca.crt' });
    expect(caVolume(core).secret).toEqual({ secretName: 'postgres-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    const jobservice = object('Deployment', 'harbor', (n) => n === 'harbor-jobservice');
    expect(envOf(jobservice, 'jobservice').PGSSLROOTCERT).toBe('/etc/postgresql-ca/ca.crt');
    expect(caVolume(jobservice).secret.secretName).toBe('postgres-ca');

    const ci = object('Deployment', 'dockyard', (n) => n === engine);
    expect(envOf(ci, 'server')[`${engine.toUpperCase()}_DATABASE_DATASOURCE`]).toBe(`postgres://${engine}@${PRIVATE_HOST}:25060/${engine}` +
      `?sslmode=verify-ca&sslrootcert=${encodeURIComponent(`/etc/${engine}/database-ca/ca.crt`)}`);
    expect(caVolume(ci).secret.secretName).toBe('postgres-ca');

    const grants = object('Job', 'dockyard', (n) => n.startsWith('database-grants-'));
    expect(envOf(grants, 'reconcile')).toMatchObject({ PGHOST: PRIVATE_HOST, PGSSLMODE: 'verify-ca', PGSSLROOTCERT: '/etc/postgresql-ca/ca.crt' });
    expect(caVolume(grants).secret.secretName).toBe('postgres-ca');
  });
});

describe('the CA\'s key is counted by each server that mounts it', () => {
  // a new CA (DigitalOcean's rotation, read on a refresh) rolls exactly its servers: their checksums wait for its digest
  test.each(['drone', 'woodpecker'])('%s', async (engine) => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    const app = new App();
    const chart = digitalOceanCharts(app, { ...DIGITALOCEAN_EXAMPLE, postgresConnectionLimit: 22, ciEngine: engine } as any);
    // every value's digest left to deploy time, as ChartDeployment renders the charts: each checksum names its keys
    const objects = withDigests(app, (stateKey) => DEFERRED_DIGEST + stateKey, () => chart.toJson());
    const counting = (key: string) => objects.filter((o: any) => JSON.stringify(o.spec?.template?.metadata?.annotations ?? {})
      .includes(DEFERRED_DIGEST + key))
      .map((o: any) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name.replace(/-[0-9a-f]{8}-[0-9a-f]{16}$/, '')}`).sort();
    expect(counting('harbor/postgres-ca/ca.crt')).toEqual(['Deployment harbor/harbor-core', 'Deployment harbor/harbor-jobservice']);
    // the DatabaseGrants Job is named by its template and its logins' digests (PostgresReconciler), not the CA's: once
    // it has granted, a new CA need not run it again, and its pods' next run mounts the Secret as it is then
    expect(counting('dockyard/postgres-ca/ca.crt')).toEqual([`Deployment dockyard/${engine}`]);
  });
});
