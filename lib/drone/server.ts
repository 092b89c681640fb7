import { ciServerDowngrade } from '../ci/server-downgrade';
import { checkVersionChange } from '../core/version-changes';
import { Construct, IConstruct } from 'constructs';
import {
  checkBoolean, checkObject, checkRequiredObject, checkHostname, checkOneOf, checkUniqueList, describeValue, Image, IngressOptions, invalid, invalidSecret, invalidUserName, missing, NetworkPeer,
  Resources, Secret, SecretKey, SecretValue, ServiceExposure,
} from '../core';
import { warnSingleLabelHost } from '../ci/server-host';
import { checkMetrics, MetricsOptions, serviceMonitor } from '../core/metrics';
import { recordCiAdmins } from '../core/ci-admins';
import { deployment } from '../core/deployment';
import { EnvVars } from '../core/env';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { emptyDir, httpGet, probesOf } from '../core/pod';
import { serviceAccount } from '../core/rbac';
import { mountTrustBundle, TrustBundle } from '../core/trust-bundle';
import { clusterService, serviceHost } from '../core/service';
import { IPostgresDatabase, POSTGRES_DATABASE_RULE } from '../postgres';
import { bindDatasource } from '../postgres/datasource';
import { GIT_PROVIDER_RULE, GitProvider } from '../ci/git-provider';
import { DroneLogStorage } from './log-storage';
import { ServerProtocol } from '../ci/server-protocol';
import { sessionDuration } from '../ci/session-hours';
import { CI_SERVER_INGRESS_ANNOTATIONS } from '../ci/server-ingress';

/**
 * What `DRONE_DATABASE_SECRET` encrypts: the server seals the repository and organisation secrets it stores with
 * AES-GCM under that key (Drone's docs, `server/storage/encryption.md`; the key must be 32 characters, `encrypt.go:38`
 * of drone 2.28.2), so a new key cannot read them. Not the users' OAuth tokens: the user store gets it only with
 * `DRONE_DATABASE_ENCRYPT_USER_TABLE` (`cmd/drone-server/inject_store.go:157-180`), which Dockyard leaves off, as over
 * rows stored in clear every login would fail to decrypt (`store/user/scan.go:81-88`) unless mixed mode, which would
 * also hand back any secret that fails to decrypt as it is (`inject_store.go:81-86`, `aesgcm.go:71-78`).
 */
const DATABASE_SECRET_ENCRYPTS = 'the repository and organisation secrets Drone stores in PostgreSQL';

/** A Drone server, as runners and extensions see it. */
export interface IDroneServer extends IConstruct {
  /** The namespace the server runs in. */
  readonly namespace: string;
  /** `host:port` of the server's Service, for runners' `DRONE_RPC_HOST`. */
  readonly rpcHost: string;
  /** `http` or `https`, for runners' `DRONE_RPC_PROTO`. */
  readonly rpcProtocol: string;
  /** The secret shared by the server and its runners. */
  readonly rpcSecret: SecretKey;
  /**
   * The server's image, whose release a runner checks serves the runner protocol (`/rpc/v2`, Drone 1.2.0 and later).
   *
   * @default - unknown: a runner checks no release
   */
  readonly image?: Image;
  /**
   * Admit `peer` to the server's HTTP port, 8080, which serves the web UI, the API, webhooks and runners' RPC alike:
   * for runners and any other in-cluster client. Build pods are not admitted: they clone from the git provider and
   * reach Drone, if at all, at its public URL (`DRONE_SYSTEM_HOST`); to admit them, grant `runner.buildPeer` and
   * declare the egress with `runner.allowBuildEgress`.
   */
  grantConnect(peer: NetworkPeer): void;
  /**
   * Admit `peer` to the server's HTTP port.
   *
   * @deprecated the port is plain HTTP, not only RPC: use `grantConnect`, which does the same
   */
  grantRpc(peer: NetworkPeer): void;
}

