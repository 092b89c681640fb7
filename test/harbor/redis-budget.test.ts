import { parse } from 'yaml';
import { ExternalRedis, IRedis, Redis, RedisMaxMemoryPolicy, Secret } from '../../lib';
import { REDIS_RESERVED_CLIENTS } from '../../lib/harbor/redis-budget';
import { container, envOf, find, quotes, readmeQuotes, readmeText, synth, testChart, thrown } from '../util';
import { inClusterHarbor, managedHarbor } from './fixtures';

/**
 * Harbor's Redis connections against a server's `maxClients`. What each pod opens at its most:
 * - core: three go-redis clients on `_REDIS_URL_CORE` (goharbor/harbor v2.15.1 src/core/session/session.go:144,
 *   src/lib/cache/cache.go:111, src/lib/redis/client.go:71) and one on `_REDIS_URL_REG` (client.go:43), each bounded
 *   by the URL's `pool_size`/`max_active_conns` (redis/go-redis v9.17.2 options.go:632-636), besides its job-monitor
 *   redigo pool, unbounded (src/pkg/jobmonitor/redis.go:65-68), counted as 5;
 * - registry: `redis.pool.maxactive` (goharbor/distribution release/2.8 registry/handlers/app.go:605-609);
 * - jobservice: an unbounded redigo pool (src/jobservice/runtime/bootstrap.go:350-356; gomodule/redigo v1.9.2
 *   redis/pool.go:154), counted as its workers and 20, and garbage collection's cache cleanup on core's
 *   `_REDIS_URL_REG` (src/jobservice/job/impl/gc/garbage_collection.go:499-506), which scans and deletes one key at a
 *   time (src/jobservice/job/impl/gc/util.go:26-39): one connection, fixed, as a scheduled run reads the URL saved with
 *   its schedule (src/server/v2.0/handler/gc.go:87), which no share written later reaches;
 * - Trivy: 5 (harbor-scanner-trivy v0.36.0 pkg/etc/config.go:74, pkg/redisx/pool.go:50);
 * - exporter: an unbounded redigo pool (src/pkg/exporter/js_worker.go:48-54), counted as 4.
 * Each Deployment counts its rollout's extra pods (25% surge), jobservice twice its replicas (old pods finish their jobs).
 */

const password = (chart: ReturnType<typeof testChart>, name: string) => Secret.fromSecretName(chart, name, name).key('password');

function limitedRedis(chart: ReturnType<typeof testChart>, id: string, maxClients?: number, host = 'private-valkey.example.com'): ExternalRedis {
  return new ExternalRedis(chart, id, { host, port: 25061, username: 'default', password: password(chart, `${id.toLowerCase()}-pw`), maxClients });
}

