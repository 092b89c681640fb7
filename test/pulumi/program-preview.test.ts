import * as pulumi from '@pulumi/pulumi';
import { invoked, registered, settled, setup, T } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * `pulumi preview` of a fresh stack, under Pulumi mocks in preview mode: no resource exists, so every computed
 * output (the database hosts, the generated values, the Load Balancer's address) is unknown. Every chart object must
 * still be registered, with the unknown values confined to the fields that hold them.
 */
describe('a preview of a fresh DigitalOcean stack with every option on', () => {
  let outputs: any;
  const settings = {
    ...DIGITALOCEAN_EXAMPLE, containerRegistry: true, installIngress: true, acmeEmail: 'ops@example.com', dnsRecords: true,
    droneLogBucket: 'example-harbor-drone-logs',
  };
  const isObject = (r: { type: string }) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml')
    && r.type !== T.release && r.type !== T.clusterIssuer;

  beforeAll(async () => {
    await setup({ preview: true });
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    outputs = deployDigitalOcean(settings, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('registers every object of the Harbor and Drone charts', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    const expected = digitalOceanCharts(new App(), { ...settings, postgresConnectionLimit: 22 }).toJson();
    const key = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const seen = new Set(registered.filter(isObject).filter((r) => r.inputs.kind).map((r) => key(r.inputs)));
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.map(key).filter((k) => !seen.has(k))).toEqual([]);
  });

  test('registers the Helm releases, the ClusterIssuer and both DNS records, whose address is still unknown', () => {
    expect(registered.filter((r) => r.type === T.release).map((r) => r.inputs.chart).sort()).toEqual(['cert-manager', 'ingress-nginx']);
    expect(registered.filter((r) => r.type === T.clusterIssuer).map((r) => r.inputs.metadata.name)).toEqual(['letsencrypt']);
    const records = registered.filter((r) => r.type === T.dnsRecord).map((r) => r.inputs);
    expect(records.map((r) => r.name).sort()).toEqual(['drone', 'harbor']);
    for (const r of records) {
      expect(pulumi.isUnknown(r.value)).toBe(true);
    }
  });

  test('makes Drone\'s log bucket with its 90-day rule and its Secret, whose keys are still unknown secrets', () => {
    const logs = registered.find((r) => r.type === T.bucket && r.inputs.name === 'example-harbor-drone-logs')!;
    expect(logs.inputs.lifecycleRules[1]).toEqual({ id: 'expire', enabled: true, prefix: 'logs/', expiration: { days: 90 } });
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'drone-log-spaces')!;
    expect(secret.inputs.metadata.namespace).toBe('dockyard');
    // the key's Outputs, unknown until the key exists, and secret
    expect(pulumi.isUnknown(secret.inputs.stringData)).toBe(true);
    expect(secret.raw.stringData['4dabf18193072939515e22adb298388d']).toBe('1b47061264138c4ac30d75fd1eb44270');
    const drone = registered.find((r) => r.inputs?.kind === 'Deployment' && r.inputs.metadata.name === 'drone')!.inputs;
    const env = Object.fromEntries(drone.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.DRONE_S3_BUCKET.value).toBe('example-harbor-drone-logs');
  });

  test('registers the PostgreSQL CA\'s Secrets while the CA, read from a cluster still to be made, is unknown', () => {
    for (const namespace of ['harbor', 'dockyard']) {
      const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.namespace === namespace
        && r.inputs.metadata.name === 'postgres-ca')!;
      expect(pulumi.isUnknown(secret.inputs.stringData)).toBe(true);
    }
    // no CA is read before the cluster exists
    expect(invoked.filter((i) => i.token === 'digitalocean:index/getDatabaseCa:getDatabaseCa')).toEqual([]);
  });

  test('keeps the managed hosts unknown in their own fields, not the objects around them', () => {
    const core = registered.find((r) => r.inputs?.kind === 'Deployment' && r.inputs.metadata.name === 'harbor-core')!.inputs;
    const env = Object.fromEntries(core.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    expect(pulumi.isUnknown(env.POSTGRESQL_HOST.value)).toBe(true);
    expect(env.POSTGRESQL_PORT.value).toBe('25060');
    expect(outputs.harborUrl).toBe('https://harbor.example.com');
  });
});
