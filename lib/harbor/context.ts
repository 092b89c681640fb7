import { Construct } from 'constructs';
import { Image, NetworkPeer, Resources } from '../core';
import { deployment, statefulSet } from '../core/deployment';
import { EnvVars } from '../core/env';
import type { k8s } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { Placement, placement } from '../core/placement';
import { ContainerSpec, emptyDir } from '../core/pod';
import { clusterService } from '../core/service';
import { IPostgresDatabase } from '../postgres';
import { CA_FILE, mountCaCertificate } from '../postgres/ca-certificate';
import { IRedis } from '../redis';
import type { RedisPools } from './redis-budget';
import { bindRedisPassword, redisUrl } from '../redis/redis-ref';
import { HarborCredentials } from './credentials';
import { HarborStorage } from './storage';

/**
 * Harbor's own project, which Harbor creates public at its first start (goharbor/harbor v2.15.1
 * make/migrations/postgresql/0001_initial_schema.up.sql:81, :120) and Dockyard declares only through `declareLibrary`.
 */
export const LIBRARY = 'library';

/** The Redis database each component uses, as Harbor's chart assigns them. */
export const REDIS_DB = { core: 0, jobservice: 1, registry: 2, trivy: 5 };
/**
 * The query of every go-redis URL Harbor's pods read (core's two, the Trivy adapter's), as Harbor's chart writes it:
 * idle connections closed after 30 s, which Harbor's URL reader renames for go-redis (goharbor/harbor v2.15.1
 * src/lib/cache/redis/redis.go:149-188). The Trivy adapter renames it too but then sets the idle time from
 * `SCANNER_REDIS_POOL_IDLE_TIMEOUT`, default 5m, over the URL's (goharbor/harbor-scanner-trivy v0.36.0
 * pkg/redisx/pool.go:40-51, pkg/etc/config.go:76): its at most 5 connections (`TRIVY` in the Redis budget) stay open
 * idle for 5 minutes, which the budget counts alike, and its go-redis (v9.6.1) drops one the server closed before
 * handing it out (redis/go-redis v9.6.1 internal/pool/pool.go:282, :504-520 `isHealthyConn`, `connCheck`).
 */
export const REDIS_IDLE_QUERY = 'idle_timeout_seconds=30';
/** The UID and GID of every Harbor image's user (harbor, scanner, nginx). */
const HARBOR_USER = { user: 10000, group: 10000 };
/**
 * The port and path every component serves Prometheus metrics on when metrics are on, and the name of that port on
 * its Service, as harbor-helm 1.19.1 sets them (values.yaml `metrics.{core,registry,jobservice,exporter}`, port 8001,
 * path /metrics; `harbor.metricsPortName` "http-metrics" in templates/_helpers.tpl:574).
 */
export const METRICS = { port: 8001, path: '/metrics', portName: 'http-metrics' };

/**
 * The metrics port of a component, by name, when metrics are on (the Harbor's `metrics` prop), else none: spread into
 * the container's and the Service's ports. `defineComponent` admits the scrapers to a Service port of this name.
 */
export function metricsPortsOf(ctx: HarborContext): Record<string, number> {
  return ctx.scrapers !== undefined ? { [METRICS.portName]: METRICS.port } : {};
}
/**
 * Where the CA bundle of Redis and the Harbor's `trustBundle` are mounted, as `redis.crt` and `trust-bundle.crt`; Go
 * adds every file of the directory to its trust store (`SSL_CERT_DIR`, see `TrustBundle`).
 */
const CA_DIR = '/etc/harbor-ca';
/** Where the CA bundle of PostgreSQL is mounted, as `ca.crt`, outside `CA_DIR`: `PGSSLROOTCERT` alone names it. */
const DATABASE_CA_DIR = '/etc/postgresql-ca';

