import { checkHostname, checkObject, invalidUserName, SecretKey } from '../core';
import { isDockerHub } from '../core/image';
import { checkGeneratedKey } from '../core/generated-key';
import { USER_NAME, USER_NAME_RULE } from './user-name';

/** The key Docker and kubelet look Docker Hub's credentials up by. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** Options of `RegistryCredential.gitlab`. */
export interface GitLabCredentialOptions {
  /**
   * The deploy token's user name: `gitlab+deploy-token-<n>` unless another was chosen when it was made (GitLab docs,
   * "Deploy tokens"); or the GitLab user of a personal access token.
   */
  readonly username: string;
  /**
   * A deploy token or access token with `read_registry` (and `write_registry` to push; `read_repository` is for
   * `git clone` only): a key of a Secret Dockyard generates, usually a `SecretValue.input`, since the login
   * is written into the pull secret at synth. A token made with an expiry date stops every pull at midnight UTC that
   * day, which no synth can see: before then, set the new token in the input's variable and name its key in
   * `DOCKYARD_ROTATE`.
   */
  readonly token: SecretKey;
  /**
   * The container registry's host, with its port where it has one: a self-managed GitLab's registry is on a host or
   * port of its own (`registry.gitlab.example.com`, or `gitlab.example.com:5050`), and the kubelet offers the login
   * only for images named on exactly that host and port.
   *
   * @default "registry.gitlab.com"
   */
  readonly registry?: string;
}

/** Options of `RegistryCredential.dockerHub`. */
export interface DockerHubCredentialOptions {
  /** The Docker Hub user name. */
  readonly username: string;
  /** A Docker Hub access token (not the account password). */
  readonly token: SecretKey;
}

/** Options of `RegistryCredential.docr`. */
export interface DocrCredentialOptions {
  /** A DigitalOcean API token with access to the registry. */
  readonly token: SecretKey;
}

/** Options of `RegistryCredential.basic`. */
export interface BasicCredentialOptions {
  /** The registry host, e.g. `registry.example.com:5000`. */
  readonly registry: string;
  /** The user name. */
  readonly username: string;
  /** The password or token. */
  readonly password: SecretKey;
}

/** A Harbor robot account, as `Harbor.addRobot` returns it. */
export interface RobotAccount {
  /** The robot's full user name, such as `robot$ci`. */
  readonly username: string;
  /** The robot's secret (its password). */
  readonly secret: SecretKey;
}

/** The DigitalOcean Container Registry's host: every account's registry is `registry.digitalocean.com/<name>` (do.md §1.6). */
export const DOCR_REGISTRY = 'registry.digitalocean.com';

/**
 * A credential for one container registry. Its password is a `SecretKey` whose value the secret source knows (a
 * generated value or a `SecretValue.input`), so the merged `.dockerconfigjson` never appears in the main manifests.
 */
export class RegistryCredential {
  /** A Harbor robot account, for `host` (the Harbor's `host`). */
  public static harborRobot(host: string, robot: RobotAccount): RegistryCredential {
    checkObject('robot', robot, 'must be a robot account { username, secret }, as Harbor.addRobot returns it');
    return new RegistryCredential(host, robot.username, checkKey('robot.secret', robot.secret));
  }

  /** A GitLab deploy token or access token with the `read_registry` scope. */
  public static gitlab(options: GitLabCredentialOptions): RegistryCredential {
    checkObject('options', options, 'must be an object of GitLabCredentialOptions: { username, token, registry? }');
    return new RegistryCredential(options.registry ?? 'registry.gitlab.com', options.username, checkKey('token', options.token));
  }

  /** A Docker Hub access token, keyed as Docker Hub clients expect (`https://index.docker.io/v1/`). */
  public static dockerHub(options: DockerHubCredentialOptions): RegistryCredential {
    checkObject('options', options, 'must be an object of DockerHubCredentialOptions: { username, token }');
    return new RegistryCredential('docker.io', options.username, checkKey('token', options.token));
  }

  /**
   * The DigitalOcean Container Registry, with an API token (read scope to pull) that DOCR takes as both user name
   * and password; the Pulumi program's `ContainerRegistry` issues one.
   */
  public static docr(options: DocrCredentialOptions): RegistryCredential {
    checkObject('options', options, 'must be an object of DocrCredentialOptions: { token }');
    const token = checkKey('token', options.token);
    return new RegistryCredential(DOCR_REGISTRY, undefined, token, token);
  }

  /** Any registry with a user name and password. */
  public static basic(options: BasicCredentialOptions): RegistryCredential {
    checkObject('options', options, 'must be an object of BasicCredentialOptions: { registry, username, password }');
    return new RegistryCredential(options.registry, options.username, checkKey('password', options.password));
  }

  /** The key of the registry in a `.dockerconfigjson`: a lower-case host, or Docker Hub's canonical key. */
  public readonly registry: string;

  private constructor(
    registry: string,
    /** The user name, unless it is a secret (`usernameFrom`). */
    public readonly username: string | undefined,
    /** The password or token. */
    public readonly password: SecretKey,
    /** The key holding the user name, for registries that log in with a token as the user name too. */
    public readonly usernameFrom?: SecretKey,
  ) {
    this.registry = normalizeRegistry(registry);
    if (usernameFrom === undefined && (typeof username !== 'string' || !USER_NAME.test(username))) {
      invalidUserName('username', username, USER_NAME_RULE);
    }
  }
}

/** Check a credential's password or token, given under `prop`: every login is written into a file at synth. */
function checkKey(prop: string, key: SecretKey): SecretKey {
  return checkGeneratedKey(prop, key, 'the login is written into the pull secret or node file at synth, from its value',
    { key: 'token', variable: 'DOCKYARD_REGISTRY_TOKEN', description: 'the registry token' });
}

/** A registry's key: Docker Hub's names become `https://index.docker.io/v1/`; others a lower-case host[:port]. */
export function normalizeRegistry(registry: string): string {
  const host = typeof registry === 'string' ? registry.replace(/^https?:\/\//i, '').replace(/\/(v1|v2)?\/?$/, '').toLowerCase() : '';
  if (isDockerHub(host)) {
    return DOCKER_HUB_KEY;
  }
  checkHostname('registry', host, { allowPort: true, registry: true });
  return host;
}
