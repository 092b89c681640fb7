import { Construct } from 'constructs';
import { checkDnsLabel, describeValue, invalid, NetworkPeer, parseCpu, parseQuantity, PodSecurityLevel } from '../core';
import { kube, quantity, scaleQuantity } from '../core/k8s';
import { notAmong } from '../core/text';
import { placement } from '../core/placement';
import { PolicyRule, serviceAccount } from '../core/rbac';
import { baseEgressRules, CLUSTER_DNS, BuildEgressOptions, BuildEgressProps, copyBuildEgress } from '../ci/build-egress';
import {
  BuildNamespace, BuildNamespaceOptions, BuildNamespaceOwner, BuildNamespaceSet, buildEphemeralStorage, BuildQuota, checkBuildQuota, checkNotOwnNamespace,
  DEFAULT_EPHEMERAL_STORAGE_LIMIT,
} from '../ci/build-namespace';

/** The build namespace settings a `WoodpeckerCi` passes through. */
export interface WoodpeckerBuildOptions {
  /**
   * Whether to define the build namespaces, rather than use existing ones. Existing ones lack
   * `buildNamespaceLabels` unless you set them.
   *
   * @default true
   */
  readonly createBuildNamespaces?: boolean;
  /**
   * The Pod Security level enforced in created build namespaces. Baseline lets image builders such as kaniko run
   * as root while refusing privileged pods and host access; restricted violations are still warned about. Restricted
   * refuses every step whose `backend_options.kubernetes.securityContext` does not set a seccomp profile, non-root
   * and dropped capabilities itself: the backend sets none of them (`pipeline/backend/kubernetes/pod.go:580-733`).
   * That includes the default clone step, which has no `backend_options` (v3.17.0
   * `pipeline/frontend/yaml/compiler/compiler.go:153-168`): there every pipeline, typed ones included, fails at its
   * clone step unless it sets `skip_clone` or a `clone:` step of its own with that security context.
   *
   * @default PodSecurityLevel.BASELINE
   */
  readonly buildPodSecurity?: PodSecurityLevel;
  /**
   * Where build pods may open connections to: DNS and the internet outside the cluster's private ranges, and what
   * `allowBuildEgress` declares. Pods of one namespace may also reach the pipeline services (`services:`) there.
   *
   * @default - the cluster DNS, and the internet without the private, shared and link-local ranges
   */
  readonly buildEgress?: BuildEgressProps;
  /**
   * The CPU limit of a step that sets none (LimitRange `default`). Woodpecker sets no requests or limits of its own
   * (`pipeline/backend/kubernetes/pod.go` takes them from the step's `backend_options` only), and a LimitRange
   * without `defaultRequest` makes the default limit the request too, so this is also what such a step requests.
   *
   * @default "1"
   */
  readonly buildCpuLimit?: string;
  /**
   * The memory limit, and so the request, of a step that sets none (LimitRange `default`).
   *
   * @default "2Gi"
   */
  readonly buildMemoryLimit?: string;
  /**
   * The most CPU any one step may set as its limit (LimitRange `max`); at least `buildCpuLimit`.
   *
   * @default "4"
   */
  readonly buildMaxCpu?: string;
  /**
   * The most memory any one step may set as its limit (LimitRange `max`); at least `buildMemoryLimit`.
   *
   * @default "8Gi"
   */
  readonly buildMaxMemory?: string;
  /**
   * The ephemeral storage limit of a step that sets none (LimitRange `default`): the node's disk its container's
   * writable layer and logs take (an image builder unpacks its base image there), which the kubelet bounds by evicting
   * the pod. The backend sets none itself (v3.17.0 `pipeline/backend/kubernetes/pod.go:481-509` takes resources only from
   * the step's `backend_options`). The workspace is not on it: it is a PersistentVolumeClaim per workflow of
   * `workspaceSize` (`volume.go:28-64`), bounded by its StorageClass. Each step requests 256Mi of it (`defaultRequest`).
   *
   * @default "4Gi"
   */
  readonly buildEphemeralStorageLimit?: string;
  /**
   * The most ephemeral storage any one step may set as its limit in `backend_options.kubernetes.resources` (LimitRange
   * `max`); at least `buildEphemeralStorageLimit`.
   *
   * @default "16Gi"
   */
  readonly buildMaxEphemeralStorage?: string;
  /**
   * What the pods of the default build namespace, where the pool agent runs every pull request, may request together:
   * a ResourceQuota (`<name>-builds`) on `requests.cpu`, `requests.memory` and `pods`. Each step is a pod of its own,
   * a workflow whose steps set `depends_on` runs every step whose dependencies are done at once (v3.17.0
   * `pipeline/frontend/yaml/compiler/dag.go:41-76`; `depends_on: []` starts it at the beginning), and a step sets its own requests in
   * `backend_options.kubernetes.resources` up to `buildMaxCpu`/`buildMaxMemory`, so a pull request could otherwise
   * start pods enough to hold whole nodes. A pod past the quota is refused at its create, and its step fails with the
   * API server's "exceeded quota". Route agents' namespaces, which run only their route's repositories and events, get
   * none.
   *
   * @default - eight steps' default limits (8 × `buildCpuLimit` and `buildMemoryLimit`: 8 CPU and 16Gi), and 50 pods
   */
  readonly buildQuota?: BuildQuota;
}