/** What every Harbor component is built from. */
export interface HarborContext {
  readonly name: string;
  readonly namespace: string;
  readonly version: string;
  readonly logLevel: string;
  readonly externalUrl: URL;
  readonly database: IPostgresDatabase;
  readonly redis: IRedis;
  /** The server of the registry's blob descriptor cache (db 2): `redis` unless the Harbor gives it one of its own. */
  readonly registryCache: IRedis;
  readonly storage: HarborStorage;
  readonly credentials: HarborCredentials;
  /** Each pod's database pool size, from the connection budget. */
  readonly maxOpenConns: number;
  /** The Redis pools' sizes, from each server's `maxClients`. */
  readonly redisPools: RedisPools;
  readonly withTrivy: boolean;
  /** Every Harbor pod of this instance, which may call each other. */
  readonly peer: NetworkPeer;
  /** Core and portal also admit the ingress controller or Gateway. */
  readonly proxyPeer?: NetworkPeer;
  /** The Prometheus pods admitted to the metrics ports; undefined when metrics are off. */
  readonly scrapers?: readonly NetworkPeer[];
  /** The Harbor's `trustBundle`, as a projected source, for the components that call servers outside the cluster. */
  readonly trustBundle?: k8s.VolumeProjection;
}

/** The name of a component's objects, e.g. `harbor-core`. */
export function componentName(ctx: Pick<HarborContext, 'name'>, component: string): string {
  return `${ctx.name}-${component}`;
}

/** The in-cluster URL of a component's Service. */
export function componentUrl(ctx: Pick<HarborContext, 'name'>, component: string, port?: number): string {
  return `http://${componentName(ctx, component)}${port ? `:${port}` : ''}`;
}

/** A Harbor image at the instance's version. */
export function harborImage(ctx: HarborContext, repository: string): Image {
  return Image.of(`docker.io/goharbor/${repository}:v${ctx.version}`);
}

/** Where a component lives and how it is labelled. */
export function componentPlacement(scope: Construct, ctx: HarborContext, component: string): Placement {
  return placement(scope, {
    app: 'harbor', component, name: componentName(ctx, component), defaultName: '', namespace: ctx.namespace, version: ctx.version,
    instance: ctx.name,
  });
}

/**
 * Add the Redis URL variable `name` for database `db` of `server` (the Harbor's `redis` unless given), with the
 * password expanded from a secret-fed variable: `REDIS_PASSWORD`, or `REGISTRY_CACHE_PASSWORD` for a registry cache
 * server of its own.
 */
export function redisEnv(env: EnvVars, ctx: HarborContext, name: string, db: number, query?: string, server: IRedis = ctx.redis): void {
  const password = bindRedisPassword(env, server, server === ctx.redis ? undefined : 'REGISTRY_CACHE_PASSWORD');
  env.interpolate(name, redisUrl(server, password, { database: db, query }));
}

/**
 * Add the database connection variables under `prefix`: core reads `POSTGRESQL_*` with `DATABASE`, the exporter
 * `HARBOR_DATABASE_*` with `DBNAME`. The pool is the pod's share of the connection budget.
 */
export function databaseEnv(env: EnvVars, ctx: HarborContext, prefix: string, databaseKey: string): void {
  const db = ctx.database;
  env.value(`${prefix}HOST`, db.host);
  env.value(`${prefix}PORT`, String(db.port));
  env.value(`${prefix}USERNAME`, db.user);
  env.secret(`${prefix}PASSWORD`, db.password);
  env.value(`${prefix}${databaseKey}`, db.databaseName);
  env.value(`${prefix}SSLMODE`, db.sslMode);
  env.value(`${prefix}MAX_OPEN_CONNS`, String(ctx.maxOpenConns));
  env.value(`${prefix}MAX_IDLE_CONNS`, String(Math.min(ctx.maxOpenConns, 10)));
  // recycle connections, so a managed database's failover or pooler restart heals by itself
  env.value(`${prefix}CONN_MAX_LIFETIME`, '5m');
}

