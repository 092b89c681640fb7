import { App } from 'cdk8s';
import {
  ApiServerEndpoint, CiEngineKind, DatabaseGrants, DockyardChart, DroneLogStorage, ExternalPostgres, ExternalRedis, Harbor, HarborExposure,
  HarborStorage, ICiEngine, ImageDigests, TrustBundle, ImageRelocation, Images, IngressTls, ISecret, LETS_ENCRYPT_ISSUER, Namespace, NetworkPeer, ProxyUpstream, PullSecret, RegistryCredential, RobotPermission,
  Secret, SecretKey, SecretValue, SslMode, checkRegistryPrefix, DOCR_REGISTRY, invalid, invalidUserName, sameRegistryHost, RetireTeamOptions, TeamPlatform, TeamProps, TRIVY_UPSTREAM_DATABASES,
  inSetting,
} from '../../lib';
// the refusal's class, which the package does not export: only this program reads a limit from a setting of its own
import { ConnectionLimitError } from '../../lib/harbor/connection-budget';
// Harbor's built-in project's name, which the package does not export
import { LIBRARY } from '../../lib/harbor/context';
import { ciEngine, ciEngineFacts } from '../shared/ci-engine';
import { checkMirrorUserName, MIRROR_USER_RULE, mirrorHost } from '../shared/image-mirror';
import { GitProviderKind, GitServerEgress } from '../shared/git-provider';

/**
 * Hosts the managed services get only once DigitalOcean creates them; the Pulumi program substitutes them. Each ends
 * in `.placeholder.dockyard` (`PLACEHOLDER_SUFFIX` of lib/pulumi, which this cdk8s-only file does not load), so
 * that `ChartDeployment` refuses one its `substitutions` leave out.
 */
export const PLACEHOLDERS = {
  postgresHost: 'postgres-host.placeholder.dockyard',
  valkeyHost: 'valkey-host.placeholder.dockyard',
};

/**
 * The prefix of Drone's logs in their bucket: each step's log is `logs/<step id>` (harness v2.28.2
 * `store/logs/s3.go:97-99`, the SDK dropping the leading "/", `DroneLogStorage`), which the bucket's expiry rule
 * names as `logs/`.
 */
export const DRONE_LOG_PREFIX = 'logs';

/** The secret input that carries the Container Registry's token, which the Pulumi program supplies. */
export const DOCR_TOKEN_INPUT = 'DOCKYARD_DOCR_TOKEN';

/** The existing Secrets the charts read, which the Pulumi program creates from the managed services' outputs. */
export const PROVIDED_SECRETS = {
  harborDatabase: { namespace: 'harbor', name: 'harbor-database', key: 'password' },
  valkey: { namespace: 'harbor', name: 'harbor-valkey', key: 'password' },
  spaces: { namespace: 'harbor', name: 'harbor-spaces', accessKey: 'access-key', secretKey: 'secret-key' },
  /** The key scoped to Drone's log bucket, in Drone's namespace. */
  droneLogs: { namespace: 'dockyard', name: 'drone-log-spaces', accessKey: 'access-key', secretKey: 'secret-key' },
  postgresAdmin: { namespace: 'dockyard', name: 'postgres-admin', key: 'password' },
  /**
   * The managed PostgreSQL's CA certificate (`ManagedPostgres.caCertificate`), public, in each namespace whose pods
   * verify the server with it (`POSTGRES_SSL_MODE`): Harbor's core, jobservice and exporter here, as a pod mounts only
   * a Secret of its own namespace...
   */
  harborPostgresCa: { namespace: 'harbor', name: 'postgres-ca', key: 'ca.crt' },
  /** ...and the CI server and the `DatabaseGrants` Job here. */
  postgresCa: { namespace: 'dockyard', name: 'postgres-ca', key: 'ca.crt' },
};

/**
 * How every client of the managed PostgreSQL (Harbor, the CI server, the `DatabaseGrants` Job) checks the server:
 * `verify-ca`, against the cluster's own CA (`PROVIDED_SECRETS.postgresCa`), so that a server in the middle, holding
 * no certificate that CA signed, is refused before any password is sent; `require`, DigitalOcean's connection
 * strings' mode, encrypts but checks nothing. Not `verify-full`: the clients connect to the cluster's `private-` host
 * in the VPC, and DigitalOcean documents the CA and both modes ("How to Secure Clusters": PostgreSQL's additional
 * modes verify-ca, verify-full) but not which host names its server certificate carries; were the `private-` name not
 * among them, verify-full would refuse every connection of a working stack. What verify-ca leaves open: a server with
 * another certificate from the same CA, which DigitalOcean alone issues (its API's example CA is named
 * "<uuid> Project CA", so possibly the account's other clusters of the project).
 */
export const POSTGRES_SSL_MODE = SslMode.VERIFY_CA;

/** The secret input that carries the password or token of the image mirror's login, which the Pulumi program supplies. */
export const MIRROR_PASSWORD_INPUT = 'DOCKYARD_IMAGE_MIRROR_PASSWORD';