/** Props of a `DroneServer`. */
export interface DroneServerProps {
  /**
   * The public host name of the web UI and webhooks, e.g. `drone.example.com`. A single label (`drone`) is warned of:
   * the forge's webhooks and OAuth callback go to it, and it resolves only through a resolver's search domains.
   *
   * Drone writes a repository's webhook URL once, on activation (harness v2.28.2 `service/hook/hook.go:37-66`): after
   * changing the host, repair every active repository (`drone repo repair <owner/name>`) and delete its old hook at
   * the forge, or pushes start no build (README, "Changing the CI host").
   */
  readonly host: string;
  /**
   * The scheme of the public URL.
   *
   * @default ServerProtocol.HTTPS
   */
  readonly protocol?: ServerProtocol;
  /** The git provider users log in with. */
  readonly gitProvider: GitProvider;
  /**
   * CA certificates the server trusts beyond the public ones, for a git provider (its OAuth log-in, API calls and
   * repository hooks) whose certificate a private CA signs. Drone 2.28.2 gives each forge client a transport whose
   * `tls.Config` sets no `RootCAs` (harness/harness v2.28.2 cmd/drone-server/inject_client.go:262-269
   * `defaultTransport`), so it takes Go's system roots, which `SSL_CERT_DIR` extends (see `TrustBundle`). Never
   * `DRONE_<FORGE>_SKIP_VERIFY`: that accepts any certificate.
   *
   * @default - the public roots of the image only
   */
  readonly trustBundle?: TrustBundle;
  /**
   * The PostgreSQL database Drone stores its state in. Its password may hold any character except those SASLprep
   * would change, unless SASLprep refuses the password (SCRAM: see the README, "Credential and security model"; a
   * synth refuses one it holds, `LIB_PQ_SCRAM_PASSWORD_RULE`): Drone reads it from `PGPASSWORD`, and
   * `DRONE_DATABASE_DATASOURCE` is a `postgres://` URL without it. Its user and database name must be non-empty and
   * hold no NUL or white space but " ", which Drone's lib/pq v1.1.0 cannot read back from that URL.
   */
  readonly database: IPostgresDatabase;
  /**
   * The name of the Deployment, Service and related objects.
   *
   * @default "drone"
   */
  readonly name?: string;
  /**
   * The namespace.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The server image. It must be built without the `oss` tag, as the official image is: an OSS build ignores
   * `userFilter` (harness v2.28.2 `plugin/admission/account_oss.go` admits everyone), and registration, open when a
   * filter is set, then admits any account of the forge.
   *
   * A synth warns of an older release than the previous output ran, which starts over the schema the newer one
   * migrated (only a refused change needs `DOCKYARD_VERSION_CHANGE`): see the README, "Upgrading the components".
   * A `DroneKubeRunner` refuses a release before 1.2.0, which serves no runner protocol (`/rpc/v2`).
   *
   * @default DroneServer.IMAGE
   */
  readonly image?: Image;
  /**
   * Requests and limits of the server container.
   *
   * @default - 100m/128Mi requested, 1 CPU/512Mi limit
   */
  readonly resources?: Resources;
  /**
   * The secret shared with runners.
   *
   * @default - generated: 32 random hex characters
   */
  readonly rpcSecret?: SecretKey;
  /**
   * The key that signs session cookies. Fixed, so that restarts do not log everyone out.
   *
   * @default - generated: 32 random hex characters
   */
  readonly cookieSecret?: SecretKey;
  /**
   * The AES key that encrypts secrets in the database: exactly 32 characters, set before the first secret is stored.
   *
   * @default - generated: 32 random hex characters
   */
  readonly databaseSecret?: SecretKey;
  /**
   * Only these users and members of these organisations can register (`DRONE_USER_FILTER`). With a filter, the
   * filter is the gate: registration is open to whoever passes it (see `registrationClosed`).
   *
   * Refused with a GitLab provider: Drone admits a new user who is in any group of a listed name (harness v2.28.2
   * `plugin/admission/account.go:59-70`), and go-scm names a GitLab group by its last path segment
   * (`scm/driver/gitlab/org.go`, `Name: from.Path`), so a subgroup `mallory/acme`, which any GitLab user can create,
   * passes the entry `acme`, a user's login included. On GitLab the admin adds users (`drone user add`).
   *
   * @default - no filter: registration is closed, and only the admin and users an admin creates can log in
   */
  readonly userFilter?: readonly string[];
  /**
   * Only repositories of these accounts are synced (`DRONE_REPOSITORY_FILTER`); it must be set before the first login.
   * Drone compares each with a repository's namespace, ignoring case (harness v2.28.2 `service/syncer/filter.go:22-35`,
   * `NamespaceFilter`). A GitLab subgroup is refused: Drone syncs no project of one, whatever the filter
   * (`service/syncer/syncer.go:106-113`). `DroneCi` refuses routes and secrets for repositories no entry syncs.
   *
   * @default - the repositories of every account
   */
  readonly repositoryFilter?: readonly string[];
  /**
   * Whether only admins can register users (`DRONE_REGISTRATION_CLOSED`). Drone admits a new user only if both the
   * user filter and open registration admit them (harness v2.28.2 `cmd/drone-server/inject_plugin.go:47-49`), and
   * closed registration refuses every new user, members of the filter included (`plugin/admission/open.go:41-46`).
   * So `true` together with `userFilter` is refused as contradictory.
   *
   * @default - false when `userFilter` is set (the filter gates registration), true otherwise
   */
  readonly registrationClosed?: boolean;
  /**
   * The git provider login of the first admin, created at start-up (`DRONE_USER_CREATE`), in the forge's exact case:
   * Drone finds a user by an exact match on the login (see the README, "`admin` must be the forge's login in its exact
   * case"), so `Example-Admin` for a forge's `example-admin` makes an admin nobody logs in as.
   *
   * Changing it later demotes nobody: Drone's bootstrap creates or updates only the login it is given (harness
   * v2.28.2 `cmd/drone-server/bootstrap/bootstrap.go:45-123`), and existing users are always admitted, whatever the
   * registration rules (`plugin/admission/open.go:38-43`). As an admin, demote the old one with
   * `drone user update --admin=false <login>` (the API's `PATCH /api/users/<login>` with `{"admin": false}`) or remove
   * it with `drone user rm <login>` (see the README, "Revoking a person's access"). The synth that drops a login from
   * here warns with these commands, once.
   *
   * @default - no admin, which only an open registration allows (a `userFilter`, or `registrationClosed: false`): with
   * closed registration nobody could log in, so that is refused
   */
  readonly admin?: string;
  /**
   * How long a login lasts, in hours (`DRONE_COOKIE_TIMEOUT`). Drone signs the expiry into the session cookie at login
   * (harness v2.28.2 `session/session.go:48-60`), 720 hours by default (`cmd/drone-server/config/config.go:285`); a
   * change applies to logins after the server restarts, and cookies already given keep their expiry.
   *
   * Shorter ends sooner the browser sessions of a person whose forge account is gone, at the cost of everyone logging
   * in again as often. It revokes nothing: a user Drone knows logs in again whatever the registration rules, and an
   * API token never expires. To revoke a person, delete the account (`drone user rm <login>`), which ends both at
   * once (README, "Revoking a person's access").
   *
   * @default - Drone's own, 720 hours (the variable is not set)
   */
  readonly sessionHours?: number;
  /**
   * The most connections Drone opens to its database (`DRONE_DATABASE_MAX_CONNECTIONS`). Drone's own default, 0,
   * is an unlimited pool (harness v2.28.2 `store/shared/db/conn.go:38`); idle connections stay at Go's default of 2,
   * as Drone 2.28 has no setting for them. At most the database's `connectionLimit`.
   *
   * @default - the database's `connectionLimit`, or DroneServer.DEFAULT_MAX_CONNECTIONS when it has none
   */
  readonly maxConnections?: number;
  /**
   * How users and git provider webhooks reach the server: `ServiceExposure.ingress(...)` or
   * `ServiceExposure.httpRoute(...)`, for `host` (without its port) and every path, to the Service's port 8080.
   * The server's NetworkPolicy admits the ingress controller's namespace or the Gateway's pods to port 8080.
   *
   * @default - not exposed: route to the Service yourself
   */
  readonly exposure?: ServiceExposure;
  /**
   * Where the server keeps build logs: `DroneLogStorage.s3(...)` or `DroneLogStorage.spaces(...)` for a bucket. In
   * the database, Drone's default, logs are never removed, not even by a purge of old builds, and the database grows
   * with every build (see `DroneLogStorage`). Moving to a bucket keeps older logs readable from the database; moving
   * back leaves the bucket's logs unread. A bucket needs an image built without the `oss` tag, as `DroneServer.IMAGE`
   * is: an `oss` build has no S3 store (harness v2.28.2 `store/logs/s3_oss.go:22-24` returns nil).
   *
   * @default DroneLogStorage.database()
   */
  readonly logStorage?: DroneLogStorage;
  /**
   * Prometheus metrics, which Drone serves at `/metrics` on its only port, 8080, beside the web UI and the API
   * (harness v2.28.2 `cmd/drone-server/inject_server.go:63-77`), to a machine or admin user's token alone
   * (`metric/handler.go:43-52`). Each scraper is admitted to port 8080, so to the whole API as well, which asks every
   * request for a token as it does through the Ingress; `DRONE_PROMETHEUS_ANONYMOUS_ACCESS` stays off, as it would
   * open `/metrics` to everyone the Ingress serves. Prometheus sends `token` (`metricsToken`), the API token of a
   * machine user an admin creates once with it (README, "Metrics").
   *
   * @default - no metrics: no pod but the runners and the ingress reaches the server, and no token is generated
   */
  readonly metrics?: DroneMetricsOptions;
  /**
   * The forge login Drone sends with every build of a private repository (the netrc), instead of the OAuth token of
   * the user who activated the repository (`DRONE_GIT_USERNAME`, `DRONE_GIT_PASSWORD`: harness v2.28.2
   * `service/netrc/netrc.go:66-70`, `cmd/drone-server/config/config.go:96-97`). That token reads and writes whatever
   * its user can, and a pull request's pipeline, a fork's included, can read it whatever the runner does
   * (`DroneKubeRunner`'s `netrcCloneOnly`; README, "What a pull request can ask for"). Give a machine account's token
   * that may only read the repositories Drone builds: a GitHub fine-grained token with read-only Contents, a GitLab
   * group deploy token with `read_repository`. Every build of every private repository then holds that token, and no
   * more. Public repositories' builds get no login either way (`netrc.go:55-58`).
   *
   * @default - none: each private repository's builds hold its activating user's OAuth token
   */
  readonly cloneLogin?: DroneCloneLogin;
  /**
   * Whether builds of public repositories get the forge login too (`DRONE_GIT_ALWAYS_AUTH`, harness v2.28.2
   * `cmd/drone-server/config/config.go:95`, handed to the netrc service as its private mode by
   * `cmd/drone-server/inject_service.go:93-100`). Drone sends a build a netrc only for a repository the forge calls
   * private, or for every one in this mode (`service/netrc/netrc.go:53-58`); a forge whose every repository needs a
   * log-in to clone (GitHub Enterprise Server in private mode, Gitea or Forgejo with `REQUIRE_SIGNIN_VIEW`, a GitLab
   * behind a sign-in proxy) otherwise fails each public repository's clone with `could not read Username`. With it,
   * every build of a public repository, a fork's pull request too, holds the netrc a private repository's builds hold,
   * the `cloneLogin`, which a pipeline reads (README, "Self-hosted forges"). Refused without `cloneLogin`: the netrc
   * would be the OAuth token of the user who activated the repository, and anyone who may fork a public repository and
   * open a pull request would take it (`droneAuthPublicReposRule`).
   *
   * @default false
   */
  readonly authenticatePublicRepos?: boolean;
  /**
   * Expose the web UI through an Ingress.
   *
   * @default - no Ingress
   * @deprecated use `exposure: ServiceExposure.ingress(...)`, which renders the same Ingress
   */
  readonly ingress?: IngressOptions;
}