/** What a step that sets no resources requests: the LimitRange's `defaultRequest`. */
const STEP_REQUEST = { cpu: '100m', memory: '128Mi' };

/** Props of `WoodpeckerBuildNamespaces`. */
export interface WoodpeckerBuildNamespacesProps extends WoodpeckerBuildOptions {
  /**
   * The name of the Roles, RoleBindings, LimitRanges and NetworkPolicies in the build namespaces, and the prefix of
   * the agents' ServiceAccounts.
   *
   * @default "woodpecker-agent"
   */
  readonly name?: string;
  /**
   * The namespace the agents run in, where their ServiceAccounts live.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The default build namespace, where agents run pipelines unless they say otherwise.
   *
   * @default - "<namespace>-builds"
   */
  readonly buildNamespace?: string;
}

/**
 * The build namespaces of a set of Woodpecker agents (each agent's `WOODPECKER_BACKEND_K8S_NAMESPACE`), with what
 * every one gets from `BuildNamespace`: the Namespace (unless it exists), a Role with exactly what the Kubernetes
 * backend calls, a LimitRange, a NetworkPolicy that admits no ingress and only the declared egress, and a `default`
 * ServiceAccount that mounts no API token.
 *
 * The agents that serve one namespace run as one ServiceAccount (`serviceAccountName`), the only subject of that
 * namespace's RoleBinding, so an agent can act in its own backend namespace and in no other.
 *
 * Unlike Drone's, Woodpecker's steps run one pod each, and a pipeline's `services:` are pods the steps reach over
 * the network through a headless Service (`pipeline/backend/kubernetes/service.go:34-56`): each namespace's pods may
 * reach its service pods (those with the backend's `service` label, `pod.go:140-142`), and nothing else of it.
 */
