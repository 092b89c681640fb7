import { describeValue, invalid } from '../core';
import { IRedis } from '../redis';
import { checkMaxClients } from '../redis/max-clients';
import { shareConnectionLimit } from './connection-budget';
import { REDIS_IDLE_QUERY } from './context';
import { serverKey } from './shared-redis';

/**
 * The registry's Redis pool when its server states no limit: harbor-helm's `maxactive` (1.19.1
 * templates/registry/registry-cm.yaml), which Dockyard has always rendered.
 */
export const REGISTRY_POOL = { maxActive: 500, maxIdle: 100 };

/** The fewest connections a Redis pool Dockyard sizes may have: a few requests at once, for each pod. */
const MIN_PER_POOL = 4;

/**
 * Connections of a server's `maxClients` the budget leaves free, for clients that are not Harbor's: an operator's
 * `valkey-cli` (`INFO clients`, as the README tells them to read), and the provider's own, its monitoring and each
 * standby node's replication link (DigitalOcean runs up to two). Valkey keeps none for them: it refuses a connection
 * once it has `maxclients` clients, counting every one before it knows who logs in (valkey-io/valkey
 * 55bbbe09a3b37a98c907dbfbc225768ff253e84f src/networking.c:1426 `acceptCommonHandler`:
 * `listLength(server.clients) + getClusterConnectionsCount() >= server.maxclients`, replicas among its clients), and
 * it has no setting that reserves some, where PostgreSQL has `superuser_reserved_connections`
 * (`ExternalPostgresProps.reservedConnections` keeps one for the admin role).
 */
export const REDIS_RESERVED_CLIENTS = 4;

const RESERVED = { connections: REDIS_RESERVED_CLIENTS, for: 'an operator\'s valkey-cli and the provider\'s own clients' };

/**
 * Connections per pod that no setting bounds, counted at an estimate of their most. Harbor opens these redigo pools
 * without `MaxActive` (goharbor/harbor v2.15.1 src/jobservice/runtime/bootstrap.go:350-356, src/pkg/exporter/js_worker.go:48-54,
 * src/controller/jobmonitor/monitor.go:108-111), and a redigo pool without it has no limit (gomodule/redigo v1.9.2,
 * Harbor's pin, redis/pool.go:154): each holds one connection per goroutine that is running a command.
 */
const UNBOUNDED = {
  /**
   * Per worker, as each worker's goroutine, and the job it runs, hold one at a time (goharbor/work v0.5.1-patch
   * worker.go:149-225; the job's status, src/jobservice/job/tracker.go); and besides them 20, for the loops of
   * gocraft/work (heartbeater, observer, dead pool reaper, periodic enqueuer, requeuers: heartbeater.go:90,
   * observer.go:188, dead_pool_reaper.go:80, periodic_enqueuer.go:91, requeuer.go:87) and of jobservice (hook agent,
   * life cycle controller, reaper, scheduler: src/jobservice/hook/hook_agent.go:165, lcm/controller.go:148,
   * worker/cworker/reaper.go:228, period/basic_scheduler.go:77), and for its API's requests at once.
   */
  jobserviceBesidesWorkers: 20,
  /** Core's pool for the job-service dashboard (src/pkg/jobmonitor/redis.go:65-68), one per admin request at once. */
  coreJobMonitor: 5,
  /** The exporter's, one per metrics scrape at once (src/pkg/exporter/js_collector.go:115). */
  exporter: 4,
};

/**
 * The Trivy adapter's go-redis client: `MaxActiveConns` from `SCANNER_REDIS_POOL_MAX_ACTIVE`, default 5, a hard limit
 * (goharbor/harbor-scanner-trivy v0.36.0 pkg/etc/config.go:74, pkg/redisx/pool.go:50; one client,
 * cmd/scanner-trivy/main.go:61; its go.mod pins redis/go-redis v9.6.1, whose internal/pool/pool.go:172, :186 refuse a
 * connection past it, as v9.17.2's pool.go:320 does).
 */
const TRIVY = 5;

/**
 * Connections per jobservice pod of garbage collection's cache cleanup, on the registry's cache server: one. The job
 * opens a go-redis client on the `_REDIS_URL_REG` it is handed (goharbor/harbor v2.15.1
 * src/jobservice/job/impl/gc/garbage_collection.go:499-506) and scans and deletes the registry's keys one at a time
 * (src/jobservice/job/impl/gc/util.go:26-39), so it holds one connection at a time whatever its pool's size. The share
 * cannot size that pool anyway: a scheduled run reads the URL saved with its schedule when the schedule was set
 * (src/server/v2.0/handler/gc.go:87, `parameters["redis_url_reg"]`), not the one core has now. The job does not close
 * its client, whose idle connection stays open until Go's garbage collector reclaims it (redis/go-redis v9.17.2 runs
 * no reaper of its own): counted as one, as two runs in one pod before that are not expected: garbage collection runs
 * one at a time in the whole Harbor (`MaxCurrency()` is 1, garbage_collection.go:84-87, handed to gocraft/work as
 * `MaxConcurrency`, src/jobservice/worker/cworker/c_worker.go:435, which counts running jobs of a name in Redis across
 * every jobservice pod: goharbor/work v0.5.1-patch redis.go:121-132 `canRun`), so one on each pod over-counts.
 */