/** A forge login Drone clones private repositories with (`DroneServerProps.cloneLogin`). */
export interface DroneCloneLogin {
  /** The login (`DRONE_GIT_USERNAME`): the machine account's, or a deploy token's user name. */
  readonly username: string;
  /** Its token or password (`DRONE_GIT_PASSWORD`). */
  readonly password: SecretKey;
}

/**
 * Why `DroneServerProps.authenticatePublicRepos` is refused without a clone login, naming the setting that sets it
 * (`cloneLogin`, or a stack's variable or config key). Drone's netrc is then the OAuth token of the user who activated
 * the repository, whatever its scope (harness v2.28.2 `service/netrc/netrc.go:72-90`), and a public repository's
 * builds include forks' pull requests, whose pipeline reads it: drone-runner-kube v1.0.0-rc.5
 * `engine/compiler/compiler.go:492-496` gives the netrc to step 0 even with `DRONE_NETRC_CLONE_ONLY`, which with
 * `clone: disable` is the pipeline's own step, and `from_secret` names it to any step (`compiler.go:498-511`).
 */
export function droneAuthPublicReposRule(cloneLoginSetting: string): string {
  return 'every build of a public repository, a fork\'s pull request too, would hold the OAuth token of the user who activated it, ' +
    `with all that user's rights; set ${cloneLoginSetting} to a read-only login first (a GitLab group deploy token with read_repository, ` +
    'a GitHub fine-grained token with read-only Contents)';
}

