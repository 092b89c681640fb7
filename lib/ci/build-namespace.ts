import { Construct, IConstruct } from 'constructs';
import {
  checkDnsLabel, checkInteger, checkKnownKeys, checkNamespaceLabels, checkPort, checkPositiveQuantity, checkUniqueList, DefaultServiceAccount, describeValue,
  isNamespaceDefined, invalid, Namespace, NetworkPeer, parseCpu, parseQuantity, PodSecurityLevel,
} from '../core';
import { kube, quantity } from '../core/k8s';
import { describeOwnedNamespace, namespaceOwner, recordBuildNamespace } from '../core/namespace-claims';
import type { k8s } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { NamespacedAccess, PolicyRule, serviceAccountSubject } from '../core/rbac';
import { notAmong } from '../core/text';
import { BuildEgressOptions, BuildEgressRule, buildEgressRule } from './build-egress';

/** Options of `DroneKubeRunner.addBuildNamespace`. */
export interface BuildNamespaceOptions {
  /**
   * The Pod Security level enforced in the namespace, when the runner creates it.
   *
   * @default - the runner's `buildPodSecurity`
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Whether to define the Namespace, rather than use an existing one.
   *
   * @default - the runner's `createBuildNamespaces`
   */
  readonly create?: boolean;
  /**
   * Further labels of the Namespace, when the runner creates it. The runner's own
   * (`DroneKubeRunner.buildNamespaceLabels`) are always set and cannot be given here.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What every build namespace of one runner shares. */
export interface BuildNamespaceContext {
  /** The name of the runner's Role, RoleBinding, LimitRange and NetworkPolicies. */
  readonly name: string;
  /** The runner's or agent's ServiceAccount. */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /**
   * The rules of its Role in every build namespace: exactly what the engine's runner or agent calls, which differs
   * between engines (see `DroneKubeRunner` and `WoodpeckerAgent`).
   */
  readonly rules: readonly PolicyRule[];
  /** The labels of the objects. */
  readonly labels: Record<string, string>;
  /** The labels that mark a namespace as one of the runner's build namespaces. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podSecurity: PodSecurityLevel;
  readonly create: boolean;
  /** The default limits of a step. */
  readonly limits: k8s.ResourceRequirements['limits'];
  /**
   * The requests of a container that sets none (LimitRange `defaultRequest`): every step of an engine that sets none
   * itself (Woodpecker), or the few containers an engine leaves without (Drone's tmate init container). Without them
   * Kubernetes requests the default limits, and a few steps fill a node.
   *
   * @default - none: the default limits
   */
  readonly defaultRequest?: k8s.ResourceRequirements['requests'];
  /** The most a step may set as its limits. */
  readonly max: { readonly cpu: string; readonly memory: string };
  /** Each container's ephemeral storage (`buildEphemeralStorage`): what bounds a build's share of its node's disk. */
  readonly ephemeralStorage: BuildEphemeralStorage;
  /** The egress every build namespace gets before what is declared. */
  readonly egress: readonly BuildEgressRule[];
  /**
   * The namespace pull requests run in, the engine's default build namespace, and its ResourceQuota.
   *
   * @default - no quota
   */
  readonly pool?: { readonly namespace: string; readonly quota: CheckedBuildQuota };
}

/**
 * What the pods of the namespace every pull request runs in, the engine's default build namespace, may request
 * together (a ResourceQuota `<name>-builds`): the share of the cluster's nodes untrusted builds can hold, whatever
 * they ask for. A pipeline sets its own requests (Drone: its `resources.requests`, the whole pod's; Woodpecker: a
 * step's `backend_options.kubernetes.resources`), each container up to the LimitRange's maximum, so without it a pull
 * request could reserve whole nodes and leave other teams' pods Pending. A pod past it is refused when created, and
 * its build fails with "exceeded quota": it is a ceiling for the pool, not a queue, so the defaults leave room for
 * every build the engine runs at once.
 */
export interface BuildQuota {
  /**
   * CPU the namespace's pods may request in total (`requests.cpu`), in cores or millicores.
   *
   * @default - the engine's: see `DroneKubeRunnerProps.buildQuota` and `WoodpeckerBuildOptions.buildQuota`
   */
  readonly cpu?: string;
  /**
   * Memory the namespace's pods may request in total (`requests.memory`), such as "40Gi".
   *
   * @default - the engine's
   */
  readonly memory?: string;
  /**
   * The most pods the namespace may hold at once, running or not (`pods`).
   *
   * @default - the engine's
   */
  readonly pods?: number;
}

/** A `BuildQuota` checked, every setting given. */
export interface CheckedBuildQuota {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
}

const BUILD_QUOTA_KEYS: readonly (keyof BuildQuota)[] = ['cpu', 'memory', 'pods'];

/**
 * `quota` checked against what the engine runs at once, `least` (one setting below it would refuse builds the engine
 * starts by itself), its unset settings `defaults`. Refusals name `buildQuota.<setting>` and say what `least` is made of.
 */
export function checkBuildQuota(quota: BuildQuota = {}, defaults: CheckedBuildQuota,
  least: { readonly cpu: number; readonly memory: number; readonly pods: number; readonly why: string }): CheckedBuildQuota {
  checkKnownKeys('buildQuota', quota, BUILD_QUOTA_KEYS);
  const checked = {
    cpu: checkPositiveQuantity('buildQuota.cpu', quota.cpu ?? defaults.cpu, parseCpu),
    memory: checkPositiveQuantity('buildQuota.memory', quota.memory ?? defaults.memory),
    pods: checkInteger('buildQuota.pods', quota.pods ?? defaults.pods, 1),
  };
  for (const [key, value] of [['cpu', parseCpu('buildQuota.cpu', checked.cpu)], ['memory', parseQuantity('buildQuota.memory', checked.memory)],
    ['pods', checked.pods]] as const) {
    if (value < least[key]) {
      invalid(`buildQuota.${key}`, checked[key], `must hold ${least.why}`);
    }
  }
  return checked;
}

/**
 * The ephemeral storage of each container of a build pod, as a build namespace's LimitRange gives it: the disk of the
 * node its pod runs on, which holds the container's writable layer and logs, and the pod's `emptyDir` volumes (Drone's
 * workspace among them). Neither engine sets any (drone-runner-kube v1.0.0-rc.5 `engine/convert.go:329-354`
 * `toResources` renders CPU and memory only; woodpecker v3.17.0 `pipeline/backend/kubernetes/pod.go:481-509` only what a
 * step's `backend_options` asks for), so without these a build may fill its node's disk.
 */
export interface BuildEphemeralStorage {
  /** The limit of a container that sets none (LimitRange `default`). */
  readonly limit: string;
  /** The request of a container that sets none (LimitRange `defaultRequest`): `BUILD_EPHEMERAL_STORAGE_REQUEST`. */
  readonly request: string;
  /** The most a container may set as its limit (LimitRange `max`). */
  readonly max: string;
}

/**
 * The ephemeral storage each build container requests unless it sets its own: what the scheduler counts against a
 * node's allocatable disk. Small, as the runner's CPU and memory requests are: a Drone pod holds one container per
 * step, each requesting it, and a request the size of the limit would keep a pipeline of many steps Pending on
 * nodes of common disk sizes.
 */
export const BUILD_EPHEMERAL_STORAGE_REQUEST = '256Mi';

/**
 * Each build container's ephemeral storage limit unless set (`buildEphemeralStorageLimit`, both engines): a clone, a
 * language toolchain's caches and an image builder's unpacked base image, with room; a Drone pod of a clone and three
 * steps may hold 16Gi in all, on nodes whose disks are commonly 50 to 160 GB.
 */
export const DEFAULT_EPHEMERAL_STORAGE_LIMIT = '4Gi';

/**
 * The ephemeral storage of build containers, checked (`BuildEphemeralStorage`): `limit` (the prop
 * `buildEphemeralStorageLimit`) at least `BUILD_EPHEMERAL_STORAGE_REQUEST`, which every container requests, and `max`
 * (`buildMaxEphemeralStorage`, where the engine lets a step set its own) at least `limit`.
 *
 * @param max the most a step may set; `@default` - `limit`: the engine lets no step set its own
 */
export function buildEphemeralStorage(limit: string, max: string = limit): BuildEphemeralStorage {
  const bytes = parseQuantity('buildEphemeralStorageLimit', limit);
  if (bytes < parseQuantity('request', BUILD_EPHEMERAL_STORAGE_REQUEST)) {
    invalid('buildEphemeralStorageLimit', limit, `must be at least ${BUILD_EPHEMERAL_STORAGE_REQUEST}, the ephemeral storage every build container ` +
      'requests (LimitRange defaultRequest), such as "4Gi"');
  }
  if (parseQuantity('buildMaxEphemeralStorage', max) < bytes) {
    invalid('buildMaxEphemeralStorage', max, `must be at least buildEphemeralStorageLimit ${describeValue(limit)}`);
  }
  return { limit, request: BUILD_EPHEMERAL_STORAGE_REQUEST, max };
}

/**
 * Whose build namespaces a `BuildNamespaceSet` holds, as its checks name the owner: a runner or a set of agents, whose
 * own namespace holds their Secrets and so is never one of them. Each engine words it for its own part, so that its
 * errors read as they always have.
 */
export interface BuildNamespaceOwner {
  /** The namespace the runner or the agents run in. */
  readonly namespace: string;
  /** The build namespaces as errors name them, e.g. "the runner's build namespaces". */
  readonly namespaces: string;
  /** One of the build namespaces as errors name it, e.g. "a build namespace of the runner". */
  readonly member: string;
  /** `namespace` as errors name it, with why it is refused, e.g. "the runner's own namespace, so pipelines cannot reach its Secrets". */
  readonly home: string;
}

/**
 * Refuse `namespace` (the prop `prop`) as a build namespace if it is the owner's own namespace: pipelines there could
 * read the Secrets of the runner or agents; or if it is Kubernetes' own, `default` or a `kube-` namespace: a build
 * namespace's NetworkPolicy admits no ingress to any pod in it (CoreDNS in kube-system), its Pod Security label and
 * the engine's Role would apply to the cluster's own pods, and its `default` ServiceAccount would lose its token (a
 * new user's trial set `buildNamespace: 'kube-system'`, and the synth passed). `BuildNamespaceSet.add` runs it; so
 * does a caller that checks a build namespace of an owner not made yet (`DroneKubeRunner.checkBuildNamespace`).
 */
export function checkNotOwnNamespace(prop: string, namespace: string, owner: BuildNamespaceOwner): void {
  if (namespace === owner.namespace) {
    invalid(prop, namespace, `must differ from ${owner.home}`);
  }
  if (namespace === 'default' || namespace.startsWith('kube-')) {
    invalid(prop, namespace, 'must be a namespace for builds, not "default" or a "kube-" system namespace: a build namespace admits no ingress to ' +
      'any pod in it, and the CI engine may create pods and Secrets there');
  }
}

/**
 * Refuse `namespace` (the prop `prop`) as a place for builds, that is as a build namespace, a route's or runner
 * policy's namespace, or an agent's backend namespace, if an owner of the app holds it (`claimNamespace`: a team's
 * app, build or pull-request namespace): the engine's Role and other repositories' pods there would sit beside the
 * owner's Secrets, pods and deploy identity. The owner's own builds are added before it claims the namespace, so
 * only others' are refused; `create: false` changes nothing, as the Role and pods go there all the same.
 *
 * @param scope a construct of the app whose owners are looked up
 */
export function checkNotOwnedNamespace(scope: IConstruct, prop: string, namespace: string): void {
  const owner = namespaceOwner(scope, namespace);
  if (owner !== undefined) {
    invalid(prop, namespace, `must not be ${describeOwnedNamespace(owner)}: no other repository's builds may run beside the ${owner.kind}'s Secrets and pods`);
  }
}

/** Check the options of a build namespace before anything of it is defined. */
function checkBuildNamespaceOptions(context: BuildNamespaceContext, options: BuildNamespaceOptions): void {
  const create = options.create ?? context.create;
  if (!create && options.podSecurity !== undefined) {
    invalid('podSecurity', options.podSecurity, 'must not be set when create is false: it is enforced by the Namespace the runner would create');
  }
  if (!create && options.labels !== undefined) {
    invalid('labels', options.labels, 'must not be set when create is false: they are labels of the Namespace the runner would create');
  }
  checkNamespaceLabels('labels', options.labels ?? {});
  const own = Object.keys(options.labels ?? {}).find((k) => k in context.namespaceLabels);
  if (own !== undefined) {
    invalid('labels', options.labels, `must not set ${describeValue(own)}: the runner sets it to mark its build namespaces`);
  }
}

/**
 * One build namespace of a runner, its name and options checked first by `BuildNamespaceSet.add`: the Namespace
 * (unless it exists), the runner's Role and RoleBinding there, a LimitRange, a NetworkPolicy that admits no ingress
 * and only the declared egress, and a `default` ServiceAccount that mounts no API token.
 */
export class BuildNamespace extends Construct {
  private readonly egress: PodFirewall;

