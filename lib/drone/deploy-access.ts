import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkUniqueList, componentLabels, Images, invalid, isDnsSubdomain, ISecret, namespaceOf } from '../core';
import { kube } from '../core/k8s';
import { PullAccess } from '../core/pull-access';
import { isWildcard, NamespacedAccess, PolicyRule, serviceAccountSubject } from '../core/rbac';

/** One grant of a deploy identity. */
export class DeployPermission {
  /** Create, change and read `resources` of `apiGroup` (`""` for the core group). */
  public static manage(apiGroup: string, resources: string[]): DeployPermission {
    return new DeployPermission(apiGroup, resources, ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
  }

  /** Read `resources` of `apiGroup`. */
  public static read(apiGroup: string, resources: string[]): DeployPermission {
    return new DeployPermission(apiGroup, resources, [...READ_VERBS]);
  }

  /**
   * Exactly `verbs` on `resources` of `apiGroup`, e.g. `allow('apps', ['deployments'], ['get', 'patch'])` for
   * `kubectl rollout restart`, which reads the workload and patches its template (kubernetes/kubernetes
   * staging/src/k8s.io/kubectl/pkg/cmd/rollout/rollout_restart.go, `RunRestart`): less than `manage`, which can also
   * create a workload that mounts any Secret of the namespace.
   *
   * @param verbs each one of `DeployPermission.VERBS`, the verbs of resources: no RBAC verb such as `escalate`,
   *   `bind` or `impersonate`, and no wildcard
   */
  public static allow(apiGroup: string, resources: string[], verbs: string[]): DeployPermission {
    checkUniqueList('verbs', verbs);
    const unknown = verbs.filter((verb) => !DeployPermission.VERBS.includes(verb));
    if (unknown.length > 0) {
      invalid('verbs', verbs, `must name only verbs of resources, ${DeployPermission.VERBS.join(', ')}: not ${unknown.join(', ')}`);
    }
    return new DeployPermission(apiGroup, resources, [...verbs]);
  }

  /**
   * What Helm needs of Secrets to keep its releases there, its default storage (`HELM_DRIVER` unset or `secret`,
   * helm/helm v4.2.4 pkg/action/action.go:675-676): get, list, create, update and delete, the driver's calls
   * (pkg/storage/driver/secrets.go:71, 94, 135, 182, 213, 227). `helm upgrade --install` lists a release's history,
   * creates the new release, marks the previous one superseded and deletes those past `--history-max`.
   *
   * Add it to the chart's own resources, e.g. `[...DeployAccess.DEFAULT_PERMISSIONS, DeployPermission.helmReleases()]`.
   * It lets deploys read every Secret of the namespace: RBAC cannot limit a `list` to Helm's names or labels, and a
   * list returns the Secrets' data. `HELM_DRIVER=configmap` needs no grant beyond the defaults, which manage ConfigMaps;
   * a release then holds the chart's rendered Secrets in a ConfigMap, which the team's members read.
   */
  public static helmReleases(): DeployPermission {
    return DeployPermission.allow('', ['secrets'], ['get', 'list', 'create', 'update', 'delete']);
  }

  /** The verbs `allow` takes: those of the API's resources (`manage` grants all but `deletecollection`). */
  public static readonly VERBS: readonly string[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

  private constructor(
    /** The API group. */
    public readonly apiGroup: string,
    /** The resources. */
    public readonly resources: string[],
    /** The verbs. */
    public readonly verbs: string[],
  ) {
    if (isWildcard('apiGroups', apiGroup)) {
      invalid('apiGroup', apiGroup, 'must name one API group ("" for the core group): a wildcard grants every group, RBAC\'s included');
    }
    // RBAC compares API groups as the API spells them, lower case: `Apps` grants nothing; every group but the core
    // one ("") is a DNS-1123 subdomain, labels of at most 63 characters, 253 in all
    if (apiGroup !== '' && !isDnsSubdomain(apiGroup)) {
      invalid('apiGroup', apiGroup, 'must be an API group as the API names it, in lower case, e.g. "apps" or "networking.k8s.io" ("" for the core group)');
    }
    checkUniqueList('resources', resources);
    const refused = resources.map((r) => ({ resource: r, reason: refusal(apiGroup, r, this.writes) }))
      .filter((r): r is { resource: string; reason: string } => r.reason !== undefined);
    if (refused.length > 0) {
      const reasons = [...new Set(refused.map((r) => r.reason))].join('; ');
      invalid('resources', resources, `must not include ${refused.map((r) => r.resource).join(', ')}: ${reasons}`);
    }
  }

  /** Whether it grants a verb that changes something: any but `get`, `list` and `watch`. */
  public get writes(): boolean {
    return this.verbs.some((verb) => !READ_VERBS.includes(verb));
  }

  /** @internal */
  public _toRule(): PolicyRule {
    return { apiGroups: [this.apiGroup], resources: [...this.resources], verbs: [...this.verbs] };
  }
}

/** The verbs that only read, `DeployPermission.read`'s. */
const READ_VERBS: readonly string[] = ['get', 'list', 'watch'];

const ESCALATES = 'they let their holder escalate its own privileges';
const REDIRECTS = 'they point a Service at any address, another team\'s pods or 169.254.169.254 included, and the ingress controller forwards there (CVE-2021-25740)';

// grants that hand out more than they name, by `apiGroup/resource`: running commands in pods (an ephemeral container
// is exec by another name), minting tokens, impersonation, and the namespace itself: the API server reads
// /api/v1/namespaces/X as a request in namespace X (k8s.io/apiserver pkg/endpoints/request/requestinfo.go), so a Role
// there granting `namespaces` lets its holder relabel X, its Pod Security level included. Endpoints and
// EndpointSlices let a Service of the team's point at any address, which the ingress controller then forwards to
// (CVE-2021-25740): Kubernetes' own `edit` role stopped granting write on Endpoints for that reason in 1.22
// (kubernetes/kubernetes#103704); Endpoints are mirrored into EndpointSlices, so both are refused
//
// Statuses and proxies redirect too: a pod's status holds its addresses (the status strategy resets only the spec,
// pkg/registry/core/pod/strategy.go `podStatusStrategy.PrepareForUpdate`), which EndpointSlices and the API server's
// pod proxy (`ResourceLocation`, same file) then send traffic to; a Service's status holds its load balancer's
// addresses, which kube-proxy captures inside the cluster (CVE-2020-8554). The proxies send requests from the API
// server's own network position, which no NetworkPolicy governs. A binding places a pod on a node of its choosing,
// past the scheduler's rules (pkg/registry/core/pod/storage/storage.go, `BindingREST`)
const STATUS_REDIRECTS = 'they rewrite the addresses that Services, kube-proxy or the API server\'s proxy send traffic to (CVE-2020-8554)';
const PROXIES = 'the API server sends their requests from its own network position, past every NetworkPolicy';
const BINDS = 'they place pods on nodes of their choosing, past the scheduler\'s rules';
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['/pods/proxy', PROXIES],
  ['/services/proxy', PROXIES],
  ['/pods/binding', BINDS],
  ['/bindings', BINDS],
  ['/pods/exec', ESCALATES],
  ['/pods/attach', ESCALATES],
  ['/pods/portforward', ESCALATES],
  ['/pods/ephemeralcontainers', 'they run commands in any pod of the namespace, as pods/exec does'],
  ['/serviceaccounts/token', ESCALATES],
  ['/nodes/proxy', ESCALATES],
  ['/namespaces', ESCALATES],
  ['/endpoints', REDIRECTS],
  ['discovery.k8s.io/endpointslices', REDIRECTS],
]);

