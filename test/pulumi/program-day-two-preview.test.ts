import {
  changedInConsole, changes, CLUSTER, exposures, kubernetesObjects, ProgramRun, refreshed, renderedPlaceholders, runProgram, STACK,
} from './digitalocean/day-two';
import { warningsDuring } from './digitalocean/harness';

/**
 * `pulumi preview` (and the preview `pulumi up` shows first) of a DigitalOcean stack after one setting changed, under
 * Pulumi mocks in preview mode: every output of a resource is unknown, as for a resource still to be made. No setting's
 * check may throw on, or refuse, an unknown value, nothing may be rendered from one as text, and the steps the preview
 * shows for the DigitalOcean resources are those of the update (program-day-two-infra.test.ts).
 */
describe('a preview of the DigitalOcean program on day two', () => {
  let base: ProgramRun;
  const TOKENS = { imageMirrorPassword: 'mirror-password-preview', dockerHubToken: 'dckr_pat_preview-1', cloneToken: 'github_pat_preview-clone' };

  beforeAll(async () => {
    base = await runProgram({ ...STACK }, {}, true);
  }, 60_000);

  test.each([
    ['postgresSize', { postgresSize: 'db-s-1vcpu-2gb' }, ['postgres-cluster DatabaseCluster: update size (protected)']],
    ['valkeySize', { valkeySize: 'db-s-2vcpu-4gb' }, ['valkey-cluster DatabaseCluster: update size (protected)']],
    ['nodeSize', { nodeSize: 's-4vcpu-8gb' }, ['cluster-cluster KubernetesCluster: replace nodePool (protected)']],
    ['nodeCount', { nodeCount: '3' }, ['cluster-cluster KubernetesCluster: update nodePool (protected)']],
    ['kubernetesVersion', { kubernetesVersion: '1.35.8-do.1' }, ['cluster-cluster KubernetesCluster: replace version (protected)']],
    ['bucket', { bucket: 'acme-harbor-two' }, [
      'drone-logs-bucket SpacesBucket: replace name (protected)', 'drone-logs-key SpacesKey: update grants',
      'spaces-bucket SpacesBucket: replace name (protected)', 'spaces-key SpacesKey: update grants',
    ]],
    // sizes Harbor's Redis pools (program-day-two-apps.test.ts): no DigitalOcean resource changes
    ['valkeyMaxClients', { valkeyMaxClients: '1000' }, []],
    ['droneLogRetentionDays', { droneLogRetentionDays: '7' }, ['drone-logs-bucket SpacesBucket: update lifecycleRules (protected)']],
    ['containerRegistry', { containerRegistry: 'true', containerRegistryTier: 'professional' }, [
      'registry-credentials ContainerRegistryDockerCredentials: create', 'registry-registry ContainerRegistry: create (protected)',
    ]],
    // the existing cluster's VPC and id are read (an invoke answers in a preview too): known where the created
    // cluster's were not
    ['clusterName', { clusterName: 'existing' }, [
      'cluster-cluster KubernetesCluster: delete (protected)', 'cluster-vpc Vpc: delete (protected)',
      'postgres-cluster DatabaseCluster: replace privateNetworkUuid (protected)', 'postgres-firewall DatabaseFirewall: update rules',
      'valkey-cluster DatabaseCluster: replace privateNetworkUuid (protected)', 'valkey-firewall DatabaseFirewall: update rules',
    ]],
    ['imageMirror on the Container Registry', {
      containerRegistry: 'true', containerRegistryTier: 'professional', imageMirror: 'registry.digitalocean.com/acme-mirror',
    }, ['registry-credentials ContainerRegistryDockerCredentials: create', 'registry-registry ContainerRegistry: create (protected)']],
    ['imageMirrorUser', { imageMirror: 'registry.example.com/mirror', imageMirrorUser: 'puller' }, []],
    ['dockerHubUser', { dockerHubUser: 'acmeci' }, []],
    ['cloneUser', { cloneUser: 'acme-ci' }, []],
    ['domain', { domain: 'example.org' }, ['dns/drone DnsRecord: replace domain', 'dns/harbor DnsRecord: replace domain']],
    ['installIngress', { installIngress: 'false', dnsRecords: 'false' }, ['dns/drone DnsRecord: delete', 'dns/harbor DnsRecord: delete']],
    ['teams', { teams: JSON.stringify([{ name: 'payments', repos: ['acme/payments-*'] }]) }, []],
  ])('%s: the preview registers everything, renders no unknown, keeps every secret a secret', async (_key, config, expected) => {
    const run = await runProgram({ ...STACK, ...config }, TOKENS, true);
    expect(changes(base, run)).toEqual(expected);
    expect(renderedPlaceholders(run)).toEqual([]);
    expect([...kubernetesObjects(run)].filter(([, r]) => r.inputs.kind === 'Secret' && !r.secretInputs).map(([k]) => k)).toEqual([]);
    expect(await exposures(run, Object.values(TOKENS))).toEqual([]);
    // the database hosts stay unknown in the fields that hold them, not in the objects around them
    const core = [...kubernetesObjects(run).values()].find((r) => r.inputs.kind === 'Deployment' && r.inputs.metadata.name === 'harbor-core')!;
    const env = Object.fromEntries(core.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
    expect([run.pulumi.isUnknown(env.POSTGRESQL_HOST.value), env.POSTGRESQL_PORT.value]).toEqual([true, '25060']);
  }, 60_000);

  // the preview `pulumi up` shows first diffs against the state as the update does (program-day-two-infra.test.ts):
  // an auto-upgrade turned on, a surge turned off and the default pool autoscaled, labelled and tainted in the console,
  // read back by a refresh, are no change (terraform-provider-digitalocean v2.99.1 resource_kubernetes_cluster.go:265-268,
  // :688, :700, :811-819; kubernetes.go:552-588; resource_kubernetes_node_pool.go:242-276)
  test('auto-upgrade, surge and the default pool\'s settings made in the DigitalOcean console are no change in the preview either', async () => {
    const fromConsole = changedInConsole(base);
    expect(changes(fromConsole, await runProgram({ ...STACK }, {}, true))).toEqual([]);
  }, 60_000);

  // the same for a VPC's description, a database cluster's tags and a bucket's versioning (terraform-provider-digitalocean
  // v2.99.1 vpc/resource_vpc.go:136, :148-152; database/resource_database_cluster.go:543-547, :585;
  // spaces/resource_spaces_bucket.go:97-112, :293-297, :362-383; program-day-two-infra.test.ts)
  test('a VPC description, database tags and bucket versioning made in the DigitalOcean console are no change in the preview either', async () => {
    const fromConsole = [
      ['digitalocean:index/vpc:Vpc::cluster-vpc', { description: 'Dockyard CI' }],
      ['digitalocean:index/databaseCluster:DatabaseCluster::postgres-cluster', { tags: ['platform'] }],
      ['digitalocean:index/databaseCluster:DatabaseCluster::valkey-cluster', { tags: ['platform'] }],
      ['digitalocean:index/spacesBucket:SpacesBucket::spaces-bucket', { versioning: { enabled: true } }],
      ['digitalocean:index/spacesBucket:SpacesBucket::drone-logs-bucket', { versioning: { enabled: true } }],
    ].reduce((run, [key, values]) => refreshed(run, key as string, values as Record<string, unknown>), base);
    expect(changes(fromConsole, await runProgram({ ...STACK }, {}, true))).toEqual([]);
  }, 60_000);

  // the versions are an invoke, which the engine answers in a preview too: a pin past its end of life is warned of there
  // (the preview `pulumi up` shows first, where the engine's protection refusal comes as well), and its slug stays known
  test('a kubernetesVersion past its end of life is warned of in the preview, its slug known', async () => {
    let run: ProgramRun | undefined;
    const warnings = await warningsDuring(async () => {
      run = await runProgram({ ...STACK, kubernetesVersion: '1.32.9-do.0' }, {}, true);
    });
    expect(warnings.filter((w) => w.startsWith('version "1.32.9-do.0" is of Kubernetes 1.32, past its end of life'))).toHaveLength(1);
    expect(run!.resources.get(CLUSTER)!.inputs.version).toBe('1.32.9-do.0');
  }, 60_000);
});
