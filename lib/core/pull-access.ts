import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { generatedSecretNamed } from './checksum';
import { Image, Images, registryHost, sameRegistryHost } from './image';
import { isInTree } from './in-tree';
import { ISecret, Secret, SecretValue, SecretValueKind } from './secret';

/**
 * What Dockyard knows of who may pull what from the registries it declares, for checks that a pod can pull the
 * images Dockyard makes it pull: the private projects (a Harbor's), what each login may pull from them (a Harbor
 * robot's permissions), and the pull secrets of the ServiceAccounts Dockyard renders. A check refuses only what this
 * knows for certain; whatever it does not know (a registry, project, login or Secret Dockyard never declared) may
 * pull anything.
 */

/** A private registry project Dockyard declared (`PullAccess.declareProject`). */
export interface PrivateProject {
  /** The registry's host, as declared (e.g. a Harbor's `host`). */
  readonly host: string;
  /**
   * The registry host the image names, its port as written (`registryHost`): the host a pull secret's login must
   * name, for the kubelet picks a login only where the ports match too (kubernetes v1.26
   * pkg/credentialprovider/keyring.go `URLsMatch`: `if globPort != targetPort { return false }`), so a login to
   * `harbor.example.com` never serves `harbor.example.com:443/...`, though both reach the one Harbor.
   */
  readonly imageHost: string;
  /** The project. */
  readonly project: string;
  /** Whether it is a pull-through proxy cache, for messages. */
  readonly proxyCache: boolean;
}

/** What `PullAccess.judge` finds of a pull from a private project. */
export interface PullVerdict {
  /** Whether a login of the pull secrets may pull from the project, or may for all Dockyard knows. */
  readonly pulls: boolean;
  /** The logins to the project's registry that the pull secrets hold, none of which may pull from it (when `pulls` is false). */
  readonly logins: readonly string[];
  /**
   * Where the pull secrets hold no login to the project's registry: the nodes' own logins to it (`recordNodeLogin`),
   * none of which may pull from it (when `pulls` is false). Empty where the nodes have none.
   */
  readonly nodeLogins: readonly string[];
}

/** One registry host's projects and logins, as declared. */
interface Registry {
  /** Whether each declared project is private, by name, with whether it is a proxy cache. */
  readonly projects: Map<string, { readonly private: boolean; readonly proxyCache: boolean }>;
  /** The projects each login may pull from, by user name. */
  readonly logins: Map<string, Set<string>>;
  /** The projects each login may push to, by user name (`grantPush`). */
  readonly pushes: Map<string, Set<string>>;
}

/** A ServiceAccount's pull secrets: Secrets, or names of Secrets Dockyard does not know; undefined if unknown. */
type AccountPullSecrets = () => readonly (ISecret | string)[] | undefined;

/** Per app root: the registries by host as declared (a platform has one Harbor, or a few). */
const registries = new WeakMap<IConstruct, Map<string, Registry>>();
/** A login of the nodes' own (`PullAccess.recordNodeLogin`): its registry host, and its user where Dockyard knows it. */
interface NodeLogin {
  readonly host: string;
  readonly username?: string;
}

/** Per app root: the logins the nodes make to registries themselves (`PullAccess.recordNodeLogin`). */
const nodeLogins = new WeakMap<IConstruct, NodeLogin[]>();
/** A ServiceAccount Dockyard renders: the construct that renders it, and its pull secrets. */
interface RecordedAccount {
  readonly owner: IConstruct;
  readonly pullSecrets: AccountPullSecrets;
}

/** Per app root: what each ServiceAccount's pull secrets are, by `<namespace>\n<name>` (one entry per rendering). */
const accounts = new WeakMap<IConstruct, Map<string, RecordedAccount[]>>();
/** The constructs that render a ServiceAccount Dockyard records (`recordAccount`): any other is the user's. */
const recordedOwners = new WeakSet<IConstruct>();

/**
 * The ServiceAccounts that objects of the app other than Dockyard's render (`userAccounts`), by
 * `<namespace>\n<name>`: the names each lists in `imagePullSecrets`, none where it lists none.
 */
export type UserAccounts = ReadonlyMap<string, readonly (readonly string[])[]>;