  public constructor(scope: Construct, namespace: string, context: BuildNamespaceContext, options: BuildNamespaceOptions = {}) {
    super(scope, namespace);
    const create = options.create ?? context.create;
    if (create) {
      new Namespace(this, 'Namespace', {
        name: namespace, podSecurity: options.podSecurity ?? context.podSecurity, labels: { ...options.labels, ...context.namespaceLabels },
      });
    }
    new NamespacedAccess(this, 'Access', {
      name: context.name, namespace, labels: context.labels, rules: [...context.rules], subjects: [serviceAccountSubject(context.serviceAccount)],
    });
    // ephemeral storage in the same item: a request set on every container with a small default, so that the
    // scheduler counts build pods against the nodes' disk without keeping them Pending; cpu and memory get the
    // engine's defaultRequest (unset, the API server defaults it to `default`, kubernetes
    // pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem: a container without requests would reserve its limit)
    const storage = context.ephemeralStorage;
    kube(this, 'LimitRange', 'LimitRange', {
      metadata: { name: `${context.name}-builds`, namespace, labels: context.labels },
      spec: {
        limits: [{
          type: 'Container',
          default: { ...context.limits, 'ephemeral-storage': quantity(storage.limit) },
          defaultRequest: { ...context.defaultRequest, 'ephemeral-storage': quantity(storage.request) },
          max: { 'cpu': quantity(context.max.cpu), 'memory': quantity(context.max.memory), 'ephemeral-storage': quantity(storage.max) },
        }],
      },
    });
    if (context.pool?.namespace === namespace) {
      const { cpu, memory, pods } = context.pool.quota;
      kube(this, 'ResourceQuota', 'ResourceQuota', {
        metadata: { name: `${context.name}-builds`, namespace, labels: context.labels },
        // requests only: limits are the LimitRange's, per container; no ephemeral storage, which every container of a
        // Drone pod requests, so that a pipeline of many steps is not refused for its step count
        spec: { hard: { 'requests.cpu': quantity(cpu), 'requests.memory': quantity(memory), 'pods': quantity(String(pods)) } },
      });
    }
    // one policy for both directions (one object per namespace, which counts at a thousand teams): steps of a
    // pipeline share one pod and talk over localhost, so nothing needs to reach build pods; nor do build pods need
    // anything of the cluster beyond DNS and what is declared: a pipeline clones from the git provider's URL
    // (runner-go v1.12.0 environ/environ.go:47 DRONE_REMOTE_URL, drone/drone-git v1.2.0 posix/clone-commit:10),
    // never from Drone, and the runner itself carries logs and state to the server
    this.egress = new PodFirewall(this, 'NetworkPolicy', { name: `${context.name}-builds`, namespace, podLabels: {}, denyEgress: true });
    context.egress.forEach((rule) => this.allowEgress(rule));
    // the runner sets no automountServiceAccountToken on pipeline pods (drone-runner-kube v1.0.0-rc.5
    // engine/convert.go:15-37 toPod), so the ServiceAccount's setting decides; pipelines that need the API run as a
    // ServiceAccount of their own, which a runner policy pins
    DefaultServiceAccount.of(this, namespace).disableTokenAutomount();
  }