/** What a Harbor container connects to that may have a private CA. */
export interface TrustedPeers {
  /**
   * It opens connections to PostgreSQL (core, jobservice, the exporter).
   *
   * @default false
   */
  readonly database?: boolean;
  /**
   * It opens connections to Redis (core, jobservice, the exporter, the registry, Trivy).
   *
   * @default false
   */
  readonly redis?: boolean;
  /**
   * It opens connections to the registry's cache server (the registry; core, which keeps upload sizes there and hands
   * its URL to garbage collection; jobservice, which runs garbage collection).
   *
   * @default false
   */
  readonly registryCache?: boolean;
  /**
   * It calls servers a private CA may sign, which the Harbor's `trustBundle` vouches for: the OIDC provider and the
   * upstream registries of proxy caches and replication (core), replication and webhook jobs (jobservice), the
   * vulnerability databases' repositories (Trivy).
   *
   * @default false
   */
  readonly upstream?: boolean;
  /**
   * It reaches the registry's storage at an endpoint a private CA may sign (`storageMayUsePrivateCa`): the registry
   * and registryctl, which the Harbor's `trustBundle` then reaches too.
   *
   * @default false
   */
  readonly storage?: boolean;
}

/**
 * Mount the CA bundles of what a container connects to, and point its clients at them, so a CA reaches, and a CA's
 * change rolls, only the pods that use it. Redis's CA goes into `SSL_CERT_DIR`, from which Go adds it to the trust
 * store of every TLS client in the process (the Redis clients take the default roots). PostgreSQL's goes in a
 * directory of its own, named only by `PGSSLROOTCERT`: Harbor connects through pgx with a DSN that carries no
 * `sslrootcert` (goharbor/harbor v2.15.1 src/common/dao/pgsql.go `Register`, and `NewMigrator`'s pgx URL), and pgx
 * v4's pgconn v1.14.3 reads `PGSSLROOTCERT` as `sslrootcert` (config.go `parseEnvSettings`) and trusts that file
 * alone for the server (`configTLS`), so the database's CA is no trust anchor for S3, OIDC or replication traffic.
 * Only core, jobservice and the exporter open database connections (`dao.InitDatabase` in src/core/main.go,
 * src/jobservice/job/impl/context.go and src/cmd/exporter/main.go).
 */
export function trustMounts(env: EnvVars, ctx: HarborContext, peers: TrustedPeers): { volumes: k8s.Volume[]; mounts: ContainerSpec['mounts'] } {
  // one CA for both servers: a Harbor refuses a registry cache whose CA is another (`checkRegistryCache`)
  const redisCa = (peers.redis ? ctx.redis.caCertificate : undefined) ?? (peers.registryCache ? ctx.registryCache.caCertificate : undefined);
  const database = mountCaCertificate(peers.database ? ctx.database.caCertificate : undefined, ctx.namespace, DATABASE_CA_DIR);
  if (database.volumes.length > 0) {
    env.value('PGSSLROOTCERT', `${DATABASE_CA_DIR}/${CA_FILE}`);
  }
  const sources: k8s.VolumeProjection[] = [
    ...(redisCa ? [{ secret: { name: redisCa.selectorFor(ctx.namespace).name, items: [{ key: redisCa.key, path: 'redis.crt' }] } }] : []),
    ...((peers.upstream || peers.storage) && ctx.trustBundle ? [ctx.trustBundle] : []),
  ];
  if (sources.length === 0) {
    return database;
  }
  // an extra certificate directory on top of the image's bundle; the stock entrypoints that rewrite it are skipped
  env.value('SSL_CERT_DIR', CA_DIR);
  return {
    volumes: [...database.volumes, {
      // projected, as when it held the database's CA too: a pod that trusts Redis's alone keeps its template
      name: 'harbor-ca',
      projected: { sources },
    }],
    mounts: [...database.mounts, { volume: 'harbor-ca', path: CA_DIR, readOnly: true }],
  };
}