// refused only to grants that write: reading a status changes nothing, and `get pods` returns it anyway
const REFUSED_WRITES: ReadonlyMap<string, string> = new Map([
  ['/pods/status', STATUS_REDIRECTS],
  ['/services/status', STATUS_REDIRECTS],
]);

// resources refused with every subresource: `namespaces/status` writes the namespace's labels (the status strategy
// resets only the spec: kubernetes/kubernetes pkg/registry/core/namespace/strategy.go, `PrepareForUpdate`),
// `namespaces/finalize` empties its finalizers
const REFUSED_WITH_SUBRESOURCES: ReadonlySet<string> = new Set(['/namespaces', '/endpoints', 'discovery.k8s.io/endpointslices']);

// resources whose subresources are refused, though the resource itself is not: `serviceaccounts/token` mints the
// account's token outside any pod (TokenRequest), and any other subresource would act for the account. The accounts
// themselves are an app's objects (`helm create` renders one): an account grants nothing but what is bound to it or
// to every account (the groups system:serviceaccounts and system:serviceaccounts:<namespace>), which a deploy that
// runs a pod as the namespace's `default` account has already, and a pod sets its own token's mount
// (`automountServiceAccountToken`) whatever its account says
const REFUSED_SUBRESOURCES: ReadonlySet<string> = new Set(['/serviceaccounts']);