  /** Let the namespace's pods open connections to the rule's peers and ports. */
  public allowEgress(rule: BuildEgressRule): void {
    this.egress.allowEgress(rule.peers, rule.ports);
  }
}

/**
 * The prop of a build namespace added after construction (`addBuildNamespace(namespace, options)`), which can be added
 * again with `create: false`; any other prop is a constructor's (`buildNamespace`, `extraBuildNamespaces`).
 */
const ADDED_LATER = 'namespace';

/**
 * The build namespaces of one runner or agent set, in the order added, and the egress declared for all of them or
 * some: a namespace added later gets what was declared for every namespace. Drone's runner and Woodpecker's agents
 * share it, so both engines check, add and admit build namespaces the same way.
 */
export class BuildNamespaceSet {
  private readonly scopes = new Map<string, BuildNamespace>();
  /** Egress declared for every build namespace, so that namespaces added later get it too. */
  private readonly shared: BuildEgressRule[] = [];
  /** Sets that get the egress declared for every namespace of this one too, now and later (`shareEgressWith`). */
  private readonly sharers: BuildNamespaceSet[] = [];

  /**
   * @param owner whose build namespaces they are, as errors name it
   * @param context what every build namespace of the owner shares, which the options of each are checked against
   * @param app the runner or agent set: its app's Namespaces and owned namespaces are looked up, and its path names
   *   it as the builder of its namespaces (`recordBuildNamespace`), which no team may take later
   */
  public constructor(private readonly owner: BuildNamespaceOwner, private readonly context: BuildNamespaceContext, private readonly app: IConstruct) {}

