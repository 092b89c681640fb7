import { ciServerDowngrade } from '../ci/server-downgrade';
import { checkVersionChange } from '../core/version-changes';
import { Construct, IConstruct } from 'constructs';
import {
  checkRequiredObject, checkBoolean, checkGitAccount, checkHostname, checkOneOf, checkUniqueList, Image, Images, IngressOptions, INSTANCE_LABEL, invalid, NetworkPeer,
  Resources, Secret, SecretKey, SecretValue, ServiceExposure,
} from '../core';
import { recordCiAdmins } from '../core/ci-admins';
import { deployment } from '../core/deployment';
import { EnvVars } from '../core/env';
import { intOrString, kube } from '../core/k8s';
import { checkMetrics, MetricsOptions, serviceMonitor } from '../core/metrics';
import { PodFirewall } from '../core/network';
import { placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { serviceAccount } from '../core/rbac';
import { serviceHost } from '../core/service';
import { mountTrustBundle, TrustBundle } from '../core/trust-bundle';
import { GIT_PROVIDER_RULE, GitProvider } from '../ci/git-provider';
import { ServerProtocol } from '../ci/server-protocol';
import { warnSingleLabelHost } from '../ci/server-host';
import { sessionDuration } from '../ci/session-hours';
import { CI_SERVER_INGRESS_ANNOTATIONS } from '../ci/server-ingress';
import { IPostgresDatabase, POSTGRES_DATABASE_RULE } from '../postgres';
import { bindDatabase, DEFAULT_MAX_CONNECTIONS } from './datasource';
import { bindForge, forgeName } from './forge';

/** A Woodpecker server, as agents and other clients see it. */
export interface IWoodpeckerServer extends IConstruct {
  /** The namespace the server runs in. */
  readonly namespace: string;
  /** The public URL of the web UI (`WOODPECKER_HOST`). */
  readonly url: string;
  /** `host:port` of the server's gRPC port, for agents' `WOODPECKER_SERVER`. */
  readonly grpcAddress: string;
  /** The secret agents authenticate with (`WOODPECKER_AGENT_SECRET`). */
  readonly agentSecret: SecretKey;
  /** The server's pods, as a NetworkPolicy peer. */
  readonly peer: NetworkPeer;
  /**
   * Admit `peer` to the server's gRPC port, 9000, and to nothing else: for agents. The port hands out pipelines,
   * with their secrets, to whoever holds the agent secret, so no one else is admitted.
   */
  grantGrpc(peer: NetworkPeer): void;
  /**
   * Admit `peer` to the server's HTTP port, 8000, which serves the web UI, the API and webhooks: for in-cluster
   * clients. Build pods are not admitted: they clone from the git provider and reach Woodpecker, if at all, at its
   * public URL.
   */
  grantConnect(peer: NetworkPeer): void;
}

/**
 * The scheme users reach Woodpecker's web UI with: the name it had before both servers shared `ServerProtocol`, kept
 * for code written against it.
 *
 * @deprecated use ServerProtocol
 */
export const WoodpeckerProtocol = ServerProtocol;
/** @deprecated use ServerProtocol */
export type WoodpeckerProtocol = ServerProtocol;

/** The settings of a `WoodpeckerServer` that a `WoodpeckerCi` lets its caller override. */
export interface WoodpeckerServerOptions {
  /**
   * The name of the Deployment, Service and related objects.
   *
   * @default "woodpecker"
   */
  readonly name?: string;
  /**
   * The server image.
   *
   * A synth warns of an older release than the previous output ran, which starts over the schema the newer one
   * migrated (only a refused change needs `DOCKYARD_VERSION_CHANGE`); the agents must be of a release that speaks
   * the same gRPC protocol version: see the README, "Upgrading the components".
   *
   * @default WoodpeckerServer.IMAGE
   */
  readonly image?: Image;
  /**
   * Requests and limits of the server container.
   *
   * @default - 100m/128Mi requested, 1 CPU/512Mi limit
   */
  readonly resources?: Resources;
  /**
   * The secret agents authenticate with.
   *
   * @default - generated once: 64 random hex characters
   */
  readonly agentSecret?: SecretKey;
  /**
   * The key that signs the gRPC tokens agents hold. Fixed, so that a restarted server keeps its agents: without it
   * Woodpecker makes a new one on every start (`cmd/server/setup.go:133-139`).
   *
   * @default - generated once: 64 random hex characters
   */
  readonly grpcSecret?: SecretKey;
  /**
   * The most connections Woodpecker opens to its database (`WOODPECKER_DATABASE_MAX_CONNECTIONS`, Woodpecker's
   * default 100). At most the database's `connectionLimit`.
   *
   * @default - the database's `connectionLimit`, or 20 when it has none
   */
  readonly maxConnections?: number;
  /**
   * How long a login lasts, in hours (`WOODPECKER_SESSION_EXPIRES`). Woodpecker signs the expiry into the session
   * token at login (v3.17.0 `server/api/login.go:286-289`), 72 hours by default (`cmd/server/flags.go:231-236`); a
   * change applies to logins after the server restarts, and sessions already given keep their expiry.
   *
   * Shorter ends sooner the sessions of a person taken out of `orgs`, whom Woodpecker turns away at their next login
   * (`server/api/login.go:138-163`), at the cost of everyone logging in again as often. A personal token never
   * expires, though: to revoke a person, delete the account (`woodpecker-cli admin user rm <login>`), which ends both
   * (README, "Revoking a person's access").
   *
   * @default - Woodpecker's own, 72 hours (the variable is not set)
   */
  readonly sessionHours?: number;
  /**
   * The image that clones the repository in every pipeline (`WOODPECKER_DEFAULT_CLONE_PLUGIN`); relocated like the
   * server's own. Woodpecker trusts it with the git credentials (`cmd/server/setup.go:200-202`). For a forge a private
   * CA signs, give one built from `CLONE_IMAGE` with that CA in its system bundle: `trustBundle` reaches the server,
   * not the clone step (README, "A private CA for the git server, OIDC and upstream registries").
   *
   * @default WoodpeckerServer.CLONE_IMAGE
   */
  readonly cloneImage?: Image;
  /**
   * Prometheus metrics, served on a port of their own (9001, `/metrics`) that only `scrapers` reach. The web port's
   * own `/metrics` stays off: it answers 404 without `WOODPECKER_PROMETHEUS_AUTH_TOKEN`, and with one it would be
   * reachable through the Ingress, guarded by that token alone.
   *
   * @default - no metrics port: the server serves no metrics, and no pod reaches it but the web and gRPC clients
   */
  readonly metrics?: WoodpeckerMetricsOptions;
}

/**
 * Options of the Woodpecker server's Prometheus metrics. `serviceMonitor: true` renders a ServiceMonitor of the
 * Service's `metrics` port, which asks for no token.
 */
export interface WoodpeckerMetricsOptions extends MetricsOptions {
  /**
   * The Prometheus pods that scrape the server, e.g. `NetworkPeer.namespace('monitoring')`. Each is admitted to the
   * metrics port (9001) and to nothing else.
   */
  readonly scrapers: readonly NetworkPeer[];
}

/** What a `WoodpeckerServer` and a `WoodpeckerCi` are both given: who reaches the server, and who may use it. */
export interface WoodpeckerServerSettings {
  /**
   * The public host name of the web UI and webhooks, e.g. `ci.example.com`, optionally with `:port`. A single label
   * (`woodpecker`) is warned of: the forge's webhooks and OAuth callback go to it, and it resolves only through a
   * resolver's search domains.
   *
   * Woodpecker writes a repository's webhook URL once, on activation (v3.17.0 `server/api/repo.go:173-180`): after
   * changing the host, repair the repositories (Settings → Repositories, "Repair all") and delete their old hooks at
   * the forge, or pushes start no pipeline (README, "Changing the CI host").
   */
  readonly host: string;
  /**
   * The scheme of the public URL.
   *
   * @default ServerProtocol.HTTPS
   */
  readonly protocol?: ServerProtocol;
  /** The git provider (Woodpecker's forge) users log in with. */
  readonly gitProvider: GitProvider;
  /**
   * CA certificates the server trusts beyond the public ones, for a forge (its OAuth log-in, API calls and repository
   * hooks) whose certificate a private CA signs. Woodpecker v3.17.0's forge clients set no `RootCAs`, only
   * `InsecureSkipVerify` from `WOODPECKER_<FORGE>_SKIP_VERIFY` (server/forge/gitlab/gitlab.go:110-111,
   * server/forge/gitlab/helper.go:37-40, server/forge/gitea/gitea.go:108 and 597-602, server/forge/github/github.go:
   * 465-477 and 518-527), so they take Go's system roots, which `SSL_CERT_DIR` extends (see `TrustBundle`). Skipping verification
   * is never offered: it accepts any certificate.
   *
   * @default - the public roots of the image only
   */
  readonly trustBundle?: TrustBundle;
  /**
   * The PostgreSQL database Woodpecker stores its state in; it must exist (Woodpecker creates only its tables). Its
   * password may hold any character except those SASLprep would change, unless SASLprep refuses the password (a
   * synth refuses one it holds, `LIB_PQ_SCRAM_PASSWORD_RULE`): Woodpecker reads it from `PGPASSWORD`. Its
   * user and database name must be non-empty and hold no NUL or white space but " ", the rule Drone's database
   * needs, kept the same for both engines.
   */
  readonly database: IPostgresDatabase;
  /**
   * The namespace of the server (with `WoodpeckerCi`, of its agents too).
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Git provider logins that are admins (`WOODPECKER_ADMIN`); they may log in even with closed registration.
   * Admin rights stick: a login makes a user an admin when this list names them, and never takes it back
   * (woodpecker v3.17.0 `server/api/login.go:278`, `user.Admin = user.Admin || IsAdmin(...)`), so taking a login
   * off the list demotes nobody: demote the old admin in Settings → Users, or delete the account (README, "Revoking a
   * person's access"). The synth that drops a login from the list warns so, once.
   *
   * @default - none: make an admin in the database, or open registration
   */
  readonly admins?: readonly string[];
  /**
   * Only members of these organisations may log in (`WOODPECKER_ORGS`), admins included
   * (`server/api/login.go:138-163`). Woodpecker compares each, ignoring case, with what the forge lists for the user
   * (`server/services/permissions/orgs.go:24-47`): GitHub organisation logins, Gitea organisation names,
   * Bitbucket workspace slugs. For GitLab it is the groups, subgroups included, in which the user is at least
   * Developer, by their display name, never their path (`server/forge/gitlab/gitlab.go:190-210`): give the name
   * GitLab shows for the group (for the subgroup at `acme/platform`, e.g. `Platform`); a path with "/" can never
   * match and is refused. A name is not unique: any group of that name in which the user is Developer admits them,
   * so on GitLab `orgs` only narrows who may log in: with `open: true` it is refused, as any GitLab user could create
   * a group of a listed name and register.
   *
   * @default - no organisation filter
   */
  readonly orgs?: readonly string[];
  /**
   * Whether users may register themselves on first login (`WOODPECKER_OPEN`); otherwise only admins are created on
   * login (`server/api/login.go:189-195`) and admins add everyone else. `open: true` needs `orgs` or `repoOwners`:
   * with neither, any user of the forge could register and run pipelines of a repository of their own in the cluster.
   *
   * @default false
   */
  readonly open?: boolean;
  /**
   * Only repositories of these owners may be activated (`WOODPECKER_REPO_OWNERS`, woodpecker v3.17.0
   * `cmd/server/flags.go:165-172`, checked in `server/api/repo.go:113-116` on activation): otherwise any user may
   * activate a repository of any owner they administer, and its pipelines run on the pool agent in the cluster.
   * Each is compared, ignoring case, with the whole owner (`server/services/permissions/repo_owners.go:24-38`), which
   * on GitLab is the project's full namespace path (`server/forge/gitlab/convert.go:61-67`): `acme/platform` admits
   * the projects directly in that subgroup, and `acme` none of its subgroups' projects; list each subgroup. A
   * route, pipeline secret or pull secret (a team's too) that names another owner's repository is refused: it could
   * not be activated. A subgroup's projects are named by their whole path there (`acme/platform/api`).
   *
   * @default - repositories of any owner
   */
  readonly repoOwners?: readonly string[];
  /**
   * Whether pipelines of public repositories clone with the forge login too (`WOODPECKER_AUTHENTICATE_PUBLIC_REPOS`,
   * v3.17.0 `cmd/server/flags.go:178-182`). Woodpecker hands the clone step a netrc only for a repository the forge
   * calls private, or for every one with this set (`server/pipeline/items.go:137-144`); a forge whose every
   * repository needs a log-in to clone (GitHub Enterprise Server in private mode, Gitea or Forgejo with
   * `REQUIRE_SIGNIN_VIEW`, a GitLab behind a sign-in proxy) otherwise fails each public repository's clone with
   * `could not read Username`. With it, a public repository's pipelines, an approved fork's pull request too, get the
   * token of the user who activated it, as a private repository's do: the trusted clone plugin holds it, and any step
   * may run that plugin and leave the token in the workspace (README, "What a pull request can ask for"), so activate
   * such repositories as a machine account that may only read them.
   *
   * @default false
   */
  readonly authenticatePublicRepos?: boolean;
  /**
   * How users and git provider webhooks reach the server: `ServiceExposure.ingress(...)` or
   * `ServiceExposure.httpRoute(...)`, for `host` (without its port) and every path, to the Service's port 8000.
   * The server's NetworkPolicy admits the ingress controller's namespace or the Gateway's pods to port 8000 only;
   * the gRPC port stays for agents.
   *
   * @default - not exposed: route to the Service yourself
   */
  readonly exposure?: ServiceExposure;
  /**
   * Expose the web UI through an Ingress: the same as `exposure: ServiceExposure.ingress(ingress)`.
   *
   * @default - no Ingress
   */
  readonly ingress?: IngressOptions;
}

/** Props of a `WoodpeckerServer`. */
export interface WoodpeckerServerProps extends WoodpeckerServerOptions, WoodpeckerServerSettings {}

const HTTP_PORT = 8000;
const GRPC_PORT = 9000;
/** The metrics port, Woodpecker's Helm chart's (docs/docs/30-administration/05-installation/20-helm-chart.md: 9001, no authentication). */
const METRICS_PORT = 9001;

/**
 * A GitLab group's display name: a letter, digit, emoji or "_", then letters, digits, emoji, "_", ".", dashes, spaces
 * and parentheses (gitlab-org/gitlab `lib/gitlab/regex.rb` `group_name_regex`, Ruby's `\p{Alnum}` written as letters,
 * marks and decimal digits), at most 255 characters. No "/" and no ",", so a name is one item of `WOODPECKER_ORGS`.
 */
const GITLAB_GROUP_NAME = /^[\p{L}\p{M}\p{Nd}\u{00A9}-\u{1F9FF}_][\p{L}\p{M}\p{Nd}\p{Pd}\u{00A9}-\u{1F9FF}_(). ]*$/u;

/**
 * Check a `WOODPECKER_ORGS` entry for GitLab. Woodpecker v3.17.0 takes the user's groups from GitLab's group list
 * (`server/forge/gitlab/gitlab.go:190-197`: GitLab's `GET /groups` with `all_available=false` and
 * `min_access_level` Developer, which lists subgroups too, as `top_level_only` is not set) and
 * compares each group's `Name` (:202-210), lower-cased, with the lower-cased entries (`permissions/orgs.go:24-47`):
 * a path such as `acme/platform` never equals a name, which holds no "/". The entries are trimmed
 * (`cmd/server/flags.go:157-164`), so a name must not end in a space either.
 */
function checkGitLabGroupName(prop: string, value: string): void {
  if (typeof value === 'string' && value.includes('/')) {
    invalid(prop, value, 'must be a GitLab group\'s name as GitLab shows it, not its path: Woodpecker compares the names of the groups ' +
      'the user is at least Developer in, and a name holds no "/"');
  }
  if (typeof value !== 'string' || value.length > 255 || !GITLAB_GROUP_NAME.test(value) || value.endsWith(' ')) {
    invalid(prop, value, 'must be a GitLab group\'s name: a letter, digit, emoji or "_", then letters, digits, emoji, "_", ".", ' +
      'dashes, spaces and parentheses, not ending in a space; at most 255 characters');
  }
}

/**
 * The Woodpecker CI server: one replica of the rootless image, state in PostgreSQL, every credential from a Secret.
 *
 * Port 8000 serves the web UI, API and webhooks; port 9000 serves agents over gRPC (plain HTTP/2, so its Service
 * port says `appProtocol: kubernetes.io/h2c`) and admits only peers granted with `grantGrpc`. The replica count is
 * fixed at 1 with the Recreate strategy: the server keeps its queue in memory (`cmd/server/setup.go:109-114`).
 * The admin UI's version check, which fetches woodpecker-ci.org from admins' browsers, and agents registered by
 * users, which would bypass Dockyard's agents, are off.
 */
export class WoodpeckerServer extends Construct implements IWoodpeckerServer {
  /** The default image: the rootless server, which runs as UID/GID 1000 (`docker/Dockerfile.server.multiarch.rootless`). */
  public static readonly IMAGE = Image.of('docker.io/woodpeckerci/woodpecker-server:v3.17.0');
  /** The default clone image, Woodpecker v3.17.0's own default (`shared/constant/constant.go:30`), pinned here to be relocated. */
  public static readonly CLONE_IMAGE = Image.of('docker.io/woodpeckerci/plugin-git:2.9.2');
  /** The connection pool size when neither `maxConnections` nor the database's `connectionLimit` is set. */
  public static readonly DEFAULT_MAX_CONNECTIONS = DEFAULT_MAX_CONNECTIONS;

  /** The namespace the server runs in. */
  public readonly namespace: string;
  /** The public URL of the web UI. */
  public readonly url: string;
  /** `<service>.<namespace>.svc:9000`, for agents. */
  public readonly grpcAddress: string;
  /** The secret agents authenticate with. */
  public readonly agentSecret: SecretKey;
  /** The server's pods, as a NetworkPolicy peer. */
  public readonly peer: NetworkPeer;
  /** The Service's name. */
  public readonly serviceName: string;
  /** The TLS Secret of the Ingress, if it has one (never for an HTTPRoute: TLS terminates at the Gateway). */
  public readonly tlsSecretName?: string;
  /** The server's image, before relocation. */
  public readonly image: Image;
  /** The image every pipeline clones with (`WOODPECKER_DEFAULT_CLONE_PLUGIN`), before relocation. */
  public readonly cloneImage: Image;
  /** The owners whose repositories may be activated (`repoOwners`), or undefined for any owner. */
  public readonly repoOwners?: readonly string[];
  /** The forge's name, `github`, `gitlab`, `gitea` or `bitbucket`: it decides what a repository's name may hold. */
  public readonly forge: string;

  private readonly firewall: PodFirewall;
  /** The peers admitted to the gRPC port (`grantGrpc`), by their JSON, in the order granted. */
  private readonly grpcPeers = new Map<string, NetworkPeer>();
  /** The agents refused the gRPC port (`_refuseAgents`), read once the tree is complete. */
  private refusedAgents: () => readonly string[] = () => [];

  public constructor(scope: Construct, id: string, props: WoodpeckerServerProps) {
    super(scope, id);
    const image = props.image ?? WoodpeckerServer.IMAGE;
    const cloneImage = props.cloneImage ?? WoodpeckerServer.CLONE_IMAGE;
    this.cloneImage = cloneImage;
    this.image = image;
    const { name, namespace, labels, selector, peer } = placement(this, {
      app: 'woodpecker', component: 'server', name: props.name, defaultName: 'woodpecker', namespace: props.namespace, version: image.tag,
    });
    this.namespace = namespace;
    this.peer = peer;
    this.serviceName = name;
    this.grpcAddress = `${serviceHost(name, namespace)}:${GRPC_PORT}`;
    const host = checkHostname('host', props.host, { allowPort: true });
    checkRequiredObject('gitProvider', props.gitProvider, GIT_PROVIDER_RULE, GitProvider);
    checkRequiredObject('database', props.database, POSTGRES_DATABASE_RULE);
    // checked for JavaScript callers
    const protocol = checkOneOf('protocol', props.protocol ?? ServerProtocol.HTTPS, Object.values(ServerProtocol));
    this.url = `${protocol}://${host}`;
    // Woodpecker builds the forge's webhook target and OAuth callback from WOODPECKER_HOST alone (v3.17.0
    // cmd/server/setup.go:246-253: WebhookHost, no WOODPECKER_EXPERT_WEBHOOK_HOST being set, and OAuthHost are the
    // host; server/api/repo.go:173-177 `WebhookHost + "/api/hook?access_token=..."`; server/forge/github/github.go:501,
    // gitlab/gitlab.go:107, gitea/gitea.go:104, forgejo/forgejo.go:102, bitbucket/bitbucket.go:538
    // `OAuthHost + "/authorize"`): a single label is warned of as DroneServer's is
    warnSingleLabelHost(this, 'WoodpeckerServer', host, this.url, { hook: '/api/hook', login: '/authorize', example: 'woodpecker.example.com' });

    // only the keys not given: a generated value nobody reads would still sit in the secret state
    const missing: Record<string, SecretValue> = {
      ...(props.agentSecret ? {} : { 'agent-secret': SecretValue.hex(64) }),
      ...(props.grpcSecret ? {} : { 'grpc-secret': SecretValue.hex(64) }),
    };
    const generated = Object.keys(missing).length > 0 ? new Secret(this, 'Secrets', { name: `${name}-credentials`, namespace, values: missing }) : undefined;
    this.agentSecret = props.agentSecret ?? generated!.key('agent-secret');

    const env = new EnvVars(namespace);
    // cmd/server/flags.go:66-70, checked for "<scheme>://" at start (cmd/server/server.go:83-93)
    env.value('WOODPECKER_HOST', this.url);
    // cmd/server/flags.go:71-76 and :119-124, the defaults, pinned to the ports the Service targets
    env.value('WOODPECKER_SERVER_ADDR', `:${HTTP_PORT}`);
    env.value('WOODPECKER_GRPC_ADDR', `:${GRPC_PORT}`);
    env.secret('WOODPECKER_AGENT_SECRET', this.agentSecret);
    env.secret('WOODPECKER_GRPC_SECRET', props.grpcSecret ?? generated!.key('grpc-secret'));
    // No WOODPECKER_ENCRYPTION_*: v3.17.0 parses them (cmd/server/flags.go:663-685) but never builds the encryption
    // service (server/services/setup.go:57-64, "TODO(1544): fix encrypted store"), so pipeline secrets stay in clear
    // whatever is set, and such a key would be a value to back up that protects nothing (README, "Backing up the
    // databases"). Re-read setup.go on a new pin: wired again, a key encrypts data and must never rotate by accident.
    const database = bindDatabase(env, { scope: this, namespace, database: props.database, maxConnections: props.maxConnections });
    bindForge(env, props.gitProvider);
    const trust = mountTrustBundle(this, props.trustBundle, env, namespace, name);
    const forge = forgeName(props.gitProvider);
    this.forge = forge;
    if (props.admins !== undefined) {
      checkUniqueList('admins', props.admins).forEach((a) => checkGitAccount('admins', a, forge, 'user'));
      env.value('WOODPECKER_ADMIN', props.admins.join(','));
    }
    // the next synth warns of a login dropped from `admins`, as Woodpecker demotes nobody (see `admins`)
    recordCiAdmins(this, {
      engine: 'woodpecker', construct: 'WoodpeckerServer', server: `${namespace}/${name}`, logins: props.admins ?? [],
      demote: (login) => 'Woodpecker keeps every admin it made (WOODPECKER_ADMIN grants at each login and never revokes, v3.17.0 ' +
        'server/api/login.go:278): as a Woodpecker admin, demote them in Settings, Users, or remove the account, its sessions and its ' +
        `personal token with woodpecker-cli admin user rm ${login} (README, "Revoking a person's access")`,
      url: this.url,
      rehook: (previous) => `the forge's webhooks of the repositories activated before still call ${previous}/api/hook (Woodpecker writes ` +
        'a repository\'s hook once, at activation: v3.17.0 server/api/repo.go:173-180): as a Woodpecker admin, repair them in Settings, ' +
        `Repositories, "Repair all", delete the old hooks at the forge, and set the OAuth app's callback to ${this.url}/authorize ` +
        '(README, "Changing the CI host")',
    });
    if (props.orgs !== undefined) {
      checkUniqueList('orgs', props.orgs).forEach((o) => (forge === 'gitlab' ? checkGitLabGroupName('orgs', o) : checkGitAccount('orgs', o, forge, 'organization')));
      if (forge === 'gitlab' && props.open === true) {
        invalid('orgs', props.orgs, 'must be unset when open is true with a GitLab provider: Woodpecker compares the display names of the ' +
          'user\'s GitLab groups, which their owners choose, so any GitLab user who names a group after an entry would register; keep ' +
          'open false and add users as an admin');
      }
      env.value('WOODPECKER_ORGS', props.orgs.join(','));
    }
    env.value('WOODPECKER_OPEN', String(checkBoolean('open', props.open ?? false)));
    // rendered only when true: false is upstream's default, and a server without it renders as before
    if (checkBoolean('authenticatePublicRepos', props.authenticatePublicRepos ?? false)) {
      env.value('WOODPECKER_AUTHENTICATE_PUBLIC_REPOS', 'true');
    }
    if (props.sessionHours !== undefined) {
      env.value('WOODPECKER_SESSION_EXPIRES', sessionDuration('sessionHours', props.sessionHours));
    }
    if (props.repoOwners !== undefined) {
      checkUniqueList('repoOwners', props.repoOwners).forEach((o) => {
        // repo_owners.go compares whole owners: a wildcard is a character like any other there, and matches no owner
        if (typeof o === 'string' && /[*?]/.test(o)) {
          invalid('repoOwners', o, 'must name an owner exactly, without wildcards: Woodpecker compares it with a repository\'s whole owner; ' +
            'list each GitLab subgroup whose projects may be activated (e.g. "acme/platform")');
        }
        checkGitAccount('repoOwners', o, forge, 'organization');
      });
      env.value('WOODPECKER_REPO_OWNERS', props.repoOwners.join(','));
      this.repoOwners = [...props.repoOwners];
    }
    // open registration without an organisation filter registers any user of the forge (woodpecker v3.17.0
    // server/api/login.go:140,191), and without repoOwners such a user may activate any repository they administer
    // (server/api/repo.go:109-116), their own on github.com included, whose pipelines then run on the pool agent
    if (props.open === true && props.orgs === undefined && props.repoOwners === undefined) {
      invalid('open', true, 'must come with orgs or repoOwners: with neither, any user of the forge may register and activate a ' +
        'repository of their own, whose pipelines then run in the cluster; name who may register (orgs) or whose repositories may be ' +
        'activated (repoOwners), or keep open false and add users as an admin');
    }
    // cmd/server/flags.go:413-417: the admin UI otherwise fetches https://woodpecker-ci.org/version.json
    // (web/src/compositions/useVersion.ts:24,47)
    env.value('WOODPECKER_DISABLE_VERSION_CHECK', 'true');
    // cmd/server/flags.go:290-294: agents registered by users with their own tokens
    env.value('WOODPECKER_DISABLE_USER_AGENT_REGISTRATION', 'true');
    // cmd/server/flags.go:204-210; setup.go:200-202 adds it to the plugins trusted with git credentials, so a
    // relocated reference clones private repositories too
    env.image('WOODPECKER_DEFAULT_CLONE_PLUGIN', this, cloneImage);
    const scrapers = props.metrics === undefined ? [] : checkMetrics('metrics', props.metrics);
    if (scrapers.length > 0) {
      // cmd/server/flags.go:137-141 and server.go:301-325: a second HTTP server with GET /metrics alone, no token
      env.value('WOODPECKER_METRICS_SERVER_ADDR', `:${METRICS_PORT}`);
    }
    const metricsPorts: Record<string, number> = scrapers.length > 0 ? { metrics: METRICS_PORT } : {};

    // an older server starts over the schema a newer one migrated: warned of at synth against the previous output
    checkVersionChange(this, {
      kind: 'Deployment', namespace: namespace, name, container: 'server', prop: 'image', image, warnOnly: true,
      check: (before, after) => ciServerDowngrade('Woodpecker', props.database.databaseName, before, after),
    });
    serviceAccount(this, 'ServiceAccount', { name, namespace, labels });
    deployment(this, 'Resource', {
      name, namespace, labels, selector, recreate: true,
      // the image pipelines clone with, for image lists and mirroring
      annotations: Images.annotation(this, [cloneImage]),
      serviceAccountName: name,
      // the rootless image's user (docker/Dockerfile.server.multiarch.rootless:3-4,24)
      runAs: { user: 1000, group: 1000 },
      containers: [{
        name: 'server',
        image,
        ports: { http: HTTP_PORT, grpc: GRPC_PORT, ...metricsPorts },
        env,
        // nothing else is writable: with PostgreSQL and the database log store the server writes no file (its only
        // writes are the file log store and the sqlite database, server/services/log/file/file.go:46 and
        // cmd/server/setup.go:72-76), so the read-only root needs no volume
        mounts: database.mounts.length + trust.mounts.length > 0 ? [...database.mounts, ...trust.mounts] : undefined,
        // it listens only after its store is set up: up to 10 connection tries with exponential backoff, then the
        // xorm migrations (cmd/server/server.go:101-111, setup.go:93, flags.go:60-65), each rolled back if it fails
        // (server/store/datastore/migration/migration.go:28-29), so a kill mid-way starts it over: 600 s, not 150,
        // for an upgrade's migrations over a large pipelines table. Ready on /healthz, 204 once the database answers
        // a ping (server/router/router.go:69, server/api/z.go:37-43); alive on /version, which touches no database
        // (router.go:68, z.go:53-58): a database down a minute would otherwise restart the server, which then tries
        // the database 10 times and exits, into a crash-loop backoff that outlasts the outage
        // WOODPECKER_MIGRATIONS_ALLOW_LONG stays unset (false, cmd/server/flags.go:403-407): without it xormigrate
        // v1.7.1 skips a migration marked Long and goes on (xormigrate.go:153-156), it does not refuse to start. v3.17.0
        // has one, convert-to-new-pipeline-error-format (migration/005_...go:25-27), which rewrites the errors of
        // pipelines from before v2.0 and which a new database records as done without running it (migration.go:103-110;
        // xormigrate.go:301-305); allowed, it may run for hours (docs/src/pages/migrations.md:285), past this budget,
        // and it is recorded as done only once it ends (xormigrate.go:323-336), so a kill starts it over
        probes: probesOf(httpGet('/version', 'http'), 600, httpGet('/healthz', 'http')),
        resources: props.resources ?? Resources.of({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
        goMemoryLimit: true,
      }],
      volumes: database.volumes.length + trust.volumes.length > 0 ? [...database.volumes, ...trust.volumes] : undefined,
    });
    kube(this, 'Service', 'Service', {
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'http', port: HTTP_PORT, targetPort: intOrString('http'), protocol: 'TCP' },
          // gRPC over cleartext HTTP/2, for proxies and meshes that would otherwise speak HTTP/1.1 to it
          // (woodpecker-ci/helm#473)
          { name: 'grpc', port: GRPC_PORT, targetPort: intOrString('grpc'), protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
          ...Object.entries(metricsPorts).map(([portName, port]) => ({ name: portName, port, targetPort: intOrString(portName), protocol: 'TCP' })),
        ],
      },
    });

    this.firewall = new PodFirewall(this, 'NetworkPolicy', { name, namespace, podLabels: selector });
    scrapers.forEach((scraper) => this.firewall.allow(scraper, METRICS_PORT));
    if (props.metrics) {
      // the server's Service alone (its selector names the server component, not the agents'), on the port of the
      // metrics server, which serves GET /metrics without a token (cmd/server/server.go:301-304)
      serviceMonitor(this, { prop: 'metrics', metrics: props.metrics, name, namespace, selector, port: 'metrics', path: '/metrics' });
    }
    props.database.grantConnect(this.peer);
    if (props.exposure && props.ingress) {
      invalid('ingress', props.ingress, 'must not be set together with exposure: use exposure alone');
    }
    const exposure = props.exposure ?? (props.ingress && ServiceExposure.ingress(props.ingress));
    if (exposure) {
      this.tlsSecretName = exposure._render(this, {
        name, namespace, labels, host: host.replace(/:\d+$/, ''),
        backends: [{ serviceName: name, portName: 'http', port: HTTP_PORT, paths: ['/'] }],
        ingressAnnotations: CI_SERVER_INGRESS_ANNOTATIONS,
      });
      this.firewall.allow(exposure.proxyPeer, HTTP_PORT);
    }
    // the refused agents are known once every route is added: validations run before any object is resolved
    this.node.addValidation({ validate: () => { this.refuseLate(); return []; } });
  }

  public grantGrpc(peer: NetworkPeer): void {
    this.firewall.allow(peer, GRPC_PORT);
    this.grpcPeers.set(peer._json(), peer);
  }

  /**
   * Refuse the gRPC port to the agent pods whose `app.kubernetes.io/instance` label (every Dockyard workload's, the
   * agent's StatefulSet name) is one of `names()`, read at synth, in every rule `grantGrpc` made: each rule excludes
   * them within its own peer, since rules add up and another rule would admit them anyway. For agents left in the
   * cluster after their code went (`WoodpeckerCi.closeRoute`): their pods carry the label already, so nothing rolls.
   *
   * @internal
   */
  public _refuseAgents(names: () => readonly string[]): void {
    this.refusedAgents = names;
  }

  private refuseLate(): void {
    const names = this.refusedAgents();
    // read once: a second validation pass would find the rules replaced already
    this.refusedAgents = () => [];
    if (names.length === 0) {
      return;
    }
    for (const peer of this.grpcPeers.values()) {
      // addresses are not pods: an ipBlock's rule stays as granted
      if (peer._toKube().ipBlock !== undefined) {
        continue;
      }
      this.firewall._replaceFrom(peer, peer._excludingPods(INSTANCE_LABEL, names), GRPC_PORT);
    }
  }

  public grantConnect(peer: NetworkPeer): void {
    this.firewall.allow(peer, HTTP_PORT);
  }
}
