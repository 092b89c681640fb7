import { Construct } from 'constructs';
import { invalid } from '../core';
import { reachedHost, reachedServer } from '../core/service';
import { firstInstance, recordInstance } from '../core/instances';
import { IRedis, Redis, RedisMaxMemoryPolicy } from '../redis';
import { REDIS_DB } from './context';

/**
 * Refuse a Redis server that another Harbor of the app already uses. Harbor's components use fixed databases
 * (`REDIS_DB`, as harbor-helm assigns them) with fixed keys in them, so two Harbors on one server share every one:
 * jobservice's queue (`JOB_NAMESPACE` in its database, which gocraft/work reads whoever enqueued), so each jobservice
 * runs the other's jobs against its own core; and the registry's blob descriptor cache, which distribution asks
 * before its storage whether a repository holds a blob (goharbor/distribution release/2.8
 * registry/storage/cache/cachedblobdescriptorstore.go `cachedBlobStatter.Stat`, redis/redis.go
 * `repositoryScopedRedisBlobDescriptorService.Stat`: `SISMEMBER repository::<name>::blobs`), so one registry finds
 * blobs only the other stores, lets a push skip them, and serves manifests whose layers it cannot. Nothing fails
 * at start; two Harbors need two servers. Servers are told apart by host and port, the host as the Harbors'
 * pods resolve it (`serverKey`: `redis.other`, `redis.other.svc` and `redis.other.svc.cluster.local` are one server);
 * an IP address and a name of one server are not recognised as one. The refusal names the other Harbor's spelling when
 * it is another, and the name both are to the pods, so that a host taken for a server outside the cluster
 * (`valkey.prod`) is seen to be a Service's (`valkey.prod.svc`).
 *
 * @param kind `Harbor`, whose instances are recorded (`recordInstance`)
 * @param namespace the Harbor's namespace, where its pods resolve a one-label host
 * @param prop the Harbor's prop that names `redis`: `redis`, or `registryCache`
 */
export function checkRedisOfOneHarbor(kind: abstract new (...args: any[]) => Construct, harbor: Construct, namespace: string, redis: IRedis,
  prop = 'redis'): void {
  const server = `${redis.host}:${redis.port}`;
  const key = serverKey(redis, namespace);
  // recorded by server, so that the check looks at the Harbors of this server only, however many the app holds
  recordInstance(kind, harbor, key);
  const spellings = SPELLINGS.get(harbor) ?? new Map<string, string>();
  SPELLINGS.set(harbor, spellings);
  if (!spellings.has(key)) spellings.set(key, server);
  const other = firstInstance(harbor, kind, key, (c) => c !== harbor);
  if (other) {
    const databases = Object.values(REDIS_DB).join(', ');
    const spelt = SPELLINGS.get(other)?.get(key);
    const otherName = spelt !== undefined && spelt !== server ? ` names it "${spelt}", and the pods resolve both names to ${reachedHost(redis.host, namespace)}` : '';
    invalid(prop, server, `must not be the Redis of another Harbor (${other.node.path}${otherName}): Harbor keeps its job queue and ` +
      `registry cache under fixed keys in databases ${databases}, so each would run the other's jobs and find the other's blobs; give each Harbor its own Redis`);
  }
}

/** The host and port each Harbor wrote for a server (`serverKey`), to name in a refusal when a second Harbor spells it another way. */
const SPELLINGS = new WeakMap<Construct, Map<string, string>>();

/**
 * The server `redis` names, as Harbor's pods in `namespace` reach it, so that its spellings compare equal
 * (`reachedServer`, the rule the PostgreSQL connection budget applies too): `redis` is `redis.<namespace>.svc`, the
 * Service in the Harbor's own namespace, and `redis.other`, `redis.other.svc` and `redis.other.svc.cluster.local` are
 * one server. Two Harbors in two namespaces that each name their own `redis` so use two servers.
 */
export function serverKey(redis: IRedis, namespace: string): string {
  return reachedServer(redis.host, redis.port, namespace);
}

/**
 * Refuse an in-cluster `Redis` that evicts as a Harbor's `redis`. jobservice keeps its queue there (db 1): gocraft/work
 * lists `<namespace>:jobs:<job name>` and the stats of pending and running jobs, without a TTL (goharbor/harbor
 * v2.15.1 src/jobservice/common/rds/scripts.go:95 `persist`), so `allkeys-lru` drops queued jobs like cache entries
 * (test/integ/harbor-registry.integ.test.ts). A managed server's policy is not known here.
 */
export function checkRedisKeepsKeys(redis: IRedis): void {
  const server = redis.server;
  if (server instanceof Redis && server.maxMemoryPolicy !== RedisMaxMemoryPolicy.NO_EVICTION) {
    invalid('redis', `${server.node.path} (maxMemoryPolicy ${server.maxMemoryPolicy})`, 'must keep every key when full ' +
      `(maxMemoryPolicy "${RedisMaxMemoryPolicy.NO_EVICTION}"): jobservice's queue lives there; give an evicting server to registryCache instead`);
  }
}

/**
 * Refuse a registry cache server whose CA is another than `redis`'s. Each pod gets one Redis CA in `SSL_CERT_DIR`
 * (`trustMounts`), and core and jobservice reach both servers; a cache CA beside a `redis` without one is that CA.
 */
export function checkRegistryCacheCa(redis: IRedis, cache: IRedis): void {
  const ca = cache.caCertificate;
  if (ca && redis.caCertificate && ca.toString() !== redis.caCertificate.toString()) {
    invalid('registryCache.caCertificate', ca.toString(), `must be redis's CA (${redis.caCertificate.toString()}) or unset: core and jobservice trust one Redis CA`);
  }
}