  /** The namespaces, in the order added. */
  public get names(): string[] {
    return [...this.scopes.keys()];
  }

  /** Whether `namespace` is one of them. */
  public has(namespace: string): boolean {
    return this.scopes.has(namespace);
  }

  /**
   * Add a build namespace. Every check comes first: `namespace` is a DNS label, not the owner's own namespace
   * (`checkNotOwnNamespace`), not a namespace a team owns (`checkNotOwnedNamespace`), not one of the set already, and,
   * if it is to be created, not a Namespace the app defines already; and `options` fit the context (`create` false
   * leaves nothing to label or enforce; the owner's own labels are its). Only then does `define` define the
   * namespace's objects, so a refusal leaves everything as it was, and the namespace is recorded as built in
   * (`recordBuildNamespace`). The namespace then gets the egress declared for every namespace so far, after what
   * `define` gave it.
   *
   * @param define defines the namespace's objects from the set's context, with whatever the engine adds there; called
   *   once, after the checks
   * @param prop the prop that gave `namespace`, which refusals of it name: a constructor's `buildNamespace` or
   *   `extraBuildNamespaces`, or `namespace` for one added later
   * @returns what `define` returned
   */
  public add(namespace: string, options: BuildNamespaceOptions, define: (context: BuildNamespaceContext) => BuildNamespace, prop = ADDED_LATER): BuildNamespace {
    this.check(prop, namespace, options);
    const scope = define(this.context);
    this.scopes.set(namespace, scope);
    recordBuildNamespace(this.app, namespace);
    this.shared.forEach((rule) => scope.allowEgress(rule));
    return scope;
  }