const GC_CACHE_CLEANUP = 1;

/**
 * The most connections Dockyard gives each of core's go-redis pools, however large the share: the registry's cap
 * (`REGISTRY_POOL.maxActive`, harbor-helm's `maxactive`), the most Harbor's own chart gives a pod's Redis pool. Without
 * it a limit of 10000 gave core pools of about 800, far above go-redis's default of 10 per GOMAXPROCS (redis/go-redis
 * v9.17.2 options.go:170-176, :298-299): 20 at core's default CPU limit of 1, as Go 1.25 (Harbor v2.15.1 builds with
 * golang:1.25.9, Makefile:154) sets GOMAXPROCS from the container's CPU limit, 2 at the least. That default is not
 * the cap because Dockyard does not know it at synth: core's CPU limit is the user's to set or leave out (then
 * GOMAXPROCS is the node's CPUs). A share under 500, every limit below about 5000 for one replica each, is unchanged.
 */
export const CORE_POOL_MAX = REGISTRY_POOL.maxActive;

/**
 * Core's go-redis clients on `_REDIS_URL_CORE`: sessions, the default cache and the "harbor" client
 * (goharbor/harbor v2.15.1 src/core/session/session.go:144, src/lib/cache/cache.go:111, src/lib/redis/client.go:71;
 * the cache layer is the default cache, cache.go:154-158); on `_REDIS_URL_REG`, the registry client (client.go:43).
 */
const CORE_CLIENTS = { redis: 3, registryCache: 1 };

/**
 * The replicas of each Harbor component, and jobservice's workers. Every component counts the pods a Deployment's
 * rollout adds (`rollingPods`): Trivy's StatefulSet, which replaces its pods one at a time, is so counted a few
 * connections over, and a registry that rolls by `Recreate` likewise.
 */
export interface RedisBudgetInput {
  /** The server of the job queue, sessions and caches. */
  readonly redis: IRedis;
  /** The registry's cache server: `redis`, or a server of its own. */
  readonly registryCache: IRedis;
  /** Replicas per component: core, registry, jobservice, trivy, exporter. */
  readonly replicas: Readonly<Record<'core' | 'registry' | 'jobservice' | 'trivy' | 'exporter', number>>;
  /** Jobservice's workers per pod. */
  readonly workers: number;
  /** The Harbor's namespace, where its pods resolve a one-label host (`serverKey`). */
  readonly namespace: string;
}

/** The size of each Redis pool Dockyard sets, on each server; undefined where the server states no limit. */
export interface RedisPools {
  /** Core's clients on `redis`: `pool_size` and `max_active_conns` in `_REDIS_URL_CORE`. */
  readonly redis: number | undefined;
  /** The registry's `maxactive`, and core's client on `_REDIS_URL_REG`, on `registryCache`. */
  readonly registryCache: number | undefined;
}

/**
 * The Redis pools' sizes: on each server that states `maxClients`, its limit after the connections kept free
 * (`REDIS_RESERVED_CLIENTS`) and those Dockyard cannot bound (`UNBOUNDED`, `TRIVY`), shared by the pools it can
 * (`CORE_CLIENTS`, the registry's), counting the pods a rollout adds and every old jobservice pod besides
 * (`shareConnectionLimit`, as the PostgreSQL budget does). A `registryCache` that is `redis`
 * (`serverKey`: the same port, and the host as the Harbor's pods resolve it) is one server: one budget
 * over every pod, under the limit either states (two different ones are refused).
 *
 * Garbage collection's cache cleanup in jobservice, on core's `_REDIS_URL_REG`, holds one connection at a time,
 * counted as fixed (`GC_CACHE_CLEANUP`), not as a pool of the share.
 */
