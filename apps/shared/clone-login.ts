import { Construct } from 'constructs';
import {
  CiEngineKind, checkDroneCloneUser, DRONE_CLONE_USER_RULE, DroneCloneLogin, droneAuthPublicReposRule, invalid, invalidUserName, Secret, SecretValue,
} from '../../lib';

/**
 * The secret input of the clone login's token: the default stack's variable, which the DigitalOcean program supplies
 * from its secret `cloneToken`, so that one key record names it alike in both.
 */
export const CLONE_TOKEN_INPUT = 'DOCKYARD_CLONE_TOKEN';

/** The Secret, in the Drone server's namespace, that holds the clone login's token (key `token`). */
export const CLONE_LOGIN_SECRET = 'drone-clone-login';

/**
 * Why a clone login is refused on Woodpecker: it has no server-wide login to clone with. Its compiler gives the forge
 * login of a private repository (`CI_NETRC_*`, the activating user's token) to the clone step and to any step that runs
 * a trusted clone plugin (woodpecker v3.17.0 `pipeline/frontend/yaml/compiler/compiler.go:192-195,252-255`), and a
 * pipeline's own step can run that plugin so that it leaves the token in the workspace (woodpecker-ci/plugin-git
 * 2.9.2 `plugin.go:47,84-138`): README, "What a pull request can ask for". Refused rather than ignored: the setting
 * would otherwise look as if it took the activating user's token out of the builds.
 */
const WOODPECKER_HAS_NONE = 'Woodpecker has no server-wide clone login: it clones a private repository with the token of the user who ' +
  'activated it, which every pipeline of the repository can take; activate such repositories as a machine account';

/** What a clone user may be, naming the setting of the CI engine (`DOCKYARD_CI`, `ciEngine`). */
export function cloneUserRule(engineSetting: string): string {
  return `${DRONE_CLONE_USER_RULE}, and only with ${engineSetting} drone (${WOODPECKER_HAS_NONE})`;
}

/**
 * Check the user of Drone's clone login (`DroneServerProps.cloneLogin`), refused naming `setting` (the variable or
 * config key): with any engine but Drone, and unless a netrc login without ":" (`checkDroneCloneUser`, which shows
 * no part after a ":", most often a pasted token).
 */
export function checkCloneUser(setting: string, user: string, engineSetting: string, engine: CiEngineKind): string {
  const rule = cloneUserRule(engineSetting);
  if (engine !== CiEngineKind.DRONE) {
    invalidUserName(setting, user, `${engineSetting} is ${engine}; must be ${rule}`);
  }
  return checkDroneCloneUser(setting, user, rule);
}

/**
 * Refuse a stack's setting for public repositories' logins (`DOCKYARD_GIT_AUTH_PUBLIC_REPOS`, `gitAuthPublicRepos`)
 * on Drone without a clone user, naming the stack's settings, as `DroneServer` would refuse it naming its props
 * (`droneAuthPublicReposRule`). Woodpecker keeps it: forks' pull requests wait for approval there (README,
 * "Self-hosted forges").
 */
export function checkGitAuthPublicRepos(names: { readonly setting: string; readonly user: string; readonly engine: string },
  given: { readonly authenticate: boolean; readonly user: boolean; readonly engine: CiEngineKind }): void {
  if (given.authenticate && given.engine === CiEngineKind.DRONE && !given.user) {
    invalid(names.setting, 'true', `must be false with ${names.engine} drone unless ${names.user} is set: ${droneAuthPublicReposRule(names.user)}`);
  }
}

/** The names a stack gives the clone login's settings, and its words for removing the token. */
export interface CloneLoginSettingNames {
  /** The token's setting, e.g. `DOCKYARD_CLONE_TOKEN` or `cloneToken`. */
  readonly token: string;
  /** The user's setting. */
  readonly user: string;
  /** How the token is removed there, naming it, e.g. `unset DOCKYARD_CLONE_TOKEN` or `pulumi config rm cloneToken`. */
  readonly removeToken: string;
  /** The CI engine's setting, e.g. `DOCKYARD_CI` or `ciEngine`. */
  readonly engine: string;
}

/**
 * The warning for a clone token given without its user, which nothing reads (private repositories' builds keep
 * cloning with the activating user's OAuth token), or undefined when there is none to give: both stacks say it in one
 * text, with their own setting names. With an engine other than Drone the user would be refused (`checkCloneUser`),
 * so the warning does not ask for it.
 */
export function unreadCloneTokenWarning(names: CloneLoginSettingNames,
  given: { readonly token: boolean; readonly user: boolean; readonly engine: CiEngineKind }): string | undefined {
  if (!given.token || given.user) {
    return undefined;
  }
  if (given.engine !== CiEngineKind.DRONE) {
    return `${names.token} is set but ${names.engine} is ${given.engine}, so nothing reads it (${WOODPECKER_HAS_NONE}); ${names.removeToken}`;
  }
  return `${names.token} is set but ${names.user} is not, so nothing reads it: Drone's builds of private repositories keep the OAuth token of ` +
    `the user who activated each one; set ${names.user} to clone as that login, or ${names.removeToken}`;
}

/**
 * Drone's clone login (`DroneServerProps.cloneLogin`): `user` and its token, the secret input `DOCKYARD_CLONE_TOKEN`
 * in the Secret `drone-clone-login` of the chart's namespace (the Drone server's), kept in the local secret state for
 * this user at this forge only, as the mirror's password and the Docker Hub token are: another user or forge with
 * the kept token would fail every clone of a private repository.
 */
export function cloneLogin(chart: Construct, user: string, forge: string): DroneCloneLogin {
  const secret = new Secret(chart, 'CloneLogin', {
    name: CLONE_LOGIN_SECRET,
    values: {
      token: SecretValue.input(CLONE_TOKEN_INPUT, `the read-only forge token of ${user}, which Drone clones private repositories with`)
        .belongingTo(`${user} at ${forge}`),
    },
  });
  return { username: user, password: secret.key('token') };
}