/**
 * The ServiceAccounts that objects of the app of `scope` render, every chart's, other than those Dockyard records
 * (`PullAccess.recordAccount`): a user's `ApiObject` of kind ServiceAccount. One walk of the app's tree; take it once
 * per check.
 */
export function userAccounts(scope: IConstruct): UserAccounts {
  const hold = held.get(scope.node.root);
  return hold === undefined ? walkUserAccounts(scope) : (hold.accounts ??= walkUserAccounts(scope));
}

/** Per app root, while `withUserAccountsHeld` runs: the user's ServiceAccounts, once walked. */
const held = new WeakMap<IConstruct, { accounts?: UserAccounts }>();

/**
 * Run `fn`, in which `userAccounts` walks the app of `scope` once, however many charts render in it (`synthesize`
 * and the Pulumi deployment render every chart in a row, and nothing adds to the tree while they render): each
 * chart's check walking it again would cost the number of charts times the size of the app.
 */
export function withUserAccountsHeld<T>(scope: IConstruct, fn: () => T): T {
  const root = scope.node.root;
  if (held.has(root)) {
    return fn();
  }
  held.set(root, {});
  try {
    return fn();
  } finally {
    held.delete(root);
  }
}

function walkUserAccounts(scope: IConstruct): UserAccounts {
  const out = new Map<string, (readonly string[])[]>();
  for (const c of scope.node.root.node.findAll()) {
    if (!(c instanceof ApiObject) || c.kind !== 'ServiceAccount' || recordedOwners.has(c)) {
      continue;
    }
    const o = c.toJson();
    const key = `${o?.metadata?.namespace ?? 'default'}\n${o?.metadata?.name}`;
    const listed = pullSecretNames(o?.imagePullSecrets);
    out.set(key, [...(out.get(key) ?? []), listed]);
  }
  return out;
}

/** The names an `imagePullSecrets` list (a pod's or a ServiceAccount's, as rendered) holds. */
export function pullSecretNames(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).map((r: any) => r?.name).filter((n: unknown): n is string => typeof n === 'string');
}

/**
 * The pull secret a rendered list names in `namespace`: a `PullSecret` listed there, else a Secret Dockyard
 * generates there, else the name (a Secret Dockyard does not know, which may pull).
 */
export function knownPullSecret(scope: IConstruct, namespace: string, name: string): ISecret | string {
  return Images._listedNamed(scope, namespace, name) ?? generatedSecretNamed(scope, name, namespace) ?? name;
}

/** Whether `construct` is an ApiObject with JSON patches (`ApiObject.addJsonPatch`), which its rendering applies. */
function isPatched(construct: IConstruct): boolean {
  return construct instanceof ApiObject && ((construct as unknown as { patches?: unknown[] }).patches?.length ?? 0) > 0;
}

/** The names a rendered ServiceAccount lists in `imagePullSecrets`, or undefined (unknown) if it lists none. */
function renderedPullSecrets(account: ApiObject): string[] | undefined {
  const o = account.toJson();
  const names = pullSecretNames(o?.imagePullSecrets);
  return names.length > 0 ? names : undefined;
}

function registriesOf(scope: IConstruct): Map<string, Registry> {
  const root = scope.node.root;
  const map = registries.get(root) ?? new Map<string, Registry>();
  registries.set(root, map);
  return map;
}

function registryOf(scope: IConstruct, host: string): Registry {
  const map = registriesOf(scope);
  const registry = map.get(host) ?? { projects: new Map(), logins: new Map(), pushes: new Map() };
  map.set(host, registry);
  return registry;
}

/** The registries declared on `host` however it is spelled (`sameRegistryHost`): one, or none. */
function registriesAt(scope: IConstruct, host: string): Registry[] {
  return [...registriesOf(scope)].filter(([declared]) => sameRegistryHost(declared, host)).map(([, r]) => r);
}

/**
 * The registry logins of a `.dockerconfigjson` value, as `<registry>` and user name (undefined where it is a secret
 * itself), following copies; undefined if they are not known (an input, or a copy of one).
 */
