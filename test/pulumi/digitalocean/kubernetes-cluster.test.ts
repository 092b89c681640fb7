import * as pulumi from '@pulumi/pulumi';
import type * as Module from '../../../lib/pulumi/digitalocean/kubernetes-cluster';
import { childrenOf, expectParent, get, invoked, one, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/kubernetes-cluster');
});

const CLUSTER_LOOKUP = 'digitalocean:index/getKubernetesCluster:getKubernetesCluster';
const VERSIONS = 'digitalocean:index/getKubernetesVersions:getKubernetesVersions';

describe('KubernetesCluster.create', () => {
  test('defaults: a VPC and a cluster in it with 2 s-2vcpu-4gb nodes on the latest 1.33 patch', async () => {
    const doks = m.KubernetesCluster.create('doks', { region: 'fra1' }, { transformations: [recordParent] });
    const kubeconfig = await get(doks.kubeconfig);
    await settled();

    expect(one('doks', T.vpc).inputs).toEqual({ region: 'fra1' });
    expect(one('doks', T.doks).inputs).toEqual({
      region: 'fra1',
      version: '1.33.9-do.0',
      vpcUuid: 'doks-vpc-id',
      nodePool: { name: 'default', size: 's-2vcpu-4gb', nodeCount: 2 },
      registryIntegration: false,
      ha: false,
    });
    expect(invoked.filter((i) => i.token === VERSIONS).map((i) => i.inputs)).toContainEqual({ versionPrefix: '1.33.' });

    expect(doks.created).toBe(true);
    expect(await get(doks.clusterId)).toBe('doks-cluster-id');
    expect(await get(doks.vpcUuid)).toBe('doks-vpc-id');
    // read from the data source on this run, not the state's kubeconfig of the last refresh
    expect(kubeconfig).toBe('fresh-kubeconfig(doks-cluster-a1b2c3)');
    expect(invoked.filter((i) => i.token === CLUSTER_LOOKUP).map((i) => i.inputs)).toContainEqual({ name: 'doks-cluster-a1b2c3' });
    expect(await pulumi.isSecret(doks.kubeconfig)).toBe(true);

    const provider = one('doks', T.k8sProvider);
    expect(provider.inputs.kubeconfig).toBe('fresh-kubeconfig(doks-cluster-a1b2c3)');
    expect(provider.inputs.clusterIdentifier).toBe('doks-cluster-id');
    expect(provider.secretInputs).toBe(true);
    expect(await get(doks.provider.urn)).toContain('dockyard:digitalocean:KubernetesCluster$pulumi:providers:kubernetes::doks-provider');
    expect(expectParent('doks', doks)).toEqual([T.doks, T.k8sProvider, T.vpc].sort());
  });

  test('size, count, exact version, VPC range, registry integration and name reach the resources', async () => {
    const doks = m.KubernetesCluster.create('doks2', {
      region: 'ams3',
      version: '1.32.5-do.1',
      nodeSize: 's-4vcpu-8gb',
      nodeCount: 3,
      nodePoolName: 'workers',
      registryIntegration: true,
      vpcIpRange: '10.110.0.0/20',
      ha: true,
      clusterName: 'dockyard',
      tags: ['dockyard'],
    }, { transformations: [recordParent] });
    expect(await get(doks.kubeconfig)).toBe('fresh-kubeconfig(dockyard)');
    await settled();
    expect(one('doks2', T.vpc).inputs).toEqual({ region: 'ams3', ipRange: '10.110.0.0/20' });
    expect(one('doks2', T.doks).inputs).toEqual({
      name: 'dockyard',
      region: 'ams3',
      version: '1.32.5-do.1',
      vpcUuid: 'doks2-vpc-id',
      nodePool: { name: 'workers', size: 's-4vcpu-8gb', nodeCount: 3 },
      registryIntegration: true,
      ha: true,
      tags: ['dockyard'],
    });
    expect(await get(doks.clusterName)).toBe('dockyard');
    expectParent('doks2', doks);
  });

  test('a version prefix picks that minor\'s latest patch', async () => {
    const doks = m.KubernetesCluster.create('doks3', { region: 'nyc3', versionPrefix: '1.34.' }, { transformations: [recordParent] });
    await get(doks.kubeconfig);
    await settled();
    expect(one('doks3', T.doks).inputs.version).toBe('1.34.9-do.0');
  });

  test.each<[string, Partial<Module.KubernetesClusterCreateArgs>, string]>([
    ['no node', { nodeCount: 0 }, 'invalid nodeCount 0: must be an integer of at least 1'],
    ['both version and prefix', { version: '1.33.1-do.0', versionPrefix: '1.33.' }, 'invalid versionPrefix "1.33.": must not be set together with version'],
    ['a prefix without the dot', { versionPrefix: '1.33' }, 'invalid versionPrefix "1.33": must be a Kubernetes minor version followed by a dot'],
    ['a bad region', { region: 'frankfurt' }, 'invalid region "frankfurt"'],
  ])('rejects %s before registering anything', (_what, override, message) => {
    const before = registered.length;
    expect(() => m.KubernetesCluster.create('bad', { region: 'fra1', ...override })).toThrow(message);
    expect(registered.length).toBe(before);
  });
});

describe('KubernetesCluster.existing', () => {
  test('looks the cluster up by name and registers no DigitalOcean resource', async () => {
    const doks = m.KubernetesCluster.existing('prod', { clusterName: 'prod-cluster' }, { transformations: [recordParent] });
    expect(await get(doks.kubeconfig)).toBe('fresh-kubeconfig(prod-cluster)');
    await settled();

    // only the Kubernetes provider: no cluster, no VPC
    expect(childrenOf('prod').map((r) => r.type)).toEqual([T.k8sProvider]);
    expect(registered.filter((r) => r.type.startsWith('digitalocean:') && r.name.startsWith('prod'))).toEqual([]);
    expect(invoked.filter((i) => i.token === CLUSTER_LOOKUP).map((i) => i.inputs)).toContainEqual({ name: 'prod-cluster' });

    expect(doks.created).toBe(false);
    expect(await get(doks.clusterId)).toBe('cluster-id(prod-cluster)');
    expect(await get(doks.vpcUuid)).toBe('vpc-id(prod-cluster)');
    expect(await get(doks.region)).toBe('fra1');
    expect(await pulumi.isSecret(doks.kubeconfig)).toBe(true);
    expect(await pulumi.isSecret(doks.clusterId)).toBe(false);
    const provider = one('prod', T.k8sProvider);
    expect(provider.inputs).toEqual({ kubeconfig: 'fresh-kubeconfig(prod-cluster)', clusterIdentifier: 'cluster-id(prod-cluster)' });
    expect(expectParent('prod', doks)).toEqual([T.k8sProvider]);
  });

  test('accepts the name as an Output', async () => {
    const doks = m.KubernetesCluster.existing('prod2', { clusterName: pulumi.output('other') });
    expect(await get(doks.kubeconfig)).toBe('fresh-kubeconfig(other)');
    expect(await get(doks.clusterName)).toBe('other');
  });
});
