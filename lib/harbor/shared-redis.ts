import { Construct } from 'constructs';
import { invalid } from '../core';
import { serviceHost } from '../core/service';
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
 * at start; two Harbors need two servers. Servers are told apart by host and port, as the URLs
 * name them (`serverKey`): a server reached under two names is not recognised.
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
  const other = firstInstance(harbor, kind, key, (c) => c !== harbor);
  if (other) {
    const databases = Object.values(REDIS_DB).join(', ');
    invalid(prop, server, `must not be the Redis of another Harbor (${other.node.path}): Harbor keeps its job queue and ` +
      `registry cache under fixed keys in databases ${databases}, so each would run the other's jobs and find the other's blobs; give each Harbor its own Redis`);
  }
}

/**
 * The server `redis` names, as Harbor's pods in `namespace` reach it: a one-label host (`ExternalRedis`
 * `host: "redis"`) is the Service of that name in the Harbor's own namespace, the first name a pod's DNS search path
 * tries (`<namespace>.svc.cluster.local`), written by `serviceHost`, which writes `Redis`'s host too
 * (`<name>.<namespace>.svc`): two Harbors in two namespaces that each name their own `redis` use two servers.
 */
export function serverKey(redis: IRedis, namespace: string): string {
  const host = redis.host;
  return `${host.includes('.') || host.includes(':') ? host : serviceHost(host, namespace)}:${redis.port}`;
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
