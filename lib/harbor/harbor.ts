import { Construct } from 'constructs';
import {
  checkRequiredObject, checkBoolean, checkDnsLabel, checkInteger, checkKnownProps, checkObject, checkUrl, constructRefusal, describeValue, Images, invalid, invalidSecret, namespaceOf, readsAsRegistry, NetworkPeer, Resources, Secret,
  SecretKey, SecretValue, withContext,
} from '../core';
import { checkMetrics, MetricsOptions, serviceMonitor } from '../core/metrics';
import { MAX_JOB_NAME, maxJobNamePrefix } from '../core/deployment';
import { ServiceExposure } from '../core/exposure';
import { instanceSelector } from '../core/placement';
import { PullAccess } from '../core/pull-access';
import { requireValue } from '../core/value-rules';
import { checkTrustBundle, TrustBundle } from '../core/trust-bundle';
import { warnOnce } from '../core/warn';
import { unmanagedGcScheduleStep } from './rotation-steps';
import { onRetiredKeys, onSecretRecord, secretStateKey } from '../core/secret-record-review';
import { IPostgresDatabase, POSTGRES_DATABASE_RULE } from '../postgres';
import { statedConnectionLimit } from '../postgres/database';
import { countConnectionsFrom } from '../postgres/external-postgres';
import { PGCONN_SCRAM_PASSWORD_RULE } from '../postgres/scram-password';
import { IRedis } from '../redis';
import { REDIS_RULE, REDIS_URL_PASSWORD_RULE } from '../redis/redis-ref';
import { ImageRelocation } from '../registry/relocation';
import {
  checkHarborName, checkRegistryName, LibraryOptions, ProjectOptions, ProxyCacheOptions, ProxyUpstream, RegistryType, RobotOptions, projectState, robotState,
} from './configuration';
import { CONFIGURE_JOB_SUFFIX, ConfigureJobs } from './configure-job';
import { anonymousDockerHubWarning } from './docker-hub-limits';
import { HarborAuditLogRetention } from './audit-log-retention';
import { gcCaptures, HarborGarbageCollection } from './garbage-collection';
import { connectionBudget } from './connection-budget';
import { redisPools, RedisPools } from './redis-budget';
import { HARBOR_DSN_PASSWORD_RULE } from './database-password';
import { HarborContext, LIBRARY, METRICS, componentName } from './context';
import { defineCore } from './core';
import { HarborCredentials } from './credentials';
import { defineExporter } from './exporter';
import { defineJobservice, jobWorkers } from './jobservice';
import { recordRobotsDeclaredFor, recordTeamsLeft, reviewLeftRobots, watchLeftRobotsOfStack } from './left-robots';
import { watchLeftProjects } from './left-projects';
import { HarborOidc } from './oidc';
import { definePortal } from './portal';
import { ProjectMember } from './project-member';
import { checkRedisTls, defineRegistry } from './registry';
import { REGISTRY_YAML_STRING_RULE } from './registry-yaml-string';
import { checkRedisKeepsKeys, checkRedisOfOneHarbor, checkRegistryCacheCa } from './shared-redis';
import { HarborStorage } from './storage';
import { checkTrivy, defineTrivy } from './trivy';

/** How much Harbor's components log. */
export enum HarborLogLevel {
  /**
   * Everything, including debugging detail, and with it the Redis URL and password: jobservice and core log it
   * when they build a pool (goharbor/harbor v2.15.1 src/lib/redis/pool.go:81), as does the Trivy adapter (v0.36.0
   * pkg/redisx/pool.go:43); core also logs an internal secret it refuses (src/common/security/secret/context.go:52,
   * `invalid secret: %s`). Use it briefly, and rotate the Redis password if the logs leave the cluster; a synth warns.
   */
  DEBUG = 'debug',
  /** Informational messages, warnings and errors. */
  INFO = 'info',
  /** Warnings and errors only. */
  WARNING = 'warning',
  /** Errors only. */
  ERROR = 'error',
}

/** Options of Harbor's Prometheus metrics. */
export interface HarborMetricsOptions extends MetricsOptions {
  /**
   * The Prometheus pods that scrape Harbor, e.g. `NetworkPeer.namespace('monitoring')`. Each is admitted to the
   * metrics port (8001, `/metrics`) of core, jobservice, the registry and the exporter, and to nothing else.
   */
  readonly scrapers: readonly NetworkPeer[];
}