/**
 * The secret input that carries the Docker Hub access token of Harbor's proxy cache, which the Pulumi program
 * supplies from `dockerHubToken`: the default stack's variable of the same token, so one key record names it alike.
 */
export const DOCKERHUB_TOKEN_INPUT = 'DOCKYARD_DOCKERHUB_TOKEN';

/**
 * The Container Registry's name when `imageMirror` is on it (`registry.digitalocean.com/<name>[/<path>]`), else
 * undefined: its pods then pull with the registry's token, and the program creates the registry under that name.
 */
export function docrMirrorRegistry(imageMirror: string | undefined): string | undefined {
  return imageMirror !== undefined && sameRegistryHost(imageMirror, DOCR_REGISTRY) ? imageMirror.split('/')[1] ?? '' : undefined;
}

/**
 * Check the mirror settings together, naming the settings (the charts' props and the program's config keys alike):
 * a mirror that is the Container Registry pulls with the program's DOCR token, so it needs `containerRegistry` and
 * takes no login of its own; a login needs a mirror.
 */
export function checkImageMirror(config: Pick<DigitalOceanChartsConfig, 'imageMirror' | 'imageMirrorUser' | 'containerRegistry' | 'domain'>): void {
  const { imageMirror, imageMirrorUser } = config;
  if (imageMirrorUser !== undefined) {
    if (imageMirror === undefined) {
      invalidUserName('imageMirrorUser', imageMirrorUser, `imageMirror is not set, and the login is for the mirror; must be ${MIRROR_USER_RULE}`);
    }
    checkMirrorUserName('imageMirrorUser', imageMirrorUser);
  }
  if (imageMirror === undefined) {
    return;
  }
  checkRegistryPrefix('imageMirror', imageMirror);
  if (sameRegistryHost(imageMirror, `harbor.${config.domain}`)) {
    invalid('imageMirror', imageMirror, `is on Harbor's host harbor.${config.domain}, which would pull its own images; must be another registry`);
  }
  const docr = docrMirrorRegistry(imageMirror);
  if (docr !== undefined) {
    if (!config.containerRegistry) {
      invalid('imageMirror', imageMirror, `is on the Container Registry, which every pull must log in to: set containerRegistry true, whose read-only token the pods then pull with`);
    }
    if (imageMirrorUser !== undefined) {
      invalidUserName('imageMirrorUser', imageMirrorUser, `must not be set with imageMirror on ${DOCR_REGISTRY}: the pods pull from it with the Container Registry's token`);
    }
    if (docr === '') {
      invalid('imageMirror', imageMirror, `must name the account's registry: ${DOCR_REGISTRY}/<registry name>[/<path>]`);
    }
  }
}

/** The provided Secrets of the CI engine: its database user's password, and its OAuth app's secret. */
export function providedCiSecrets(engine: CiEngineKind) {
  return {
    database: { namespace: 'dockyard', name: `${ciEngineFacts(engine).databaseName}-database`, key: 'password' },
    oauth: { namespace: 'dockyard', name: ciEngineFacts(engine).oauthSecretName, key: 'client-secret' },
  };
}

