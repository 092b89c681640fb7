import { checkInteger, checkListOf, checkObject, checkUniqueList, checkUrl, HARBOR_NAME_RULE, invalid, invalidUserName, isHarborName, SecretKey } from '../core';
import { USER_NAME, USER_NAME_RULE } from '../registry/user-name';
import { ProjectMember } from './project-member';

/** The kinds of upstream registries Harbor can proxy or replicate. */
export enum RegistryType {
  /** Docker Hub (`https://hub.docker.com`). */
  DOCKER_HUB = 'docker-hub',
  /** Another Harbor. */
  HARBOR = 'harbor',
  /** Any registry that speaks the distribution (OCI) API, e.g. quay.io or a self-hosted registry. */
  DOCKER_REGISTRY = 'docker-registry',
  /** GitHub's container registry (`https://ghcr.io`). */
  GITHUB_GHCR = 'github-ghcr',
  /** Google's Container or Artifact Registry. */
  GOOGLE_GCR = 'google-gcr',
  /** Amazon ECR, with an access key. */
  AWS_ECR = 'aws-ecr',
  /** Azure Container Registry. */
  AZURE_ACR = 'azure-acr',
  /**
   * Quay's own adapter. Harbor 2.15 no longer permits it for proxy caches, so `ProxyUpstream.of` refuses it: proxy
   * quay.io as `DOCKER_REGISTRY` with URL `https://quay.io`.
   *
   * @deprecated Harbor retired the adapter from its proxy-cache and replication lists (goharbor/harbor#22198, #22237).
   */
  QUAY = 'quay',
  /** JFrog Artifactory. */
  JFROG_ARTIFACTORY = 'jfrog-artifactory',
}

/**
 * The registry types a proxy-cache project may front: Harbor's own default of `PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE`
 * (goharbor/harbor v2.15.1 make/photon/prepare/templates/core/env.jinja:42, and harbor-helm 1.19.1
 * templates/core/core-cm.yaml:56), which core renders. Core reads the variable alone, with no built-in default
 * (src/lib/config/systemconfig.go:107), and refuses a proxy-cache project of any other type with 400 "unsupported
 * registry type" (src/server/v2.0/handler/project.go:808-815). Quay was dropped from it in #22237.
 */
export const PROXY_CACHE_TYPES: readonly string[] = [
  'docker-hub', 'harbor', 'azure-acr', 'ali-acr', 'aws-ecr', 'google-gcr', 'docker-registry', 'github-ghcr', 'jfrog-artifactory',
];

/** Harbor's limit on a registry endpoint's name (goharbor/harbor v2.15.1 src/controller/registry/controller.go:92). */
export const MAX_REGISTRY_NAME = 64;

/** Options of a proxied upstream's credentials. */
export interface UpstreamCredentials {
  /**
   * The user name at the upstream.
   *
   * @default - anonymous pulls
   */
  readonly username?: string;
  /**
   * The password or access token, in a Secret; required with `username`. The configuration Job of its proxy cache sets
   * it in Harbor, and runs again when its value changes: a key Dockyard generates (`SecretValue.input`, rotated with
   * `DOCKYARD_ROTATE`) and, under Pulumi, a provided Secret's are counted in the Job. A Secret made outside Dockyard
   * (`Secret.fromSecretName`) and applied with `kubectl` is counted by its name alone, so after changing it, delete
   * that Job if it is still there (a finished one goes after ten minutes) and apply again, or Harbor keeps the old
   * token: the synth's `create Secret` line names the Job (`printRequiredSecrets`).
   *
   * @default - anonymous pulls
   */
  readonly password?: SecretKey;
  /**
   * Pull anonymously on purpose: without `username`, a Docker Hub proxy cache is warned of at synth, as Docker Hub
   * limits anonymous pulls per address (`ProxyUpstream.dockerHub`); `true` says the limit is known and accepted, and
   * silences that warning. Refused with `username`.
   *
   * @default false
   */
  readonly anonymous?: boolean;
}