export function redisPools(input: RedisBudgetInput): RedisPools {
  const r = input.replicas;
  // an IRedis written by hand has a limit no construct checked (ExternalRedis checks its own)
  const limits = {
    redis: checkMaxClients('redis.maxClients', input.redis.maxClients),
    registryCache: checkMaxClients('registryCache.maxClients', input.registryCache.maxClients),
  };
  const jobserviceFixed = input.workers + UNBOUNDED.jobserviceBesidesWorkers;
  const lingering = ['jobservice'];
  // the server as Harbor's pods reach it (`serverKey`), the rule that tells two Harbors' servers apart: `redis`,
  // `redis.<namespace>`, `redis.<namespace>.svc` and `redis.<namespace>.svc.cluster.local` are one server, with one limit
  const same = input.registryCache === input.redis || serverKey(input.registryCache, input.namespace) === serverKey(input.redis, input.namespace);
  if (same) {
    const stated = sameServerLimit(input, limits);
    const share = shareConnectionLimit({
      limit: stated?.limit, prop: `${stated?.prop ?? 'redis'}.maxClients`, replicas: r, lingering, minimumPerPool: MIN_PER_POOL,
      reserved: RESERVED,
      pools: { core: CORE_CLIENTS.redis + CORE_CLIENTS.registryCache, registry: 1, jobservice: 0, trivy: 0, exporter: 0 },
      fixed: { core: UNBOUNDED.coreJobMonitor, jobservice: jobserviceFixed + GC_CACHE_CLEANUP, trivy: TRIVY, exporter: UNBOUNDED.exporter },
      remedy: remedy(stated?.prop ?? 'redis'),
    });
    return { redis: capped(share), registryCache: capped(share) };
  }
  return {
    redis: capped(shareConnectionLimit({
      limit: limits.redis, prop: 'redis.maxClients', lingering, minimumPerPool: MIN_PER_POOL, reserved: RESERVED,
      replicas: { core: r.core, jobservice: r.jobservice, trivy: r.trivy, exporter: r.exporter },
      pools: { core: CORE_CLIENTS.redis, jobservice: 0, trivy: 0, exporter: 0 },
      fixed: { core: UNBOUNDED.coreJobMonitor, jobservice: jobserviceFixed, trivy: TRIVY, exporter: UNBOUNDED.exporter },
      remedy: remedy('redis'),
    })),
    registryCache: capped(shareConnectionLimit({
      limit: limits.registryCache, prop: 'registryCache.maxClients', lingering, minimumPerPool: MIN_PER_POOL, reserved: RESERVED,
      replicas: { core: r.core, registry: r.registry, jobservice: r.jobservice },
      pools: { core: CORE_CLIENTS.registryCache, registry: 1, jobservice: 0 },
      fixed: { jobservice: GC_CACHE_CLEANUP },
      remedy: remedy('registryCache'),
    })),
  };
}

/**
 * A pool's size as it is set, never above `CORE_POOL_MAX`, the registry's cap too: so that `Harbor.redisPools` is what
 * `_REDIS_URL_CORE`, `_REDIS_URL_REG` and the registry's `maxactive` hold, rather than a share no pool gets.
 */
function capped(share: number | undefined): number | undefined {
  return share === undefined ? undefined : Math.min(share, CORE_POOL_MAX);
}

/**
 * The limit of a server that is both `redis` and `registryCache` (`limits`, as each states it), and the prop that
 * states it: either may, as each is an `IRedis` of its own (an `ExternalRedis` made twice for one host and port);
 * undefined when neither does. Two different limits are refused naming the server as each prop writes it, and, when
 * they write it differently, the name both are to the Harbor's pods (`serverKey`), as `checkRedisOfOneHarbor` does,
 * so that `valkey.cache` and `valkey.cache.svc` are seen to be one server.
 */
function sameServerLimit(input: RedisBudgetInput, limits: { redis?: number; registryCache?: number }): { limit: number; prop: 'redis' | 'registryCache' } | undefined {
  if (limits.redis !== undefined && limits.registryCache !== undefined && limits.redis !== limits.registryCache) {
    const redis = `${input.redis.host}:${input.redis.port}`;
    const cache = `${input.registryCache.host}:${input.registryCache.port}`;
    const server = redis === cache ? `(${redis})` : `(redis names it ${describeValue(redis)}, registryCache ${describeValue(cache)}, and the ` +
      `pods resolve both names to ${serverKey(input.redis, input.namespace)})`;
    invalid('registryCache.maxClients', limits.registryCache, `must be redis's maxClients (${limits.redis}) or unset: registryCache is the ` +
      `same server as redis ${server}, which has one limit`);
  }
  if (limits.redis !== undefined) return { limit: limits.redis, prop: 'redis' };
  return limits.registryCache === undefined ? undefined : { limit: limits.registryCache, prop: 'registryCache' };
}

function remedy(prop: string): string {
  return `raise the server's limit or lower the replicas or jobWorkers (the limit is ${prop}'s maxClients, ` +
    'which ExternalRedis states; see the README, "Redis connection budget")';
}

/** The query of a URL that core's go-redis clients read, with their pool's size when the share sets one. */
export function coreRedisQuery(pool: number | undefined): string {
  // go-redis reads both from the URL (redis/go-redis v9.17.2 options.go:632, 636): pool_size bounds the connections
  // handed out at once, max_active_conns every connection the pool holds (internal/pool/pool.go:320), as PoolSize
  // alone lets dials in excess of it (options.go:170-176); ParseURL refuses an option it does not know (options.go:657),
  // and these two it knows
  return pool === undefined ? REDIS_IDLE_QUERY : `${REDIS_IDLE_QUERY}&pool_size=${pool}&max_active_conns=${pool}`;
}
