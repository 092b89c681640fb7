import { parse as parseYaml } from 'yaml';
import { ExternalRedis, Harbor, HarborStorage, Postgres, Redis, RedisMaxMemoryPolicy, Secret } from '../../lib';
import { inClusterHarbor, managedHarbor } from './fixtures';
import { container, envOf, find, refusal, synth, testChart } from '../util';

/**
 * The registry's blob descriptor cache on a server of its own. Upstream facts, tried for real in
 * test/integ/harbor-registry.integ.test.ts ('the rendered registry on a full Redis'): distribution sets the cache's
 * keys without a TTL (goharbor/distribution release/2.8 registry/storage/cache/redis/redis.go:113-142, 237-260), and
 * reads through it, so an evicted key is a miss its storage answers (registry/storage/cache/cachedblobdescriptorstore.go:66-96);
 * jobservice's queue keys have none either (gocraft/work lists; goharbor/harbor v2.15.1
 * src/jobservice/common/rds/scripts.go:95 `persist` on the stats of jobs not yet done), so the shared server must not
 * evict. Core keeps chunked uploads' accepted sizes in the cache's db 2 (src/controller/blob/controller.go:324-338) and
 * hands its URL to garbage collection (src/server/v2.0/handler/gc.go:87), which jobservice runs and which deletes every
 * cache key (src/jobservice/job/impl/gc/garbage_collection.go:499-527).
 */
const NS = 'test';