/** Props of a `Harbor`. */
export interface HarborProps {
  /** The URL users and clients reach Harbor at, e.g. `https://harbor.example.com`; its scheme decides the token realm. */
  readonly externalUrl: string;
  /** The PostgreSQL database Harbor keeps its state in. */
  readonly database: IPostgresDatabase;
  /**
   * The Redis-compatible server for caches and job queues, of this Harbor alone: Harbor keeps its job queue and the
   * registry's blob cache under fixed keys in fixed databases (0, 1, 2, 5), so a second Harbor of the app on the same
   * host and port is refused at synth. A TLS one (`tls`) needs a `version` of 2.13.0 or later. It must keep every key
   * when full: an in-cluster `Redis` with an evicting `maxMemoryPolicy` is refused, since jobservice's queue lives
   * here; a managed one must keep `noeviction`, DigitalOcean's default, which `ManagedValkey` states.
   */
  readonly redis: IRedis;
  /**
   * A Redis-compatible server of its own for the registry's blob descriptor cache (db 2), which may then evict:
   * e.g. `new Redis(scope, 'RegistryCache', { name: 'registry-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU })`.
   * The registry keeps a key per blob and per repository and blob there, none with a TTL (goharbor/distribution
   * release/2.8 `registry/storage/cache/redis/redis.go`), and only a garbage collection that deletes something clears
   * them, so on the shared `redis`, which must not evict, a busy registry or proxy cache fills the server for good:
   * core then fails every chunked push (it keeps the upload's size there) and drops sessions, and jobservice can
   * enqueue no job, garbage collection included. The registry, core (upload sizes, and the URL it hands garbage
   * collection) and jobservice (which runs it) connect to it. Size it to hold at least the chunked uploads in flight:
   * an upload's size evicted before its last request makes Harbor skip that blob's quota check and record it with size
   * 0 (goharbor/harbor v2.15.1 src/server/middleware/quota/put_blob_upload.go). Its CA, if any, must be `redis`'s;
   * like `redis` it serves this Harbor alone. Moving the cache here rolls the registry and core, and runs the
   * first configure Job again, which saves the garbage collection schedule anew (`garbageCollection`), as Harbor keeps
   * the cache's URL with it.
   *
   * @default - `redis`, db 2
   */
  readonly registryCache?: IRedis;
  /** Where images are stored. */
  readonly storage: HarborStorage;
  /**
   * How users reach Harbor: the API, token service and registry (`/api/`, `/service/`, `/v2/`, `/c/`) route to core,
   * the rest to the portal, and so do core's job status hooks (`/service/notifications`), which are for jobservice in
   * the cluster alone, as Harbor's own nginx keeps them. An Ingress gets annotations for unlimited body size, no
   * buffering and long timeouts on ingress-nginx (the exposure's `annotations` override them).
   *
   * @default - no Ingress or route: route to the core and portal Services yourself
   */
  readonly exposure?: ServiceExposure;
  /**
   * Whether clients reach Harbor over TLS; when true, `externalUrl` must be https, or `docker login` loops on 401
   * behind a TLS-terminating proxy.
   *
   * @default true
   */
  readonly tls?: boolean;
  /**
   * The prefix of every object's name.
   *
   * @default "harbor"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The Harbor version: the tag of every `goharbor/*` image.
   *
   * A synth refuses an older version than the previous output ran when core migrated the database past it (an older
   * core exits on that schema) until the registry database is restored, then lets it through once with
   * `DOCKYARD_VERSION_CHANGE=<namespace>/<name>-core`: see the README, "Upgrading the components".
   *
   * @default Harbor.VERSION
   */
  readonly version?: string;
  /**
   * How much the components log.
   *
   * @default HarborLogLevel.INFO
   */
  readonly logLevel?: HarborLogLevel;
  /**
   * The admin password. Core sets it only while the admin has none, on its first start over an empty database
   * (goharbor/harbor v2.15.1 src/core/main.go:94-111, `updateInitPassword`), and ignores it after that: a changed value
   * changes nothing in Harbor, and the configuration Jobs, which log in with it, fail with a 401 until the admin's
   * password is changed to it in Harbor (its UI or API).
   *
   * @default - generated: 24 letters and digits
   */
  readonly adminPassword?: SecretKey;
  /**
   * Replicas of core, the API and registry front; each opens database connections.
   *
   * @default 1
   */
  readonly coreReplicas?: number;
  /**
   * Replicas of the web UI.
   *
   * @default 1
   */
  readonly portalReplicas?: number;
  /**
   * Registry replicas. More than one needs a bucket (`HarborStorage.s3` or `.spaces`): `HarborStorage.filesystem`'s
   * ReadWriteOnce volume attaches to one node only, so it runs one replica, with the Recreate strategy, and a larger
   * value is refused at synth.
   *
   * @default 1
   */
  readonly registryReplicas?: number;
  /**
   * Replicas of jobservice; each opens database connections.
   *
   * @default 1
   */
  readonly jobserviceReplicas?: number;
  /**
   * How many jobs each jobservice replica runs at once.
   *
   * @default 10
   */
  readonly jobWorkers?: number;
  /**
   * Whether to run the Trivy vulnerability scanner.
   *
   * @default true
   */
  readonly trivy?: boolean;
  /**
   * Replicas of the Trivy scanner, each with its own cache volume.
   *
   * @default 1
   */
  readonly trivyReplicas?: number;
  /**
   * The size of each Trivy replica's cache volume.
   *
   * @default "5Gi"
   */
  readonly trivyStorageSize?: string;
  /**
   * Where Trivy downloads its vulnerability database, an OCI artifact, in order of preference
   * (`SCANNER_TRIVY_DB_REPOSITORY`), e.g. `["registry.example.com/mirror/aquasec/trivy-db:2"]`: each
   * `host[:port]/path[:tag][@sha256:<digest>]` as Trivy reads it, Docker Hub as `docker.io/aquasec/trivy-db`, and
   * without a tag or digest tagged by Trivy with the database's schema version. A first part without "." or ":"
   * (`registry/trivy-db`) is refused: Trivy reads it as a Docker Hub namespace, so name an in-cluster registry by its
   * Service's FQDN (`registry.<namespace>.svc.cluster.local/trivy-db`) or with its port. A plain-HTTP registry is read
   * in either form: Harbor hands the scanner its internal core URL, `http://…` (`CORE_URL`), so the adapter runs Trivy
   * with `--insecure` on every scan, which tries https and falls back to http, and does not check an https registry's
   * certificate either (harbor-scanner-trivy v0.36.0 pkg/harbor/model.go:118, pkg/trivy/wrapper.go:218-219; trivy
   * v0.70.0 pkg/oci/artifact.go:91-96, pkg/x/http/transport.go:124-127). A digest pins one build of
   * the database: scans know only what it knew, and once it is past its next update a scan downloads it again at
   * most every hour (the Java index every day). Not needed for an image mirror: the default follows Harbor's
   * image relocation (below).
   *
   * @default - mirror.gcr.io/aquasec/trivy-db, then ghcr.io/aquasecurity/trivy-db; where Harbor's images are
   * relocated (`Images.relocateAll(app, ImageRelocation.registry(mirror))`), `<mirror>/aquasec/trivy-db:2` alone,
   * listed in `images.pairs.txt` for copying like the images
   */
  readonly trivyDbRepositories?: readonly string[];
  /**
   * The same for Trivy's Java index (`SCANNER_TRIVY_JAVA_DB_REPOSITORY`), e.g.
   * `["registry.example.com/mirror/aquasec/trivy-java-db:1"]`.
   *
   * @default - mirror.gcr.io/aquasec/trivy-java-db, then ghcr.io/aquasecurity/trivy-java-db; relocated like
   * `trivyDbRepositories`, to `<mirror>/aquasec/trivy-java-db:1`
   */
  readonly trivyJavaDbRepositories?: readonly string[];
  /**
   * Whether to run the Prometheus exporter (one replica, which opens database connections too).
   *
   * @default - true when `metrics` is set, else false
   */
  readonly exporter?: boolean;
  /**
   * Prometheus metrics: core, jobservice and the registry serve them on port 8001, the exporter runs, and the
   * scrapers are admitted to those ports; optionally a ServiceMonitor.
   *
   * @default - no metrics: core, jobservice and the registry serve none, and no pod outside Harbor reaches the
   * exporter
   */
  readonly metrics?: HarborMetricsOptions;
  /**
   * Requests and limits of core.
   *
   * @default - 100m/256Mi requested, 1 CPU/1Gi limit
   */
  readonly coreResources?: Resources;
  /**
   * Requests and limits of the portal.
   *
   * @default - 50m/32Mi requested, 500m/128Mi limit
   */
  readonly portalResources?: Resources;
  /**
   * Requests and limits of the registry container.
   *
   * @default - 100m/128Mi requested, 1 CPU/1Gi limit
   */
  readonly registryResources?: Resources;
  /**
   * Requests and limits of the registryctl container.
   *
   * @default - 50m/64Mi requested, 500m/256Mi limit
   */
  readonly registryctlResources?: Resources;
  /**
   * Requests and limits of jobservice.
   *
   * @default - 100m/128Mi requested, 1 CPU/512Mi limit
   */
  readonly jobserviceResources?: Resources;
  /**
   * Requests and limits of Trivy.
   *
   * @default - 200m/512Mi requested, 1 CPU/1Gi limit
   */
  readonly trivyResources?: Resources;
  /**
   * Requests and limits of the exporter.
   *
   * @default - 50m/64Mi requested, 500m/256Mi limit
   */
  readonly exporterResources?: Resources;
  /**
   * Single sign-on with an OpenID Connect provider, e.g. `HarborOidc.of({ name, endpoint, clientId, clientSecret })`:
   * the configuration Job sets Harbor's authentication mode to OIDC and applies the settings on every run. Harbor
   * allows the switch only while it has no user but `admin` (robots do not count): on a Harbor whose users have logged
   * in with a password, the Job fails saying so. `admin` keeps its password login, and robots keep working. Register
   * `oidcRedirectUri` at the provider. Users then `docker login` with the CLI secret of their Harbor profile.
   *
   * @default - Harbor's own user database: only `admin` and robots log in, and the Job sends no OIDC settings; on a
   * Harbor still in OIDC mode (an `oidc` dropped from the code), the Job warns, saying to declare it again
   */
  readonly oidc?: HarborOidc;
  /**
   * CA certificates Harbor trusts beyond the public ones, for the servers it calls that a private CA signs: the `oidc`
   * provider, the upstream registries of proxy caches and replication, webhook receivers, and the Trivy database's
   * repositories. Core, jobservice and Trivy mount it, read-only, in the directory `SSL_CERT_DIR` names, beside the
   * Redis CA: Harbor's transports start from Go's system roots (goharbor/harbor v2.15.1
   * src/common/http/transport.go:62-74 `newDefaultTransport`, an empty `tls.Config`; OIDC with `verifyCert` takes a
   * plain `http.Client`, the insecure transport only without it: src/pkg/oidc/helper.go:243-253 `clientCtx`), which
   * `SSL_CERT_DIR` extends (see `TrustBundle`); the Trivy adapter starts trivy, which downloads the databases, with
   * its own environment (goharbor/harbor-scanner-trivy v0.36.0 pkg/trivy/wrapper.go:241-243), so trivy reads the same
   * directory. Harbor's chart's `caBundleSecretName` instead has each image's entrypoint append to
   * /etc/pki/tls/certs/ca-bundle.crt (make/photon/common/install_cert.sh), which a read-only root filesystem
   * forbids. With S3 storage at an https `regionEndpoint` other than Spaces, such as MinIO, the registry
   * and registryctl trust it too (`storageMayUsePrivateCa`). A change rolls exactly the pods that mount it: never the
   * portal or exporter, and the registry only for such storage.
   *
   * @default - the public roots of the images only
   */
  readonly trustBundle?: TrustBundle;
  /**
   * Whether users who sign in (with `oidc`, or users made by hand) may create projects of their own: Harbor's
   * `project_creation_restriction` `everyone` rather than `adminonly`, which the configuration Job sets. A user who
   * creates a project becomes its projectAdmin, so with this on a user could create a project the code declares (a
   * team's, before its Job runs) and keep full control of it; the Job warns of a declared project another user than
   * `admin` created, naming the users other than `admin` who administer it.
   *
   * @default false
   */
  readonly usersCreateProjects?: boolean;
  /**
   * When Harbor deletes unreferenced blobs from its storage and clears the registry's cache, which otherwise only grow:
   * `HarborGarbageCollection.weekly({ deleteUntagged, workers })`, `.daily()`, `.cron('0 0 3 * * 6')`, `.none()` (the
   * Job removes any schedule) or `.unmanaged()` (the Job leaves Harbor's as set in its portal). The configuration Job
   * saves the schedule on every run, replacing one set in the portal: Harbor keeps the registry cache's URL, password
   * included, and core's URL with a saved schedule, so the Job runs again, and saves it anew, when they change (a
   * rotation of the cache's password, a move of `registryCache`). Garbage collection does not block pushes or pulls.
   *
   * @default - `HarborGarbageCollection.weekly()`: Sundays at 00:00 UTC, untagged artifacts kept, 1 worker
   */
  readonly garbageCollection?: HarborGarbageCollection;
  /**
   * When Harbor purges its audit log (Clean Up, Log Rotation), which otherwise grows with every pull:
   * `HarborAuditLogRetention.daily({ keepDays, eventTypes })`, `.weekly()`, `.cron('0 0 3 * * *')`, `.none()` (the Job
   * removes any schedule) or `.unmanaged()` (the Job leaves Harbor's as set in its portal). The configuration Job
   * saves it on every run, replacing one set in the portal.
   *
   * @default - `HarborAuditLogRetention.daily()`: every day at 00:00 UTC, pull events older than 90 days deleted, every
   *   other event kept
   */
  readonly auditLogRetention?: HarborAuditLogRetention;
}