function loginsOfValue(value: SecretValue | undefined, depth = 0): { registry: string; username?: string }[] | undefined {
  if (value === undefined || depth > 10) {
    return undefined;
  }
  if (value.kind === SecretValueKind.DOCKER_CONFIG_JSON) {
    return value.entries!.map((e) => ({ registry: e.registry, username: e.username }));
  }
  const source = value.kind === SecretValueKind.COPY ? value.sources.value : undefined;
  return source?.secret instanceof Secret ? loginsOfValue(source.secret.values[source.key], depth + 1) : undefined;
}

/** Who may pull what from the registries Dockyard declares (see the module's comment). */
export class PullAccess {
  /**
   * Record a project of the registry at `host` that Dockyard declares: a Harbor's project or proxy cache.
   *
   * @param options `public`: whether anyone may pull from it without logging in; `proxyCache`: whether it is a
   *   pull-through proxy cache
   */
  public static declareProject(scope: IConstruct, host: string, project: string, options: { readonly public: boolean; readonly proxyCache: boolean }): void {
    registryOf(scope, host).projects.set(project, { private: !options.public, proxyCache: options.proxyCache });
  }

  /** Record the projects the login `username` at `host` may pull from: a Harbor robot's, as declared. */
  public static grantPull(scope: IConstruct, host: string, username: string, projects: readonly string[]): void {
    registryOf(scope, host).logins.set(username, new Set(projects));
  }

  /** Record the projects the login `username` at `host` may push to: a Harbor robot's, as declared. */
  public static grantPush(scope: IConstruct, host: string, username: string, projects: readonly string[]): void {
    registryOf(scope, host).pushes.set(username, new Set(projects));
  }

  /**
   * Why a push of `repository` (`<host>/<project>/...`, as `Step.buildImage` takes it) with the Docker config
   * `dockerConfig` would fail, if Dockyard knows it would: the config holds no login to a registry Dockyard declares
   * (Kaniko then pushes without one, and Harbor takes no anonymous push), its login there is a robot Dockyard
   * declared that may not push to the project, or the project is a proxy cache, which takes no push at all.
   * Undefined where the push may work, or where Dockyard does not know: a config it did not build (an input, a copy
   * of one), a registry it does not declare (which may take anonymous pushes), a user that is no robot it declared.
   * The login is the one docker/cli's file store picks for the host (see the body); refused only where every login
   * it may pick may not push.
   *
   * @param name what the message calls the Docker config, e.g. the pipeline secret's `<secret>/<key>`
   */
  public static pushRefusal(scope: IConstruct, repository: string, dockerConfig: SecretValue | undefined, name: string): string | undefined {
    const logins = loginsOfValue(dockerConfig);
    const [host, project] = repository.split('/');
    const here = registriesAt(scope, host);
    if (logins === undefined || here.length === 0) {
      return undefined;
    }
    // no login pushes to a proxy cache (harbor v2.15.1 src/server/middleware/repoproxy/proxy.go
    // DisableBlobAndManifestUploadMiddleware: "can not push artifact to a proxy project")
    if (here.some((r) => r.projects.get(project)?.proxyCache)) {
      return `${project} is a proxy cache, which Harbor takes no push to; push to a project of your own`;
    }
    // Kaniko asks its keychain for the registry alone, never the repository (osscontainertools/kaniko v1.28.3
    // pkg/executor/push.go DoPush: Resolve(destRef.Context().Registry); its permission check likewise, through
    // go-containerregistry v0.21.9 pkg/v1/remote/check.go CheckPushPermission), so both keys
    // pkg/authn/keychain.go ResolveContext tries, target.String() and target.RegistryStr(), are the host: a key
    // naming the repository, such as '<host>/apps/demo', is only one more key whose host it is. docker/cli's file
    // store (365e7a5 cli/config/credentials/file_store.go Get) takes the key that is the host, else any key whose
    // ConvertToHostname is the host, in Go's map order: any of them
    const exact = logins.filter((l) => l.registry === host);
    const matching = exact.length > 0 ? exact : logins.filter((l) => registryHost(l.registry) === registryHost(host));
    if (matching.length === 0) {
      return `${name} holds no login to ${host} (it logs in to ${logins.map((l) => l.registry).join(', ')}), so the push goes without one, which Harbor refuses`;
    }
    const denied: string[] = [];
    for (const login of matching) {
      // every robot Dockyard declared has its push grants, empty or not (`grantPush`); any other login may push
      const pushes = login.username === undefined ? undefined : here.map((r) => r.pushes.get(login.username!)).find((p) => p !== undefined);
      if (pushes === undefined || pushes.has(project)) {
        return undefined;
      }
      denied.push(`${login.username}, which may push to ${pushes.size === 0 ? 'no project' : [...pushes].sort().join(', ')}`);
    }
    return `${name} logs in to ${host} as ${denied.join('; as ')}, not to project ${project}: give the robot RobotPermission.push(${JSON.stringify(project)})`;
  }