/** What the DigitalOcean charts are built from: settings that are known before any resource exists. */
export interface DigitalOceanChartsConfig {
  /** The domain Harbor and Drone are served under: `harbor.<domain>`, `drone.<domain>`. */
  readonly domain: string;
  /** The Spaces region and bucket. */
  readonly region: string;
  readonly bucket: string;
  /**
   * The Spaces bucket, in `region`, for Drone's build logs under `DRONE_LOG_PREFIX`, with its key provided as
   * `PROVIDED_SECRETS.droneLogs`; Drone only.
   *
   * @default - logs in Drone's database, kept forever
   */
  readonly droneLogBucket?: string;
  /** The managed PostgreSQL's usable connections, from its size. */
  readonly postgresConnectionLimit: number;
  /**
   * The managed Valkey's `maxclients`, which sizes Harbor's Redis pools (`ExternalRedisProps.maxClients`); a refusal
   * of it names the setting `valkeyMaxClients`.
   *
   * @default - not known: Harbor's Redis pools keep their upstream sizes
   */
  readonly valkeyMaxClients?: number;
  /**
   * The CI engine, served at `<engine>.<domain>`.
   *
   * @default CiEngineKind.DRONE
   */
  readonly ciEngine?: CiEngineKind;
  /** The git provider users log in with. */
  readonly gitProvider: GitProviderKind;
  /**
   * The provider's base URL, for self-hosted providers.
   *
   * @default - the public service
   */
  readonly gitServer?: string;
  /**
   * Where build pods reach a self-hosted git server at a private address: its addresses, on its port.
   *
   * @default - none: build pods reach the git server only at a public address (or through the ingress controller)
   */
  readonly gitServerEgress?: GitServerEgress;
  /**
   * Whether public repositories' builds clone with the forge login too (`authenticatePublicRepos` of either server).
   * Drone refuses it without a clone user: its builds would otherwise hold the activating user's OAuth token.
   *
   * @default false
   */
  readonly authenticatePublicRepos?: boolean;
  /** The OAuth app's client ID; its secret is provided as `<engine>-oauth` (`providedCiSecrets`). */
  readonly gitClientId: string;
  /** The organisation whose members may log in (on GitLab, the users the admin adds) and whose repositories sync. */
  readonly organization: string;
  /** The first CI admin. */
  readonly admin: string;
  /**
   * The cert-manager ClusterIssuer.
   *
   * @default "letsencrypt"
   */
  readonly certIssuer?: string;
  /**
   * Annotations of Harbor's and the CI server's Ingresses, e.g. `pulumi.com/skipAwait` where no ingress controller
   * is installed by the program (Pulumi would wait for each Ingress's address until it gives up).
   *
   * @default - none
   */
  readonly ingressAnnotations?: Readonly<Record<string, string>>;
  /**
   * Whether build pods and pipelines can pull from the DigitalOcean Container Registry: its token (the secret input
   * `DOCKYARD_DOCR_TOKEN`) gets a pull secret of its own, `docr-credentials`, in the build namespace only, and
   * joins the pipelines' `harbor-pull`.
   *
   * @default false
   */
  readonly containerRegistry?: boolean;
  /**
   * A registry that mirrors every image, for air-gapped clusters: every image is pulled from it
   * (`Images.relocateAll`), and Harbor has no Docker Hub proxy cache.
   *
   * @default - Drone pulls through Harbor's proxy cache, Harbor and its data services from upstream
   */
  readonly imageMirror?: string;
  /**
   * The user name of the mirror's login, if it needs one: its password or token is the secret input
   * `DOCKYARD_IMAGE_MIRROR_PASSWORD` (`MIRROR_PASSWORD_INPUT`), kept in `dockyard/image-mirror-password`; the login gets a pull secret of its own,
   * `image-mirror-credentials`, wherever a pod pulls from the mirror, and joins the pipelines' `harbor-pull`. A
   * mirror on the Container Registry takes none: its pods pull with the registry's token (`containerRegistry`).
   *
   * @default - the mirror is pulled from anonymously
   */
  readonly imageMirrorUser?: string;
  /**
   * The Docker Hub user Harbor's proxy cache logs in as: its access token is the secret input
   * `DOCKYARD_DOCKERHUB_TOKEN` (`DOCKERHUB_TOKEN_INPUT`), kept in `harbor/dockerhub-token`, which the proxy cache's
   * configuration Job reads. Ignored with `imageMirror`, which leaves Harbor no proxy cache.
   *
   * @default - Harbor pulls Docker Hub anonymously, within 100 pulls per 6 hours per egress address, and the synth warns of it
   */
  readonly dockerHubUser?: string;
  /**
   * The digests every image is pulled by, pinned with `requireAll` as the default stack pins `DOCKYARD_IMAGE_DIGESTS`:
   * an image they leave out fails the synth (README, "Pinning images by digest").
   *
   * @default - images are pulled by tag
   */
  readonly imageDigests?: ImageDigests;
  /**
   * The CA certificates the CI server and Harbor trust beside the public ones (`TrustBundle`), for a git server, an
   * OIDC provider or an upstream registry a private CA signs.
   *
   * @default - none
   */
  readonly trustBundle?: TrustBundle;
  /**
   * The forge login Drone clones private repositories with (`DroneServerProps.cloneLogin`): its token is the secret
   * input `DOCKYARD_CLONE_TOKEN` (`CLONE_TOKEN_INPUT`), kept in `dockyard/drone-clone-login`. Refused with Woodpecker.
   *
   * @default - none: each private repository's builds hold its activating user's OAuth token
   */
  readonly cloneUser?: string;
  /**
   * The application teams to onboard (`TeamPlatform.addTeam`), each with its namespaces, build namespace, deploy
   * identity, Harbor project and robots, and pipeline secrets. With teams, the platform's own `harbor-push` and
   * `harbor-pull` reach only `platformRepos`: no team may own a repository the platform's secrets reach.
   *
   * @default - none
   */
  readonly teams?: readonly DigitalOceanTeam[];
  /**
   * The repositories (Drone slugs or globs) whose pipelines get the platform's `harbor-push` (a robot, `drone`, that
   * pushes to `library`) and `harbor-pull` (for step images: `puller`'s login to the proxy cache and the other pull
   * logins, and `drone`'s for `<harbor>/library/` alone, so that a step may run an image a platform pipeline pushed
   * there). Empty, neither is made, and the platform's push robot `drone` is retired from
   * Harbor. Drone only: Woodpecker grants secrets to routes of exact repositories, which the program has none of.
   *
   * @default - every repository of the organisation (`<organization>/*`) without `teams`, `retiredTeams` and
   * `markedTeams`; none with any, so that the last team's leaving does not widen them
   */
  readonly platformRepos?: readonly string[];
  /**
   * Whether Harbor's built-in `library`, where the platform's pipelines push (`platformRepos`), stays public: anyone who
   * reaches Harbor pulls its images without a login. Harbor makes it public at its first start; the program declares
   * it (`Harbor.declareLibrary`), and each configure Job sets it as this says.
   *
   * @default false: private, pulled with a login only
   */
  readonly publicLibrary?: boolean;
  /**
   * The teams that left, retired with `TeamPlatform.retireTeam`: the configuration Jobs delete their Harbor robots
   * (`<team>-push`, `<team>-pull`), whose secrets never expire, and on an OIDC Harbor their project's groups. Taking
   * a team out of `teams` alone leaves both: each `pulumi up` warns of the team's robots (the stack's mark lists the
   * teams, the last one taken out too) until it is here. A name may not be in `teams` too. An entry is the team's name, or, to pass `retireTeam` its options, an
   * object (`DigitalOceanRetiredTeam`): on Woodpecker, the team's `repos` cut its leftover agents off the server, with
   * the `events` and `branches` it had, if any (its agents are named after them).
   *
   * @default - none
   */
  readonly retiredTeams?: readonly (string | DigitalOceanRetiredTeam)[];
  /**
   * The teams the stack's last update lists in its mark (`teamsOfAnyHarbor`): onboarded then, or left since without
   * `retiredTeams`. With any, `platformRepos` does not fall back to `<organization>/*`: the last team taken out of
   * `teams` without `retiredTeams` does not widen the platform's secrets either.
   *
   * @default - none: a stack's first update, or a synth
   */
  readonly markedTeams?: readonly string[];
  /**
   * The Kubernetes API server as pods reach it, for deploy pipelines: the teams' build namespaces may reach it, and
   * no other build may (a public endpoint is taken out of the builds' internet rule).
   *
   * @default - none: deploy pipelines reach the API server only as the builds' internet rule allows (a public endpoint)
   */
  readonly apiServer?: ApiServerEndpoint;
}