/** A robot account declared in code. */
export interface HarborRobot {
  /** The name clients log in with, e.g. `robot$ci`. */
  readonly username: string;
  /** The robot's secret, generated once and set on the robot by the configuration Job. */
  readonly secret: SecretKey;
  /**
   * A `.dockerconfigjson` for Harbor's host, in a `kubernetes.io/dockerconfigjson` Secret
   * (`harbor-robot-<name>-docker`): a pull (or push) credential. Use it from another namespace and the Secret is
   * copied there. The Secret is defined when this is first read, so read it while defining the stack.
   */
  readonly dockerConfig: SecretKey;
}

/** Options of `Harbor.retireRobot`. */
export interface RetireRobotOptions {
  /**
   * Whether the robot may never have existed: a precautionary retirement, such as a node robot retired when a stack
   * turns a mirror on, which a stack that always ran with the mirror never had. A synth on a secret state warns of a
   * retired robot of which the state holds no secret (a misspelt name retires nothing), except one retired so.
   *
   * @default false
   */
  readonly mayBeAbsent?: boolean;
}

// fewer pooled connections per pod than this and Harbor stalls under load
const MIN_CONNECTIONS_PER_POD = 4;

/** Annotations that let large image layers through ingress-nginx: no body limit, no buffering, long timeouts. */
const LARGE_UPLOADS = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '0',
  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '900',
  'nginx.ingress.kubernetes.io/proxy-send-timeout': '900',
};

/** The prefix of core's job status hooks, which only jobservice calls, in the cluster: never routed to core from outside. */
const JOB_HOOKS = '/service/notifications';

/**
 * The longest `name`: what the name of a configure Job adds (`CONFIGURE_JOB_SUFFIX` and its `-<8 hex>`) is the most
 * any derived name that must stay within 63 characters adds (`MAX_JOB_NAME` in lib/core/deployment.ts). (Trivy's
 * StatefulSet, `<name>-trivy`, would allow 46: `MAX_STATEFUL_SET_NAME` there.)
 */
const MAX_HARBOR_NAME = maxJobNamePrefix(CONFIGURE_JOB_SUFFIX);
/** Harbor's built-in project, which Harbor creates public at its first start (`declareLibrary`). */

/**
 * Harbor, built natively: core, portal, registry with registryctl, jobservice, Trivy and an optional exporter.
 *
 * Every credential is generated once by the secret source; every URL that embeds one is expanded inside the pods
 * from secret-fed variables, and no ConfigMap holds a secret. Each pod's database pool comes from the database's
 * connection limit. Job logs go to the database, so no volume is ever shared. Projects (with their OIDC group members),
 * proxy caches, robot accounts and OIDC sign-in are declared in code and applied by idempotent Jobs, one per chunk of
 * projects and robots.
 */
export class Harbor extends Construct {
  /** The Harbor version Dockyard renders by default. */
  public static readonly VERSION = '2.15.1';

  /** Harbor's external URL. */
  public readonly url: string;
  /** The host clients pull from, e.g. `harbor.example.com`. */
  public readonly host: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The admin password. */
  public readonly adminPassword: SecretKey;
  /** The TLS Secret of the Ingress, if it reads one. */
  public readonly tlsSecretName?: string;
  /** Each core, jobservice and exporter pod's `maxOpenConns`. */
  public readonly maxOpenConns: number;
  /**
   * The size of each Redis pool Dockyard sets, on `redis` and on `registryCache`, shared from what the server's
   * `maxClients` leaves after 4 connections kept free for an operator and the provider; undefined where it states none.
   */
  public readonly redisPools: RedisPools;
  /**
   * The redirect URI to register for Harbor's client at the OIDC provider, `<externalUrl>/c/oidc/callback`
   * (goharbor/harbor v2.15.1 src/lib/config/userconfig.go:176, src/common/const.go:153); undefined without `oidc`.
   */
  public readonly oidcRedirectUri?: string;
  /**
   * The OIDC sign-in (`HarborProps.oidc`); undefined when only `admin` and robots log in, and projects then take no
   * group members.
   */
  public readonly oidc?: HarborOidc;