/** Why a deploy identity may not have `resource` of `apiGroup`, or `undefined` when it may. */
function refusal(apiGroup: string, resource: string, writes: boolean): string | undefined {
  if (typeof resource !== 'string') {
    return 'a resource is named by a string, e.g. "deployments"';
  }
  if (apiGroup === 'rbac.authorization.k8s.io') {
    return ESCALATES;
  }
  // RBAC reads `*/<subresource>` as that subresource of every resource, pods/exec included
  // (kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go, `ResourceMatches`)
  if (resource.startsWith('*/')) {
    return `RBAC reads ${resource} as that subresource of every resource (*/exec is pods/exec): name the resource`;
  }
  if (isWildcard('resources', resource)) {
    return 'a wildcard grants every resource of the group: name each one';
  }
  // RBAC compares resources as the API spells them, lower case (`Pods/Exec` grants nothing, and would hide from
  // these checks what it means)
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$/.test(resource)) {
    return 'RBAC names a resource in lower case, as the API does, e.g. deployments or pods/log';
  }
  const base = `${apiGroup}/${resource.split('/')[0]}`;
  return REFUSED.get(`${apiGroup}/${resource}`) ?? (REFUSED_WITH_SUBRESOURCES.has(base) ? REFUSED.get(base) : undefined) ??
    (REFUSED_SUBRESOURCES.has(base) && resource.includes('/') ? ESCALATES : undefined) ??
    (writes ? REFUSED_WRITES.get(`${apiGroup}/${resource}`) : undefined);
}

/** Props of a `DeployAccess`. */
export interface DeployAccessProps {
  /** The namespace deploys change. */
  readonly namespace: string;
  /**
   * The name of the ServiceAccount, Role and RoleBinding.
   *
   * @default "deployer"
   */
  readonly name?: string;
  /**
   * Where the ServiceAccount lives. Put it in a dedicated build namespace and pin deploy repositories to it with a
   * runner policy: pipelines then use their pod's short-lived token and no long-lived credential exists.
   *
   * @default - the target namespace
   */
  readonly serviceAccountNamespace?: string;
  /**
   * What deploys may do. Secrets are left out unless granted here.
   *
   * @default DeployAccess.DEFAULT_PERMISSIONS
   */
  readonly permissions?: readonly DeployPermission[];
  /**
   * Pull secrets of the ServiceAccount, copied into its namespace. A build pod that runs as this account names no
   * pull secret of its own unless its pipeline sets `image_pull_secrets` (the runner sets only those,
   * drone-runner-kube v1.0.0-rc.5 `engine/convert.go:32`), and Kubernetes then adds the account's: without them it
   * cannot pull from a private registry or proxy cache that the namespace's `default` account can.
   *
   * At most one login per registry, among the pull secrets registered with `Images.usePullSecret` (a `PullSecret`
   * is): two would both be tried by the kubelet, and the synth fails naming this prop.
   *
   * @default - none; add them with `addImagePullSecret`
   */
  readonly imagePullSecrets?: readonly ISecret[];
}

/**
 * A least-privilege deploy identity: a ServiceAccount bound by a RoleBinding to a Role in one namespace.
 * Never a ClusterRoleBinding, never RBAC objects, never `pods/exec`.
 */