/** What `DroneCloneLogin.username` may be, as its refusals say. */
export const DRONE_CLONE_USER_RULE = 'a forge login: printable ASCII without spaces nor ":"';

/**
 * `username` as a `DroneCloneLogin.username`, or a one-line refusal naming `prop` (the prop, or a stack's variable or
 * config key that sets it), whose message ends with `allowed`. The runner writes it into a netrc file line, `machine <host> login <username> password
 * <password>` (drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:798-802`), which white space would split.
 * A ":" would pass that line, but no forge login has one, and it is most often a token pasted after the name, which
 * would go into the server's environment in the clear: refused, the part after ":" not shown.
 */
export function checkDroneCloneUser(prop: string, username: unknown, allowed: string = DRONE_CLONE_USER_RULE): string {
  if (typeof username !== 'string' || !/^[\x21-\x39\x3b-\x7e]+$/.test(username)) {
    invalidUserName(prop, username, `must be ${allowed}`);
  }
  return username;
}

/** Options of the Drone server's Prometheus metrics. */
export interface DroneMetricsOptions extends MetricsOptions {
  /**
   * The Prometheus pods that scrape the server, e.g. `NetworkPeer.namespace('monitoring')`. Each is admitted to port
   * 8080, the only one Drone listens on: the web UI, the API and `/metrics` alike.
   */
  readonly scrapers: readonly NetworkPeer[];
  /**
   * The API token of the Drone machine user Prometheus scrapes as, in a Secret of the server's namespace (the
   * ServiceMonitor reads it from there). The user must be a machine user, and need not be an admin: Drone serves
   * `/metrics` to a user who is either (harness v2.28.2 `metric/handler.go:46-49`), and a machine user cannot log in
   * through the git provider (`handler/web/login.go:134-135`) nor is synced any repository.
   *
   * @default - generated: 32 random hex characters in the Secret `<name>-metrics-token`, key `token`
   */
  readonly token?: SecretKey;
}