  private readonly ctx: HarborContext;
  private readonly projectNames = new Set<string>();
  private readonly robotNames = new Set<string>();
  /** The robots a TeamPlatform's team declared (`_declaredForTeam`): the state records them as a team's. */
  private readonly teamRobotNames = new Set<string>();
  /** The robots a TeamPlatform's `retireTeam` retired (`_retiredForTeam`): the platform warns of a misspelt team's. */
  private readonly teamRetiredRobotNames = new Set<string>();
  /** Each robot's name by the part of its Secret's name it gives (`robotObjectKey`), which two robots must not share. */
  private readonly robotObjectKeys = new Map<string, string>();
  /** The retired robots, in the order retired, each with whether it may never have existed (`RetireRobotOptions.mayBeAbsent`). */
  private readonly retiredRobotNames = new Map<string, boolean>();
  private readonly retiredProjectNames = new Set<string>();
  /** Projects of teams that left on a Harbor whose members the code never managed (`_releaseProject`). */
  private readonly releasedProjectNames = new Set<string>();
  private readonly configuration: ConfigureJobs;
  private readonly upstreams = new Map<string, string>();

  public constructor(scope: Construct, id: string, props: HarborProps) {
    super(scope, id);
    // a refusal names the Harbor (`constructRefusal`): a stack may hold several, one per region or tenant
    try {
      const name = checkDnsLabel('name', props.name ?? 'harbor');
      // checked here, under this prop, rather than as the first derived name that fails
      if (name.length > MAX_HARBOR_NAME) {
        invalid('name', name, `must be at most ${MAX_HARBOR_NAME} characters: it prefixes every object's name, the longest ` +
          `a configure Job's, "<name>-configure-<chunk>-<hash>", which labels its pods and so is at most ${MAX_JOB_NAME}`);
      }
      this.namespace = namespaceOf(this, props.namespace);
      const tls = props.tls ?? true;
      const url = checkUrl('externalUrl', props.externalUrl, tls ? ['https'] : ['https', 'http']);
      if (url.pathname !== '/' || url.search !== '') {
        invalid('externalUrl', props.externalUrl, 'must be a scheme, host and optional port, without path or query');
      }
      // its host is the registry in every image name pushed to or pulled through it
      if (!readsAsRegistry(url.host)) {
        invalid('externalUrl', props.externalUrl, 'must have a host with a "." or a :port, or localhost: the host is the registry in every ' +
          'image name pushed to or pulled through Harbor, and a single label such as "harbor" reads as a Docker Hub namespace');
      }
      this.url = url.origin;
      this.host = url.host;
      checkRequiredObject('database', props.database, POSTGRES_DATABASE_RULE);
      checkRequiredObject('redis', props.redis, REDIS_RULE);
      checkRequiredObject('storage', props.storage, 'must be a HarborStorage: HarborStorage.filesystem({ size }), .s3({ ... }) or .spaces({ ... })',
        HarborStorage);
      // made by its factory, which checks every setting; checked before anything is built or granted. Anything else is
      // never shown: a JavaScript caller's plain options hold the client secret
      if (props.oidc !== undefined && !(props.oidc instanceof HarborOidc)) {
        invalidSecret('oidc', 'must be a HarborOidc: HarborOidc.of({ name, endpoint, clientId, clientSecret })');
      }
      this.oidc = props.oidc;
      const garbageCollection = checkObject('garbageCollection', props.garbageCollection ?? HarborGarbageCollection.weekly(),
        'must be a HarborGarbageCollection: HarborGarbageCollection.weekly(), .daily(), .cron(expression), .none() or .unmanaged()', HarborGarbageCollection);
      const auditLogRetention = checkObject('auditLogRetention', props.auditLogRetention ?? HarborAuditLogRetention.daily(),
        'must be a HarborAuditLogRetention: HarborAuditLogRetention.daily(), .weekly(), .cron(expression), .none() or .unmanaged()', HarborAuditLogRetention);
      const usersCreateProjects = checkBoolean('usersCreateProjects', props.usersCreateProjects ?? false);
      const version = props.version ?? Harbor.VERSION;
      if (!/^\d+\.\d+\.\d+$/.test(version)) {
        invalid('version', version, 'must be a Harbor release such as "2.15.1"');
      }
      checkRedisTls(version, props.redis);
      const registryCache = props.registryCache ?? props.redis;
      checkRedisTls(version, registryCache, 'registryCache');
      checkRedisKeepsKeys(props.redis);
      checkRegistryCacheCa(props.redis, registryCache);
      const replicas = (prop: string, value: number | undefined) => checkInteger(prop, value ?? 1, 1, 20);
      const counts = {
        core: replicas('coreReplicas', props.coreReplicas),
        portal: replicas('portalReplicas', props.portalReplicas),
        registry: replicas('registryReplicas', props.registryReplicas),
        jobservice: replicas('jobserviceReplicas', props.jobserviceReplicas),
        trivy: replicas('trivyReplicas', props.trivyReplicas),
        exporter: (props.exporter ?? props.metrics !== undefined) ? 1 : 0,
      };
      if (props.storage.volume && counts.registry > 1) {
        // a ReadWriteOnce volume attaches to one node: a second replica scheduled elsewhere would wait in
        // ContainerCreating for ever ("Multi-Attach error", kubernetes/kubernetes
        // pkg/controller/volume/attachdetach/reconciler/reconciler.go `reportMultiAttachError`); refused rather than
        // quietly run as one, which a user who asked for several would take for a replicated registry
        invalid('registryReplicas', counts.registry, 'must be 1 with HarborStorage.filesystem, whose ReadWriteOnce volume attaches ' +
          'to one node; use HarborStorage.s3 or HarborStorage.spaces to run more registry replicas');
      }
      checkTrivy({ storageSize: props.trivyStorageSize, dbRepositories: props.trivyDbRepositories, javaDbRepositories: props.trivyJavaDbRepositories });
      const metrics = props.metrics;
      if (metrics) {
        if (props.exporter === false) {
          invalid('exporter', false, 'must be true or unset when metrics are on: the exporter serves the database and job queue metrics');
        }
        checkMetrics('metrics', metrics);
      }
      this.maxOpenConns = connectionBudget({
        connectionLimit: statedConnectionLimit('database.connectionLimit', props.database.connectionLimit),
        databaseName: props.database.databaseName,
        replicas: { core: counts.core, jobservice: counts.jobservice, exporter: counts.exporter },
        // on SIGTERM jobservice stops its API and waits for its running jobs (goharbor/harbor v2.15.1
        // src/jobservice/runtime/bootstrap.go:231-270, `rootContext.WG.Wait`; gocraft/work v0.5.1 `WorkerPool.Stop`), a replication or garbage collection
        // with its database pool, up to its 120 s grace period, while its successors start; core exits within 3 s
        // (src/core/main.go:114-136)
        lingering: ['jobservice'],
        minimumPerPod: MIN_CONNECTIONS_PER_POD,
        unlimitedPerPod: 100,
      });
      // on the server core, jobservice and the exporter reach from the Harbor's namespace (a one-label host is a
      // Service there)
      countConnectionsFrom(props.database, this.namespace, this);
      this.redisPools = redisPools({
        redis: props.redis, registryCache, workers: jobWorkers(props.jobWorkers), namespace: this.namespace,
        replicas: { core: counts.core, registry: counts.registry, jobservice: counts.jobservice, trivy: (props.trivy ?? true) ? counts.trivy : 0, exporter: counts.exporter },
      });

      // Harbor, and the data services it needs to start, can never pull their images through Harbor
      Images.protect(this, this.host, `Harbor at ${this.host} cannot pull its own images through itself`);
      for (const server of [props.database.server, props.redis.server, registryCache.server]) {
        if (server) {
          Images.protect(server, this.host, `${server.node.path} is a data service Harbor at ${this.host} needs to start`);
        }
      }
      // values given from outside that Harbor splices as they are into its DSN and Redis URLs: refused at synth
      requireValue(this, props.database.password, 'Harbor\'s database DSN', HARBOR_DSN_PASSWORD_RULE);
      requireValue(this, props.database.password, 'Harbor\'s pgconn v1.14.3', PGCONN_SCRAM_PASSWORD_RULE);
      requireValue(this, props.redis.password, 'Harbor\'s Redis URLs', REDIS_URL_PASSWORD_RULE);
      requireValue(this, registryCache.password, 'Harbor\'s Redis URLs', REDIS_URL_PASSWORD_RULE);
      // and the S3 keys, which the registry reads from YAML double-quoted strings (`registryEnv`)
      for (const key of props.storage.s3 ? [props.storage.s3.accessKey, props.storage.s3.secretKey] : []) {
        requireValue(this, key, 'Harbor\'s registry', REGISTRY_YAML_STRING_RULE);
      }
      checkRedisOfOneHarbor(Harbor, this, this.namespace, props.redis);
      if (registryCache !== props.redis) {
        checkRedisOfOneHarbor(Harbor, this, this.namespace, registryCache, 'registryCache');
      }
      if (props.logLevel === HarborLogLevel.DEBUG) {
        // documented on HarborLogLevel.DEBUG; said at synth too, as the choice is easily left on
        warnOnce(this, `Harbor ${this.namespace}/${name}: logLevel DEBUG makes core, jobservice and the Trivy adapter log their Redis URLs, ` +
          'password included (goharbor/harbor v2.15.1 src/lib/redis/pool.go:81, harbor-scanner-trivy v0.36.0 pkg/redisx/pool.go:43), and core ' +
          'a refused internal secret (src/common/security/secret/context.go:52): use it briefly, and rotate the Redis password if the logs leave the cluster');
      }
      const credentials = new HarborCredentials(this, 'Credentials', { name, namespace: this.namespace, adminPassword: props.adminPassword });
      this.adminPassword = credentials.adminPassword;
      this.ctx = {
        name,
        namespace: this.namespace,
        version,
        logLevel: props.logLevel ?? HarborLogLevel.INFO,
        externalUrl: url,
        database: props.database,
        redis: props.redis,
        registryCache,
        storage: props.storage,
        credentials,
        maxOpenConns: this.maxOpenConns,
        redisPools: this.redisPools,
        withTrivy: props.trivy ?? true,
        peer: NetworkPeer.pods(this.namespace, instanceSelector('harbor', name)),
        proxyPeer: props.exposure?.proxyPeer,
        scrapers: metrics ? [...metrics.scrapers] : undefined,
        trustBundle: props.trustBundle === undefined ? undefined
          : checkTrustBundle(props.trustBundle)._projection(this, this.namespace, `${name}-trust-bundle`),
      };
      const ctx = this.ctx;

      const core = defineCore(new Construct(this, 'Core'), ctx, { replicas: counts.core, resources: props.coreResources });
      const portal = definePortal(new Construct(this, 'Portal'), ctx, { replicas: counts.portal, resources: props.portalResources });
      const registry = defineRegistry(new Construct(this, 'Registry'), ctx, {
        replicas: counts.registry, resources: props.registryResources, controllerResources: props.registryctlResources,
      });
      const jobservice = defineJobservice(new Construct(this, 'Jobservice'), ctx, {
        replicas: counts.jobservice, workers: props.jobWorkers, resources: props.jobserviceResources,
      });
      const databaseClients = [core, jobservice];
      // the registry reaches only its cache's server
      const redisClients = registryCache === props.redis ? [core, registry, jobservice] : [core, jobservice];
      if (ctx.withTrivy) {
        redisClients.push(defineTrivy(new Construct(this, 'Trivy'), ctx, {
          replicas: counts.trivy, storageSize: props.trivyStorageSize, resources: props.trivyResources,
          dbRepositories: props.trivyDbRepositories, javaDbRepositories: props.trivyJavaDbRepositories,
        }));
      }
      if (counts.exporter > 0) {
        const exporter = defineExporter(new Construct(this, 'Exporter'), ctx, { replicas: 1, resources: props.exporterResources });
        databaseClients.push(exporter);
        redisClients.push(exporter);
      }
      databaseClients.forEach((c) => props.database.grantConnect(c.peer));
      redisClients.forEach((c) => props.redis.grantConnect(c.peer));
      if (registryCache !== props.redis) {
        // garbage collection, in jobservice, clears the registry's cache
        [core, registry, jobservice].forEach((c) => registryCache.grantConnect(c.peer));
      }

      const backend = (serviceName: string, paths: string[]) => ({ serviceName, portName: 'http', port: 80, paths });
      this.tlsSecretName = props.exposure?._render(this, {
        name, namespace: this.namespace, labels: portal.labels, host: url.hostname, hostProp: 'externalUrl\'s host',
        // core's job status hooks take unauthenticated POSTs (goharbor/harbor v2.15.1 src/server/route.go:51-57, whose
        // /service/ paths skip the CSRF check: src/server/middleware/csrf/csrf.go, `csrfSkipper`) and are for jobservice
        // alone, at core's in-cluster URL: Harbor's own nginx answers them 404 from outside
        // (make/photon/prepare/templates/nginx/nginx.http.conf.jinja, `location /service/notifications`). Routed to the
        // portal, the longer prefix, whose nginx serves no POST
        backends: [backend(core.name, ['/api/', '/service/', '/v2/', '/c/']), backend(portal.name, [JOB_HOOKS, '/'])],
        ingressAnnotations: LARGE_UPLOADS,
      });
      if (metrics) {
        // as harbor-helm 1.19.1 templates/metrics/metrics-svcmon.yaml: every Service of this Harbor with an
        // http-metrics port (core, jobservice, registry, exporter)
        serviceMonitor(this, {
          prop: 'metrics', metrics, name, namespace: this.namespace,
          selector: instanceSelector('harbor', name),
          port: METRICS.portName, path: METRICS.path, honorLabels: true,
        });
      }
      this.configuration = new ConfigureJobs(this, 'Configure', ctx);
      // a robot that left the code without retireRobot shows only against the secret state, which a synth reads
      onSecretRecord(this, (view) => reviewLeftRobots(this, name, view));
      // and the teams warned of as left unretired, by a TeamPlatform or by it, go into the output's mark for the next synth,
      // which has them no other way once the platform left the code
      recordTeamsLeft(this, name);
      // and under a Pulumi stack, which keeps no secret state of Dockyard's, against the robots its mark lists
      watchLeftRobotsOfStack(this, name, this.robotNames);
      // and the state records which robots are a team's, whose leaving a TeamPlatform warns of, and which are this Harbor's own
      recordRobotsDeclaredFor(this, this.robotNames, this.teamRobotNames);
      // a project that left the code without retireProjectGroups shows only against the previous output's mark
      watchLeftProjects(this, name, this.configuration, this.projectNames, this.retiredProjectNames, this.releasedProjectNames);
      // a retired robot's secret is revoked (the Jobs delete the robot): a robot of that name made again gets a new one
      onRetiredKeys(this, () => this.retiredRobots.map((name): [string, string] => [this._robotRecord(name).stateKey, this._robotRecord(name).declaredBy]));
      // on every Harbor, so that Harbor's default, "everyone", never stands (see usersCreateProjects)
      this.configuration.setSettings({ projectCreationRestriction: usersCreateProjects ? 'everyone' : 'adminonly' });
      if (this.oidc !== undefined) {
        this.oidcRedirectUri = `${this.url}/c/oidc/callback`;
        this.configuration.setOidc(this.oidc._state(), this.oidc.clientSecret);
      }
      const gc = garbageCollection._state();
      if (gc === undefined) {
        // unmanaged: a schedule saved in the portal keeps the registry cache's password it was saved with
        unmanagedGcScheduleStep(this, ctx, ctx.registryCache.password);
      } else {
        // a schedule keeps core's URLs, which None does not save
        const saved = garbageCollection.cron !== undefined;
        this.configuration.setGarbageCollection(saved ? { ...gc, captures: gcCaptures(ctx) } : gc, saved ? [ctx.registryCache.password] : []);
      }
      const audit = auditLogRetention._state();
      if (audit !== undefined) {
        this.configuration.setAuditLogRetention(audit);
      }
    } catch (e) {
      throw constructRefusal('Harbor', this, e);
    }
  }