  /**
   * Record that the nodes log in to the registry at `host` themselves (`NodeMirrorFiles` with a credential):
   * containerd uses that login (`configs.<host>.auth`, RKE2's registries.yaml `configs`) for every pull from the host
   * that brings no credentials of its own (README, "Pull secrets, image relocation and node mirrors": the login is
   * node-wide), so a pod none of whose pull secrets logs in to the host pulls with it, from the projects `username`
   * may pull from (`grantPull`).
   *
   * @param username the user the nodes log in as; undefined where it is a secret, and then taken to pull from any
   *   project, as a login Dockyard does not know is
   */
  public static recordNodeLogin(scope: IConstruct, host: string, username: string | undefined): void {
    const root = scope.node.root;
    nodeLogins.set(root, [...(nodeLogins.get(root) ?? []), { host, username }]);
  }

  /**
   * Record how to find the pull secrets of the ServiceAccount `name` in `namespace`, which Dockyard renders: a
   * namespace's `default`, a deploy identity. Recorded once per object rendered; a check unites them, counting
   * only those still in the tree (`isInTree`: one taken out again renders nothing).
   *
   * @param owner the ApiObject that renders the account: no other object's account, the user's, is Dockyard's
   * @param pullSecrets its pull secrets at synth: Secrets, or names of Secrets Dockyard does not know, or undefined
   *   when they are not known (an account Dockyard renders without a list, which one made elsewhere may have)
   */
  public static recordAccount(owner: IConstruct, namespace: string, name: string, pullSecrets: AccountPullSecrets): void {
    const root = owner.node.root;
    const map = accounts.get(root) ?? new Map<string, RecordedAccount[]>();
    accounts.set(root, map);
    const key = `${namespace}\n${name}`;
    map.set(key, [...(map.get(key) ?? []), { owner, pullSecrets }]);
    recordedOwners.add(owner);
  }

  /**
   * The pull secrets the ServiceAccount `name` of `namespace` lists, as far as the app renders it: Secrets, or
   * names of Secrets Dockyard does not know (those listed in `namespace` as a `PullSecret`, or Dockyard Secrets
   * there, are known by name). Dockyard's renderings (`recordAccount`) and the user's (`userAccounts`) are united,
   * for `kubectl apply` leaves the list of whichever was applied last. Undefined if the app renders no such account,
   * or one whose list it cannot tell: one of Dockyard's that says so, or one of the user's that lists none (the
   * account keeps whatever it has, which may have been patched outside the app).
   *
   * @param users the user's ServiceAccounts, if the caller has them (`userAccounts`)
   */
  public static accountPullSecrets(scope: IConstruct, namespace: string, name: string, users?: UserAccounts): readonly (ISecret | string)[] | undefined {
    const key = `${namespace}\n${name}`;
    const recorded = (accounts.get(scope.node.root)?.get(key) ?? []).filter((a) => isInTree(a.owner));
    const theirs = (users ?? userAccounts(scope)).get(key) ?? [];
    if ((recorded.length === 0 && theirs.length === 0) || theirs.some((listed) => listed.length === 0)) {
      return undefined;
    }
    const out: (ISecret | string)[] = [];
    for (const account of recorded) {
      // a JSON patch (cdk8s's escape hatch) may have changed the list: then it is the one rendered
      if (isPatched(account.owner)) {
        const rendered = renderedPullSecrets(account.owner as ApiObject);
        if (rendered === undefined) {
          return undefined;
        }
        out.push(...rendered.map((s) => knownPullSecret(scope, namespace, s)));
        continue;
      }
      const listed = account.pullSecrets();
      if (listed === undefined) {
        return undefined;
      }
      out.push(...listed.map((s) => (typeof s === 'string' ? knownPullSecret(scope, namespace, s) : s)));
    }
    for (const listed of theirs) {
      out.push(...listed.map((s) => knownPullSecret(scope, namespace, s)));
    }
    return out;
  }