/** The registry a proxy-cache project pulls through from. */
export class ProxyUpstream {
  /**
   * Docker Hub. Official images are pulled as `<harbor>/<project>/library/<image>`. Without `credentials` Harbor
   * pulls anonymously, at Docker Hub's limit of 100 pulls per 6 hours per IPv4 address (a Personal account's is 200,
   * Pro, Team and Business have none: docs.docker.com/docker-hub/usage/pulls/), one quota for the whole cluster
   * behind its egress address, and the synth warns of it unless `anonymous: true`; log in with a Docker Hub user and
   * an access token. Harbor
   * asks Docker Hub for a cached tag with a HEAD, which Docker Hub does not count, and serves the cached copy when
   * Docker Hub answers 429; a pull of an image it has not cached then fails with 429 (goharbor/harbor v2.15.1
   * src/controller/proxy/controller.go:177-188).
   */
  public static dockerHub(credentials: UpstreamCredentials = {}): ProxyUpstream {
    return new ProxyUpstream(RegistryType.DOCKER_HUB, 'https://hub.docker.com', credentials);
  }

  /**
   * Any other registry Harbor can proxy, by type and URL. The type must be one Harbor permits for proxy caches
   * (`PROXY_CACHE_TYPES`); a Quay registry is proxied as `RegistryType.DOCKER_REGISTRY`.
   */
  public static of(type: RegistryType, url: string, credentials: UpstreamCredentials = {}): ProxyUpstream {
    if (!PROXY_CACHE_TYPES.includes(type)) {
      invalid('type', type, `must be a registry type Harbor permits for proxy caches: ${PROXY_CACHE_TYPES.join(', ')}; proxy Quay as "docker-registry"`);
    }
    // checkUrl, not a prefix test: the URL reaches the configuration Job's ConfigMap and Harbor's registry endpoint as
    // written, so credentials in it would be stored in plain text (they go in `credentials`, a Secret's key), and a
    // value the URL parser refuses (`https://[x`) failed later with a TypeError
    checkUrl('url', url, ['http', 'https']);
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
    if (credentials.anonymous !== undefined && typeof credentials.anonymous !== 'boolean') {
      invalid('credentials.anonymous', credentials.anonymous, 'must be a boolean');
    }
    // Harbor logs in to the upstream with HTTP basic auth, whose user-id cannot hold ":" (RFC 7617, section 2), as a
    // pull secret's cannot (USER_NAME); an empty or blank name is a mistake, not an anonymous pull. Checked first, so
    // that the messages below, which show the name, never show a token pasted after a ":"
    if (credentials.username !== undefined && !USER_NAME.test(credentials.username)) {
      invalidUserName('credentials.username', credentials.username, USER_NAME_RULE);
    }
    if (credentials.anonymous === true && credentials.username !== undefined) {
      invalid('credentials.anonymous', true, `must not be set with credentials.username ${JSON.stringify(credentials.username)}: a login is not anonymous`);
    }
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
   * The project's storage quota, in GiB, at most 1048576 (Harbor's 1024 TB). Set at creation and kept in line on
   * every run of the configuration Job, changes included: an existing project's quota is updated, or made unlimited
   * again when this is removed (a quota set by hand in Harbor is set back too). A limit below what the project already
   * stores is applied all the same, and Harbor then refuses every push to it (a proxy cache caches nothing more) until
   * it stores less: the Job's log warns of it on each run.
   *
   * @default - unlimited
   */
  readonly storageLimitGiB?: number;
  /**
   * The project's group members, e.g. `[ProjectMember.oidcGroup('platform', ProjectRole.DEVELOPER)]`; needs the
   * Harbor's `oidc`. Declared, they are the project's group members exactly: on every run the configuration Job adds
   * the missing ones, sets the declared role where it differs, and removes every other group from the project (one
   * added by hand included), so that a group removed from the code loses its access. Users who are members (the
   * project's creator, anyone added by hand) are never touched. An empty list removes every group.
   *
   * @default - the project's members are not managed: Harbor keeps whatever members it has
   */
  readonly members?: readonly ProjectMember[];
}