  /**
   * The relocation that pulls images of the proxied upstream through proxy-cache project `project`, for
   * `Images.relocate`: e.g. `docker.io/library/postgres:17` becomes `<host>/<project>/library/postgres:17`.
   */
  public proxyCacheRelocation(project: string): ImageRelocation {
    const upstream = this.upstreams.get(project);
    if (!upstream) {
      invalid('project', project, `must be a proxy cache of this Harbor: ${[...this.upstreams.keys()].join(', ') || 'none declared'}`);
    }
    return ImageRelocation.proxyCache(this.host, project, upstream);
  }

  /**
   * Declare a project, created by the configuration Job if missing. The Job never deletes a project: one removed from
   * the code stays in Harbor, images included, until deleted there by hand. A synth on the previous output names one
   * removed without `retireProjectGroups`, and the first configuration Job warns while it is public.
   */
  public addProject(name: string, options: ProjectOptions = {}): void {
    this.naming(() => withContext('project', name, () => this.configuration.addProject(name, this.declareProject(name, options, null))));
  }

  /**
   * Declare Harbor's built-in project `library`, which every Harbor has from its first start, public (goharbor/harbor
   * v2.15.1 make/migrations/postgresql/0001_initial_schema.up.sql:81, :120): the configuration Job takes it over as it
   * finds it and sets it as declared on every run, private unless `public` says otherwise, so that what is pushed
   * there is pulled with a login only (a public project's pull is granted to every visitor, anonymous included:
   * src/common/rbac/project/rbac_user.go:35-42). Harbor's API treats `library` as any project (its UpdateProject has
   * no case for it: src/server/v2.0/handler/project.go:548-602), so this is `addProject` under a name `addProject`
   * refuses, because a team or a typo must not take Harbor's shared project over by accident. Unlike `addProject`,
   * its storage quota (unlimited from Harbor's start, 0010_1.9.0_schema.up.sql:89-97) is set only when
   * `storageLimitGiB` is given: one set by hand in Harbor stays. The Job creates it only if Harbor lacks it (deleted
   * by hand), as any declared project, and never deletes it: taken out of the code, it stays as the last run left it.
   *
   * @param options as `addProject` takes them, but for the storage quota (`LibraryOptions`); `public` defaults to
   * false, which makes a public `library` private
   */
  public declareLibrary(options: LibraryOptions = {}): void {
    this.naming(() => withContext('project', LIBRARY, () => {
      if (this.projectNames.has(LIBRARY)) {
        invalid('name', LIBRARY, 'must be declared once: declareLibrary was called already');
      }
      const state = this.declareProject(LIBRARY, options, null, true);
      // storageLimit null: the Job leaves the quota Harbor keeps as it is (lib/harbor/configure.js, "Public library")
      this.configuration.addProject(LIBRARY, options.storageLimitGiB === undefined ? { ...state, storageLimit: null } : state);
    }));
  }