  /**
   * Every check `add` runs, in its order, changing nothing: refusals of `namespace` name the prop `prop`. For a caller
   * that checks a namespace of a constructor prop before adding it (`WoodpeckerBuildNamespaces.checkBuildNamespace`).
   *
   * @param prop the prop that gave `namespace`: `namespace` for one added later (`addBuildNamespace`), else a
   *   constructor's, whose namespaces are created unless `createBuildNamespaces` is false
   * @param options the options it is added with
   *   `@default` - none: the set's defaults
   */
  public check(prop: string, namespace: string, options: BuildNamespaceOptions = {}): void {
    checkDnsLabel(prop, namespace);
    checkNotOwnNamespace(prop, namespace, this.owner);
    // before the create: false advice below, which a team's namespace must never get
    checkNotOwnedNamespace(this.app, prop, namespace);
    if (this.scopes.has(namespace)) {
      invalid(prop, namespace, `must not already be ${this.owner.member}: ${this.names.join(', ')}`);
    }
    checkBuildNamespaceOptions(this.context, options);
    // `Namespace` refuses a second definition too, but only once `define` has begun defining the namespace's objects
    if ((options.create ?? this.context.create) && isNamespaceDefined(this.app, namespace)) {
      invalid(prop, namespace, `must not be a Namespace the app defines already: ${prop === ADDED_LATER
        ? 'add it with create: false to build in it' : 'set createBuildNamespaces to false to build in namespaces that exist'}`);
    }
  }

