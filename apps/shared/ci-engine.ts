import { Construct } from 'constructs';
import {
  BuildEgressProps, CiEngineKind, checkOneOf, DroneCi, DroneKubeRunner, DroneLogStorage, DroneSecretsExtension, DroneServer, ICiEngine, IngressOptions,
  IPostgresDatabase, TrustBundle, ISecret, WoodpeckerCi,
} from '../../lib';
import { checkCloneUser, cloneLogin } from './clone-login';
import { droneFilters, GitProviderKind, gitProviderOf } from './git-provider';

/** The engines a stack can be synthesized with (`DOCKYARD_CI`, the Pulumi config key `ciEngine`). */
export const CI_ENGINES: readonly CiEngineKind[] = Object.values(CiEngineKind);

/** `value` as a CI engine, or a one-line error naming `prop`. */
export function checkCiEngine(prop: string, value: string): CiEngineKind {
  return checkOneOf(prop, value, CI_ENGINES);
}

/** What the stacks derive from the engine choice, each fact in one place. */
export interface CiEngineFacts {
  /** The engine's name in prose and in construct IDs, e.g. `Drone`. */
  readonly title: string;
  /** The engine's database; on a managed server (DigitalOcean), its user too. */
  readonly databaseName: string;
  /** The Secret that holds the OAuth client secret: each engine's OAuth app has its own callback. */
  readonly oauthSecretName: string;
  /** The OAuth callback path to register with the git provider. */
  readonly oauthCallbackPath: string;
}

// a Record over the enum: a new engine fails to compile until it has every fact
const CI_ENGINE_FACTS: Readonly<Record<CiEngineKind, CiEngineFacts>> = {
  // harness v2.28.2 handler/web/web.go:115 handles /login
  [CiEngineKind.DRONE]: { title: 'Drone', databaseName: 'drone', oauthSecretName: 'drone-oauth', oauthCallbackPath: '/login' },
  // woodpecker v3.17.0 server/router/router.go:61 groups the OAuth flow under /authorize
  [CiEngineKind.WOODPECKER]: {
    title: 'Woodpecker', databaseName: 'woodpecker', oauthSecretName: 'woodpecker-oauth', oauthCallbackPath: '/authorize',
  },
};

/** The facts of `engine`: its title, database, OAuth Secret and callback. */
export function ciEngineFacts(engine: CiEngineKind): CiEngineFacts {
  return CI_ENGINE_FACTS[engine];
}

/** What every stack's CI engine is built from. */
export interface CiEngineSettings {
  /** Which engine. */
  readonly engine: CiEngineKind;
  /** The public host name of the CI server. */
  readonly host: string;
  /** The git provider. */
  readonly gitProvider: GitProviderKind;
  /**
   * The git provider's base URL, for self-hosted providers.
   *
   * @default - the public service
   */
  readonly gitServer?: string;
  /** The OAuth client ID. */
  readonly gitClientId: string;
  /** The OAuth client secret's Secret (key `client-secret`). */
  readonly oauth: ISecret;
  /** The organisation whose members may log in. */
  readonly organization: string;
  /** The first admin. */
  readonly admin: string;
  /** The engine's database, by the name it is created under (`ciEngineFacts(engine).databaseName`). */
  readonly database: (name: string) => IPostgresDatabase;
  /** The Ingress. */
  readonly ingress: IngressOptions;
  /** The default build namespace. */
  readonly buildNamespace: string;
  /**
   * Further build namespaces.
   *
   * @default - none
   */
  readonly extraBuildNamespaces?: string[];
  /**
   * The setting the organisation is reported under in errors, e.g. `DOCKYARD_ORG`.
   *
   * @default "organization"
   */
  readonly organizationProp?: string;
  /**
   * The build pods' egress: the Drone runner's, or Woodpecker's.
   *
   * @default - the defaults: DNS and the internet without the cluster's private ranges
   */
  readonly buildEgress?: BuildEgressProps;
  /**
   * Where the Drone server keeps build logs (`DroneServerProps.logStorage`); Drone only.
   *
   * @default DroneLogStorage.database()
   */
  readonly droneLogStorage?: DroneLogStorage;
  /**
   * The CA certificates the CI server trusts beside the public ones, for a git provider a private CA signs.
   *
   * @default - none
   */
  readonly trustBundle?: TrustBundle;
  /**
   * The user of Drone's clone login (`DroneServerProps.cloneLogin`), whose token is the secret input
   * `DOCKYARD_CLONE_TOKEN` (`cloneLogin`); refused with Woodpecker (`checkCloneUser`).
   *
   * @default - none: each private repository's builds hold its activating user's OAuth token
   */
  readonly cloneUser?: string;
  /**
   * The settings `cloneUser` and `engine` are reported under, e.g. `DOCKYARD_CLONE_USER` and `DOCKYARD_CI`.
   *
   * @default - "cloneUser" and "ciEngine", the DigitalOcean program's keys
   */
  readonly cloneUserProps?: { readonly user: string; readonly engine: string };
  /**
   * Whether public repositories' builds clone with the forge login too (`authenticatePublicRepos` of either server).
   * Drone refuses it without a clone user: its builds would otherwise hold the activating user's OAuth token.
   *
   * @default false
   */
  readonly authenticatePublicRepos?: boolean;
}

