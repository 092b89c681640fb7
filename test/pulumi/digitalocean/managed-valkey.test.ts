import * as pulumi from '@pulumi/pulumi';
import type * as Module from '../../../lib/pulumi/digitalocean/managed-valkey';
import { childrenOf, expectParent, get, one, options, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/managed-valkey');
});

describe('ManagedValkey', () => {
  test('defaults: a single smallest valkey 8 node behind a k8s-only firewall, TLS port, default user', async () => {
    const cache = new m.ManagedValkey('cache', { region: 'fra1', kubernetesClusterId: 'doks-123' }, { transformations: [recordParent] });
    expect(await get(cache.host)).toBe('private-cache-cluster-a1b2c3.db.ondigitalocean.com');
    await settled();

    const cluster = one('cache', T.cluster);
    // noeviction, DigitalOcean's default, stated: Harbor's job queue must not be evicted
    expect(cluster.inputs).toEqual({ engine: 'valkey', version: '8', size: 'db-s-1vcpu-1gb', nodeCount: 1, region: 'fra1', evictionPolicy: 'noeviction' });
    expect(one('cache', T.firewall).inputs).toEqual({ clusterId: 'cache-cluster-id', rules: [{ type: 'k8s', value: 'doks-123' }] });
    // no database or user resources: Valkey is used as its `default` user
    expect(childrenOf('cache').filter((r) => r.type === T.db || r.type === T.user)).toEqual([]);

    // DigitalOcean's openapi redis_advanced_config.yml (via do.md §2.2): `valkey_ssl` defaults to true, and then
    // "Caching accepts only SSL connections on port 25061"; the cluster's `user` is `default`
    expect(cache.port).toBe(25061);
    expect(cache.username).toBe('default');
    expect(await get(cache.password)).toBe('password(cache-cluster)');
    expect(await pulumi.isSecret(cache.password)).toBe(true);
    expect(await get(cache.clusterId)).toBe('cache-cluster-id');
    expect(expectParent('cache', cache)).toEqual([T.cluster, T.firewall].sort());
  });

  test('size, node count, VPC and a cluster id Output reach the resources', async () => {
    const cache = new m.ManagedValkey('cache2', {
      region: 'ams3',
      kubernetesClusterId: pulumi.output('doks-out'),
      size: 'db-s-1vcpu-2gb',
      nodeCount: 2,
      privateNetworkUuid: 'vpc-9',
      clusterName: 'dockyard-cache',
    }, { transformations: [recordParent] });
    await get(cache.host);
    await settled();
    expect(one('cache2', T.cluster).inputs).toEqual({
      name: 'dockyard-cache', engine: 'valkey', version: '8', size: 'db-s-1vcpu-2gb', nodeCount: 2, region: 'ams3', privateNetworkUuid: 'vpc-9',
      evictionPolicy: 'noeviction',
    });
    expect(one('cache2', T.firewall).inputs.rules).toEqual([{ type: 'k8s', value: 'doks-out' }]);
    expectParent('cache2', cache);
  });

  test('a cluster for Harbor\'s registryCache alone evicts least recently used keys', async () => {
    // digitalocean/openapi 7c1300c specification/resources/databases/models/eviction_policy_model.yml: `allkeys_lru`
    const cache = new m.ManagedValkey('registry-cache', {
      region: 'fra1', kubernetesClusterId: 'doks-123', evictionPolicy: m.ValkeyEvictionPolicy.ALL_KEYS_LRU,
    }, { transformations: [recordParent] });
    await get(cache.host);
    await settled();
    expect(one('registry-cache', T.cluster).inputs.evictionPolicy).toBe('allkeys_lru');
  });

  // digitalocean/openapi 7c1300c specification/resources/databases/responses/options.yml, `valkey`: layouts of 1, 2
  // and 3 nodes, each offering db-s-1vcpu-2gb … db-s-16vcpu-64gb and the memory optimised m-2vcpu-16gb … m-32vcpu-256gb
  test.each(['m-2vcpu-16gb', 'm-32vcpu-256gb', 'db-s-16vcpu-64gb'])('takes the size %s with 3 nodes', async (size) => {
    const name = `cache-${size}`;
    const cache = new m.ManagedValkey(name, { region: 'fra1', kubernetesClusterId: 'doks-123', size, nodeCount: 3 }, { transformations: [recordParent] });
    await get(cache.host);
    await settled();
    expect(one(name, T.cluster).inputs).toMatchObject({ engine: 'valkey', size, nodeCount: 3 });
  });

  const valkeySizes = 'must be a DigitalOcean Valkey size slug <family>-<vcpu>vcpu-<N>gb of the family db-s or m, such as "db-s-2vcpu-4gb" or "m-2vcpu-16gb"';
  test.each<[string, Partial<Module.ManagedValkeyArgs>, string]>([
    ['a standby on the smallest size', { nodeCount: 2 }, 'invalid nodeCount 2: must be 1 with size "db-s-1vcpu-1gb"'],
    ['more than 3 nodes, which no layout has', { size: 'm-2vcpu-16gb', nodeCount: 4 }, 'invalid nodeCount 4: must be an integer from 1 to 3'],
    ['an unknown size', { size: 'cache-1gb' }, `invalid size "cache-1gb": ${valkeySizes}`],
    // general purpose and storage optimised sizes are PostgreSQL's (and others'), never Valkey's
    ['a PostgreSQL size', { size: 'gd-2vcpu-8gb' }, `invalid size "gd-2vcpu-8gb": ${valkeySizes}`],
    ['a memory optimised size in upper case', { size: 'M-2vcpu-16gb' }, `invalid size "M-2vcpu-16gb": ${valkeySizes}`],
    ['a non-major version', { version: '8.0' }, 'invalid version "8.0": must be a Valkey major version'],
    // Redis's spelling, which DigitalOcean's API does not take; and a policy that would evict queued jobs' TTL'd stats
    ['an eviction policy DigitalOcean does not spell so', { evictionPolicy: 'allkeys-lru' as Module.ValkeyEvictionPolicy },
      'invalid evictionPolicy "allkeys-lru": must be one of noeviction, allkeys_lru'],
  ])('rejects %s before registering anything', (_what, override, message) => {
    const before = registered.length;
    expect(() => new m.ManagedValkey('bad', { region: 'nyc3', kubernetesClusterId: 'doks', ...override })).toThrow(message);
    expect(registered.length).toBe(before);
  });
});

describe('ManagedValkey protection', () => {
  test('its cluster is protected unless the options say protect: false', async () => {
    new m.ManagedValkey('vksafe', { region: 'fra1', kubernetesClusterId: 'doks-123' }, { transformations: [recordParent] });
    await settled();
    expect(options.get(`${T.cluster}::vksafe-cluster`)!.protect).toBe(true);
    // the version a default, the tags unset: both the console's (resource_database_cluster.go:241, :543-547, :585)
    expect(options.get(`${T.cluster}::vksafe-cluster`)!.ignoreChanges).toEqual(['version', 'tags']);
    new m.ManagedValkey('vkloose', { region: 'fra1', kubernetesClusterId: 'doks-123' }, { transformations: [recordParent], protect: false });
    await settled();
    expect(options.get(`${T.cluster}::vkloose-cluster`)!.protect).toBe(false);
  });
});