/**
 * A team that left, with what `TeamPlatform.retireTeam` takes besides its name (`RetireTeamOptions`): its `repos`, as
 * `teams` listed them, so that on Woodpecker its leftover agents are refused the server; its `buildNamespace`, if
 * `teams` gave one; its `events` and `branches`, if `teams` gave them, after which its agents were named.
 */
export interface DigitalOceanRetiredTeam extends RetireTeamOptions {
  /** The team's name, as `teams` gave it. */
  readonly name: string;
}

/**
 * A team the DigitalOcean program onboards (its `teams` setting): the props of `TeamPlatform.addTeam` that a
 * setting can hold. Its people (`members`) need the API server to know their groups, and a team's own deploy
 * permissions are code: write such a team in `digitalOceanCharts` itself.
 */
export type DigitalOceanTeam = Pick<TeamProps, 'name' | 'repos' | 'namespaces' | 'buildNamespace' | 'quota' | 'registryQuotaGiB' |
  'dedicatedRunner' | 'pullRequestNamespace' | 'events' | 'branches'>;

/** Whether the mirror takes a login for every pull: its own (`imageMirrorUser`), or the Container Registry's. */
function mirrorNeedsLogin(config: DigitalOceanChartsConfig): boolean {
  return config.imageMirror !== undefined && (config.imageMirrorUser !== undefined || docrMirrorRegistry(config.imageMirror) !== undefined);
}

/** The namespace the program installs cert-manager in (lib/pulumi/digitalocean IngressStack), which no team may claim. */
const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** The build namespace of the CI engine, where pipelines and their pull secrets run. */
const BUILDS = 'dockyard-builds';

/**
 * Run `check`, the Harbor on the managed Valkey, refusing too small a `maxclients` as the setting it was read from:
 * the Redis budget's refusal of `redis.maxClients` (`ConnectionLimitError`) becomes `invalid valkeyMaxClients
 * "100": <what it must hold>; <this program's remedy>`, the value quoted as the user set it (as `readSettings` quotes
 * a refused "many"; it takes only the digits a number prints as, `readWholeNumber`, so "0100" is refused there and
 * the limit printed here is the setting's text), and the library's remedy, which names ExternalRedis, the replicas and jobWorkers (none of them
 * a setting of this program), left out. Every other error passes unchanged.
 */
function valkeyMaxClientsRefused<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ConnectionLimitError && e.prop === 'redis.maxClients') {
      invalid('valkeyMaxClients', String(e.limit), `${e.need}; set it to the maxclients the managed Valkey's INFO clients prints, or take a ` +
        'larger valkeySize and set that one\'s (see the README, "Redis connection budget")');
    }
    throw e;
  }
}

/**
 * Harbor and Drone on DigitalOcean's managed PostgreSQL, Valkey and Spaces: the same constructs as the embedded
 * default, with every connection secret provided by the Pulumi program and every internal one generated by it.
 */