/** Options of `Harbor.declareLibrary`: `addProject`'s, but for the storage quota, which is left alone unless given. */
export interface LibraryOptions extends ProjectOptions {
  /**
   * The storage quota of Harbor's `library`, in GiB, at most 1048576 (Harbor's 1024 TB), kept in line on every run of
   * the configuration Job as `addProject`'s is while it is given. Not given, the Job leaves the quota as Harbor keeps
   * it: unlimited from Harbor's first start, or whatever was set by hand in Harbor (or by an earlier run that gave one,
   * when this is removed).
   *
   * @default - not managed: the quota Harbor keeps for `library` is left as it is
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
  readonly permissions: readonly RobotPermission[];
  /**
   * A description shown in Harbor.
   *
   * @default - none
   */
  readonly description?: string;
}

/** Harbor's rule for project and robot names (`isHarborName`, lib/core/validation.ts). */
export function checkHarborName(prop: string, name: string): string {
  if (!isHarborName(name)) {
    invalid(prop, name, `must be ${HARBOR_NAME_RULE}`);
  }
  return name;
}

/** A proxy cache's registry endpoint name: a Harbor name of at most 64 characters. */
export function checkRegistryName(prop: string, name: string): string {
  checkHarborName(prop, name);
  if (name.length > MAX_REGISTRY_NAME) {
    invalid(prop, name, `must be at most ${MAX_REGISTRY_NAME} characters: Harbor names the proxy cache's registry endpoint after it`);
  }
  return name;
}

/** One registry endpoint, project and robot as the configuration Job reads them: names of variables, never values. */
export interface DesiredState {
  /** Harbor registry endpoints (the upstreams of proxy caches), as the API's registry objects. */
  readonly registries: object[];
  /** Projects, as the API's project objects. */
  readonly projects: object[];
  /** Robot accounts, as the API's robot objects, each naming the variable that holds its secret. */
  readonly robots: object[];
  /**
   * The names of system-level robots to delete (`Harbor.retireRobot`).
   *
   * @default - none: `config.json` then has no `retiredRobots` key
   */
  readonly retiredRobots?: string[];
  /**
   * The names of projects whose group members the Job removes, every one, users left alone
   * (`Harbor.retireProjectGroups`); one that Harbor no longer has is not created.
   *
   * @default - none: `config.json` then has no `retiredProjectGroups` key
   */
  readonly retiredProjectGroups?: string[];
  /**
   * The names of projects an earlier synth declared that the code now neither declares nor retires
   * (lib/core/left-names.ts): the Job changes nothing of them, and warns of each that is public in Harbor. In the
   * first chunk only.
   *
   * @default - none: `config.json` then has no `leftProjects` key
   */
  readonly leftProjects?: string[];
  /**
   * Harbor's OIDC settings (`HarborProps.oidc`), naming the variable that holds the client secret; in the first chunk
   * only.
   *
   * @default - none: `config.json` then has no `oidc` key, and the Job sends no OIDC settings
   */
  readonly oidc?: object;
  /**
   * Harbor's own settings, `{ projectCreationRestriction }` (`HarborProps.usersCreateProjects`); in the first chunk
   * only, whose Job also warns while Harbor is in `oidc_auth` and `oidc` is not declared.
   *
   * @default - none: a chunk other than the first
   */
  readonly settings?: object;
  /**
   * The garbage collection schedule (`HarborProps.garbageCollection`); in the first chunk only.
   *
   * @default - none: a chunk other than the first, or a Harbor whose schedule is unmanaged
   */
  readonly gc?: object;
  /**
   * The audit log purge schedule (`HarborProps.auditLogRetention`); in the first chunk only.
   *
   * @default - none: a chunk other than the first, or a Harbor whose schedule is unmanaged
   */
  readonly audit?: object;
  /**
   * Whether another chunk of this Harbor declares Harbor's "library" (`Harbor.declareLibrary`): set on a chunk with a
   * robot that may push there, whose Job then leaves library's visibility to that chunk's Job and warns of no public
   * library.
   *
   * @default - none: `config.json` then has no `libraryDeclared` key, and a public library a robot pushes to is warned of
   */
  readonly libraryDeclared?: boolean;
}

