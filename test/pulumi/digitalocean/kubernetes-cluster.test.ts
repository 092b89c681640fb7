import * as pulumi from '@pulumi/pulumi';
import type * as Module from '../../../lib/pulumi/digitalocean/kubernetes-cluster';
import { childrenOf, expectParent, get, invoked, one, options, recordParent, registered, settled, setup, T, warningsDuring } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/kubernetes-cluster');
});

const CLUSTER_LOOKUP = 'digitalocean:index/getKubernetesCluster:getKubernetesCluster';
const VERSIONS = 'digitalocean:index/getKubernetesVersions:getKubernetesVersions';
// the default pool's settings the component never sets, left to the console (kubernetes.go:552-588, read back)
const POOL_CONSOLE = ['nodePool.autoScale', 'nodePool.minNodes', 'nodePool.maxNodes', 'nodePool.labels', 'nodePool.taints', 'nodePool.tags'];

describe('KubernetesCluster.create', () => {
  test('defaults: a VPC and a cluster in it with 2 s-2vcpu-4gb nodes on the newest version offered', async () => {
    const doks = m.KubernetesCluster.create('doks', { region: 'fra1' }, { transformations: [recordParent] });
    const kubeconfig = await get(doks.kubeconfig);
    await settled();

    expect(one('doks', T.vpc).inputs).toEqual({ region: 'fra1' });
    expect(one('doks', T.doks).inputs).toEqual({
      region: 'fra1',
      version: '1.35.9-do.0',
      vpcUuid: 'doks-vpc-id',
      nodePool: { name: 'default', size: 's-2vcpu-4gb', nodeCount: 2 },
      registryIntegration: false,
      // `ha` left to DigitalOcean, sent only when given: @pulumi/digitalocean 4.80.1 kubernetesCluster.d.ts, `ha`:
      // "Once enabled for a cluster, high availability cannot be disabled. Default: true (for 1.36.0 and later)"
    });
    expect('ha' in one('doks', T.doks).inputs).toBe(false);
    expect(invoked.filter((i) => i.token === VERSIONS).map((i) => i.inputs)).toContainEqual({});

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
      version: '1.34.5-do.1',
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
      version: '1.34.5-do.1',
      vpcUuid: 'doks2-vpc-id',
      nodePool: { name: 'workers', size: 's-4vcpu-8gb', nodeCount: 3 },
      registryIntegration: true,
      ha: true,
      tags: ['dockyard'],
    });
    expect(await get(doks.clusterName)).toBe('dockyard');
    // given tags are managed; unset, they are the console's (resource_kubernetes_cluster.go:694 read back, :811-818 sent)
    expect(options.get(`${T.doks}::doks2-cluster`)!.ignoreChanges).not.toContain('tags');
    expectParent('doks2', doks);
  });

  test('a version prefix picks that minor\'s latest patch', async () => {
    const doks = m.KubernetesCluster.create('doks3', { region: 'nyc3', versionPrefix: '1.34.' }, { transformations: [recordParent] });
    await get(doks.kubeconfig);
    await settled();
    expect(one('doks3', T.doks).inputs.version).toBe('1.34.9-do.0');
  });

  // terraform-provider-digitalocean (401992a): `digitalocean/kubernetes/kubernetes.go` marks a node pool's `size`
  // ForceNew and `resource_kubernetes_cluster.go` uses that schema for the cluster's `node_pool`, and its
  // CustomizeDiff forces a new cluster for a lower `version`: either replaces the cluster, and every workload with it
  describe('protection', () => {
    const optionsOf = (name: string, type: string) => options.get(`${type}::${name}`)!;

    test('the cluster and its VPC are protected; a version nobody chose is read at creation only', async () => {
      const doks = m.KubernetesCluster.create('doks4', { region: 'fra1' }, { transformations: [recordParent] });
      await get(doks.kubeconfig);
      expect(optionsOf('doks4-cluster', T.doks)).toMatchObject({ protect: true, ignoreChanges: ['version', 'autoUpgrade', 'surgeUpgrade', 'tags', ...POOL_CONSOLE] });
      expect(optionsOf('doks4-vpc', T.vpc).protect).toBe(true);
      // the VPC's description is the console's: terraform-provider-digitalocean v2.99.1 digitalocean/vpc/resource_vpc.go
      // :45-50 optional and not computed, :136 read back, :148-152 sent on update, clearing a console's description
      expect(optionsOf('doks4-vpc', T.vpc).ignoreChanges).toEqual(['description']);
      expect('description' in one('doks4', T.vpc).inputs).toBe(false);
      // the provider is no data: a new token must be able to update it
      expect(optionsOf('doks4-provider', T.k8sProvider).protect).toBeUndefined();
    });

    test('a chosen version or prefix is managed: raising it upgrades the cluster', async () => {
      for (const [id, args] of [['doks5', { version: '1.34.1-do.0' }], ['doks6', { versionPrefix: '1.34.' }]] as const) {
        const doks = m.KubernetesCluster.create(id, { region: 'fra1', ...args }, { transformations: [recordParent] });
        await get(doks.kubeconfig);
        expect(optionsOf(`${id}-cluster`, T.doks).ignoreChanges).toEqual(['autoUpgrade', 'surgeUpgrade', 'tags', ...POOL_CONSOLE]);
        expect(optionsOf(`${id}-cluster`, T.doks).protect).toBe(true);
      }
    });

    // terraform-provider-digitalocean v2.99.1 digitalocean/kubernetes/resource_kubernetes_cluster.go: `auto_upgrade`
    // is optional and not computed (:265-268), read back from the cluster (:700) and sent with every update of the
    // cluster's settings (:811-819, `AutoUpgrade: godo.PtrTo(d.Get("auto_upgrade"))`); `surge_upgrade` defaults to
    // true (:80-84) and is read back too (:688). Left in the diff unset, an auto-upgrade turned on in the console was
    // turned off (and a surge turned off, back on) by the next `pulumi up` after a refresh
    test('auto-upgrade and surge upgrade unset are left to DigitalOcean and the console; given, they are sent and managed', async () => {
      // the cluster's inputs and ignored properties, once it is registered
      const registration = async (id: string, args: Partial<Module.KubernetesClusterCreateArgs>) => {
        await get(m.KubernetesCluster.create(id, { region: 'fra1', ...args }, { transformations: [recordParent] }).kubeconfig);
        await settled();
        return { inputs: one(id, T.doks).inputs, ignoreChanges: optionsOf(`${id}-cluster`, T.doks).ignoreChanges };
      };
      const unset = await registration('doks8', { versionPrefix: '1.34.' });
      expect(['autoUpgrade' in unset.inputs, 'surgeUpgrade' in unset.inputs]).toEqual([false, false]);
      expect(unset.ignoreChanges).toEqual(['autoUpgrade', 'surgeUpgrade', 'tags', ...POOL_CONSOLE]);

      const given = await registration('doks9', { versionPrefix: '1.34.', autoUpgrade: true, surgeUpgrade: false });
      expect(given.inputs).toMatchObject({ autoUpgrade: true, surgeUpgrade: false });
      expect(given.ignoreChanges).toEqual(['tags', ...POOL_CONSOLE]);

      // false is managed too: it turns off an auto-upgrade turned on in the console, with an exact version as well
      const off = await registration('doks10', { version: '1.34.1-do.0', autoUpgrade: false, surgeUpgrade: true });
      expect(off.inputs).toMatchObject({ autoUpgrade: false, surgeUpgrade: true });
      expect(off.ignoreChanges).toEqual(['tags', ...POOL_CONSOLE]);
    });

    // DigitalOcean upgrades a cluster whose minor reached end of life itself; a refresh reads the newer slug
    // (resource_kubernetes_cluster.go:687), and the CustomizeDiff forces a new cluster for a configured version lower
    // than the state's (:460-478), which the protection refuses in the engine's words alone (pulumi/pulumi
    // pkg/resource/deploy/step_generator.go, "unable to replace resource … as it is currently marked for protection")
    test('a pinned version of a minor DigitalOcean no longer offers is warned of in one line before the cluster registers, and still sent', async () => {
      // each warning, with what had registered of the cluster when it came: nothing, so it comes before the engine's refusal
      const seen: [string, unknown][] = [];
      const spy = jest.spyOn(pulumi.log, 'warn').mockImplementation((msg: string) => {
        seen.push([msg, childrenOf('doks11').find((r) => r.type === T.doks)]);
        return Promise.resolve();
      });
      try {
        await get(m.KubernetesCluster.create('doks11', { region: 'fra1', version: '1.32.5-do.1' }, { transformations: [recordParent] }).kubeconfig);
        await settled(100);
      } finally {
        spy.mockRestore();
      }
      const warnings = seen.map(([msg]) => msg);
      expect(warnings).toEqual([
        'version "1.32.5-do.1" is of Kubernetes 1.32, past its end of life (DigitalOcean offers 1.33 to 1.35), and DigitalOcean upgrades such a cluster ' +
        'itself: once a refresh reads the newer version, pulumi up stops at "unable to replace resource … marked for protection", the provider ' +
        'replacing a cluster given a lower version than it runs; set version to the one the cluster runs (doctl kubernetes cluster list), or drop it ' +
        'to leave the version to DigitalOcean',
      ]);
      expect(seen.map(([, cluster]) => cluster)).toEqual([undefined]);
      expect(one('doks11', T.doks).inputs.version).toBe('1.32.5-do.1');
      expect(optionsOf('doks11-cluster', T.doks).ignoreChanges).toEqual(['autoUpgrade', 'surgeUpgrade', 'tags', ...POOL_CONSOLE]);

      // a minor still offered, at an older patch than the newest: not warned of, though DigitalOcean may schedule a required
      // upgrade to that minor's newest patch too (docs.digitalocean.com products/kubernetes/how-to/upgrade-cluster)
      const offered = await warningsDuring(() => get(m.KubernetesCluster.create('doks12', { region: 'fra1', version: '1.33.1-do.0' }).kubeconfig));
      expect(offered).toEqual([]);
      expect(one('doks12', T.doks).inputs.version).toBe('1.33.1-do.0');
    });

    // without the protection nothing refuses the replacement the CustomizeDiff plans (resource_kubernetes_cluster.go:460-478):
    // the engine replaces the cluster, so a line that named the protection's refusal would say the opposite of what comes
    test('a pinned version past its end of life on an unprotected cluster: the line says pulumi up replaces the cluster', async () => {
      const warnings = await warningsDuring(() => get(m.KubernetesCluster.create('doks13', { region: 'fra1', version: '1.32.5-do.1' },
        { protect: false }).kubeconfig));
      expect(warnings).toEqual([
        'version "1.32.5-do.1" is of Kubernetes 1.32, past its end of life (DigitalOcean offers 1.33 to 1.35), and DigitalOcean upgrades such a cluster ' +
        'itself: once a refresh reads the newer version, pulumi up replaces the cluster with a new, empty one (its protection is off), the provider ' +
        'replacing a cluster given a lower version than it runs; set version to the one the cluster runs (doctl kubernetes cluster list), or drop it ' +
        'to leave the version to DigitalOcean',
      ]);
      expect(one('doks13', T.doks).inputs.version).toBe('1.32.5-do.1');
    });

    test('protect: false in the options leaves them unprotected, e.g. for a throw-away stack', async () => {
      const doks = m.KubernetesCluster.create('doks7', { region: 'fra1' }, { transformations: [recordParent], protect: false });
      await get(doks.kubeconfig);
      expect(optionsOf('doks7-cluster', T.doks).protect).toBe(false);
      expect(optionsOf('doks7-vpc', T.vpc).protect).toBe(false);
    });
  });

  test.each<[string, Partial<Module.KubernetesClusterCreateArgs>, string]>([
    ['no node', { nodeCount: 0 }, 'invalid nodeCount 0: must be an integer of at least 1'],
    ['both version and prefix', { version: '1.33.1-do.0', versionPrefix: '1.33.' }, 'invalid versionPrefix "1.33.": must not be set together with version'],
    ['a prefix without the dot', { versionPrefix: '1.33' }, 'invalid versionPrefix "1.33": must be a Kubernetes minor version followed by a dot'],
    ['a bad region', { region: 'frankfurt' }, 'invalid region "frankfurt"'],
    ['a version that is not a DOKS slug', { version: '1.34' }, 'invalid version "1.34": must be a DOKS version slug such as "1.34.1-do.0"'],
    ['a node size that is no Droplet size', { nodeSize: '4GB' }, 'invalid nodeSize "4GB": must be a DigitalOcean Droplet size slug'],
    // DigitalOcean's patch upgrade takes the cluster past an exact slug, and the provider replaces a cluster whose
    // configured version is lower than it runs (resource_kubernetes_cluster.go:461-476, CustomizeDiff)
    ['auto-upgrade with an exact version', { version: '1.34.1-do.0', autoUpgrade: true },
      'invalid autoUpgrade true: must not be true with version, an exact slug DigitalOcean\'s next patch upgrade leaves behind'],
    ['an auto-upgrade that is no boolean', { autoUpgrade: 'false' as unknown as boolean }, 'invalid autoUpgrade "false": must be true or false'],
    ['a surge upgrade that is no boolean', { surgeUpgrade: 1 as unknown as boolean }, 'invalid surgeUpgrade 1: must be true or false'],
    // DigitalOcean API reference, VPCs, "Create a New VPC": ip_range in RFC 1918, no larger than /16 nor smaller than
    // /28 (a new user's trial gave 10.0.0.0/8, which the cluster's own docs refused, and the program accepted)
    ...['10.0.0.0/8', '10.0.0.0/15', '10.0.0.0/29', '100.64.0.0/16', '172.32.0.0/16', '192.169.0.0/16', '10.0.0.1/24', '10.0.0.0', '10.0.0.256/24',
      '10.00.0.0/24', ' 10.0.0.0/24'].map((range): [string, Partial<Module.KubernetesClusterCreateArgs>, string] =>
      [`VPC range ${range}`, { vpcIpRange: range }, `invalid vpcIpRange ${JSON.stringify(range)}: must be a private range of RFC 1918 in CIDR notation, from /16 to /28`]),
  ])('rejects %s before registering anything', (_what, override, message) => {
    const before = registered.length;
    expect(() => m.KubernetesCluster.create('bad', { region: 'fra1', ...override })).toThrow(message);
    expect(registered.length).toBe(before);
  });
});