const PORT = 8080;
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The Drone CI server: one replica on port 8080 as a non-root user, state in PostgreSQL, every secret from a Secret.
 *
 * The replica count is fixed at 1 with the Recreate strategy: Drone's multi-server mode is beta and needs Redis.
 * Telemetry (`DRONE_DATADOG_ENABLED`) is off.
 */
export class DroneServer extends Construct implements IDroneServer {
  /** The default image. */
  public static readonly IMAGE = Image.of('docker.io/drone/drone:2.28.2');
  /** The connection pool size when neither `maxConnections` nor the database's `connectionLimit` is set. */
  public static readonly DEFAULT_MAX_CONNECTIONS = 20;

  public readonly namespace: string;
  public readonly rpcHost: string;
  public readonly rpcProtocol = 'http';
  public readonly rpcSecret: SecretKey;
  /** The server's image, as given or `DroneServer.IMAGE`, before any relocation. */
  public readonly image: Image;
  /** The Service's name. */
  public readonly serviceName: string;
  /** The server's pods, as a NetworkPolicy peer. */
  public readonly peer: NetworkPeer;
  /** The public URL of the web UI. */
  public readonly url: string;
  /** The TLS Secret of the Ingress, if it has one (never for an HTTPRoute: TLS terminates at the Gateway). */
  public readonly tlsSecretName?: string;
  /** The accounts whose repositories are synced (`repositoryFilter`), or undefined for every account. */
  public readonly repositoryFilter?: readonly string[];
  /**
   * The token Prometheus scrapes `/metrics` with, when `metrics` is set: create the machine user that holds it once,
   * as an admin (README, "Metrics").
   */
  public readonly metricsToken?: SecretKey;

  private readonly firewall: PodFirewall;