export class WoodpeckerBuildNamespaces extends Construct {
  /**
   * What the v3.17.0 Kubernetes backend calls in its namespace, and nothing more (woodpecker-ci/helm 3.6.5
   * `charts/woodpecker/charts/agent/templates/role.yaml:46-55` grants the same):
   *
   * - pods: create (`pipeline/backend/kubernetes/pod.go:764`), delete (`pod.go:775`), get (`kubernetes.go:352,368`),
   *   list and watch (the pod informers, `kubernetes.go:336,441`);
   * - pods/log: get (`kubernetes.go:468-474`);
   * - persistentvolumeclaims: create and delete (`volume.go:86,96`), the workflow's workspace;
   * - secrets: create and delete (`secrets.go:291,305,322,360`), a step's secrets and registry logins;
   * - services: create and delete (`service.go:77,88`), the workflow's headless Service.
   *
   * Namespaces are never touched: `WOODPECKER_BACKEND_K8S_NAMESPACE_PER_ORGANIZATION` stays off.
   */
  public static readonly AGENT_RULES: readonly PolicyRule[] = Object.freeze([
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['persistentvolumeclaims', 'secrets', 'services'], verbs: ['create', 'delete'] },
  ]);
  /**
   * The cluster DNS pods, which build pods may query by default: CoreDNS keeps kube-dns's label `k8s-app: kube-dns`
   * (kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base). Where the DNS pods differ, set
   * `buildEgress.dns`.
   */
  public static readonly CLUSTER_DNS = CLUSTER_DNS;
  /** The label key that names the agents' set on its build namespaces. */
  public static readonly BUILD_NAMESPACE_LABEL = 'dockyard.dev/woodpecker-agent';
  /** The label key that holds the agents' own namespace on their build namespaces. */
  public static readonly BUILD_NAMESPACE_AGENT_NAMESPACE_LABEL = 'dockyard.dev/woodpecker-agent-namespace';

  /** The namespace the agents run in. */
  public readonly namespace: string;
  /** The default build namespace. */
  public readonly buildNamespace: string;
  /** The labels every created build namespace carries. */
  public readonly buildNamespaceLabels: Readonly<Record<string, string>>;
  /** Every pod of the created build namespaces, as a NetworkPolicy peer (by `buildNamespaceLabels`). */
  public readonly buildPeer: NetworkPeer;
  /**
   * The `buildEgress` it was given (`{}` for the defaults), which the egress policy of every build namespace starts
   * from, for checks of what builds can reach (`TeamPlatform`'s `apiServer`). A copy: changing the object given
   * changes nothing here.
   */
  public readonly buildEgress: BuildEgressProps;

  private readonly name: string;
  private readonly labels: Record<string, string>;
  private readonly scopes: BuildNamespaceSet;

  public constructor(scope: Construct, id: string, props: WoodpeckerBuildNamespacesProps = {}) {
    super(scope, id);
    const { name, namespace, labels } = placement(this, {
      app: 'woodpecker', component: 'agent', name: props.name, defaultName: 'woodpecker-agent', namespace: props.namespace,
    });
    this.name = name;
    this.namespace = namespace;
    this.labels = labels;
    this.buildNamespace = checkDnsLabel('buildNamespace', props.buildNamespace ?? `${namespace}-builds`);
    this.owner = {
      namespace, namespaces: 'the build namespaces', member: 'a build namespace',
      home: 'the agents\' own namespace, so pipelines cannot reach their Secrets',
    };
    // under its own prop, before the limits, as Drone's runner checks it; `addScope` below checks it under that prop too
    checkNotOwnNamespace('buildNamespace', this.buildNamespace, this.owner);
    const limits = { cpu: props.buildCpuLimit ?? '1', memory: props.buildMemoryLimit ?? '2Gi' };
    const max = { cpu: props.buildMaxCpu ?? '4', memory: props.buildMaxMemory ?? '8Gi' };
    if (parseCpu('buildMaxCpu', max.cpu) < parseCpu('buildCpuLimit', limits.cpu)) {
      invalid('buildMaxCpu', max.cpu, `must be at least buildCpuLimit ${describeValue(limits.cpu)}`);
    }
    if (parseQuantity('buildMaxMemory', max.memory) < parseQuantity('buildMemoryLimit', limits.memory)) {
      invalid('buildMaxMemory', max.memory, `must be at least buildMemoryLimit ${describeValue(limits.memory)}`);
    }
    this.buildNamespaceLabels = {
      [WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL]: name, [WoodpeckerBuildNamespaces.BUILD_NAMESPACE_AGENT_NAMESPACE_LABEL]: namespace,
    };
    this.buildPeer = NetworkPeer.namespaces(this.buildNamespaceLabels);
    this.scopes = new BuildNamespaceSet(this.owner, {
      name, labels, namespaceLabels: this.buildNamespaceLabels,
      // replaced per namespace: each namespace's agents have their own ServiceAccount
      serviceAccount: { name, namespace },
      rules: WoodpeckerBuildNamespaces.AGENT_RULES,
      podSecurity: props.buildPodSecurity ?? PodSecurityLevel.BASELINE,
      create: props.createBuildNamespaces ?? true,
      limits: { cpu: quantity(limits.cpu), memory: quantity(limits.memory) },
      // the backend sets only the requests a step's backend_options ask for (woodpecker v3.17.0
      // pipeline/backend/kubernetes/pod.go:481-496 resourceRequirements), so without a default every step, clone and
      // service pod would request its full default limit
      defaultRequest: { cpu: quantity(STEP_REQUEST.cpu), memory: quantity(STEP_REQUEST.memory) },
      max,
      ephemeralStorage: buildEphemeralStorage(props.buildEphemeralStorageLimit ?? DEFAULT_EPHEMERAL_STORAGE_LIMIT, props.buildMaxEphemeralStorage ?? '16Gi'),
      pool: {
        namespace: this.buildNamespace,
        quota: checkBuildQuota(props.buildQuota, { cpu: String(scaleQuantity(limits.cpu, 8)), memory: String(scaleQuantity(limits.memory, 8)), pods: 50 }, {
          cpu: parseCpu('cpu', STEP_REQUEST.cpu), memory: parseQuantity('memory', STEP_REQUEST.memory), pods: 1,
          why: `one step that sets no resources, requesting ${STEP_REQUEST.cpu} CPU and ${STEP_REQUEST.memory} memory (the LimitRange's defaultRequest)`,
        }),
      },
      egress: baseEgressRules(props.buildEgress ?? {}, WoodpeckerBuildNamespaces.CLUSTER_DNS),
    }, this);
    this.buildEgress = copyBuildEgress(props.buildEgress ?? {});
    this.addScope('buildNamespace', this.buildNamespace, {});
  }

  /** Every build namespace: the default first, then the others in the order added. */
  public get buildNamespaces(): readonly string[] {
    return this.scopes.names;
  }

  /** Whether `namespace` is one of the build namespaces: one lookup, however many there are. */
  public has(namespace: string): boolean {
    return this.scopes.has(namespace);
  }

  /**
   * The ServiceAccount, in the agents' namespace, that the agents serving `namespace` run as: the subject of the
   * Role there.
   */
  public serviceAccountName(namespace: string): string {
    if (!this.scopes.has(namespace)) {
      invalid('backendNamespace', namespace, `must be one of the build namespaces: ${notAmong(namespace, this.buildNamespaces)}`);
    }
    return `${this.name}-${namespace}`;
  }

  /**
   * Refuse `namespace`, the prop `prop`, as a build namespace with what `addBuildNamespace(namespace)` would refuse
   * under `namespace` (`BuildNamespaceSet.check`): a malformed name, the agents' own namespace, one of the build
   * namespaces, or a Namespace the app defines already while build namespaces are created. For a caller that checks
   * a namespace of its own props before adding it, changing nothing.
   */
  public checkBuildNamespace(prop: string, namespace: string): void {
    this.scopes.check(prop, namespace);
  }

  /** The agents as errors about their build namespaces name them. */
  private readonly owner: BuildNamespaceOwner;

  /**
   * Let agents run pipelines in `namespace` too, with everything a build namespace gets (see the class), the
   * egress declared for every build namespace included. Every check runs before anything is defined
   * (`BuildNamespaceSet.add`), so a refusal changes nothing.
   */
  public addBuildNamespace(namespace: string, options: BuildNamespaceOptions = {}): void {
    this.addScope('namespace', namespace, options);
  }

  /** `addBuildNamespace`, its refusals of `namespace` naming the prop `prop` that gave it. */
  private addScope(prop: string, namespace: string, options: BuildNamespaceOptions): void {
    this.scopes.add(namespace, options, (context) => {
      const account = `${this.name}-${namespace}`;
      serviceAccount(this, `ServiceAccount-${namespace}`, { name: account, namespace: this.namespace, labels: this.labels });
      const scope = new BuildNamespace(this, namespace, { ...context, serviceAccount: { name: account, namespace: this.namespace } }, options);
      // a pipeline's steps reach its services pod to pod (service.go:34-56): let the namespace's pods connect to its
      // service pods, which the backend labels `service` (pod.go:140-142; pipelines cannot set pod labels while
      // WOODPECKER_BACKEND_K8S_POD_LABELS_ALLOW_FROM_STEP is off, pod.go:115-134)
      scope.allowEgress({ peers: [NetworkPeer.namespace(namespace)], ports: [] });
      kube(this, `Services-${namespace}`, 'NetworkPolicy', {
        metadata: { name: `${this.name}-services`, namespace, labels: this.labels },
        spec: {
          podSelector: { matchExpressions: [{ key: 'service', operator: 'Exists' }] },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: {} }] }],
        },
      });
      return scope;
    }, prop);
  }

  /**
   * Let build pods open TCP connections to `peer` on `ports`, e.g. to an in-cluster git server or registry. The
   * peer's own NetworkPolicy must admit the build namespaces too (`buildPeer` for all of them).
   *
   * @param options `namespaces`: only these build namespaces
   */
  public allowBuildEgress(peer: NetworkPeer, ports: number[], options: BuildEgressOptions = {}): void {
    this.scopes.allowEgress(peer, ports, options);
  }
}