  /**
   * Declare a pull-through proxy-cache project of an upstream registry, e.g. Docker Hub; images are then pulled
   * as `<host>/<name>/<upstream path>`. Private unless `public` says otherwise, as any project: a public one lets
   * anyone who reaches Harbor pull the upstream through it, on the platform's upstream quota and credentials. Nodes
   * pull with a robot's credentials (the node mirror files), pods with a pull secret. Harbor gives a new proxy cache a
   * tag retention policy that keeps what was pulled in the last 7 days, run daily (goharbor/harbor v2.15.1
   * src/server/v2.0/handler/project.go:65, :241-254): an image pulled less often is fetched from the upstream again.
   */
  public addProxyCache(name: string, options: ProxyCacheOptions): void {
    this.naming(() => withContext('proxy cache', name, () => this.declareProxyCache(name, options)));
  }

  /**
   * Declare a system robot account with project permissions. Its secret is generated once and set on the robot by
   * the configuration Job; `dockerConfig` is a ready pull or push credential. The Job never deletes or disables a
   * robot: one removed from the code keeps its permissions and secret in Harbor until retired (`retireRobot`) or
   * deleted there by hand, and each synth whose secret state holds its secret warns of it until then.
   */
  public addRobot(name: string, options: RobotOptions): HarborRobot {
    return this.naming(() => withContext('robot', name, () => this.declareRobot(name, options)));
  }

  /**
   * Retire the robot `robot$<name>`, declared before and no longer: the configuration Jobs delete it from Harbor, which
   * ends every login with its secret. A robot that leaves the code without this keeps its permissions and its secret,
   * which never expires (the Jobs never delete what they were not told to). Keep the call while any Harbor the stack
   * configures may still have the robot; deleting one already gone does nothing. The synth of `LocalSecretStore` that
   * first retires it drops its secret from the state (marked retired there), so a robot declared again under the name
   * later gets a new secret, never the revoked one. A name declared with `addRobot` in the same
   * Harbor is refused, as `addRobot` refuses a retired one: a robot comes back by dropping this call.
   *
   * @param name the robot's name without Harbor's `robot$` prefix, as given to `addRobot`
   * @param options whether the robot may never have existed (`mayBeAbsent`)
   */
  public retireRobot(name: string, options: RetireRobotOptions = {}): void {
    this.checkRetireRobot(name);
    const mayBeAbsent = this.naming(() => {
      checkKnownProps('retireRobot options', options, ['mayBeAbsent']);
      return checkBoolean('mayBeAbsent', options.mayBeAbsent ?? false);
    });
    this.retiredRobotNames.set(name, mayBeAbsent);
    this.configuration.retireRobot(name);
  }

  /**
   * Whether a robot of this Harbor may be granted `project`: "library", which Harbor creates, or a project added with
   * `addProject` or `addProxyCache`.
   *
   * @internal
   */
  public _hasProject(project: string): boolean {
    return project === LIBRARY || this.projectNames.has(project);
  }

