import {
  changedInConsole, changes, CLUSTER, FORCE_NEW, generated, kubernetesHazards, kubernetesObjects, ProgramRun, refreshed, runProgram, STACK,
} from './digitalocean/day-two';
import { warningsDuring } from './digitalocean/harness';

/**
 * The second `pulumi up` of a DigitalOcean stack after one setting of its infrastructure changed (README, "DigitalOcean
 * with `pulumi up`": postgresSize, valkeySize, nodeSize, nodeCount, kubernetesVersion, clusterName, containerRegistry,
 * bucket, droneLogBucket, droneLogRetentionDays, region): what DigitalOcean would update in place, and that each
 * replacement or deletion of a resource holding data is one Pulumi refuses (protected) instead of making the resource
 * anew, empty. The steps are from terraform-provider-digitalocean v2.99.1's schema (`FORCE_NEW` in day-two.ts).
 */
describe('the DigitalOcean program on day two: infrastructure settings', () => {
  let base: ProgramRun;
  const after = (config: Record<string, string>) => runProgram({ ...STACK, ...config }, {}, false);
  // the runs of settings the last test checks again, kept from the test that made them first (each run takes seconds;
  // the mocks answer alike for the same settings): only read, never changed
  const runs = new Map<string, Promise<ProgramRun>>();
  const afterOnce = (config: Record<string, string>) => {
    const key = JSON.stringify(config);
    if (!runs.has(key)) runs.set(key, after(config));
    return runs.get(key)!;
  };

  beforeAll(async () => {
    base = await runProgram({ ...STACK }, {}, false);
  }, 60_000);

  /** Every generated credential of the first run kept as it was: same resource, same inputs, so never made anew. */
  function expectGeneratedKept(run: ProgramRun): void {
    const [old, now] = [generated(base), generated(run)];
    expect(Object.keys(old).length).toBeGreaterThan(10);
    expect(Object.keys(old).filter((k) => now[k] !== old[k])).toEqual([]);
  }

  test('the same settings again change nothing, and every resource that holds data is protected, its databases and users kept on delete', async () => {
    // in a new process, as the next `pulumi up` is: the modules loaded anew
    const again = await runProgram({ ...STACK }, {}, false, true);
    expect(changes(base, again)).toEqual([]);
    expectGeneratedKept(again);
    const kept = [...base.resources.values()].filter((r) => r.type.startsWith('digitalocean:'))
      .map((r) => `${r.name} ${r.options.protect ? 'protect' : ''}${r.options.retainOnDelete ? 'retain' : ''}`).sort();
    expect(kept).toEqual([
      'cluster-cluster protect', 'cluster-vpc protect', 'dns/drone ', 'dns/harbor ', 'drone-logs-bucket protect', 'drone-logs-key ',
      'postgres-cluster protect', 'postgres-db-drone retain', 'postgres-db-registry retain', 'postgres-firewall ', 'postgres-user-drone retain',
      'postgres-user-harbor retain', 'spaces-bucket protect', 'spaces-key ', 'valkey-cluster protect', 'valkey-firewall ',
    ]);
    // no resource relies on deleteBeforeReplace, which would delete before the new one exists
    expect([...base.resources.values()].filter((r) => r.options?.deleteBeforeReplace).map((r) => r.name)).toEqual([]);
  }, 60_000);

  test('postgresSize and valkeySize resize their database cluster in place (resource_database_cluster.go:441-449, Resize)', async () => {
    expect(changes(base, await afterOnce({ postgresSize: 'db-s-1vcpu-2gb' }))).toEqual(['postgres-cluster DatabaseCluster: update size (protected)']);
    expect(changes(base, await after({ valkeySize: 'db-s-1vcpu-2gb' }))).toEqual(['valkey-cluster DatabaseCluster: update size (protected)']);
  }, 60_000);

  test('nodeCount resizes the node pool in place; nodeSize would replace the cluster, which its protection refuses (kubernetes.go:28 size ForceNew)', async () => {
    expect(changes(base, await after({ nodeCount: '3' }))).toEqual(['cluster-cluster KubernetesCluster: update nodePool (protected)']);
    expect(changes(base, await afterOnce({ nodeSize: 's-4vcpu-8gb' }))).toEqual(['cluster-cluster KubernetesCluster: replace nodePool (protected)']);
  }, 60_000);

  test('kubernetesVersion: the version the cluster runs changes nothing, a newer one upgrades in place, an older one would replace it (refused)', async () => {
    // the mocks offer 1.35.9-do.0 as the newest, which the first run's cluster was created with (version unset, ignoreChanges)
    expect(base.resources.get('digitalocean:index/kubernetesCluster:KubernetesCluster::cluster-cluster')!.options.ignoreChanges)
      .toEqual(['version', 'autoUpgrade', 'surgeUpgrade', 'tags', 'nodePool.autoScale', 'nodePool.minNodes', 'nodePool.maxNodes', 'nodePool.labels',
        'nodePool.taints', 'nodePool.tags']);
    expect(changes(base, await after({ kubernetesVersion: '1.35.9-do.0' }))).toEqual([]);
    expect(changes(base, await after({ kubernetesVersion: '1.36.1-do.0' }))).toEqual(['cluster-cluster KubernetesCluster: update version (protected)']);
    // resource_kubernetes_cluster.go:461-476, ForceNewIfChange when the new version is lower
    expect(changes(base, await after({ kubernetesVersion: '1.35.8-do.1' }))).toEqual(['cluster-cluster KubernetesCluster: replace version (protected)']);
  }, 60_000);

  // terraform-provider-digitalocean v2.99.1 digitalocean/kubernetes/resource_kubernetes_cluster.go: `auto_upgrade` is
  // optional, not computed (:265-268), read back (:700) and sent as configured with every settings update (:811-819);
  // `surge_upgrade` defaults to true (:80-84) and is read back (:688). The README has users upgrade in the console or
  // with its auto-upgrade: the next `pulumi up` after a refresh turned that auto-upgrade off, silently. The default
  // pool's autoscaling, labels and taints alike: its update sends `AutoScale` false when unset and the configured
  // labels and taints (resource_kubernetes_node_pool.go:242-276)
  test('auto-upgrade, surge and the default pool\'s autoscaling, labels, taints and tags set in the DigitalOcean console stay after a refresh', async () => {
    const fromConsole = changedInConsole(base);
    expect(changes(fromConsole, await runProgram({ ...STACK }, {}, false))).toEqual([]);
    // nodeCount is still the program's: a new one resizes the pool
    expect(changes(fromConsole, await after({ nodeCount: '3' }))).toEqual(['cluster-cluster KubernetesCluster: update nodePool (protected)']);
    // with kubernetesVersion too: the exact version is managed, auto-upgrade still is not
    const pinned = await after({ kubernetesVersion: '1.35.9-do.0' });
    expect(changes(refreshed(pinned, CLUSTER, { autoUpgrade: true }),
      await after({ kubernetesVersion: '1.35.9-do.0' }))).toEqual([]);
  }, 60_000);

  // What a refresh reads back of settings the program leaves unset, and the provider would otherwise set back at the
  // next update (terraform-provider-digitalocean v2.99.1): a VPC's description (vpc/resource_vpc.go:45-50 optional, not
  // computed; :136 read; :148-152 sent on update), a database cluster's tags (database/resource_database_cluster.go:241;
  // :585 read; :543-547 SetTags untags what is not configured) and a bucket's versioning
  // (spaces/resource_spaces_bucket.go:97-112, whose DiffSuppressFunc hides only the block's count going 1 → 0; :362-383
  // read; :293-297 and :602-617 put `Suspended`; digitalocean/terraform-provider-digitalocean#409)
  test('a VPC description, database tags and bucket versioning set in the DigitalOcean console stay after a refresh', async () => {
    const read: [string, Record<string, unknown>][] = [
      ['digitalocean:index/vpc:Vpc::cluster-vpc', { description: 'Dockyard CI' }],
      ['digitalocean:index/databaseCluster:DatabaseCluster::postgres-cluster', { tags: ['platform'] }],
      ['digitalocean:index/databaseCluster:DatabaseCluster::valkey-cluster', { tags: ['platform'] }],
      ['digitalocean:index/spacesBucket:SpacesBucket::spaces-bucket', { versioning: { enabled: true } }],
      ['digitalocean:index/spacesBucket:SpacesBucket::drone-logs-bucket', { versioning: { enabled: true } }],
    ];
    const fromConsole = read.reduce((run, [key, values]) => refreshed(run, key, values), base);
    expect(changes(fromConsole, await runProgram({ ...STACK }, {}, false))).toEqual([]);
    // what the program still manages on them changes as before
    expect(changes(fromConsole, await afterOnce({ postgresSize: 'db-s-1vcpu-2gb' }))).toEqual(['postgres-cluster DatabaseCluster: update size (protected)']);
  }, 60_000);

  // DigitalOcean upgrades a cluster whose minor reached end of life itself (the mocks offer 1.33 to 1.35); the refresh
  // reads the newer slug (resource_kubernetes_cluster.go:687), and the pin, now lower, plans a new cluster
  // (:460-478, CustomizeDiff), which the protection refuses in the engine's words alone (pulumi/pulumi
  // pkg/resource/deploy/step_generator.go, "unable to replace resource … as it is currently marked for protection")
  test('kubernetesVersion of a minor past its end of life, upgraded by DigitalOcean: one line says so before the refusal, and its advice changes nothing', async () => {
    const pin = { kubernetesVersion: '1.32.9-do.0' };
    const pinned = await after(pin);
    const upgraded = refreshed(pinned, CLUSTER, { version: '1.33.9-do.0' });
    let again: ProgramRun | undefined;
    const warnings = await warningsDuring(async () => {
      again = await after(pin);
    });
    expect(changes(upgraded, again!)).toEqual(['cluster-cluster KubernetesCluster: replace version (protected)']);
    expect(warnings.filter((w) => w.includes('1.32.9-do.0'))).toEqual([
      'version "1.32.9-do.0" is of Kubernetes 1.32, past its end of life (DigitalOcean offers 1.33 to 1.35), and DigitalOcean upgrades such a cluster ' +
      'itself: once a refresh reads the newer version, pulumi up stops at "unable to replace resource … marked for protection", the provider ' +
      'replacing a cluster given a lower version than it runs; set version to the one the cluster runs (doctl kubernetes cluster list), or drop it ' +
      'to leave the version to DigitalOcean',
    ]);
    // either way out the line gives: the version the cluster runs, or none (then not managed, `ignoreChanges`)
    expect(changes(upgraded, await after({ kubernetesVersion: '1.33.9-do.0' }))).toEqual([]);
    expect(changes(upgraded, await runProgram({ ...STACK }, {}, false))).toEqual([]);
    // a version still offered is not warned of
    expect((await warningsDuring(() => after({ kubernetesVersion: '1.33.9-do.0' }))).filter((w) => w.includes('1.33.9-do.0'))).toEqual([]);
  }, 60_000);

  test('bucket and droneLogBucket would replace their buckets, which the protection refuses, rather than update a name DigitalOcean never renames', async () => {
    // without replaceOnChanges the provider's Update renamed nothing (resource_spaces_bucket.go:271-306), while the
    // state took the new name and the key a grant on a bucket that does not exist
    expect(FORCE_NEW['digitalocean:index/spacesBucket:SpacesBucket']).not.toContain('name');
    expect(changes(base, await after({ droneLogBucket: 'acme-drone-logs' }))).toEqual([
      'drone-logs-bucket SpacesBucket: replace name (protected)', 'drone-logs-key SpacesKey: update grants',
    ]);
    // the log bucket's default name follows bucket's
    expect(changes(base, await afterOnce({ bucket: 'acme-harbor-two' }))).toEqual([
      'drone-logs-bucket SpacesBucket: replace name (protected)', 'drone-logs-key SpacesKey: update grants',
      'spaces-bucket SpacesBucket: replace name (protected)', 'spaces-key SpacesKey: update grants',
    ]);
  }, 60_000);

  test('droneLogRetentionDays updates the log bucket\'s lifecycle rules in place (resource_spaces_bucket.go:299)', async () => {
    expect(changes(base, await after({ droneLogRetentionDays: '30' }))).toEqual(['drone-logs-bucket SpacesBucket: update lifecycleRules (protected)']);
  }, 60_000);

  test('region: the cluster, its VPC and the buckets would be replaced, which the protection refuses before a database migrates', async () => {
    const run = await afterOnce({ region: 'ams3' });
    expect(changes(base, run)).toEqual([
      'cluster-cluster KubernetesCluster: replace region (protected)', 'cluster-vpc Vpc: replace region (protected)',
      'drone-logs-bucket SpacesBucket: replace region (protected)',
      // a region change migrates a database cluster (resource_database_cluster.go:474-480, Databases.Migrate)...
      'postgres-cluster DatabaseCluster: update region (protected)',
      'spaces-bucket SpacesBucket: replace region (protected)', 'valkey-cluster DatabaseCluster: update region (protected)',
    ]);
    // ...but each registers only with the VPC's id, which the refused replacement of the VPC never gives it
    for (const db of ['postgres-cluster', 'valkey-cluster']) {
      expect(run.resources.get(`digitalocean:index/databaseCluster:DatabaseCluster::${db}`)!.inputs.privateNetworkUuid).toBe('cluster-vpc-id');
    }
  }, 60_000);

  test('containerRegistry true adds the registry and its credentials, replacing nothing', async () => {
    const run = await after({ containerRegistry: 'true' });
    expect(changes(base, run)).toEqual([
      'registry-credentials ContainerRegistryDockerCredentials: create', 'registry-registry ContainerRegistry: create (protected)',
    ]);
    // and back off: the registry, images and all, would be deleted, which its protection refuses
    expect(changes(run, base)).toEqual([
      'registry-credentials ContainerRegistryDockerCredentials: delete', 'registry-registry ContainerRegistry: delete (protected)',
    ]);
    // a tier is changed in place (registry/resource_container_registry.go: only name and region are ForceNew)
    expect(changes(run, await after({ containerRegistry: 'true', containerRegistryTier: 'professional' })))
      .toEqual(['registry-registry ContainerRegistry: update subscriptionTierSlug (protected)']);
  }, 60_000);

  test('imageMirror on the Container Registry: the registry the stack made keeps its name if the mirror names it; another name is refused', async () => {
    const registry = { containerRegistry: 'true', containerRegistryTier: 'professional' };
    const made = await after(registry);
    // the name Pulumi gave it (the mocks' auto-name), as `pulumi stack output registryHost` shows it
    expect(await new Promise((resolve) => made.outputs.registryHost.apply(resolve))).toBe('registry.digitalocean.com/registry-registry-a1b2c3');
    const mirrored = await after({ ...registry, imageMirror: 'registry.digitalocean.com/registry-registry-a1b2c3' });
    // the state holds the inputs the provider checked, the auto-name among them, where the mocks see the program's
    const recorded = made.resources.get('digitalocean:index/containerRegistry:ContainerRegistry::registry-registry')!;
    expect(recorded.inputs.name).toBeUndefined();
    recorded.inputs.name = 'registry-registry-a1b2c3';
    expect(changes(made, mirrored)).toEqual([]);
    // resource_container_registry.go:31, name ForceNew: a registry of another name would replace it, images and all
    expect(changes(made, await after({ ...registry, imageMirror: 'registry.digitalocean.com/acme-mirror' }))).toEqual([
      'registry-credentials ContainerRegistryDockerCredentials: replace registryName', 'registry-registry ContainerRegistry: replace name (protected)',
    ]);
  }, 60_000);

  test('clusterName on a stack that created its cluster: the cluster, its VPC and both databases\' VPC would go, which the protection refuses', async () => {
    const run = await after({ clusterName: 'existing' });
    expect(changes(base, run)).toEqual([
      'cluster-cluster KubernetesCluster: delete (protected)', 'cluster-vpc Vpc: delete (protected)',
      'postgres-cluster DatabaseCluster: replace privateNetworkUuid (protected)', 'postgres-firewall DatabaseFirewall: update rules',
      'valkey-cluster DatabaseCluster: replace privateNetworkUuid (protected)', 'valkey-firewall DatabaseFirewall: update rules',
    ]);
    // every Kubernetes object would move to the other cluster: a new clusterIdentifier replaces the provider, and with
    // it each object (KubernetesCluster's provider), which each Namespace, protected, refuses
    const provider = (r: ProgramRun) => r.resources.get('pulumi:providers:kubernetes::cluster-provider')!.inputs.clusterIdentifier;
    expect([provider(base), provider(run)]).toEqual(['cluster-cluster-id', 'cluster-id(existing)']);
    const namespaces = [...kubernetesObjects(run).values()].filter((r) => r.inputs.kind === 'Namespace');
    // the charts' Namespaces are protected; ingress-nginx's and cert-manager's hold nothing the install does not make
    // again (the certificates are in harbor and dockyard, beside their Ingresses)
    expect(namespaces.map((n) => `${n.inputs.metadata.name}${n.options.protect ? ' (protected)' : ''}`).sort()).toEqual([
      'cert-manager', 'dockyard (protected)', 'dockyard-builds (protected)', 'harbor (protected)', 'ingress-nginx',
    ]);
  }, 60_000);

  test('ciEngine woodpecker on a Drone stack: the log bucket would go, which its protection refuses; Drone\'s database and user stay', async () => {
    expect(changes(base, await after({ ciEngine: 'woodpecker' }))).toEqual([
      'dns/drone DnsRecord: delete', 'dns/woodpecker DnsRecord: create', 'drone-logs-bucket SpacesBucket: delete (protected)', 'drone-logs-key SpacesKey: delete',
      'postgres-db-drone DatabaseDb: delete', 'postgres-db-woodpecker DatabaseDb: create', 'postgres-user-drone DatabaseUser: delete', 'postgres-user-woodpecker DatabaseUser: create',
    ]);
    // deleted from the program, kept in DigitalOcean (retainOnDelete, checked for every run above)
    expect(['postgres-db-drone', 'postgres-user-drone'].map((n) => [...base.resources.values()].find((r) => r.name === n)!.options.retainOnDelete)).toEqual([true, true]);
  }, 60_000);

  test('no infrastructure setting makes a generated credential anew, nor deletes a Namespace or changes a StatefulSet\'s immutable fields', async () => {
    for (const config of [{ postgresSize: 'db-s-1vcpu-2gb' }, { region: 'ams3' }, { bucket: 'acme-harbor-two' }, { nodeSize: 's-4vcpu-8gb' }] as Record<string, string>[]) {
      const run = await afterOnce(config);
      expectGeneratedKept(run);
      expect([config, kubernetesHazards(base, run)]).toEqual([config, []]);
    }
  }, 120_000);
});