  /**
   * Let build pods open TCP connections to `peer` on `ports`: in every namespace, those added later included, or
   * only in `options.namespaces`, each of which must be one of them already.
   */
  public allowEgress(peer: NetworkPeer, ports: number[], options: BuildEgressOptions = {}): void {
    if (!Array.isArray(ports) || ports.length === 0) {
      invalid('ports', ports, 'must list at least one port: builds reach only what they need');
    }
    checkUniqueList('ports', ports).forEach((p) => checkPort('ports', p));
    const rule = buildEgressRule([peer], ports.map((port) => ({ protocol: 'TCP' as const, port })));
    if (options.namespaces === undefined) {
      this.allowSharedEgress(rule);
      return;
    }
    if (options.namespaces.length === 0) {
      invalid('namespaces', options.namespaces, 'must not be empty: leave it out for every build namespace');
    }
    for (const ns of checkUniqueList('namespaces', options.namespaces)) {
      if (!this.scopes.has(ns)) {
        invalid('namespaces', ns, `must be one of ${this.owner.namespaces}: ${notAmong(ns, this.names)}`);
      }
    }
    options.namespaces.forEach((ns) => this.scopes.get(ns)!.allowEgress(rule));
  }

  /**
   * Give every namespace of `other`, those added later included, the egress declared for every namespace of this
   * set: what was declared so far, and what is declared later. For builds that stand in for this set's, e.g. a team's
   * dedicated Drone runner beside the shared one, whose builds must reach the registry and git server the shared
   * builds reach. Egress declared for named namespaces stays with those.
   */
  public shareEgressWith(other: BuildNamespaceSet): void {
    if (other.reaches(this)) {
      invalid('runner', other.context.name,
        'must not be this runner, nor one that shares its build egress with this one (directly or through others): sharing would go round in a circle');
    }
    this.sharers.push(other);
    this.shared.forEach((rule) => other.allowSharedEgress(rule));
  }

  /** Whether `set` is this set or gets this set's shared egress, directly or through others. */
  private reaches(set: BuildNamespaceSet): boolean {
    return set === this || this.sharers.some((s) => s.reaches(set));
  }

  /** A rule for every namespace, those added later and those of the sets it is shared with included. */
  private allowSharedEgress(rule: BuildEgressRule): void {
    this.shared.push(rule);
    this.scopes.forEach((scope) => scope.allowEgress(rule));
    this.sharers.forEach((s) => s.allowSharedEgress(rule));
  }
}