  /**
   * Whether retired robot `name` may never have existed (`RetireRobotOptions.mayBeAbsent`): a synth does not warn when
   * the secret state holds no secret of it.
   *
   * @internal
   */
  public _mayBeAbsent(name: string): boolean {
    return this.retiredRobotNames.get(name) === true;
  }

  /**
   * The robots retired with `retireRobot` (a team's too, by `TeamPlatform.retireTeam`), in the order retired. A synth
   * on a secret state warns of a name of which the state holds no secret, as a misspelt one retires nothing.
   */
  public get retiredRobots(): readonly string[] {
    return [...this.retiredRobotNames.keys()];
  }

  /**
   * Retire project `name`'s group members, for a project declared before and no longer (a team's that left,
   * `TeamPlatform.retireTeam`): the configuration Jobs remove every group member of the project, whatever its role and
   * whoever added it, as `members: []` would, so the people of those groups pull its images no more. Its user members
   * (its creator, people added by hand) stay, and so do the project and its images: it is never created (one deleted
   * in Harbor stays deleted) nor deleted. Keep the call while any Harbor the stack configures may still have the
   * project with groups; removing from one already without them does nothing. A project declared in the same Harbor
   * (`addProject`, `addProxyCache`) is refused, as those refuse a retired one: a project comes back by dropping this
   * call. A retired project that is public in Harbor still serves anyone without a login: each run of the Jobs warns of
   * it until it is made private or deleted in Harbor.
   *
   * @param name the project's name, as given to `addProject`
   */
  public retireProjectGroups(name: string): void {
    this.checkRetireProjectGroups(name);
    this.retiredProjectNames.add(name);
    this.configuration.retireProjectGroups(name);
  }

  /**
   * Let go of project `name`, a team's that left (`TeamPlatform.retireTeam`) on a Harbor without OIDC, whose project
   * members the code never managed and whose groups are therefore not the team's to remove (so `retireProjectGroups`
   * is not called): the synth no longer names it as a project that left the code without being retired, and the
   * configure Jobs do not look it up. Nothing in Harbor changes.
   *
   * @internal
   */
  public _releaseProject(name: string): void {
    this.releasedProjectNames.add(name);
  }

  /** Check, retiring nothing, what `retireProjectGroups` would refuse. */
  public checkRetireProjectGroups(name: string): void {
    this.naming(() => {
      checkHarborName('name', name);
      if (name === LIBRARY || this.projectNames.has(name)) {
        invalid('name', name, 'must not be a project this Harbor declares (addProject, addProxyCache, declareLibrary) or "library", which Harbor creates: ' +
          'a project is either declared or retired');
      }
      if (this.retiredProjectNames.has(name)) {
        invalid('name', name, 'must be retired once: retireProjectGroups was called with it already');
      }
    });
  }

  /**
   * The robot whose secret the construct at `path` declared, as the state records it (`declaredBy`): the inverse of
   * `_robotRecord`'s `declaredBy`; undefined for a path that is no robot secret of this Harbor's.
   *
   * @internal
   */
  public _robotDeclaredAt(path: string): string | undefined {
    const prefix = `${this.node.path}/${robotScopeId('')}`;
    const suffix = `/${ROBOT_SECRET_ID}`;
    const name = path.startsWith(prefix) && path.endsWith(suffix) ? path.slice(prefix.length, -suffix.length) : '';
    return name !== '' && !name.includes('/') ? name : undefined;
  }

  /**
   * Where the secret state keeps robot `name`'s secret, whether the robot is declared now or not: its state key, and
   * the path of the construct that declares it (`addRobot`), as the state records it (`declaredBy`); and whether this
   * Harbor declares the robot now (`addRobot`) or retires it (`retireRobot`), and whether a TeamPlatform's
   * `retireTeam` retired it (`_retiredForTeam`).
   *
   * @internal
   */
  public _robotRecord(name: string): {
    readonly stateKey: string; readonly declaredBy: string; readonly declared: boolean; readonly retired: boolean; readonly retiredForTeam: boolean;
  } {
    return {
      stateKey: secretStateKey(this.namespace, this.robotSecretName(name), ROBOT_SECRET_KEY),
      declaredBy: `${this.node.path}/${robotScopeId(name)}/${ROBOT_SECRET_ID}`,
      declared: this.robotNames.has(name),
      retired: this.retiredRobotNames.has(name),
      retiredForTeam: this.teamRetiredRobotNames.has(name),
    };
  }

  /**
   * Mark robot `name`, retired with `retireRobot`, as retired by a TeamPlatform's `retireTeam`: the platform warns of
   * such a pair that the secret state never held (a misspelt team), Harbor of any other robot retired so
   * (lib/harbor/left-robots.ts).
   *
   * @internal
   */
  public _retiredForTeam(name: string): void {
    if (!this.retiredRobotNames.has(name)) {
      throw new Error(`robot ${name} of ${this.node.path} must be retired (retireRobot) before it is marked retired for a team`);
    }
    this.teamRetiredRobotNames.add(name);
  }

  /**
   * Mark robot `name`, declared with `addRobot`, as a TeamPlatform's team's: the secret state records it so, and only
   * such a robot's pair is left to the platform to warn of when it leaves unretired (lib/harbor/left-robots.ts).
   *
   * @internal
   */
  public _declaredForTeam(name: string): void {
    if (!this.robotNames.has(name)) {
      throw new Error(`robot ${name} of ${this.node.path} must be declared (addRobot) before it is marked a team's`);
    }
    this.teamRobotNames.add(name);
  }

  /** Check, retiring nothing, what `retireRobot` would refuse. */
  public checkRetireRobot(name: string): void {
    this.naming(() => {
      checkHarborName('name', name);
      if (this.robotNames.has(name)) {
        invalid('name', name, 'must not be a robot this Harbor declares (addRobot): a robot is either declared or retired');
      }
      if (this.retiredRobotNames.has(name)) {
        invalid('name', name, 'must be retired once: retireRobot was called with it already');
      }
    });
  }

  /**
   * Check, declaring nothing, what `addProject` would refuse: for callers that declare several things at once and
   * must refuse before they change anything.
   */
  public checkProject(name: string, options: ProjectOptions = {}): void {
    this.naming(() => this.projectStateOf(name, options, null));
  }

  /**
   * Check, declaring nothing, what `addRobot` would refuse.
   *
   * @param projects projects the caller declares first (`addProject`), which the robot's permissions may name
   */
  public checkRobot(name: string, options: RobotOptions, projects: readonly string[] = []): void {
    this.naming(() => this.robotStateOf(name, options, projects));
  }

  /**
   * `check`, a method's checks, whose refusal names this Harbor by its construct path (`constructRefusal`, as the
   * constructor's does) when the stack holds another Harbor, one per region or tenant: `invalid name "Pay": … (robot
   * "Pay") (Harbor "platform/fra")`. With one Harbor, it is the one: nothing is added, so a program that names its
   * settings (`inSetting`) prints no construct path its user never set. The other Harbors are looked for on a refusal
   * only.
   */
  private naming<T>(check: () => T): T {
    try {
      return check();
    } catch (e) {
      throw this.node.root.node.findAll().some((c) => c !== this && c instanceof Harbor) ? constructRefusal('Harbor', this, e) : e;
    }
  }