/** The stack's CI engine, with the same settings whichever engine it is. */
export function ciEngine(scope: Construct, settings: CiEngineSettings): ICiEngine {
  const gitProvider = gitProviderOf(settings.gitProvider, {
    clientId: settings.gitClientId, clientSecret: settings.oauth.key('client-secret'), server: settings.gitServer,
  });
  const database = settings.database(ciEngineFacts(settings.engine).databaseName);
  // On GitLab, group membership gates no log-in: go-scm names a group by its last path segment (Drone: a subgroup
  // `mallory/acme` passes the filter `acme`) and Woodpecker compares groups' display names, which anyone chooses
  // (v3.17.0 server/forge/gitlab/gitlab.go:202-210), so any GitLab user could register. Registration stays closed
  // there: the admin adds users (README, "CI engines"); the repository filter still limits what may be activated.
  const groupGatesLogin = settings.gitProvider !== GitProviderKind.GITLAB;
  const cloneUser = settings.cloneUser === undefined ? undefined : checkCloneUser(settings.cloneUserProps?.user ?? 'cloneUser', settings.cloneUser,
    settings.cloneUserProps?.engine ?? 'ciEngine', settings.engine);
  if (settings.engine === CiEngineKind.DRONE) {
    const filters = droneFilters(settings.organization, settings.admin, settings.organizationProp);
    const server = new DroneServer(scope, 'Drone', {
      host: settings.host,
      gitProvider,
      database,
      ...(groupGatesLogin ? filters : { repositoryFilter: filters.repositoryFilter }),
      admin: settings.admin,
      ingress: settings.ingress,
      trustBundle: settings.trustBundle,
      authenticatePublicRepos: settings.authenticatePublicRepos,
      // kept for this user at this forge: another forge with the kept token would fail every clone
      ...(cloneUser === undefined ? {} : { cloneLogin: cloneLogin(scope, cloneUser, settings.gitServer ?? settings.gitProvider) }),
      ...(settings.droneLogStorage ? { logStorage: settings.droneLogStorage } : {}),
    });
    const secretsExtension = new DroneSecretsExtension(scope, 'SecretsExtension');
    const runner = new DroneKubeRunner(scope, 'Runner', {
      server, secretsExtension, buildNamespace: settings.buildNamespace, extraBuildNamespaces: settings.extraBuildNamespaces,
      buildEgress: settings.buildEgress,
    });
    return new DroneCi(scope, 'Ci', { server, runner, secretsExtension });
  }
  return new WoodpeckerCi(scope, 'Woodpecker', {
    host: settings.host,
    gitProvider,
    database,
    ...woodpeckerAccess(settings.organization, settings.admin, settings.gitProvider),
    ingress: settings.ingress,
    trustBundle: settings.trustBundle,
    authenticatePublicRepos: settings.authenticatePublicRepos,
    buildNamespace: settings.buildNamespace,
    extraBuildNamespaces: settings.extraBuildNamespaces,
    buildEgress: settings.buildEgress,
  });
}

/**
 * Who may log in to Woodpecker and whose repositories it builds, as Drone's filters allow (`droneFilters`).
 *
 * - An organisation: members register themselves on first login (`WOODPECKER_OPEN`), and only members
 *   (`WOODPECKER_ORGS`, checked before anything else, admins included: woodpecker v3.17.0 `server/api/login.go:138-163`);
 *   the admin must be a member too.
 * - A personal account (the admin itself): registration stays closed and only the admin, whom `WOODPECKER_ADMIN` lets
 *   register (`login.go:189-195`), logs in; an organisation filter would refuse everyone, as a user is no organisation.
 * - On GitLab, registration stays closed without an organisation filter, as groups gate no log-in there (`ciEngine`):
 *   the admin adds users.
 *
 * Either way only the organisation's (or the account's) repositories may be activated (`WOODPECKER_REPO_OWNERS`). On
 * GitLab that is the whole namespace path, compared with the project's (`server/forge/gitlab/convert.go:61-67`,
 * `server/services/permissions/repo_owners.go:36-38`): a nested group such as `acme/platform` admits exactly the
 * projects directly in it, and no path can pass for another, so it is taken as it is; the projects of its subgroups
 * are refused. The stacks' grants name its projects by their whole path (`acme/platform/demo`).
 */
export function woodpeckerAccess(organization: string, admin: string, gitProvider: GitProviderKind): { open: boolean; orgs?: string[]; admins: string[]; repoOwners: string[] } {
  if (gitProvider === GitProviderKind.GITLAB || organization.toLowerCase() === admin.toLowerCase()) {
    return { open: false, admins: [admin], repoOwners: [organization] };
  }
  return { open: true, orgs: [organization], admins: [admin], repoOwners: [organization] };
}