/**
 * The largest storage quota Harbor takes, in GiB: 1024 TB, 2^50 bytes (goharbor/harbor v2.15.1
 * src/lib/quota_storage_limit.go:23-35, `ValidateQuotaLimit`, which creating a project and updating a quota call).
 */
export const MAX_STORAGE_LIMIT_GIB = 2 ** 20;

/** Check a storage quota in GiB, given under `prop`: a whole number from 1 to Harbor's largest. */
export function checkStorageLimitGiB(prop: string, value: number): number {
  return checkInteger(prop, value, 1, MAX_STORAGE_LIMIT_GIB);
}

/** The JSON project of a declared project. */
export function projectState(name: string, options: ProjectOptions, registry: string | null): object {
  checkObject('options', options, 'must be an object of ProjectOptions, e.g. { storageLimitGiB: 50 }');
  const limit = options.storageLimitGiB === undefined ? -1 : checkStorageLimitGiB('storageLimitGiB', options.storageLimitGiB) * 2 ** 30;
  const state = { name, public: options.public ?? false, registry, storageLimit: limit, metadata: {} };
  // no key when not declared: the project's members are then left alone, and config.json reads as before members existed
  return options.members === undefined ? state : { ...state, members: membersState(options.members) };
}

/** The JSON members of a project: its groups and their roles. */
function membersState(members: readonly ProjectMember[]): object[] {
  // made by its factory, which checks the group's name and the role
  checkListOf('members', members, 'project members', 'must hold ProjectMembers: ProjectMember.oidcGroup(group, role)', ProjectMember);
  checkUniqueList('members', members.map((m) => m.group), { allowEmpty: true, of: 'project members' });
  return members.map((m) => ({ group: m.group, role: m.role }));
}

/**
 * The JSON robot of a declared robot: a system robot with project permissions.
 *
 * @param known whether a project may be granted: one the Harbor declares, or "library"
 * @param isProxyCache whether a project is a proxy cache, on which no push is granted
 */
export function robotState(name: string, options: RobotOptions, secretEnv: string, known: (project: string) => boolean,
  isProxyCache: (project: string) => boolean = () => false): object {
  checkObject('options', options, 'must be an object of RobotOptions, e.g. { permissions: [RobotPermission.pull("apps")] }');
  // made by its factories, which alone grant Harbor's repository actions
  const permissions = checkListOf('permissions', options.permissions, 'project permissions',
    'must hold RobotPermissions: RobotPermission.pull(project) or .push(project)', RobotPermission);
  if (permissions.length === 0) {
    invalid('permissions', options.permissions, 'must grant at least one project permission');
  }
  checkUniqueList('permissions', options.permissions.map((p) => p.project));
  for (const p of options.permissions) {
    if (!known(p.project)) {
      invalid('permissions', p.project, 'must name "library" or a project added with addProject or addProxyCache');
    }
    // Harbor answers every push to a proxy cache project "can not push artifact to a proxy project" (goharbor/harbor
    // v2.15.1 src/server/middleware/repoproxy/proxy.go:342-360, DisableBlobAndManifestUploadMiddleware): such a grant
    // only looks like one
    if (p.actions.includes('push') && isProxyCache(p.project)) {
      invalid('permissions', p.project, 'must not grant push on a proxy cache: Harbor refuses every push to a proxy cache project ' +
        '("can not push artifact to a proxy project"); grant RobotPermission.pull there, and push to a project added with addProject');
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
