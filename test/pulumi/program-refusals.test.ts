// The DigitalOcean program refuses its charts before it registers any resource: it registered the Container
// Registry, the cluster, the managed databases and the bucket first, and the Pulumi SDK lets the resources registered
// before an error finish (@pulumi/pulumi cmd/run: the program's failure is reported once its pending registrations
// settle), so an image the pinned digests left out failed `pulumi up` after creating them, where the README says it
// fails before anything is registered (a new user's DigitalOcean trial).
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { ImageDigests } from '../../lib';
import { thrown } from '../util';
import { registered, settled, setup } from './digitalocean/harness';
import { printed } from './printed';
import { appReadingProvidedSecret } from './provided-secret-app';

describe('the DigitalOcean program\'s refusals of its charts', () => {
  beforeAll(() => setup());

  test('an image the pinned digests leave out fails the program before anything registers, naming the image', async () => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const settings = { ...DIGITALOCEAN_EXAMPLE, containerRegistry: true, imageDigests: ImageDigests.of({}) };
    expect(printed(thrown(() => deployDigitalOcean(settings, 'github-oauth-client-secret')))).toMatch(/^invalid image \S+ for \S+: it has no digest in the image digests /);
    await settled();
    expect(registered.map((r) => r.type)).toEqual([]);
  });

  test('ChartDeployment.check renders as the deployment does and changes nothing it then renders', async () => {
    const { ChartDeployment } = await import('../../lib/pulumi');
    const deploy = async (checkFirst: boolean) => {
      const { app } = await appReadingProvidedSecret();
      if (checkFirst) {
        ChartDeployment.check(app);
      }
      const { objects } = new ChartDeployment(checkFirst ? 'checked' : 'plain', { app, secrets: [{ namespace: 'ci', name: 'drone-oauth', stringData: { 'client-secret': 'oauth' } }] });
      // its children register once the charts' objects are read: let them, before the test ends
      await settled(100);
      return objects;
    };
    const plain = await deploy(false);
    expect(plain.length).toBeGreaterThan(5);
    expect(JSON.stringify(await deploy(true))).toBe(JSON.stringify(plain));
  });
});

describe('ChartDeployment\'s placeholders', () => {
  test('the DigitalOcean charts\' placeholders end as ChartDeployment knows a placeholder, so one left out is refused (review)', async () => {
    const { PLACEHOLDERS } = await import('../../apps/digitalocean/charts');
    const { PLACEHOLDER_SUFFIX } = await import('../../lib/pulumi');
    for (const placeholder of Object.values(PLACEHOLDERS)) {
      expect(placeholder.endsWith(PLACEHOLDER_SUFFIX)).toBe(true);
    }
  });

  test('a placeholder host the substitutions leave out is refused before anything registers, naming it and an object', async () => {
    // a new user's trial forgot substitutions, and postgres-host.placeholder.dockyard went into the env of Harbor's
    // and the CI engine's pods and into the registry's config.yml, a host no one resolves
    const { App, ApiObject, Chart } = await import('cdk8s');
    const { ChartDeployment } = await import('../../lib/pulumi');
    const app = (name: string) => {
      const a = new App();
      new ApiObject(new Chart(a, 'c'), 'Config', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ci' },
        data: { 'config.yml': 'redis:\n  addr: valkey-host.placeholder.dockyard:25061\ndb: postgres://u@postgres-host.placeholder.dockyard:25060/x\n' },
      });
      return a;
    };
    registered.length = 0;
    const postgres = { 'postgres-host.placeholder.dockyard': 'db.internal' };
    expect(printed(thrown(() => new ChartDeployment('left', { app: app('left'), secrets: [], substitutions: postgres })))).toBe(
      'invalid substitutions ["postgres-host.placeholder.dockyard"]: must replace every placeholder the charts hold: valkey-host.placeholder.dockyard ' +
      'is in ConfigMap ci/left; give its value (a managed service\'s host)');
    expect(thrown(() => new ChartDeployment('none', { app: app('none'), secrets: [] })).message).toMatch(/^invalid substitutions \[\]: must replace every placeholder the charts hold: valkey-host\.placeholder\.dockyard is in ConfigMap ci\/none;/);
    await settled();
    expect(registered).toEqual([]);
    const all = new ChartDeployment('all', { app: app('all'), secrets: [], substitutions: { ...postgres, 'valkey-host.placeholder.dockyard': 'cache.internal' } });
    expect(all.objects).toHaveLength(1);
    await settled(100);
  });
});

describe('the DigitalOcean program on an existing cluster', () => {
  test('refuses a region other than the cluster\'s once the cluster is read, before the databases that join its VPC (a new user\'s trial)', async () => {
    // a VPC is regional (DigitalOcean, VPC limits: "We do not support individual VPC networks that span between
    // datacenter regions"), and the databases take privateNetworkUuid: DigitalOcean refused them mid-update
    const pulumi = await import('@pulumi/pulumi');
    const { failure } = await import('./printed');
    const { vpcInRegion } = await import('../../apps/digitalocean/program');
    const cluster = { vpcUuid: pulumi.output('vpc-1'), region: pulumi.output('nyc1') };
    expect(printed(await failure(vpcInRegion(cluster, 'fra1', 'prod')))).toBe('invalid region "fra1": must be the region of the existing cluster "prod", ' +
      '"nyc1": its managed databases join the cluster\'s VPC, which is regional (pulumi config set region nyc1)');
    expect(await (vpcInRegion(cluster, 'nyc1', 'prod') as any).promise()).toBe('vpc-1');
  });

  test('in the program\'s region, its databases join the cluster\'s VPC', async () => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    const { T } = await import('./digitalocean/harness');
    registered.length = 0;
    // the fake DigitalOcean reads every existing cluster in fra1, the example's region
    deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, clusterName: 'prod' }, 'github-oauth-client-secret');
    await settled(100);
    expect(registered.filter((r) => r.type === T.cluster).map((r) => r.inputs.privateNetworkUuid)).toEqual(['vpc-id(prod)', 'vpc-id(prod)']);
  });
});