export function digitalOceanCharts(app: App, config: DigitalOceanChartsConfig): DockyardChart {
  checkImageMirror(config);
  const chart = new DockyardChart(app, 'platform', { namespace: 'dockyard' });
  new Namespace(chart, 'Namespace', { name: 'dockyard' });
  new Namespace(chart, 'HarborNamespace', { name: 'harbor' });
  const provided = (id: string, s: { namespace: string; name: string }, description: string) =>
    Secret.fromSecretName(chart, id, s.name, { namespace: s.namespace, description });
  const P = PROVIDED_SECRETS;
  const tls = IngressTls.certManager(config.certIssuer ?? LETS_ENCRYPT_ISSUER);
  // every role's connection limit, plus one connection kept for doadmin, fits the cluster's (22 on 1 GB, do.md §2.1)
  const databases: ExternalPostgres[] = [];
  // the server's CA, in each namespace whose pods verify the server with it
  const harborPostgresCa = provided('HarborPostgresCa', P.harborPostgresCa, 'the managed PostgreSQL\'s CA certificate').key(P.harborPostgresCa.key);
  const postgresCa = provided('PostgresCa', P.postgresCa, 'the managed PostgreSQL\'s CA certificate').key(P.postgresCa.key);
  const postgres = (id: string, databaseName: string, user: string, password: ISecret, share: number, caCertificate: SecretKey) => {
    const db = new ExternalPostgres(chart, id, {
      host: PLACEHOLDERS.postgresHost, port: 25060, databaseName, user, password: password.key('password'), sslMode: POSTGRES_SSL_MODE, caCertificate,
      connectionLimit: Math.floor(config.postgresConnectionLimit * share), maxConnections: config.postgresConnectionLimit,
    });
    databases.push(db);
    return db;
  };

  const spaces = provided('SpacesSecret', P.spaces, 'the bucket-scoped Spaces key');

  // Harbor gets most of the managed database's connections, Drone a fifth
  const ingress = { className: 'nginx', tls, ...(config.ingressAnnotations ? { annotations: { ...config.ingressAnnotations } } : {}) };
  const harborExposure = HarborExposure.ingress(ingress);
  // the Redis budget's refusal of the Valkey's limit names the setting it comes from, and nothing else is renamed
  const harbor = valkeyMaxClientsRefused(() => new Harbor(chart, 'Harbor', {
    namespace: 'harbor',
    externalUrl: `https://harbor.${config.domain}`,
    database: postgres('HarborDatabase', 'registry', 'harbor', provided('HarborDatabaseSecret', P.harborDatabase, 'the managed user harbor'), 0.75,
      harborPostgresCa),
    redis: new ExternalRedis(chart, 'Valkey', {
      host: PLACEHOLDERS.valkeyHost, port: 25061, username: 'default',
      password: provided('ValkeySecret', P.valkey, 'the managed Valkey password').key(P.valkey.key),
      ...(config.valkeyMaxClients === undefined ? {} : { maxClients: config.valkeyMaxClients }),
    }),
    storage: HarborStorage.spaces({ region: config.region, bucket: config.bucket, accessKey: spaces.key(P.spaces.accessKey), secretKey: spaces.key(P.spaces.secretKey) }),
    exposure: harborExposure,
    trustBundle: config.trustBundle,
    // Trivy downloads its databases itself, with no login (a pull secret serves the kubelet alone): from a mirror
    // that needs one (the Container Registry always does) it would download nothing, so it keeps its upstream sources
    ...(mirrorNeedsLogin(config)
      ? { trivyDbRepositories: [...TRIVY_UPSTREAM_DATABASES.db], trivyJavaDbRepositories: [...TRIVY_UPSTREAM_DATABASES.javaDb] } : {}),
  }));
  // Harbor makes `library` public at its first start (goharbor/harbor v2.15.1
  // make/migrations/postgresql/0001_initial_schema.up.sql:81, :120), and the platform's pipelines push there (robot
  // `drone`, below) on an internet-facing Harbor: declared, it is private unless publicLibrary says otherwise
  harbor.declareLibrary({ public: config.publicLibrary ?? false });
  // air-gapped (a mirror), nothing pulls through Harbor, as in the default stack: no Docker Hub proxy cache, and no
  // robot to pull through it
  const proxy = config.imageMirror ? undefined : 'dockerhub';
  if (proxy) {
    // a production stack: without dockerHubUser the synth's warning of anonymous pulls shows, as 100 pulls per 6
    // hours per egress address, spent on cache misses and moved tags, can fail a deploy (README, "Docker Hub's pull limits")
    const login = config.dockerHubUser === undefined ? {} : {
      username: config.dockerHubUser,
      password: new Secret(chart, 'DockerHubToken', {
        name: 'dockerhub-token', namespace: harbor.namespace,
        values: { token: SecretValue.input(DOCKERHUB_TOKEN_INPUT, `the Docker Hub access token of ${config.dockerHubUser}`) },
      }).key('token'),
    };
    harbor.addProxyCache(proxy, { upstream: ProxyUpstream.dockerHub(login), public: false });
  }
  const puller = proxy ? harbor.addRobot('puller', { permissions: [RobotPermission.pull(proxy)] }) : undefined;
  if (proxy === undefined) {
    // with a mirror there is no proxy cache: the robot an earlier `pulumi up` made for it (before imageMirror) is
    // deleted from Harbor, where it kept its pull permission and a secret that never expires (lib/harbor/configure.js,
    // "Retired robots"); the stack's mark would warn of it otherwise (lib/harbor/left-robots.ts)
    harbor.retireRobot('puller', { mayBeAbsent: true });
  }

  const engine = config.ciEngine ?? CiEngineKind.DRONE;
  if (config.droneLogBucket !== undefined && engine !== CiEngineKind.DRONE) {
    invalid('droneLogBucket', config.droneLogBucket, 'must be set only with ciEngine drone: Woodpecker keeps its logs in its database');
  }
  // a bucket and key of their own: a Spaces key is granted whole buckets (SpacesKey grants), so one on Harbor's
  // would let the Drone server overwrite Harbor's image layers
  const droneLogs = config.droneLogBucket === undefined ? undefined : provided('DroneLogSecret', P.droneLogs, 'the key scoped to Drone\'s log bucket');
  const C = providedCiSecrets(engine);
  const { title } = ciEngineFacts(engine);
  const ci = ciEngine(chart, {
    engine,
    host: `${engine}.${config.domain}`,
    gitProvider: config.gitProvider,
    gitServer: config.gitServer,
    gitClientId: config.gitClientId,
    oauth: provided('OAuth', C.oauth, 'the OAuth app secret of the git provider'),
    organization: config.organization,
    admin: config.admin,
    database: (name) => postgres(`${title}Database`, name, name, provided(`${title}DatabaseSecret`, C.database, `the managed user ${name}`), 0.2,
      postgresCa),
    ingress,
    trustBundle: config.trustBundle,
    authenticatePublicRepos: config.authenticatePublicRepos,
    cloneUser: config.cloneUser,
    buildNamespace: BUILDS,
    ...(config.apiServer ? { buildEgress: { apiServerCidrs: [config.apiServer.cidr] } } : {}),
    ...(droneLogs ? {
      droneLogStorage: DroneLogStorage.spaces({
        region: config.region, bucket: config.droneLogBucket!, prefix: DRONE_LOG_PREFIX,
        accessKey: droneLogs.key(P.droneLogs.accessKey), secretKey: droneLogs.key(P.droneLogs.secretKey),
      }),
    } : {}),
  });
  // DigitalOcean creates users without privileges: the reconciler grants them their databases before Harbor and
  // Drone migrate, and sets their connection limits; DigitalOcean keeps their passwords
  const grants = new DatabaseGrants(chart, 'DatabaseGrants', {
    host: PLACEHOLDERS.postgresHost, port: 25060, adminUser: 'doadmin', adminDatabase: 'defaultdb',
    adminPassword: provided('PostgresAdmin', P.postgresAdmin, 'the managed doadmin password').key(P.postgresAdmin.key),
    databases,
    // the admin's login, the strongest, checks the server as the applications' do
    sslMode: POSTGRES_SSL_MODE, caCertificate: postgresCa,
  });
  // pipelines push to Harbor at its public host name: DOKS sends in-cluster traffic for the load balancer's address
  // straight to the ingress-nginx pods, which the build pods' internet rule leaves out
  ci.allowBuildEgress(harborExposure.proxyPeer, [443]);
  // a self-hosted git server at a private address (the VPC, a company network) lies outside every build's internet
  // rule: each clone goes there
  if (config.gitServerEgress) {
    const { cidrs, port } = config.gitServerEgress;
    cidrs.forEach((cidr) => ci.allowBuildEgress(NetworkPeer.ipBlock(cidr), [port]));
  }
  // Harbor's login and DOCR's in separate pull secrets: a pod gets a pull secret whole, so one holding both would
  // bring the DOCR token to every namespace with a pod that pulls through Harbor (the CI server's, `dockyard`).
  // Harbor's is app-wide, for the CI pods that pull through the proxy cache; DOCR's, which no Dockyard pod pulls
  // from, is defined and listed only in the build namespace, whose pods may
  const harborLogin = puller ? RegistryCredential.harborRobot(harbor.host, puller) : undefined;
  // the pool's pull secrets, which a team's dedicated runner's pull-request namespace, a pool of its own, gets too
  const poolPullSecrets: PullSecret[] = [];
  if (harborLogin) {
    poolPullSecrets.push(new PullSecret(chart, 'PullSecret', { credentials: [harborLogin], namespaces: [BUILDS] }));
  }
  let docrLogin: RegistryCredential | undefined;
  if (config.containerRegistry) {
    const docr = new Secret(chart, 'DocrToken', {
      name: 'docr-token', namespace: BUILDS,
      values: { token: SecretValue.input(DOCR_TOKEN_INPUT, 'a DigitalOcean token that can read the Container Registry') },
    });
    docrLogin = RegistryCredential.docr({ token: docr.key('token') });
    // a mirror on the Container Registry: every pod pulls from it, so the login goes wherever one does
    const appWide = docrMirrorRegistry(config.imageMirror) !== undefined;
    poolPullSecrets.push(new PullSecret(chart, 'DocrPullSecret', { name: 'docr-credentials', credentials: [docrLogin], namespaces: [BUILDS], appWide }));
  }
  // a mirror's own login, in a pull secret of its own wherever a pod pulls from the mirror (Harbor's namespace too),
  // as the default stack does with DOCKYARD_IMAGE_MIRROR_USER
  const mirrorLogin = config.imageMirror !== undefined && config.imageMirrorUser !== undefined ? RegistryCredential.basic({
    registry: mirrorHost(config.imageMirror), username: config.imageMirrorUser,
    password: new Secret(chart, 'ImageMirrorPassword', {
      name: 'image-mirror-password',
      values: { password: SecretValue.input(MIRROR_PASSWORD_INPUT, `the password or token of ${config.imageMirrorUser} at ${config.imageMirror}`) },
    }).key('password'),
  }) : undefined;
  if (mirrorLogin) {
    poolPullSecrets.push(new PullSecret(chart, 'MirrorPullSecret', { name: 'image-mirror-credentials', credentials: [mirrorLogin], namespaces: [BUILDS] }));
  }
  // pipelines name one pull secret for their step images: every login in one document, which Drone keeps in its own
  // namespace (`dockyard`: its secrets extension reads it there); none when there is no login (an anonymous mirror,
  // without DOCR). Woodpecker lists a pull secret only on the agents of routes whose every repository and event it
  // is granted to (WoodpeckerCi.addImagePullSecret) and refuses one that reaches none: with no route here, its pool
  // pulls with what the build namespace's `default` ServiceAccount lists (above)
  const pipelineLogins = [harborLogin, docrLogin, mirrorLogin].filter((c): c is RegistryCredential => c !== undefined)
    .map((c) => ({ registry: c.registry, username: c.username, usernameFrom: c.usernameFrom, password: c.password }));
  // the organisation's every repository only on a stack that never had teams: with teams, or once the last one left
  // (`retiredTeams`, or the stack's mark listing it while it is in neither setting), no team may own a repository the
  // platform's secrets reach, and removing a team never widens them
  const hadTeams = [config.teams, config.retiredTeams, config.markedTeams].some((list) => (list?.length ?? 0) > 0);
  const platformRepos = [...(config.platformRepos ?? (hadTeams ? [] : [`${config.organization}/*`]))];
  if (config.platformRepos !== undefined && engine !== CiEngineKind.DRONE) {
    invalid('platformRepos', config.platformRepos.join(','), 'must be set only with ciEngine drone: Woodpecker grants secrets to routes of exact ' +
      'repositories, and this program has none');
  }
  if (engine === CiEngineKind.DRONE && platformRepos.length > 0) {
    // the platform's pipelines may push to `library`: the secrets extension reads `harbor-push` by name (its Role
    // names it). Woodpecker grants a secret only to exact repositories, through a route of their own
    // (WoodpeckerCi.addPipelineSecret), and its steps read only their own namespace's Secrets: with no repository
    // known here, a push login would have no reader, so neither it nor its robot is defined
    const pusher = harbor.addRobot('drone', { permissions: [RobotPermission.push(LIBRARY)] });
    const pushLogin = SecretValue.dockerConfigJson([{ registry: harbor.host, username: pusher.username, password: pusher.secret }]);
    ci.addPipelineSecret('HarborPush', { name: 'harbor-push', repos: platformRepos, values: { docker_config: pushLogin } });
    // a step whose image one platform pipeline pushed to the private `library` pulls it with `harbor-pull`, whose
    // host-wide login, `puller`, may pull `dockerhub` only, and must: it is the build pool's pull secret too, which
    // every team's builds get. So `drone`, which may pull `library` too (RobotPermission.push grants pull beside push:
    // Harbor v2.15.1 gives a system robot no pull with a push alone, src/common/security/robot/context.go:101-118,
    // only a project robot, :126-140), logs in for that path
    // alone: the runner copies `image_pull_secrets` into the pod's pull Secret keeping a scheme-less key whole, path
    // and all (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:546-561; drone/runner-go v1.12.0
    // registry/auths/auth.go:42-48,116-122 `hostname` takes only a URL's host, encode.go:21), and the kubelet tries a
    // key's logins only for images under its path, the most specific key's first (kubernetes v1.35.0
    // pkg/credentialprovider/keyring.go `BasicDockerKeyring.Add`, `Lookup`, `URLsMatch` :262). The trailing "/"
    // keeps it off projects whose names begin "library" (the path is matched as a string prefix)
    const libraryLogin = { registry: `${harbor.host}/${LIBRARY}/`, username: pusher.username, password: pusher.secret };
    ci.addImagePullSecret('HarborPull', {
      name: 'harbor-pull', repos: platformRepos, dockerConfig: SecretValue.dockerConfigJson([...pipelineLogins, libraryLogin]),
    });
  } else if (engine === CiEngineKind.DRONE) {
    // no platform pipeline pushes: the robot an earlier `pulumi up` made (before teams) is deleted from Harbor, as
    // its secret left with its Secret and no one could use it again
    harbor.retireRobot('drone', { mayBeAbsent: true });
  }
  onboardTeams(chart, config, { ci, harbor, proxy, poolPullSecrets, mirrorLogin });

  if (config.imageDigests) {
    // every image by digest, through the proxy cache or the mirror, as the default stack does
    Images.pinDigests(app, config.imageDigests, { requireAll: true });
  }
  if (config.imageMirror) {
    // air-gapped: every image, Harbor's and the grants' included, from the pre-mirrored registry, overriding any
    // relocation below, as the default stack does
    Images.relocateAll(app, ImageRelocation.registry(config.imageMirror));
  } else {
    // Drone pulls through Harbor's proxy cache; Harbor from upstream (its data services are managed)
    Images.relocate(chart, harbor.proxyCacheRelocation('dockerhub'));
    // Harbor, and the grants it needs to start, from upstream
    Images.relocate(harbor, ImageRelocation.upstream());
    Images.relocate(grants, ImageRelocation.upstream());
  }
  return chart;
}

