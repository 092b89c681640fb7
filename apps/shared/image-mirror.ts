import { invalidUserName } from '../../lib';
import { USER_NAME } from '../../lib/registry/user-name';

/** What a mirror's user name may be, as both stacks' refusals say. */
export const MIRROR_USER_RULE = 'a user name of at most 255 characters without ":", whitespace or control characters';

/**
 * Check a mirror's user name, refused naming `setting` (the variable or config key). The name goes into a docker
 * config's `auth` as `<user>:<password>`, which the kubelet splits at the first ":" (kubernetes
 * pkg/credentialprovider/config.go), so a ":" in it would move part of the name into the password: the library's
 * one registry user name rule (`USER_NAME`, lib/registry/user-name.ts, which `RegistryCredential` and Harbor's
 * registry endpoints check again), here at most 255 characters too.
 */
export function checkMirrorUserName(setting: string, user: string, allowed: string = MIRROR_USER_RULE): string {
  if (!USER_NAME.test(user) || user.length > 255) {
    invalidUserName(setting, user, `must be ${allowed}`);
  }
  return user;
}

/** The registry host (with its port) of a mirror `host[:port][/path]`: the key of its login in a docker config. */
export function mirrorHost(mirror: string): string {
  return mirror.replace(/\/.*$/, '');
}

/** What a Docker Hub user name of Harbor's proxy cache may be, naming the setting that turns the proxy cache off. */
export function dockerHubUserRule(mirrorSetting: string): string {
  return `${MIRROR_USER_RULE}, and only without ${mirrorSetting} (which leaves Harbor no Docker Hub proxy cache)`;
}

/**
 * Check the Docker Hub user of Harbor's proxy cache, refused naming `setting`: as a mirror user (it goes into
 * Harbor's registry endpoint as its basic-auth user), and refused with a mirror (`mirrorSetting` set), which leaves
 * Harbor no Docker Hub proxy cache, so that nothing would read the login.
 */
export function checkDockerHubUser(setting: string, user: string, mirrorSetting: string, mirror: string | undefined): string {
  const rule = dockerHubUserRule(mirrorSetting);
  if (mirror !== undefined) {
    invalidUserName(setting, user, `${mirrorSetting} is set, so Harbor has no Docker Hub proxy cache to log in; must be ${rule}`);
  }
  return checkMirrorUserName(setting, user, rule);
}

/** The names a stack gives the Docker Hub login's settings and the mirror's, and its words for removing the token. */
export interface DockerHubSettingNames {
  /** The token's setting, e.g. `DOCKYARD_DOCKERHUB_TOKEN` or `dockerHubToken`. */
  readonly token: string;
  /** The user's setting. */
  readonly user: string;
  /** The image mirror's setting. */
  readonly mirror: string;
  /** How the token is removed there, e.g. `unset DOCKYARD_DOCKERHUB_TOKEN` or `pulumi config rm dockerHubToken`. */
  readonly removeToken: string;
}

/**
 * The warning for a Docker Hub token given without its user, which nothing reads (Harbor pulls Docker Hub
 * anonymously), or undefined when there is none to give: the default stack's variables and the DigitalOcean program's
 * config say it in one text, each with its own setting names. With a mirror Harbor has no Docker Hub proxy cache and
 * the user would be refused (`checkDockerHubUser`), so the line then asks only to remove the token.
 */
export function unreadDockerHubTokenWarning(names: DockerHubSettingNames, given: { readonly token: boolean; readonly user: boolean; readonly mirror: boolean }): string | undefined {
  if (!given.token || given.user) {
    return undefined;
  }
  return given.mirror
    ? `${names.token} is set but ${names.mirror} leaves Harbor no Docker Hub proxy cache, so nothing reads it; ${names.removeToken}`
    : `${names.token} is set but ${names.user} is not, so nothing reads it: Harbor pulls Docker Hub anonymously; set ${names.user} to log in, ` +
      `or ${names.removeToken}`;
}