export class DeployAccess extends Construct {
  /**
   * What a pipeline needs to `kubectl apply` a typical app, client-side or `--server-side`, and wait for it with
   * `kubectl rollout status` or `helm --wait`: Deployments and StatefulSets (and their `scale`, for `kubectl scale`),
   * Services, ConfigMaps, ServiceAccounts, Ingresses and Gateway API HTTPRoutes, Jobs and CronJobs,
   * HorizontalPodAutoscalers and PodDisruptionBudgets managed; ReplicaSets (`kubectl rollout undo`, `describe`), pods,
   * their logs and events read. That is every kind `helm create` renders (helm/helm v4.2.4
   * pkg/chart/v2/util/create.go: a ServiceAccount by default, `serviceAccount.create: true`).
   *
   * Not Secrets (`DeployPermission.helmReleases()` for Helm's storage) or NetworkPolicies (apply them with the
   * platform), and no subresource of ServiceAccounts: `serviceaccounts/token` would mint an account's token outside
   * any pod. An account a deploy creates holds what is bound to its name, so where a cloud identity (IRSA, Workload
   * Identity) or a RoleBinding trusts an account of the namespace that does not exist yet, leave `serviceaccounts`
   * out of that team's permissions. Every managed kind lists and deletes, so `kubectl apply --prune` works with `DeployAccess.PRUNE_ALLOWLIST`.
   */
  public static readonly DEFAULT_PERMISSIONS: readonly DeployPermission[] = [
    DeployPermission.manage('apps', ['deployments', 'statefulsets']),
    // kubectl scale: a merge patch of the scale, or a get and update with --current-replicas (kubernetes/kubectl
    // v0.36.3 pkg/scale/scale.go:123-163); the same as patching spec.replicas, which `manage` grants
    DeployPermission.allow('apps', ['deployments/scale', 'statefulsets/scale'], ['get', 'update', 'patch']),
    DeployPermission.manage('', ['services', 'configmaps']),
    // an account grants nothing unbound (REFUSED_SUBRESOURCES above): its token subresource stays refused
    DeployPermission.manage('', ['serviceaccounts']),
    DeployPermission.manage('networking.k8s.io', ['ingresses']),
    // inert where Gateway API is not installed; a Gateway admits a namespace's routes only by its `allowedRoutes`
    DeployPermission.manage('gateway.networking.k8s.io', ['httproutes']),
    DeployPermission.manage('batch', ['jobs', 'cronjobs']),
    DeployPermission.manage('autoscaling', ['horizontalpodautoscalers']),
    DeployPermission.manage('policy', ['poddisruptionbudgets']),
    DeployPermission.read('apps', ['replicasets']),
    DeployPermission.read('', ['pods', 'pods/log', 'events']),
  ];

  /**
   * The kinds `kubectl apply --prune` may prune with `DEFAULT_PERMISSIONS`, as `--prune-allowlist` takes them
   * (`<group>/<version>/<kind>`, `core` for the core group): `kubectl apply -f app/ --prune -l app=web` followed by
   * `--prune-allowlist=<kind>` for each.
   *
   * Without `--prune-allowlist` kubectl prunes its own list (kubernetes/kubectl v0.36.3 pkg/util/prune/prune.go:28-50),
   * which holds Namespaces and PersistentVolumes (cluster-wide: no Role grants them), Endpoints and Secrets, and the
   * first list refused fails the whole prune (pkg/cmd/apply/prune.go:79-105). Add a kind of Gateway API
   * (`gateway.networking.k8s.io/v1/HTTPRoute`) only where its CRDs are installed: kubectl fails on a kind the API
   * server does not know (pkg/util/prune/prune.go:75-78). `--prune` without `--applyset` refuses `--server-side`
   * (pkg/cmd/apply/apply.go:437-440).
   */
  public static readonly PRUNE_ALLOWLIST: readonly string[] = [
    'core/v1/ConfigMap', 'core/v1/Service', 'apps/v1/Deployment', 'apps/v1/StatefulSet', 'batch/v1/Job', 'batch/v1/CronJob',
    'networking.k8s.io/v1/Ingress', 'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget', 'core/v1/ServiceAccount',
  ];