const coreEnv = (objects: any[]) => envOf(container(find(objects, 'Deployment', 'harbor-core')));
const registryPool = (objects: any[]) => parse(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']).redis.pool;

describe('Harbor Redis connection budget', () => {
  test('a server without maxClients keeps the pools as they were: no pool_size, the registry\'s 500', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart);
    expect(harbor.redisPools).toEqual({ redis: undefined, registryCache: undefined });
    const objects = synth(chart);
    expect(coreEnv(objects)._REDIS_URL_CORE.value).toBe('rediss://default:$(REDIS_PASSWORD)@private-valkey.example.com:25061/0?idle_timeout_seconds=30');
    expect(coreEnv(objects)._REDIS_URL_REG.value).toBe('rediss://default:$(REDIS_PASSWORD)@private-valkey.example.com:25061/2?idle_timeout_seconds=30');
    expect(registryPool(objects)).toEqual({ maxidle: 100, maxactive: 500, idletimeout: '60s' });
  });

  test('the in-cluster Redis states no limit (Valkey\'s default 10000), so its Harbor is unchanged', () => {
    const chart = testChart('harbor');
    expect(new Redis(chart, 'R', { name: 'r' }).maxClients).toBeUndefined();
    expect(inClusterHarbor(chart).redisPools).toEqual({ redis: undefined, registryCache: undefined });
  });

  test('shares what the unbounded pools leave among the pools Dockyard sizes, rollouts counted', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 200) });
    // one of each, each Deployment with one more pod while it rolls, jobservice with its successor: 2 pods each.
    // Kept free: 4 (REDIS_RESERVED_CLIENTS). Unbounded: core 5, jobservice 10 workers + 20, Trivy 5: (5 + 30 + 5) × 2
    // = 80, and garbage collection's one on each jobservice pod: 82. Pools: core 4, registry 1: 5 × 2 = 10, sharing
    // 114: 11 each
    expect(harbor.redisPools).toEqual({ redis: 11, registryCache: 11 });
    const objects = synth(chart);
    expect(coreEnv(objects)._REDIS_URL_CORE.value).toMatch(/\/0\?idle_timeout_seconds=30&pool_size=11&max_active_conns=11$/);
    expect(coreEnv(objects)._REDIS_URL_REG.value).toMatch(/\/2\?idle_timeout_seconds=30&pool_size=11&max_active_conns=11$/);
    expect(registryPool(objects)).toEqual({ maxidle: 11, maxactive: 11, idletimeout: '60s' });
    // the URLs Trivy, jobservice and the exporter read have no pool setting Harbor reads
    const trivy = envOf(container(find(objects, 'StatefulSet', 'harbor-trivy')));
    expect(trivy.SCANNER_REDIS_URL.value).toMatch(/\/5\?idle_timeout_seconds=30$/);
  });

  // Every reader of the two URLs the share writes to parses them with go-redis's ParseURL, after Harbor turns
  // idle_timeout_seconds into idle_timeout (goharbor/harbor v2.15.1 src/lib/cache/redis/redis.go:149-158, :188): core's
  // sessions (src/core/main.go:148-157, beego v2.3.10 server/web/hooks.go:58 passing the URL as it is, then
  // src/core/session/session.go:144), its default cache (main.go:161-170, src/lib/cache/cache.go:109-111), its
  // "harbor" and registry clients (src/lib/redis/client.go:42-43, :67-71), and jobservice's garbage collection, to
  // which core hands `_REDIS_URL_REG` as the job's parameter (src/server/v2.0/handler/gc.go:87,
  // src/jobservice/job/impl/gc/garbage_collection.go:500-506). ParseURL refuses every option it does not read
  // ("redis: unexpected option", redis/go-redis v9.17.2 options.go:655-658) and a non-integer `pool_size` or
  // `max_active_conns` ("invalid ... number", options.go:546-558, 632, 636): one misspelt key stops core. The URLs
  // read by redigo (jobservice's queue, the exporter: src/lib/redis/pool.go:49-96, which reads only
  // idle_timeout_seconds from the query) and by Trivy carry no pool option, which those readers would not apply.
  test('core\'s limited URLs carry only options go-redis v9.17.2 reads, as integers; the other URLs none', () => {
    const GO_REDIS_OPTIONS = [ // options.go:615-652, setupConnParams
      'db', 'protocol', 'client_name', 'max_retries', 'min_retry_backoff', 'max_retry_backoff', 'dial_timeout', 'read_timeout', 'write_timeout',
      'pool_fifo', 'pool_size', 'pool_timeout', 'min_idle_conns', 'max_idle_conns', 'max_active_conns', 'max_concurrent_dials',
      'conn_max_idle_time', 'idle_timeout', 'conn_max_lifetime', 'max_conn_age', 'skip_verify',
    ];
    const chart = testChart('harbor');
    managedHarbor(chart, { exporter: true, redis: limitedRedis(chart, 'Limited', 400) });
    const objects = synth(chart);
    const query = (value: string) => new URL(value.replace('$(REDIS_PASSWORD)', 'pw')).searchParams;
    for (const name of ['_REDIS_URL_CORE', '_REDIS_URL_REG']) {
      const params = query(coreEnv(objects)[name].value);
      // Harbor's rename before ParseURL
      const keys = [...params.keys()].map((k) => (k === 'idle_timeout_seconds' ? 'idle_timeout' : k));
      expect(keys.filter((k) => !GO_REDIS_OPTIONS.includes(k))).toEqual([]);
      expect(params.get('pool_size')).toMatch(/^[1-9][0-9]*$/);
      expect(params.get('max_active_conns')).toBe(params.get('pool_size'));
    }
    const others = [
      envOf(container(find(objects, 'Deployment', 'harbor-jobservice'))).JOB_SERVICE_POOL_REDIS_URL.value,
      envOf(container(find(objects, 'Deployment', 'harbor-exporter'))).HARBOR_REDIS_URL.value,
      envOf(container(find(objects, 'StatefulSet', 'harbor-trivy'))).SCANNER_REDIS_URL.value,
    ];
    expect(others.flatMap((u) => [...query(u).keys()]).filter((k) => k !== 'idle_timeout_seconds')).toEqual([]);
  });

  test('counts jobservice\'s workers, every old jobservice pod, and the exporter', () => {
    const share = (props: Parameters<typeof managedHarbor>[1]) => {
      const chart = testChart('harbor');
      return managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 1000), ...props }).redisPools.redis;
    };
    // 4 kept free on each
    expect(share({})).toBe(Math.floor((1000 - 4 - 82) / 10));
    // 50 workers: jobservice's 2 pods hold 70 each, and garbage collection's 1
    expect(share({ jobWorkers: 50 })).toBe(Math.floor((1000 - 4 - (5 + 71 + 5) * 2) / 10));
    // 2 jobservice: 4 pods while they roll, each with its 30 and garbage collection's 1, and no pool of the share
    expect(share({ jobserviceReplicas: 2 })).toBe(Math.floor((1000 - 4 - (10 + 31 * 4 + 10)) / (8 + 2)));
    // the exporter: 4 more on each of its 2 pods
    expect(share({ exporter: true })).toBe(Math.floor((1000 - 4 - 90) / 10));
  });

  test('never raises the registry past 500, however large the share', () => {
    const chart = testChart('harbor');
    managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 100000) });
    expect(registryPool(synth(chart))).toEqual({ maxidle: 100, maxactive: 500, idletimeout: '60s' });
  });

  // go-redis's default pool is 10 per GOMAXPROCS (redis/go-redis v9.17.2 options.go:298-299); the share at 10000 was
  // about 800 for each of core's four clients: core's pools stop at the registry's 500, and a share under it is kept
  test('never raises core\'s pools past 500, and keeps a share under it', () => {
    const urls = (maxClients: number) => {
      const chart = testChart('harbor');
      const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', maxClients) });
      const env = coreEnv(synth(chart));
      return [harbor.redisPools.redis, env._REDIS_URL_CORE.value.split('?')[1], env._REDIS_URL_REG.value.split('?')[1]];
    };
    // Harbor.redisPools gives the size set, not the share of 991 that no pool gets
    expect(urls(10000)).toEqual([500, ...Array(2).fill('idle_timeout_seconds=30&pool_size=500&max_active_conns=500')]);
    // 5086 gives 500 exactly, 5085 499
    expect(urls(5086)).toEqual([500, ...Array(2).fill('idle_timeout_seconds=30&pool_size=500&max_active_conns=500')]);
    expect(urls(5085)).toEqual([499, ...Array(2).fill('idle_timeout_seconds=30&pool_size=499&max_active_conns=499')]);
    // a registry cache of its own with room for more: its share is capped as well, and redisPools says so
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, {
      redis: limitedRedis(chart, 'Limited', 200), registryCache: limitedRedis(chart, 'CacheServer', 10000, 'private-cache.example.com'),
    });
    expect(harbor.redisPools).toEqual({ redis: 19, registryCache: 500 });
    expect(coreEnv(synth(chart))._REDIS_URL_REG.value).toMatch(/\?idle_timeout_seconds=30&pool_size=500&max_active_conns=500$/);
  });

  test('a registry cache of its own has a budget of its own: core\'s one client, the registry, garbage collection\'s one connection', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, {
      redis: limitedRedis(chart, 'Limited', 200), registryCache: limitedRedis(chart, 'CacheServer', 60, 'private-cache.example.com'),
    });
    // each server keeps 4 free; redis: (5 + 30 + 5) × 2 = 80 fixed, core's 3 clients × 2 pods; the cache: garbage
    // collection's 1 on each of jobservice's 2 pods fixed, and core's and the registry's pools × 2 pods
    expect(harbor.redisPools).toEqual({ redis: Math.floor(116 / 6), registryCache: Math.floor(54 / 4) });
    const objects = synth(chart);
    expect(coreEnv(objects)._REDIS_URL_CORE.value).toMatch(/pool_size=19&max_active_conns=19$/);
    expect(coreEnv(objects)._REDIS_URL_REG.value).toMatch(/private-cache\.example\.com:25061\/2\?idle_timeout_seconds=30&pool_size=13&max_active_conns=13$/);
    expect(registryPool(objects).maxactive).toBe(13);
  });

  test('a registry cache at redis\'s host and port is the same server: one budget', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 200), registryCache: limitedRedis(chart, 'Again', 200) });
    expect(harbor.redisPools).toEqual({ redis: 11, registryCache: 11 });
  });

  // one server has one maxclients (valkey src/config.c): stated by either of the two IRedis that name it, it is that
  // server's limit; the cache's alone was ignored, leaving core's and the registry's pools at their upstream sizes
  test('a registry cache at redis\'s host and port gives the one server its limit when redis states none', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Unstated'), registryCache: limitedRedis(chart, 'Again', 200) });
    expect(harbor.redisPools).toEqual({ redis: 11, registryCache: 11 });
    const objects = synth(chart);
    expect(coreEnv(objects)._REDIS_URL_CORE.value).toMatch(/\/0\?idle_timeout_seconds=30&pool_size=11&max_active_conns=11$/);
    expect(registryPool(objects).maxactive).toBe(11);
    // too small, it is refused as the prop that states it
    const small = testChart('harbor');
    expect(() => managedHarbor(small, { redis: limitedRedis(small, 'Unstated'), registryCache: limitedRedis(small, 'Again', 100) }))
      .toThrow(/^invalid registryCache\.maxClients 100: must keep 4 connections free .* be at least 126; raise the server's limit or lower the replicas or jobWorkers \(the limit is registryCache's maxClients, /);
  });

  // the budget tells servers apart as the one-Harbor-per-Redis check does (serverKey, lib/harbor/shared-redis.ts): a
  // pod in the Harbor's namespace resolves the one-label host "valkey" by its DNS search path to valkey.harbor.svc
  test('a one-label host and its in-cluster name in the Harbor\'s namespace are one server: one budget', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Short', 200, 'valkey'), registryCache: limitedRedis(chart, 'Long', undefined, 'valkey.harbor.svc') });
    expect(harbor.redisPools).toEqual({ redis: 11, registryCache: 11 });
    // in another namespace, the same one-label host is another server: the cache states no limit of its own
    const other = testChart('harbor');
    const apart = managedHarbor(other, { redis: limitedRedis(other, 'Short', 200, 'valkey'), registryCache: limitedRedis(other, 'Long', undefined, 'valkey.other.svc') });
    expect(apart.redisPools.registryCache).toBeUndefined();
  });

  // a pod completes "valkey.cache" through its search list's svc.<domain> (kubernetes/kubernetes
  // pkg/kubelet/network/dns/dns.go generateSearchesForDNSClusterFirst) to the Service valkey of namespace cache, the
  // server "valkey.cache.svc" and "valkey.cache.svc.cluster.local" name: one server, one limit over both pools
  test('a Service named as <service>.<namespace>, with .svc or with the cluster domain is one server: one budget', () => {
    for (const [redisHost, cacheHost] of [['valkey.cache', 'valkey.cache.svc'], ['valkey.cache.svc', 'valkey.cache.svc.cluster.local'], ['valkey.cache', 'valkey.cache.svc.cluster.local']]) {
      const chart = testChart('harbor');
      const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Short', 200, redisHost), registryCache: limitedRedis(chart, 'Long', undefined, cacheHost) });
      expect(harbor.redisPools).toEqual({ redis: 11, registryCache: 11 });
    }
    // and one server has one limit, however it is named
    const two = testChart('harbor');
    expect(thrown(() => managedHarbor(two, { redis: limitedRedis(two, 'Short', 1000, 'valkey.cache'), registryCache: limitedRedis(two, 'Long', 500, 'valkey.cache.svc') })).message)
      .toBe('invalid registryCache.maxClients 500: must be redis\'s maxClients (1000) or unset: registryCache is the same server as redis ' +
        '(redis names it "valkey.cache:25061", registryCache "valkey.cache.svc:25061", and the pods resolve both names to valkey.cache.svc:25061), ' +
        'which has one limit (Harbor "test/Harbor")');
    // under another cluster domain, which Dockyard is not told, the name is compared as written
    const other = testChart('harbor');
    const apart = managedHarbor(other, { redis: limitedRedis(other, 'Short', 200, 'valkey.cache'), registryCache: limitedRedis(other, 'Long', undefined, 'valkey.cache.svc.k8s.example') });
    expect(apart.redisPools.registryCache).toBeUndefined();
  });

  test('refuses two different limits for the one server at redis\'s host and port', () => {
    const chart = testChart('harbor');
    expect(thrown(() => managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 1000), registryCache: limitedRedis(chart, 'Again', 500) })).message)
      .toBe('invalid registryCache.maxClients 500: must be redis\'s maxClients (1000) or unset: registryCache is the same server as redis ' +
        '(private-valkey.example.com:25061), which has one limit (Harbor "test/Harbor")');
  });

  test('a registry cache without a limit beside a limited redis keeps the registry\'s 500', () => {
    const chart = testChart('harbor');
    const cache = new Redis(chart, 'RegistryCache', { name: 'registry-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU });
    const harbor = managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 200), registryCache: cache });
    expect(harbor.redisPools.registryCache).toBeUndefined();
    expect(registryPool(synth(chart)).maxactive).toBe(500);
  });

  // day two: stating a limit changes core's URLs (its env) and the registry's config.yml (a ConfigMap its checksum
  // covers), so those two roll, and nothing else
  test('setting maxClients rolls core and the registry, and no other pod', () => {
    const templates = (maxClients?: number) => {
      const chart = testChart('harbor');
      managedHarbor(chart, { exporter: true, redis: limitedRedis(chart, 'Limited', maxClients) });
      return Object.fromEntries(synth(chart).filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
        .map((o) => [`${o.kind}/${o.metadata.name}`, JSON.stringify(o.spec.template)]));
    };
    const before = templates();
    const after = templates(400);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['Deployment/harbor-jobservice', 'Deployment/harbor-exporter', 'StatefulSet/harbor-trivy']));
    expect(Object.keys(before).filter((k) => before[k] !== after[k]).sort()).toEqual(['Deployment/harbor-core', 'Deployment/harbor-registry']);
  });

  test('refuses a limit the pods cannot fit, naming the prop, the value and the least it must be', () => {
    const chart = testChart('harbor');
    expect(() => managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 100) }))
      .toThrow('invalid redis.maxClients 100: must keep 4 connections free for an operator\'s valkey-cli and the provider\'s own clients, ' +
        'hold the 82 connections that the 8 pods that connect (1 core + 1 registry + ' +
        '1 jobservice + 1 trivy, and 4 more while they roll) open whatever their pools, and give each of their 10 pools at least 4 ' +
        'connections, i.e. be at least 126; raise the server\'s limit or lower the replicas or jobWorkers (the limit is redis\'s ' +
        'maxClients, which ExternalRedis states; see the README, "Redis connection budget")');
  });

  test('refuses a registry cache whose limit its pods cannot fit', () => {
    const chart = testChart('harbor');
    expect(() => managedHarbor(chart, {
      redis: limitedRedis(chart, 'Limited', 1000), registryCache: limitedRedis(chart, 'CacheServer', 20, 'private-cache.example.com'),
    // garbage collection's one connection on each jobservice pod, and core's and the registry's pools
    })).toThrow('invalid registryCache.maxClients 20: must keep 4 connections free for an operator\'s valkey-cli and the provider\'s own ' +
      'clients, hold the 2 connections that the 6 pods that connect (1 core + 1 registry + ' +
      '1 jobservice, and 3 more while they roll) open whatever their pools, and give each of their 4 pools at least 4 connections, ' +
      'i.e. be at least 22; raise the server\'s limit or lower the replicas or jobWorkers (the limit is registryCache\'s maxClients, ' +
      'which ExternalRedis states; see the README, "Redis connection budget")');
  });

  // an IRedis any code may write states a limit no construct checked: Infinity or NaN shared would be written as
  // pool_size=Infinity, which go-redis's ParseURL refuses at core's start (redis/go-redis v9.17.2 options.go:546-558),
  // and the other values as ExternalRedis refuses them (Valkey's range, src/config.c)
  test.each([Infinity, NaN, 0, 1.5, 4294967296])('Harbor refuses a hand-written IRedis whose maxClients is %p', (value) => {
    const custom = (chart: ReturnType<typeof testChart>, id: string, host: string, maxClients: number | undefined): IRedis => ({
      host, port: 6380, tls: false, grantConnect: () => undefined, password: password(chart, `${id}-pw`), maxClients,
    });
    const rule = `${value}: must be an integer from 1 to 4294967295 (Harbor "test/Harbor")`;
    const one = testChart('harbor');
    expect(thrown(() => managedHarbor(one, { redis: custom(one, 'valkey', 'valkey.example.com', value) })).message).toBe(`invalid redis.maxClients ${rule}`);
    // a cache server of its own, and the same server stating it as the cache
    const apart = testChart('harbor');
    expect(thrown(() => managedHarbor(apart, { registryCache: custom(apart, 'cache', 'cache.example.com', value) })).message)
      .toBe(`invalid registryCache.maxClients ${rule}`);
    const same = testChart('harbor');
    expect(thrown(() => managedHarbor(same, { redis: custom(same, 'valkey', 'valkey.example.com', undefined), registryCache: custom(same, 'again', 'valkey.example.com', value) }))
      .message).toBe(`invalid registryCache.maxClients ${rule}`);
  });

  test.each([0, 1.5, -3, 4294967296])('ExternalRedis refuses maxClients %p', (value) => {
    const chart = testChart('harbor');
    expect(() => limitedRedis(chart, 'Bad', value)).toThrow(`invalid maxClients ${value}: must be an integer from 1 to 4294967295`);
  });
});