// DigitalOcean lists each supported minor's newest patch (`doctl kubernetes options versions`); a minor below them all
// is past its end of life, which DigitalOcean upgrades a cluster from itself
test.each<[string, string, string[], boolean]>([
  ['a minor below every one offered', '1.31.1-do.0', ['1.34.2-do.0', '1.33.4-do.1', '1.32.8-do.0'], true],
  ['an older patch of the oldest minor offered', '1.32.1-do.0', ['1.34.2-do.0', '1.33.4-do.1', '1.32.8-do.0'], false],
  ['the newest minor', '1.34.2-do.0', ['1.34.2-do.0', '1.33.4-do.1', '1.32.8-do.0'], false],
  ['a minor newer than any offered (DigitalOcean refuses it itself)', '1.40.1-do.0', ['1.34.2-do.0'], false],
  ['nothing offered', '1.31.1-do.0', [], false],
])('endOfLifeVersionWarning: %s', async (_what, version, validVersions, warns) => {
  const { endOfLifeVersionWarning } = await import('../../../lib/pulumi/digitalocean/cluster-answers');
  const warning = endOfLifeVersionWarning(version, { validVersions }, true);
  expect(warning === undefined).toBe(!warns);
  expect(endOfLifeVersionWarning(version, { validVersions }, false) === undefined).toBe(!warns);
  if (warns) {
    expect(warning).toMatch(/^version "1\.31\.1-do\.0" is of Kubernetes 1\.31, past its end of life \(DigitalOcean offers 1\.32 to 1\.34\)/);
    expect(warning).toContain('set version to the one the cluster runs (doctl kubernetes cluster list), or drop it');
    expect(warning).toContain('pulumi up stops at "unable to replace resource … marked for protection"');
    expect(warning).not.toContain('\n');
  }
});

test('takes every private range DigitalOcean takes for a VPC', async () => {
  const { checkVpcIpRange } = await import('../../../lib/pulumi/digitalocean/vpc-ip-range');
  for (const range of ['10.110.0.0/20', '10.0.0.0/16', '172.16.0.0/16', '172.31.255.240/28', '192.168.0.0/16', '192.168.10.0/24']) {
    expect(checkVpcIpRange('vpcIpRange', range)).toBe(range);
  }
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
