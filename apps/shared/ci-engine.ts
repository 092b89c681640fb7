import { Construct } from 'constructs';
import {
  CiEngineKind, checkOneOf, DroneCi, DroneKubeRunner, DroneSecretsExtension, DroneServer, ICiEngine, IngressOptions, IPostgresDatabase, ISecret,
  WoodpeckerCi,
} from '../../lib';
import { droneFilters, GitProviderKind, gitProviderOf } from './git-provider';

/** The engines a stack can be synthesized with (`DOCKYARD_CI`, the Pulumi config key `ciEngine`). */
export const CI_ENGINES: readonly CiEngineKind[] = Object.values(CiEngineKind);

/** `value` as a CI engine, or a one-line error naming `prop`. */
export function checkCiEngine(prop: string, value: string): CiEngineKind {
  return checkOneOf(prop, value, CI_ENGINES);
}

/** The name of the Secret that holds the OAuth client secret, per engine: each engine's OAuth app has its own callback. */
export function oauthSecretName(engine: CiEngineKind): string {
  return engine === CiEngineKind.DRONE ? 'drone-oauth' : 'woodpecker-oauth';
}

/** The OAuth callback path to register with the git provider, per engine. */
export function oauthCallbackPath(engine: CiEngineKind): string {
  // Drone: harness v2.28.2 handler/web/web.go:115 handles /login; Woodpecker v3.17.0 server/router/router.go:61 /authorize
  return engine === CiEngineKind.DRONE ? '/login' : '/authorize';
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
  /** The engine's database, by the name it is created under. */
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
}

/** The stack's CI engine, with the same settings whichever engine it is. */
export function ciEngine(scope: Construct, settings: CiEngineSettings): ICiEngine {
  const gitProvider = gitProviderOf(settings.gitProvider, {
    clientId: settings.gitClientId, clientSecret: settings.oauth.key('client-secret'), server: settings.gitServer,
  });
  if (settings.engine === CiEngineKind.DRONE) {
    const server = new DroneServer(scope, 'Drone', {
      host: settings.host,
      gitProvider,
      database: settings.database('drone'),
      ...droneFilters(settings.organization, settings.admin, settings.organizationProp),
      admin: settings.admin,
      ingress: settings.ingress,
    });
    const secretsExtension = new DroneSecretsExtension(scope, 'SecretsExtension');
    const runner = new DroneKubeRunner(scope, 'Runner', {
      server, secretsExtension, buildNamespace: settings.buildNamespace, extraBuildNamespaces: settings.extraBuildNamespaces,
    });
    return new DroneCi(scope, 'Ci', { server, runner, secretsExtension });
  }
  return new WoodpeckerCi(scope, 'Woodpecker', {
    host: settings.host,
    gitProvider,
    database: settings.database('woodpecker'),
    ...woodpeckerAccess(settings.organization, settings.admin),
    ingress: settings.ingress,
    buildNamespace: settings.buildNamespace,
    extraBuildNamespaces: settings.extraBuildNamespaces,
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
 *
 * Either way only the organisation's (or the account's) repositories may be activated (`WOODPECKER_REPO_OWNERS`).
 */
export function woodpeckerAccess(organization: string, admin: string): { open: boolean; orgs?: string[]; admins: string[]; repoOwners: string[] } {
  if (organization.toLowerCase() === admin.toLowerCase()) {
    return { open: false, admins: [admin], repoOwners: [organization] };
  }
  return { open: true, orgs: [organization], admins: [admin], repoOwners: [organization] };
}
