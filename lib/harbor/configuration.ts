import { checkInteger, checkUniqueList, invalid, SecretKey } from '../core';

/** The kinds of upstream registries Harbor can proxy or replicate. */
export enum RegistryType {
  DOCKER_HUB = 'docker-hub',
  HARBOR = 'harbor',
  DOCKER_REGISTRY = 'docker-registry',
  GITHUB_GHCR = 'github-ghcr',
  GOOGLE_GCR = 'google-gcr',
  AWS_ECR = 'aws-ecr',
  AZURE_ACR = 'azure-acr',
  QUAY = 'quay',
  JFROG_ARTIFACTORY = 'jfrog-artifactory',
}

/** Options of a proxied upstream's credentials. */
export interface UpstreamCredentials {
  /**
   * The user name at the upstream.
   *
   * @default - anonymous pulls
   */
  readonly username?: string;
  /**
   * The password or access token, in a Secret; required with `username`.
   *
   * @default - anonymous pulls
   */
  readonly password?: SecretKey;
}

/** The registry a proxy-cache project pulls through from. */
export class ProxyUpstream {
  /**
   * Docker Hub. Authenticate with an access token to lift the anonymous rate limit. Official images are then
   * pulled as `<harbor>/<project>/library/<image>`.
   */
  public static dockerHub(credentials: UpstreamCredentials = {}): ProxyUpstream {
    return new ProxyUpstream(RegistryType.DOCKER_HUB, 'https://hub.docker.com', credentials);
  }

  /** Any other registry Harbor can proxy, by type and URL. */
  public static of(type: RegistryType, url: string, credentials: UpstreamCredentials = {}): ProxyUpstream {
    if (!/^https?:\/\/[^/\s]+/.test(url ?? '')) {
      invalid('url', url, 'must be an http or https URL of the upstream registry');
    }
    return new ProxyUpstream(type, url, credentials);
  }

  private constructor(
    /** The registry type. */
    public readonly type: RegistryType,
    /** The upstream URL. */
    public readonly url: string,
    /** The upstream credentials. */
    public readonly credentials: UpstreamCredentials,
  ) {
    if ((credentials.username === undefined) !== (credentials.password === undefined)) {
      invalid('credentials', { username: credentials.username }, 'must set both username and password, or neither');
    }
  }
}

/** Options of `Harbor.addProject`. */
export interface ProjectOptions {
  /**
   * Whether anyone may pull without logging in.
   *
   * @default false
   */
  readonly public?: boolean;
  /**
   * The project's storage quota, in GiB.
   *
   * @default - unlimited
   */
  readonly storageLimitGiB?: number;
}

/** Options of `Harbor.addProxyCache`. */
export interface ProxyCacheOptions extends ProjectOptions {
  /** The upstream registry. */
  readonly upstream: ProxyUpstream;
}

/** What a robot may do in one project. */
export class RobotPermission {
  /** Pull images from `project`. */
  public static pull(project: string): RobotPermission {
    return new RobotPermission(project, ['pull']);
  }

  /** Push and pull images in `project`. */
  public static push(project: string): RobotPermission {
    return new RobotPermission(project, ['pull', 'push']);
  }

  private constructor(
    /** The project. */
    public readonly project: string,
    /** The repository actions. */
    public readonly actions: string[],
  ) {}
}

/** Options of `Harbor.addRobot`. */
export interface RobotOptions {
  /** What the robot may do. */
  readonly permissions: RobotPermission[];
  /**
   * A description shown in Harbor.
   *
   * @default - none
   */
  readonly description?: string;
}

/** Harbor's rule for project and robot names. */
export function checkHarborName(prop: string, name: string): string {
  if (typeof name !== 'string' || name.length > 255 || !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)) {
    invalid(prop, name, 'must be lower-case letters and digits, separated by single ".", "_" or "-"');
  }
  return name;
}

/** One registry endpoint, project and robot as the configuration Job reads them: names of variables, never values. */
export interface DesiredState {
  readonly registries: object[];
  readonly projects: object[];
  readonly robots: object[];
}

/** The JSON project of a declared project. */
export function projectState(name: string, options: ProjectOptions, registry: string | null): object {
  const limit = options.storageLimitGiB === undefined ? -1 : checkInteger('storageLimitGiB', options.storageLimitGiB, 1) * 2 ** 30;
  return { name, public: options.public ?? false, registry, storageLimit: limit, metadata: {} };
}

/** The JSON robot of a declared robot: a system robot with project permissions. */
export function robotState(name: string, options: RobotOptions, secretEnv: string, known: (project: string) => boolean): object {
  if (options.permissions.length === 0) {
    invalid('permissions', options.permissions, 'must grant at least one project permission');
  }
  checkUniqueList('permissions', options.permissions.map((p) => p.project));
  for (const p of options.permissions) {
    if (!known(p.project)) {
      invalid('permissions', p.project, 'must name "library" or a project added with addProject or addProxyCache');
    }
  }
  return {
    name,
    level: 'system',
    project: null,
    description: options.description ?? 'managed by Dockyard',
    duration: -1,
    permissions: options.permissions.map((p) => ({
      kind: 'project', namespace: p.project, access: p.actions.map((action) => ({ resource: 'repository', action })),
    })),
    secretEnv,
  };
}