  /** `addProxyCache`, whose errors do not yet name the project. */
  private declareProxyCache(name: string, options: ProxyCacheOptions): void {
    const registry = checkRegistryName('name', name);
    checkObject('options', options, 'must be an object of ProxyCacheOptions, e.g. { upstream: ProxyUpstream.dockerHub() }');
    // made by its factories, which check the type, the URL and the credentials
    checkObject('upstream', options.upstream, 'must be a ProxyUpstream: ProxyUpstream.dockerHub() or ProxyUpstream.of(type, url)', ProxyUpstream);
    const { username, password } = options.upstream.credentials;
    const project = this.declareProject(name, options, registry);
    this.upstreams.set(name, options.upstream.type === RegistryType.DOCKER_HUB ? 'docker.io' : new URL(options.upstream.url).host);
    // each configuration chunk names the password's variable (accessSecretEnv)
    this.configuration.addProject(name, project, {
      name: registry, type: options.upstream.type, url: options.upstream.url, insecure: false,
      accessKey: username ?? null, accessSecretEnv: null, description: 'managed by Dockyard',
    }, password);
    if (options.upstream.type === RegistryType.DOCKER_HUB && username === undefined && options.upstream.credentials.anonymous !== true) {
      warnOnce(this, anonymousDockerHubWarning(name, this.host));
    }
  }

  /** `addRobot`, whose errors do not yet name the robot. */
  private declareRobot(name: string, options: RobotOptions): HarborRobot {
    // each configuration chunk names the secret's variable (secretEnv)
    const state = this.robotStateOf(name, options, []);
    const objectName = this.robotSecretName(name);
    const id = new Construct(this, robotScopeId(name));
    const secret = new Secret(id, ROBOT_SECRET_ID, {
      name: objectName, namespace: this.namespace, values: { [ROBOT_SECRET_KEY]: SecretValue.password(32) },
    }).key(ROBOT_SECRET_KEY);
    const username = `robot$${name}`;
    this.robotNames.add(name);
    this.robotObjectKeys.set(robotObjectKey(name), name);
    // what its logins may pull, for the check that build pods can pull their engine's images (lib/ci/build-pulls.ts)
    PullAccess.grantPull(this, this.host, username, options.permissions.filter((p) => p.actions.includes('pull')).map((p) => p.project));
    // and may push to, for the check that a pipeline's Step.buildImage pushes with a login that may (lib/ci/pipeline/plan.ts)
    PullAccess.grantPush(this, this.host, username, options.permissions.filter((p) => p.actions.includes('push')).map((p) => p.project));
    // the robot is applied with the project its first permission names, where it can
    // with the state key of its secret, which the Job names when Harbor has the robot disabled (DOCKYARD_ROTATE's name)
    // and whether it may push to library, whose public flag its Job warns of unless a chunk declares library (configure-job.ts render)
    const pushesToLibrary = options.permissions.some((p) => p.project === LIBRARY && p.actions.includes('push'));
    this.configuration.addRobot(name, { ...state, stateKey: this._robotRecord(name).stateKey }, options.permissions[0].project, secret, pushesToLibrary);
    const host = this.host;
    const namespace = this.namespace;
    let dockerConfig: SecretKey | undefined;
    return {
      username,
      secret,
      // defined when first read: a thousand teams' robots need no Secret they never use
      get dockerConfig(): SecretKey {
        dockerConfig ??= new Secret(id, 'DockerConfig', {
          name: `${objectName}-docker`,
          namespace,
          type: 'kubernetes.io/dockerconfigjson',
          values: { '.dockerconfigjson': SecretValue.dockerConfigJson([{ registry: host, username, password: secret }]) },
        }).key('.dockerconfigjson');
        return dockerConfig;
      },
    };
  }

  private declareProject(name: string, options: ProjectOptions, registry: string | null, library = false): object {
    const state = this.projectStateOf(name, options, registry, library);
    this.projectNames.add(name);
    PullAccess.declareProject(this, this.host, name, { public: options.public ?? false, proxyCache: registry !== null });
    return state;
  }

  /** The state of a project not yet declared, checked. */
  private projectStateOf(name: string, options: ProjectOptions, registry: string | null, library = false): object {
    checkHarborName('name', name);
    if (name === LIBRARY && !library && !this.projectNames.has(name)) {
      invalid('name', name, registry === null
        ? 'is Harbor\'s own project, which Harbor creates public: give the project or team another name, or take Harbor\'s over ' +
          'with declareLibrary'
        : 'is Harbor\'s own project, which Harbor creates without a registry and sets a registry only when creating one: name the proxy cache otherwise');
    }
    if (this.projectNames.has(name)) {
      invalid('name', name, 'must be unique among the projects of this Harbor (addProject, addProxyCache, declareLibrary)');
    }
    if (this.retiredProjectNames.has(name)) {
      invalid('name', name, 'must not be a project this Harbor retires (retireProjectGroups): a project is either declared or retired; ' +
        'drop the retireProjectGroups call to declare it again');
    }
    const state = projectState(name, options, registry);
    this.checkMembers(options.members ?? []);
    return state;
  }

  /** Check that the groups `members` names can be members here: Harbor signs in with OIDC, and keeps the groups. */
  private checkMembers(members: readonly ProjectMember[]): void {
    if (members.length === 0) {
      return;
    }
    if (!this.oidc) {
      invalid('members', members.map((m) => m.group), 'must name OIDC groups of a Harbor that signs in with OIDC: set the Harbor\'s oidc ' +
        '(HarborOidc.of), as Harbor makes groups only then');
    }
    for (const member of members) {
      if (!this.oidc.keepsGroup(member.group)) {
        invalid('members', member.group, `must be a group the oidc groupFilter ${describeValue(this.oidc.groupFilter)} keeps: Harbor ` +
          'ignores the others at login, so no user would ever be in it');
      }
    }
  }

  /** The name of the Secret that holds robot `name`'s secret. */
  private robotSecretName(name: string): string {
    return `${componentName(this.ctx, 'robot')}-${robotObjectKey(name)}`;
  }

  /** The state of a robot not yet declared, checked; its permissions may name `projects` too. */
  private robotStateOf(name: string, options: RobotOptions, projects: readonly string[]): object {
    checkHarborName('name', name);
    if (this.robotNames.has(name)) {
      invalid('name', name, 'must be unique among the robots of this Harbor');
    }
    const alike = this.robotObjectKeys.get(robotObjectKey(name));
    if (alike !== undefined) {
      invalid('name', name, `must differ from the robot ${describeValue(alike)} in more than ".", "_" and "-": both would keep their secrets ` +
        `in the Secret ${describeValue(this.robotSecretName(name))}`);
    }
    if (this.retiredRobotNames.has(name)) {
      invalid('name', name, 'must not be a robot this Harbor retires (retireRobot): a robot is either declared or retired; ' +
        'drop the retireRobot call to declare it again');
    }
    const known = (project: string) => this._hasProject(project) || projects.includes(project);
    return robotState(name, options, '', known, (project) => this.upstreams.has(project));
  }
}

/** The construct ID of robot `name`'s constructs below its Harbor. */
function robotScopeId(name: string): string {
  return `Robot-${name}`;
}

/** The construct ID of a robot's Secret, below its `robotScopeId`, and the Secret's key that holds the robot's secret. */
const ROBOT_SECRET_ID = 'Secret';
const ROBOT_SECRET_KEY = 'secret';

/**
 * The part of a robot's Secret name its name gives: "." and "_", which Kubernetes names of that kind do not take,
 * become "-", so `ci.pull` and `ci-pull` would share one Secret.
 */
function robotObjectKey(name: string): string {
  return name.replace(/[._]/g, '-');
}