  public constructor(scope: Construct, id: string, props: DroneServerProps) {
    super(scope, id);
    const image = props.image ?? DroneServer.IMAGE;
    this.image = image;
    const { name, namespace, labels, selector, peer } = placement(this, {
      app: 'drone', component: 'server', name: props.name, defaultName: 'drone', namespace: props.namespace, version: image.tag,
    });
    this.namespace = namespace;
    this.peer = peer;
    this.serviceName = name;
    this.rpcHost = `${serviceHost(name, this.namespace)}:${PORT}`;
    const host = checkHostname('host', props.host, { allowPort: true });
    checkRequiredObject('gitProvider', props.gitProvider, GIT_PROVIDER_RULE, GitProvider);
    checkRequiredObject('database', props.database, POSTGRES_DATABASE_RULE);
    // checked for JavaScript callers, as WoodpeckerServer does
    const protocol = checkOneOf('protocol', props.protocol ?? ServerProtocol.HTTPS, Object.values(ServerProtocol));
    this.url = `${protocol}://${host}`;
    // Drone builds the forge's OAuth callback and webhook target from the host alone, unchecked (harness v2.28.2
    // cmd/drone-server/config/config.go:536-537 `Server.Addr`, inject_login.go:73 `Addr + "/login"`,
    // inject_service.go:88 and service/hook/hook.go:55 `Addr + "/hook"`): a single label resolves, if at all, only
    // through a resolver's search domains, never from a public forge, which then delivers no push and starts no build
    warnSingleLabelHost(this, 'DroneServer', host, this.url, { hook: '/hook', login: '/login', example: 'drone.example.com' });

    const generated = new Secret(this, 'Secrets', {
      name: `${name}-credentials`,
      namespace: this.namespace,
      values: { 'rpc-secret': SecretValue.hex(32), 'cookie-secret': SecretValue.hex(32), 'database-secret': SecretValue.hex(32).encrypting(DATABASE_SECRET_ENCRYPTS) },
    });
    this.rpcSecret = props.rpcSecret ?? generated.key('rpc-secret');

    const env = new EnvVars(this.namespace);
    env.value('DRONE_SERVER_HOST', host);
    env.value('DRONE_SERVER_PROTO', protocol);
    env.value('DRONE_SERVER_PORT', `:${PORT}`);
    env.value('DRONE_DATADOG_ENABLED', 'false');
    env.value('DRONE_COOKIE_SECURE', String(protocol === ServerProtocol.HTTPS));
    env.secret('DRONE_RPC_SECRET', this.rpcSecret);
    env.secret('DRONE_COOKIE_SECRET', props.cookieSecret ?? generated.key('cookie-secret'));
    if (props.sessionHours !== undefined) {
      env.value('DRONE_COOKIE_TIMEOUT', sessionDuration('sessionHours', props.sessionHours));
    }
    env.secret('DRONE_DATABASE_SECRET', props.databaseSecret ?? generated.key('database-secret'));
    // Drone 2.28.2 hands DRONE_DATABASE_DATASOURCE unchanged to sql.Open (harness v2.28.2
    // cmd/drone-server/config/config.go:119, store/shared/db/conn.go:22-23) with lib/pq v1.1.0 (go.mod:44): the URL
    // without a password, the password in PGPASSWORD (bindDatasource says why). The pool is always bounded: Drone's
    // default is unlimited, and the role's CONNECTION LIMIT then refuses what exceeds it
    const database = bindDatasource(env, {
      scope: this, driver: 'Drone\'s lib/pq v1.1.0',
      namespace: this.namespace, database: props.database, prefix: 'DRONE', caDirectory: DATABASE_CA_DIR,
      maxConnections: props.maxConnections, defaultMaxConnections: DroneServer.DEFAULT_MAX_CONNECTIONS,
    });
    props.gitProvider._bind(env);
    const trust = mountTrustBundle(this, props.trustBundle, env, this.namespace, name);
    checkObject('logStorage', props.logStorage ?? DroneLogStorage.database(), 'must be DroneLogStorage.database(), .s3(...) or .spaces(...)',
      DroneLogStorage)._bind(env);
    if (props.userFilter !== undefined && props.gitProvider.kind === 'GITLAB') {
      invalid('userFilter', props.userFilter, 'must be unset with a GitLab provider: Drone names a GitLab group by its last path segment, ' +
        'so a subgroup of a listed name, which any GitLab user can create (such as "mallory/acme"), would register; leave registration ' +
        'closed and add users as the admin (drone user add), or set registrationClosed: false to let every account register');
    }
    if (props.userFilter && props.registrationClosed) {
      invalid('registrationClosed', props.registrationClosed, 'must not be true when userFilter is set: closed registration refuses ' +
        'every new user, members of the filter included; the filter alone gates registration');
    }
    const closed = props.registrationClosed ?? props.userFilter === undefined;
    // closed, without an admin nobody can ever log in: Drone creates no user but the bootstrapped one
    // (cmd/drone-server/bootstrap/bootstrap.go) and admits no new one (plugin/admission/open.go:41-46)
    if (closed && props.admin === undefined) {
      missing('admin', 'must be set when registration is closed (no userFilter): without it nobody can log in; ' +
        'give the first admin\'s login, a userFilter, or registrationClosed: false to let any account of the forge register');
    }
    env.value('DRONE_REGISTRATION_CLOSED', String(closed));
    if (props.userFilter) {
      env.value('DRONE_USER_FILTER', accounts('userFilter', props.userFilter));
    }
    if (props.repositoryFilter) {
      // a GitLab subgroup matches nothing: the syncer skips its projects before it consults the filter
      // (harness v2.28.2 service/syncer/syncer.go:106-113)
      const nested = Array.isArray(props.repositoryFilter) ? props.repositoryFilter.find((v) => typeof v === 'string' && v.includes('/')) : undefined;
      if (nested !== undefined) {
        invalid('repositoryFilter', props.repositoryFilter, `${describeValue(nested)} must be a git provider user or organisation, not a GitLab ` +
          'subgroup: Drone syncs no project of a subgroup, so the entry would match nothing');
      }
      env.value('DRONE_REPOSITORY_FILTER', accounts('repositoryFilter', props.repositoryFilter));
      this.repositoryFilter = [...props.repositoryFilter];
    }
    if (props.cloneLogin !== undefined) {
      // a refusal never shows the value: a string here, or as the password, may well be the token itself
      if (typeof props.cloneLogin !== 'object' || props.cloneLogin === null) {
        invalidSecret('cloneLogin', 'must be { username, password: SecretKey }');
      }
      const { username, password } = props.cloneLogin;
      checkDroneCloneUser('cloneLogin.username', username);
      const passwordRule = 'must be a SecretKey: the token, in a Secret of the server\'s namespace, never a plain string';
      if (password !== undefined && !(password instanceof SecretKey)) {
        invalidSecret('cloneLogin.password', passwordRule);
      }
      checkRequiredObject('cloneLogin.password', password, passwordRule, SecretKey);
      env.value('DRONE_GIT_USERNAME', username);
      env.secret('DRONE_GIT_PASSWORD', password);
    }
    // rendered only when true: false is upstream's default, and a server without it renders as before
    if (checkBoolean('authenticatePublicRepos', props.authenticatePublicRepos ?? false)) {
      if (props.cloneLogin === undefined) {
        invalid('authenticatePublicRepos', true, `must be false without cloneLogin: ${droneAuthPublicReposRule('cloneLogin')}`);
      }
      env.value('DRONE_GIT_ALWAYS_AUTH', 'true');
    }
    if (props.admin !== undefined) {
      if (!ACCOUNT.test(props.admin)) {
        invalid('admin', props.admin, 'must be a git provider login: letters, digits, ".", "_" and "-", starting with a letter or digit ' +
          '(each forge\'s own rule is narrower: the README\'s DOCKYARD_ADMIN row gives them)');
      }
      // creates or promotes this login alone at each start: a login named here before stays an admin (see `admin`)
      env.value('DRONE_USER_CREATE', `username:${props.admin},admin:true`);
    }
    // the next synth warns when `admin` changes, as Drone demotes nobody (see `admin`)
    recordCiAdmins(this, {
      engine: 'drone', construct: 'DroneServer', server: `${this.namespace}/${name}`, logins: props.admin === undefined ? [] : [props.admin],
      demote: (login) => 'Drone keeps every admin it made (DRONE_USER_CREATE promotes only the login it names, harness v2.28.2 ' +
        `cmd/drone-server/bootstrap/bootstrap.go): as a Drone admin, demote them with drone user update --admin=false ${login}, or remove ` +
        `the account, its sessions and its API token with drone user rm ${login} (README, "Revoking a person's access")`,
      url: this.url,
      rehook: (previous) => `the forge's webhooks of the repositories activated before still call ${previous}/hook (Drone writes a ` +
        'repository\'s hook once, at activation: harness v2.28.2 service/hook/hook.go:37-66): as a Drone admin, run drone repo repair ' +
        `<owner/name> for each active repository, delete the old hooks at the forge, and set the OAuth app's callback to ${this.url}/login ` +
        '(README, "Changing the CI host")',
    });

    // an older server starts over the schema a newer one migrated: warned of at synth against the previous output
    checkVersionChange(this, {
      kind: 'Deployment', namespace: this.namespace, name, container: 'server', prop: 'image', image, warnOnly: true,
      check: (before, after) => ciServerDowngrade('Drone', props.database.databaseName, before, after),
    });
    serviceAccount(this, 'ServiceAccount', { name, namespace: this.namespace, labels });
    deployment(this, 'Resource', {
      name, namespace: this.namespace, labels, selector, recreate: true,
      serviceAccountName: name,
      // the image runs as root by default; any UID works once its writable paths are volumes
      runAs: { user: 1000, group: 1000 },
      containers: [{
        name: 'server',
        image,
        ports: { http: PORT },
        env,
        mounts: [
          // XDG_CACHE_HOME of the image: the autocert and template cache
          { volume: 'data', path: '/data' },
          { volume: 'tmp', path: '/tmp' },
          ...database.mounts,
          ...trust.mounts,
        ],
        // the server listens only after it has reached the database (30 tries a second apart) and run its
        // migrations (harness/harness v2.28.2 cmd/drone-server/main.go:64,94; store/shared/db/conn.go:31-35,64-72),
        // each one statement outside any lock or transaction of its own (store/shared/migrate/postgres/ddl_gen.go:
        // 211-234). 020_amend_column_builds_deploy_id.sql changes a column's type, which rewrites the whole builds
        // table: minutes on a large one. Killed mid-way, its statement is still run or rolled back by PostgreSQL but
        // never recorded, so the next start runs it again, from the beginning; 600 s, not 150, lets an upgrade
        // from before it finish. /healthz always answers 200 (handler/health/health.go:33-39), so it tests the
        // process alone
        probes: probesOf(httpGet('/healthz', 'http'), 600),
        resources: props.resources ?? Resources.of({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
        goMemoryLimit: true,
      }],
      volumes: [
        emptyDir('data', '256Mi'),
        emptyDir('tmp', '256Mi'),
        ...database.volumes,
        ...trust.volumes,
      ],
    });
    clusterService(this, 'Service', { name, namespace: this.namespace, labels, selector, ports: { http: PORT } });

    // a rule per runner (a team's own among them), in no order of the teams'
    this.firewall = new PodFirewall(this, 'NetworkPolicy', { name, namespace: this.namespace, podLabels: selector, sortIngress: true });
    props.database.grantConnect(this.peer);
    if (props.exposure && props.ingress) {
      invalid('ingress', props.ingress, 'must not be set together with exposure: use exposure alone');
    }
    const exposure = props.exposure ?? (props.ingress && ServiceExposure.ingress(props.ingress));
    if (exposure) {
      this.tlsSecretName = exposure._render(this, {
        name, namespace: this.namespace, labels, host: host.replace(/:\d+$/, ''),
        backends: [{ serviceName: name, portName: 'http', port: PORT, paths: ['/'] }],
        ingressAnnotations: CI_SERVER_INGRESS_ANNOTATIONS,
      });
      this.firewall.allow(exposure.proxyPeer, PORT);
    }
    if (props.metrics !== undefined) {
      // nothing in the server's pod changes: the token lives in Drone's database, set there by the admin who creates
      // the machine user, so turning metrics on rolls no pod
      checkMetrics('metrics', props.metrics, 'port 8080 serves the whole API and the web UI').forEach((scraper) => this.firewall.allow(scraper, PORT));
      if (props.metrics.token !== undefined && !(props.metrics.token instanceof SecretKey)) {
        // never shown: a JavaScript caller's string here may be the token itself
        invalidSecret('metrics.token', 'must be a SecretKey, e.g. Secret.fromSecretName(scope, id, name, { namespace }).key("token"): a token never appears as a plain string');
      }
      this.metricsToken = props.metrics.token ?? new Secret(this, 'MetricsToken', {
        name: `${name}-metrics-token`, namespace: this.namespace, values: { token: SecretValue.hex(32) },
      }).key('token');
      serviceMonitor(this, {
        prop: 'metrics', metrics: props.metrics, name, namespace: this.namespace, selector,
        port: 'http', path: '/metrics', bearerToken: this.metricsToken,
      });
    }
  }

  public grantConnect(peer: NetworkPeer): void {
    this.firewall.allow(peer, PORT);
  }

  /** @deprecated the port is plain HTTP, not only RPC: use `grantConnect`, which does the same */
  public grantRpc(peer: NetworkPeer): void {
    this.grantConnect(peer);
  }
}

/** Where Drone's pod mounts the database's CA bundle, when it has one. */
const DATABASE_CA_DIR = '/etc/drone/database-ca';

function accounts(prop: string, values: readonly string[], pattern: RegExp = ACCOUNT): string {
  checkUniqueList(prop, values, { of: 'git provider users or organisations' });
  values.forEach((v) => pattern.test(v) || invalid(prop, values, `${describeValue(v)} must be a git provider user or organisation`));
  return values.join(',');
}