  /**
   * Whether the app of `scope` renders the ServiceAccount `name` in `namespace`: one Dockyard records
   * (`recordAccount`, still in the tree) or one of the user's (`userAccounts`), in any chart. A ServiceAccount made
   * outside the app (`kubectl create serviceaccount`) is not known here.
   *
   * @param users the user's ServiceAccounts, if the caller has them (`userAccounts`)
   */
  public static rendersAccount(scope: IConstruct, namespace: string, name: string, users?: UserAccounts): boolean {
    const key = `${namespace}\n${name}`;
    return (accounts.get(scope.node.root)?.get(key) ?? []).some((a) => isInTree(a.owner)) || (users ?? userAccounts(scope)).has(key);
  }

  /** Whether the app of `scope` declared a registry on `host` (a Harbor's), however the host is spelled. */
  public static declaresRegistry(scope: IConstruct, host: string): boolean {
    return registriesAt(scope, host).length > 0;
  }

  /** The private project Dockyard declared that `image` (as it resolves) is pulled from, if any. */
  public static privateProjectOf(scope: IConstruct, image: Image): PrivateProject | undefined {
    const [host, project, ...rest] = `${image.registry}/${image.repository}`.split('/');
    if (rest.length === 0) {
      return undefined;
    }
    for (const [declared, registry] of registriesOf(scope)) {
      const known = sameRegistryHost(declared, host) ? registry.projects.get(project) : undefined;
      if (known?.private) {
        return { host: declared, imageHost: registryHost(image.registry), project, proxyCache: known.proxyCache };
      }
    }
    return undefined;
  }

  /**
   * Whether a pod that lists `pullSecrets` (Secrets, or names of Secrets Dockyard does not know) may pull from
   * `project`: a login to the image's registry host (`imageHost`, its port as written) whose grants include it, or
   * any login, Secret or name Dockyard does not know (a Secret that exists outside the app, a value given as an
   * input, a user that is no robot it declared), which may; or, where none of them logs in to that host, a login
   * of the nodes' own to the project's registry (`recordNodeLogin`) that may, which containerd then uses. Otherwise
   * the logins to the host that may not: the pull secrets', or else the nodes'.
   */
  public static judge(scope: IConstruct, project: PrivateProject, pullSecrets: readonly (ISecret | string)[]): PullVerdict {
    const denied: string[] = [];
    const here = registriesAt(scope, project.host);
    /** Whether `username`, a login to the project's host, may pull from it (an unknown user may, for all we know). */
    const mayPull = (username: string | undefined): boolean => {
      const grants = username === undefined ? undefined : here.map((r) => r.logins.get(username)).find((g) => g !== undefined);
      return grants === undefined || grants.has(project.project);
    };
    for (const secret of pullSecrets) {
      const logins = typeof secret === 'string' || !(secret instanceof Secret) ? undefined : loginsOfValue(secret.values['.dockerconfigjson']);
      if (logins === undefined) {
        return { pulls: true, logins: [], nodeLogins: [] };
      }
      for (const login of logins.filter((l) => registryHost(l.registry) === project.imageHost)) {
        if (mayPull(login.username)) {
          return { pulls: true, logins: [], nodeLogins: [] };
        }
        denied.push(login.username!);
      }
    }
    if (denied.length > 0) {
      return { pulls: false, logins: [...new Set(denied)], nodeLogins: [] };
    }
    // the kubelet hands containerd a login only when one matches (a denied one fails the pull: it is not retried
    // without); with none, containerd's own for the host applies, looked up by the host as the image names it, port
    // and all (containerd v2.3.4 internal/cri/server/images/image_pull.go:528, `c.config.Registry.Configs[u.Host]`),
    // and Harbor lets it pull from the projects its robot may
    const node = (nodeLogins.get(scope.node.root) ?? []).filter((l) => registryHost(l.host) === project.imageHost);
    if (node.some((l) => mayPull(l.username))) {
      return { pulls: true, logins: [], nodeLogins: [] };
    }
    return { pulls: false, logins: [], nodeLogins: [...new Set(node.map((l) => l.username!))] };
  }

  private constructor() {}
}