/**
 * Onboard `config.teams` onto the platform (`TeamPlatform` "Teams"), and retire `config.retiredTeams`: every team pulls through the Docker Hub proxy
 * cache when there is one, its apps admit ingress-nginx (which the program installs in `ingress-nginx`), its build
 * namespace reaches `config.apiServer`, and a dedicated runner's pull-request namespace, a pool of its own, gets the
 * shared pool's pull secrets. A team's refusal names the setting it was read from (`inSetting`: `invalid teams[1].name "Search": …`).
 */
function onboardTeams(chart: DockyardChart, config: DigitalOceanChartsConfig,
  platform: { ci: ICiEngine; harbor: Harbor; proxy?: string; poolPullSecrets: readonly PullSecret[]; mirrorLogin?: RegistryCredential }): void {
  const { ci, harbor, proxy } = platform;
  const onboarded = config.teams ?? [];
  const retired = config.retiredTeams ?? [];
  // the platform is made without teams too: it is what lists the teams in the stack's mark and warns of one taken out
  // of `teams` without `retiredTeams` (lib/team/left-teams.ts), and Harbor leaves a pair <x>-push and <x>-pull that
  // left together to it (lib/harbor/left-robots.ts). Were it made only with teams, the last team taken out would leave
  // its robots in Harbor unwarned. Without teams it renders nothing and lists nothing in the mark
  // a team's build pods pull the runner's own images (its clone step, relocated) with the team's logins: a mirror's
  // own login joins every team's pull secret (sharedLogins); the Container Registry's is a DigitalOcean API token,
  // which no team may hold
  if (onboarded.length > 0 && config.imageMirror !== undefined && docrMirrorRegistry(config.imageMirror) !== undefined) {
    invalid('teams', onboarded.map((t) => t.name).join(','), 'must be left unset with an imageMirror on the Container Registry: a team\'s ' +
      'build pods would pull the runner\'s images from it with the team\'s own logins, and its login is a DigitalOcean API token, which ' +
      'no team may hold; use a mirror with a login of its own (imageMirrorUser), an anonymous one, or Harbor\'s proxy cache (no imageMirror)');
  }
  const firstOnboarded = new Map<string, number>();
  onboarded.forEach((team, i) => { if (!firstOnboarded.has(team.name)) firstOnboarded.set(team.name, i); });
  const teams = new TeamPlatform(chart, 'Teams', {
    ci, harbor,
    sharedProjects: proxy ? [proxy] : [],
    sharedLogins: platform.mirrorLogin ? [platform.mirrorLogin] : [],
    // where the program installs cert-manager (IngressStack); ingress-nginx's is refused as the default ingress peer
    reservedNamespaces: [CERT_MANAGER_NAMESPACE],
    ...(config.apiServer ? { apiServer: config.apiServer.peer, apiServerPort: config.apiServer.port } : {}),
  });
  // each refusal names the setting it was read from (teams[1].name); a retired team given as its name alone is its entry
  onboarded.forEach((team, i) => inSetting(`teams[${i}]`, () => {
    const added = teams.addTeam({ ...team });
    if (added.pullRequestNamespace !== undefined) {
      platform.poolPullSecrets.forEach((p) => p.addNamespace(added.pullRequestNamespace!));
    }
  }));
  // after every onboarded team: retireTeam refuses a name addTeam took
  const firstRetired = new Map<string, number>();
  retired.forEach((entry, i) => {
    const given = typeof entry === 'string' ? entry : entry.name;
    const prop = typeof entry === 'string' ? `retiredTeams[${i}]` : `retiredTeams[${i}].name`;
    // a name in both settings, or twice in retiredTeams, refused in their words: TeamPlatform's retireTeam would refuse
    // it in the code's (drop the addTeam call, or the retireTeam call; retireTeam was called with it already), which a
    // user of the settings has none of. Here, after the entry that came first took the name: an invalid name is refused
    // as such there, as removing one of its places would leave it refused all the same
    const at = firstOnboarded.get(given);
    if (at !== undefined) {
      invalid(prop, given, `must not be in teams too (teams[${at}]): a ` +
        'team is either onboarded or retired; remove it from teams to retire it, or from retiredTeams to keep it');
    }
    const before = firstRetired.get(given);
    if (before !== undefined) {
      invalid(prop, given, `must be in retiredTeams once: retiredTeams[${before}] retires it already; remove one of them`);
    }
    firstRetired.set(given, i);
    if (typeof entry === 'string') {
      inSetting(`retiredTeams[${i}]`, () => teams.retireTeam(entry), 'name');
    } else {
      const { name, ...options } = entry;
      inSetting(`retiredTeams[${i}]`, () => teams.retireTeam(name, options));
    }
  });
}