// the README's "Redis connection budget" quotes the refusals and the sizes; they follow the code's constants
describe('the README\'s Redis connection budget', () => {
  test('quotes the refusals as Harbor words them', () => {
    const cases: [string, (chart: ReturnType<typeof testChart>) => Parameters<typeof managedHarbor>[1]][] = [
      ['invalid redis.maxClients 100:', (c) => ({ redis: limitedRedis(c, 'Limited', 100) })],
      // the server spelt two ways, which the refusal names both of
      ['invalid registryCache.maxClients 500:', (c) => ({ redis: limitedRedis(c, 'Limited', 1000, 'valkey.cache'), registryCache: limitedRedis(c, 'Again', 500, 'valkey.cache.svc') })],
    ];
    for (const [start, props] of cases) {
      const chart = testChart('harbor');
      const message = thrown(() => managedHarbor(chart, props(chart))).message;
      const quoted = readmeQuotes(start);
      expect(quoted.length).toBeGreaterThan(0);
      for (const q of quoted) expect([q, quotes(q, message)]).toEqual([q, true]);
    }
  });

  test('states the share at 1000 for one replica each, with and without the exporter', () => {
    const stated = /^\(1000 − (\d+) − (\d+)\) \/ (\d+)$/.exec(readmeQuotes('(1000 − ')[0]);
    const words = /a limit of 1000 gives each pool (\d+) \(`\(1000 − [^`]*`\), and (\d+) with the exporter/.exec(readmeText());
    const [reserved, fixed, pools] = stated!.slice(1).map(Number);
    const [pool, withExporter] = words!.slice(1).map(Number);
    const share = (exporter: boolean) => {
      const chart = testChart('harbor');
      return managedHarbor(chart, { exporter, redis: limitedRedis(chart, 'Limited', 1000) }).redisPools.redis;
    };
    expect([pool, Math.floor((1000 - reserved - fixed) / pools), withExporter]).toEqual([share(false), share(false), share(true)]);
    // its terms are the budget's: the reserve, and the fixed connections and pools the refusal counts
    const chart = testChart('harbor');
    const refused = thrown(() => managedHarbor(chart, { redis: limitedRedis(chart, 'Limited', 100) })).message;
    const counted = /hold the (\d+) connections .* their (\d+) pools/.exec(refused)!.slice(1).map(Number);
    expect([reserved, fixed, pools]).toEqual([REDIS_RESERVED_CLIENTS, ...counted]);
  });
});