function withCache() {
  const chart = testChart(NS);
  const cache = new Redis(chart, 'RegistryCache', { name: 'registry-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU });
  inClusterHarbor(chart, { registryCache: cache });
  return { chart, cache, objects: synth(chart) };
}

describe('Harbor registryCache', () => {
  test('the cache server evicts least recently used keys; the shared one keeps refusing writes', () => {
    const { objects } = withCache();
    const args = (name: string) => container(find(objects, 'StatefulSet', name)).args;
    expect(args('registry-cache')).toEqual(expect.arrayContaining(['--maxmemory-policy', 'allkeys-lru']));
    expect(args('redis')[args('redis').indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  });

  test('the registry reads its cache from the cache server, db 2, with that server\'s password', () => {
    const { objects } = withCache();
    const config = parseYaml(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']);
    expect(config.redis).toMatchObject({ addr: `registry-cache.${NS}.svc:6379`, db: 2 });
    expect(config.storage.cache).toEqual({ layerinfo: 'redis' });
    const env = envOf(container(find(objects, 'Deployment', 'harbor-registry'), 'registry'));
    expect(env.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'registry-cache-password', key: 'password' });
    expect(env.REGISTRY_REDIS_PASSWORD.value).toBe('"$(REDIS_PASSWORD)"');
  });

  test('core\'s _REDIS_URL_REG names the cache server, its sessions and jobservice\'s queue stay on redis', () => {
    const { objects } = withCache();
    const core = envOf(container(find(objects, 'Deployment', 'harbor-core'), 'core'));
    expect(core._REDIS_URL_REG.value).toBe(`redis://:$(REGISTRY_CACHE_PASSWORD)@registry-cache.${NS}.svc:6379/2?idle_timeout_seconds=30`);
    expect(core.REGISTRY_CACHE_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'registry-cache-password', key: 'password' });
    expect(core._REDIS_URL_CORE.value).toBe(`redis://:$(REDIS_PASSWORD)@redis.${NS}.svc:6379/0?idle_timeout_seconds=30`);
    expect(core.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'redis-password', key: 'password' });
    const jobservice = envOf(container(find(objects, 'Deployment', 'harbor-jobservice'), 'jobservice'));
    expect(jobservice.JOB_SERVICE_POOL_REDIS_URL.value).toBe(`redis://:$(REDIS_PASSWORD)@redis.${NS}.svc:6379/1`);
    // jobservice gets the cache's URL from core with each garbage collection, never its password of its own
    expect(jobservice.REGISTRY_CACHE_PASSWORD).toBeUndefined();
  });

  test('the cache server admits core, the registry and jobservice (garbage collection), the shared one no longer the registry', () => {
    const { objects } = withCache();
    const admitted = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress
      .flatMap((rule: any) => rule.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/component']));
    expect(admitted('registry-cache').sort()).toEqual(['core', 'jobservice', 'registry']);
    // and the registry, which reads nothing else from Redis, is no longer admitted to the shared server
    expect(admitted('redis').sort()).toEqual(['core', 'jobservice', 'trivy']);
  });

  test('without one, the registry\'s cache is on redis, as before', () => {
    const chart = testChart(NS);
    inClusterHarbor(chart);
    const objects = synth(chart);
    expect(parseYaml(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']).redis.addr).toBe(`redis.${NS}.svc:6379`);
    const core = envOf(container(find(objects, 'Deployment', 'harbor-core'), 'core'));
    expect(core._REDIS_URL_REG.value).toBe(`redis://:$(REDIS_PASSWORD)@redis.${NS}.svc:6379/2?idle_timeout_seconds=30`);
    expect(core.REGISTRY_CACHE_PASSWORD).toBeUndefined();
  });

  test('an evicting in-cluster Redis is refused as the shared redis', () => {
    const chart = testChart(NS);
    const redis = new Redis(chart, 'Lru', { maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU });
    expect(refusal(() => inClusterHarbor(chart, { redis }))).toBe(`invalid redis "${redis.node.path} (maxMemoryPolicy allkeys-lru)": must keep every key ` +
      'when full (maxMemoryPolicy "noeviction"): jobservice\'s queue lives there; give an evicting server to registryCache instead (Harbor "test/Harbor")');
  });

  test('a cache server with another CA than redis\'s, another Harbor\'s server, or TLS before Harbor 2.13 is refused', () => {
    const chart = testChart(NS);
    const pw = Secret.fromSecretName(chart, 'Pw', 'cache').key('password');
    const cacheCa = Secret.fromSecretName(chart, 'CacheCa', 'other-ca').key('ca.crt');
    const cache = new ExternalRedis(chart, 'RegistryCache', { host: 'cache.example.com', password: pw, caCertificate: cacheCa });
    const redisCa = Secret.fromSecretName(chart, 'RedisCa', 'redis-ca').key('ca.crt');
    const redis = new ExternalRedis(chart, 'Shared', { host: 'valkey.example.com', password: pw, caCertificate: redisCa });
    expect(refusal(() => managedHarbor(chart, { redis, registryCache: cache })))
      .toBe(`invalid registryCache.caCertificate "${NS}/other-ca#ca.crt": must be redis's CA (${NS}/redis-ca#ca.crt) or unset: core and jobservice trust one Redis CA (Harbor "test/Harbor")`);

    // the cache keys are fixed too: a second Harbor on the first's cache server would find the first's blobs
    const two = testChart('harbor');
    const shared = new Redis(two, 'SharedCache', { name: 'shared-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU });
    inClusterHarbor(two, { registryCache: shared });
    expect(refusal(() => new Harbor(two, 'Staging', {
      name: 'staging', namespace: 'staging', externalUrl: 'https://staging.example.com',
      database: new Postgres(two, 'StagingDb', { namespace: 'staging' }).addDatabase('registry', { user: 'harbor' }),
      redis: new Redis(two, 'StagingRedis', { namespace: 'staging' }), registryCache: shared, storage: HarborStorage.filesystem(),
    }))).toMatch(/^invalid registryCache "shared-cache\.harbor\.svc:6379": must not be the Redis of another Harbor \(test\/Harbor\)/);
    // and says which of the two Harbors it refuses: the second, named at the end of the line
    expect(refusal(() => new Harbor(two, 'Qa', {
      name: 'qa', namespace: 'qa', externalUrl: 'https://qa.example.com',
      database: new Postgres(two, 'QaDb', { namespace: 'qa' }).addDatabase('registry', { user: 'harbor' }),
      redis: new Redis(two, 'QaRedis', { namespace: 'qa' }), registryCache: shared, storage: HarborStorage.filesystem(),
    }))).toMatch(/ \(Harbor "test\/Qa"\)$/);

    const old = testChart(NS);
    const tlsCache = new ExternalRedis(old, 'RegistryCache', { host: 'cache.example.com', password: Secret.fromSecretName(old, 'Pw', 'c').key('password') });
    expect(refusal(() => inClusterHarbor(old, { version: '2.12.2', registryCache: tlsCache }))).toMatch(/^invalid registryCache\.tls true: must be false with Harbor 2\.12\.2/);
  });

  test('a cache server\'s CA, beside a redis without one, is trusted by the pods that reach the cache only', () => {
    const chart = testChart(NS);
    const ca = Secret.fromSecretName(chart, 'CacheCa', 'cache-ca').key('ca.crt');
    const cache = new ExternalRedis(chart, 'RegistryCache', { host: 'cache.example.com', password: Secret.fromSecretName(chart, 'Pw', 'c').key('password'), caCertificate: ca });
    inClusterHarbor(chart, { registryCache: cache });
    const objects = synth(chart);
    const trusts = (kind: string, name: string, c: string) => envOf(container(find(objects, kind, name), c)).SSL_CERT_DIR !== undefined;
    expect([trusts('Deployment', 'harbor-core', 'core'), trusts('Deployment', 'harbor-registry', 'registry'),
      trusts('Deployment', 'harbor-jobservice', 'jobservice'), trusts('StatefulSet', 'harbor-trivy', 'trivy')]).toEqual([true, true, true, false]);
  });

  test('moving the cache to its own server rolls the registry and core alone', () => {
    const templates = (cache: boolean) => {
      const chart = testChart(NS);
      inClusterHarbor(chart, cache ? { registryCache: new Redis(chart, 'RegistryCache', { name: 'registry-cache' }) } : {});
      const objects = synth(chart);
      return Object.fromEntries(['harbor-core', 'harbor-registry', 'harbor-jobservice', 'harbor-portal', 'harbor-trivy'].map((name) => {
        const workload = objects.find((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === name);
        return [name, JSON.stringify(workload.spec.template)];
      }));
    };
    const before = templates(false);
    const after = templates(true);
    expect(Object.keys(before).filter((name) => before[name] !== after[name]).sort()).toEqual(['harbor-core', 'harbor-registry']);
  });
});