  /**
   * Check a deploy identity's permissions as `DeployAccess` does, for callers that take them under a prop of their
   * own: at least one.
   */
  public static checkPermissions(prop: string, permissions: readonly DeployPermission[]): readonly DeployPermission[] {
    if (permissions.length === 0) {
      invalid(prop, permissions, 'must grant at least one permission');
    }
    return permissions;
  }

  /** The ServiceAccount's name. */
  public readonly serviceAccountName: string;
  /** The ServiceAccount's namespace. */
  public readonly serviceAccountNamespace: string;

  private readonly pullSecrets: ISecret[] = [];
  private readonly rules: PolicyRule[];
  private readonly labels: Record<string, string>;
  private readonly namespaces: string[] = [];

  public constructor(scope: Construct, id: string, props: DeployAccessProps) {
    super(scope, id);
    const name = checkDnsLabel('name', props.name ?? 'deployer');
    const namespace = checkDnsLabel('namespace', props.namespace);
    this.serviceAccountName = name;
    this.serviceAccountNamespace = namespaceOf(this, props.serviceAccountNamespace ?? namespace, 'serviceAccountNamespace');
    const labels = componentLabels({ name: 'dockyard', instance: name, component: 'deploy-access' });
    const permissions = DeployAccess.checkPermissions('permissions', props.permissions ?? DeployAccess.DEFAULT_PERMISSIONS);
    // pipeline pods that run as this account need its token: the account exists for nothing else
    const account = kube(this, 'ServiceAccount', 'ServiceAccount', {
      metadata: { name, namespace: this.serviceAccountNamespace, labels },
      automountServiceAccountToken: true,
      imagePullSecrets: Lazy.any({
        produce: () => (this.pullSecrets.length > 0 ? [...new Set(this.pullSecrets.map((s) => s.secretName))].sort().map((n) => ({ name: n })) : undefined),
      }),
    });
    this.rules = permissions.map((p) => p._toRule());
    this.labels = labels;
    this.namespaces.push(namespace);
    new NamespacedAccess(this, 'Access', {
      name, namespace, labels, rules: this.rules, subjects: [serviceAccountSubject({ name, namespace: this.serviceAccountNamespace })],
    });
    (props.imagePullSecrets ?? []).forEach((s) => this.addImagePullSecret(s));
    // what build pods running as the account pull with, for the check that they can pull their engine's images
    PullAccess.recordAccount(account, this.serviceAccountNamespace, name, () => this.pullSecrets);
    // at synth, once every pull secret is registered: the account's list is its pods', one login per registry
    this.node.addValidation({ validate: () => {
      Images._checkOneLoginPerRegistry(this, 'imagePullSecrets', this.pullSecrets);
      return [];
    } });
  }

  /** Every namespace the identity may change: `namespace`, then those added with `addNamespace`. */
  public get targetNamespaces(): readonly string[] {
    return [...this.namespaces];
  }

  /**
   * Let the same identity change another namespace too, with the same permissions: a Role and RoleBinding there.
   * A team whose app spans several namespaces gets one deploy identity for all of them, and none other.
   */
  public addNamespace(namespace: string): void {
    checkDnsLabel('namespace', namespace);
    if (this.namespaces.includes(namespace)) {
      invalid('namespace', namespace, `must be added once: the identity already reaches ${this.namespaces.join(', ')}`);
    }
    this.namespaces.push(namespace);
    new NamespacedAccess(this, `Access-${namespace}`, {
      name: this.serviceAccountName, namespace, labels: this.labels, rules: this.rules,
      subjects: [serviceAccountSubject({ name: this.serviceAccountName, namespace: this.serviceAccountNamespace })],
    });
  }

  /**
   * Give the ServiceAccount a pull secret, copied into its namespace (an existing Secret must already be there). The
   * synth fails if two of its pull secrets log in to one registry (`imagePullSecrets`).
   */
  public addImagePullSecret(secret: ISecret): void {
    secret.shareWith(this.serviceAccountNamespace);
    this.pullSecrets.push(secret);
  }
}