/**
 * For a second container of a pod whose first mounts `trustMounts(env, ctx, peers)`'s volume: the same directory, when
 * that volume holds the Harbor's `trustBundle` for `storage` (registryctl beside the registry). Nothing otherwise.
 */
export function sharedTrustMount(env: EnvVars, ctx: HarborContext, storage: boolean): NonNullable<ContainerSpec['mounts']> {
  if (!storage || !ctx.trustBundle) {
    return [];
  }
  env.value('SSL_CERT_DIR', CA_DIR);
  return [{ volume: 'harbor-ca', path: CA_DIR, readOnly: true }];
}

/** What one Harbor component runs. */
export interface ComponentSpec {
  readonly component: string;
  readonly replicas: number;
  readonly containers: ContainerSpec[];
  readonly volumes?: k8s.Volume[];
  /** Service ports by the name of the container port they target. */
  readonly servicePorts: Record<string, number>;
  /** Container ports other Harbor pods may reach. */
  readonly peerPorts: number[];
  /** Whether users' traffic reaches it through the ingress controller or Gateway. */
  readonly public?: boolean;
  readonly recreate?: boolean;
  readonly gracePeriodSec?: number;
  /**
   * The size of its `/tmp`, an emptyDir: past it the kubelet evicts the pod, with what it was doing.
   *
   * @default "256Mi"
   */
  readonly tmpSize?: string;
  /** For a StatefulSet: each replica's volumes by name. */
  readonly claims?: Record<string, { readonly size: string }>;
  /**
   * Whether the claims hold only a cache: then they go with the StatefulSet and with the replicas a scale-down
   * removes.
   *
   * @default false
   */
  readonly cacheClaims?: boolean;
  /**
   * Annotations of the workload object.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * One Harbor component: a Deployment (or a StatefulSet, with volume claim templates), its Service, a NetworkPolicy
 * that admits only Harbor's own pods (and the proxy, for public ones), and a disruption budget when replicated.
 */
export function defineComponent(scope: Construct, ctx: HarborContext, spec: ComponentSpec): Placement {
  const where = componentPlacement(scope, ctx, spec.component);
  const { name, namespace, labels, selector } = where;
  const workload = {
    name, namespace, labels, selector,
    replicas: spec.replicas,
    runAs: HARBOR_USER,
    containers: spec.containers.map((c) => ({ ...c, mounts: [...(c.mounts ?? []), { volume: 'tmp', path: '/tmp' }] })),
    volumes: [...(spec.volumes ?? []), emptyDir('tmp', spec.tmpSize ?? '256Mi')],
    terminationGracePeriodSeconds: spec.gracePeriodSec,
    annotations: spec.annotations,
  };
  if (spec.claims) {
    statefulSet(scope, 'Resource', {
      ...workload, serviceName: name, claims: spec.claims,
      deleteClaimsWithStatefulSet: spec.cacheClaims, deleteClaimsOnScaleDown: spec.cacheClaims,
    });
  } else {
    deployment(scope, 'Resource', { ...workload, recreate: spec.recreate });
  }
  clusterService(scope, 'Service', { name, namespace, labels, selector, ports: spec.servicePorts });
  const firewall = new PodFirewall(scope, 'NetworkPolicy', { name, namespace, podLabels: selector });
  for (const port of spec.peerPorts) {
    firewall.allow(ctx.peer, port);
    if (spec.public && ctx.proxyPeer) {
      firewall.allow(ctx.proxyPeer, port);
    }
  }
  // the scrapers reach the metrics port of every component that serves one, and nothing else
  if (spec.servicePorts[METRICS.portName] !== undefined) {
    for (const scraper of ctx.scrapers ?? []) {
      firewall.allow(scraper, METRICS.port);
    }
  }
  return where;
}

/** Resources, with the given default. */
export function resourcesOr(resources: Resources | undefined, fallback: [string, string, string, string]): Resources {
  return resources ?? Resources.of({ cpuRequest: fallback[0], cpuLimit: fallback[1], memoryRequest: fallback[2], memoryLimit: fallback[3] });
}
