// The API requests a deploy pipeline's tools make, read from their source, to run against the RBAC model
// (rbac-model.ts). kubectl: kubernetes/kubectl v0.36.3 (dee3483a3d's tag, the staging copy of kubernetes/kubernetes
// staging/src/k8s.io/kubectl); Helm: helm/helm v4.2.4. Each function lists every request the tool may make on the
// way to success, for objects that may or may not exist yet: the first deploy creates, the next ones change.
import { ApiRequest } from './rbac-model';

/** One object of an app's manifests, by its API resource. */
export interface AppObject {
  readonly kind: string;
  readonly apiGroup: string;
  /** The plural resource RBAC names, e.g. `horizontalpodautoscalers`. */
  readonly resource: string;
  readonly name: string;
  readonly namespace: string;
}

/** The objects of a typical app in `namespace`: what an experienced platform engineer expects a deploy to apply. */
export function typicalApp(namespace: string): AppObject[] {
  return [
    ['Deployment', 'apps', 'deployments'], ['Service', '', 'services'], ['Ingress', 'networking.k8s.io', 'ingresses'],
    ['HTTPRoute', 'gateway.networking.k8s.io', 'httproutes'], ['ConfigMap', '', 'configmaps'],
    ['HorizontalPodAutoscaler', 'autoscaling', 'horizontalpodautoscalers'], ['PodDisruptionBudget', 'policy', 'poddisruptionbudgets'],
    ['CronJob', 'batch', 'cronjobs'], ['Job', 'batch', 'jobs'], ['StatefulSet', 'apps', 'statefulsets'],
    ['ServiceAccount', '', 'serviceaccounts'],
  ].map(([kind, apiGroup, resource]) => ({ kind, apiGroup, resource, name: 'web', namespace }));
}

/**
 * The objects `helm create web` renders into `namespace`, Helm v4.2.4 (pkg/chart/v2/util/create.go): with its default
 * values a ServiceAccount (`serviceAccount.create: true`, :131; templates/serviceaccount.yaml, :477-490), a Service
 * (:460) and a Deployment (:380); with `ingress.enabled`, `httpRoute.enabled` and `autoscaling.enabled` (each false by
 * default, :167, :187, :244) an Ingress (:295), an HTTPRoute (:340) and a HorizontalPodAutoscaler (:492) too. Its test
 * Pod (templates/tests/test-connection.yaml, :627-640) is a `helm test` hook, which `helm upgrade --install` leaves out.
 */
export function helmCreateChart(namespace: string, options: { readonly everythingEnabled?: boolean } = {}): AppObject[] {
  const optional = options.everythingEnabled ? [
    ['Ingress', 'networking.k8s.io', 'ingresses'], ['HTTPRoute', 'gateway.networking.k8s.io', 'httproutes'],
    ['HorizontalPodAutoscaler', 'autoscaling', 'horizontalpodautoscalers'],
  ] : [];
  return [['ServiceAccount', '', 'serviceaccounts'], ['Service', '', 'services'], ['Deployment', 'apps', 'deployments'], ...optional]
    .map(([kind, apiGroup, resource]) => ({ kind, apiGroup, resource, name: 'web', namespace }));
}

/** What a typical app may also hold, which a deploy identity is not granted by default (`DeployAccess` says why). */
export function platformObjects(namespace: string): AppObject[] {
  return [
    ['Secret', '', 'secrets'], ['NetworkPolicy', 'networking.k8s.io', 'networkpolicies'],
  ].map(([kind, apiGroup, resource]) => ({ kind, apiGroup, resource, name: 'web', namespace }));
}

function request(o: AppObject, verb: string, named = true, subresource?: string): ApiRequest {
  return { verb, apiGroup: o.apiGroup, resource: o.resource, namespace: o.namespace, ...(named ? { name: o.name } : {}), ...(subresource ? { subresource } : {}) };
}

/**
 * `kubectl apply -f` (client-side): a get of each object, then a create where there is none (pkg/cmd/apply/apply.go:
 * 680-706) or a patch of the three-way merge (743, pkg/cmd/apply/patcher.go `Patch`).
 */
export function kubectlApply(objects: readonly AppObject[]): ApiRequest[] {
  return objects.flatMap((o) => [request(o, 'get'), request(o, 'create', false), request(o, 'patch')]);
}

/** `kubectl apply --server-side`: one apply patch per object, which creates it if need be (apply.go:575-594). */
export function kubectlServerSideApply(objects: readonly AppObject[]): ApiRequest[] {
  return objects.map((o) => request(o, 'patch'));
}

/**
 * `kubectl rollout status <kind>/<name>`: the builder's `Latest()` gets the object, then a list and watch of its kind
 * narrowed to its name by a field selector (pkg/cmd/rollout/rollout_status.go:151-195). The Deployment's status
 * viewer reads the Deployment alone (pkg/polymorphichelpers/rollout_status.go): no ReplicaSet or pod.
 */
export function kubectlRolloutStatus(o: AppObject): ApiRequest[] {
  return [request(o, 'get'), request(o, 'list', false), request(o, 'watch', false)];
}

/**
 * `kubectl scale <kind>/<name> --replicas=N`: the builder gets the object, then a merge patch of its `scale`; with
 * `--current-replicas` or `--resource-version` a get and update of the scale instead (pkg/scale/scale.go:123-163).
 */
export function kubectlScale(o: AppObject): ApiRequest[] {
  return [request(o, 'get'), request(o, 'patch', true, 'scale'), request(o, 'get', true, 'scale'), request(o, 'update', true, 'scale')];
}

/** A kind `--prune-allowlist` names, `<group>/<version>/<kind>` (`core` for the core group), as its RBAC resource. */
interface PruneKind {
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

// the plural resource of each kind kubectl's own allowlist and DeployAccess.PRUNE_ALLOWLIST name (the API's
// discovery, which the RESTMapper reads)
const RESOURCES: Record<string, string> = {
  ConfigMap: 'configmaps', Endpoints: 'endpoints', PersistentVolumeClaim: 'persistentvolumeclaims', Pod: 'pods',
  ReplicationController: 'replicationcontrollers', Secret: 'secrets', Service: 'services', Job: 'jobs', CronJob: 'cronjobs',
  Ingress: 'ingresses', DaemonSet: 'daemonsets', Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets',
  Namespace: 'namespaces', PersistentVolume: 'persistentvolumes', HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  PodDisruptionBudget: 'poddisruptionbudgets', HTTPRoute: 'httproutes', NetworkPolicy: 'networkpolicies', ServiceAccount: 'serviceaccounts',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'PersistentVolume']);

/** kubectl's own allowlist, for `--prune` without `--prune-allowlist` (pkg/util/prune/prune.go:28-50). */
export const KUBECTL_DEFAULT_PRUNE_ALLOWLIST: readonly string[] = [
  'core/v1/ConfigMap', 'core/v1/Endpoints', 'core/v1/PersistentVolumeClaim', 'core/v1/Pod', 'core/v1/ReplicationController',
  'core/v1/Secret', 'core/v1/Service', 'batch/v1/Job', 'batch/v1/CronJob', 'networking.k8s.io/v1/Ingress', 'apps/v1/DaemonSet',
  'apps/v1/Deployment', 'apps/v1/ReplicaSet', 'apps/v1/StatefulSet', 'core/v1/Namespace', 'core/v1/PersistentVolume',
];

function pruneKind(gvk: string): PruneKind {
  const [group, , kind] = gvk.split('/');
  const resource = RESOURCES[kind];
  if (resource === undefined) {
    throw new Error(`no resource known for ${gvk}`);
  }
  return { apiGroup: group === 'core' ? '' : group, resource, namespaced: !CLUSTER_SCOPED.has(kind) };
}

/**
 * The prune of `kubectl apply --prune -l <selector> [--prune-allowlist=<gvk> ...]`, after the apply: for each allowed
 * kind a list with the selector in every namespace it applied to, then a delete of each object listed that carries
 * the last-applied annotation and was not applied; cluster-scoped kinds are listed cluster-wide
 * (pkg/cmd/apply/prune.go:72-153). Any error, a refused list among them, ends the prune (79-91, 103-105).
 */
export function kubectlPrune(allowlist: readonly string[], namespaces: readonly string[]): ApiRequest[] {
  return allowlist.map(pruneKind).flatMap((k) => (k.namespaced ? [...namespaces] : [undefined]).flatMap((namespace) => [
    { verb: 'list', apiGroup: k.apiGroup, resource: k.resource, ...(namespace ? { namespace } : {}) },
    { verb: 'delete', apiGroup: k.apiGroup, resource: k.resource, name: 'stale', ...(namespace ? { namespace } : {}) },
  ]));
}

/**
 * `helm upgrade --install <release> <chart> [--wait]`, Helm 4, of a chart of `objects` into their namespace.
 * - Release storage, Secrets by default (pkg/action/action.go:675-676): the history, a list by labels
 *   (pkg/cmd/upgrade.go:125-127, pkg/storage/driver/secrets.go:124-135); the new release, a create (163-182); the
 *   previous one marked superseded, an update (pkg/action/upgrade.go:212, secrets.go:194-213); releases past
 *   `--history-max` (default 10) a get and a delete (pkg/storage/storage.go:223, secrets.go:221-227).
 * - The chart's objects: a get of each, for the adoption check and to tell a create from an update
 *   (pkg/action/validate.go:56, 86; pkg/kube/client.go:584), a server-side apply patch, Helm 4's default for both
 *   (client.go:315-345, 354, 808, 1245-1264), and a delete of an object the new chart dropped (client.go:911-917, 1064).
 * - `--wait`: kstatus watches each kind in the release's namespace, a list and a watch (pkg/kube/statuswait.go:172-194).
 */
export function helmUpgradeInstall(objects: readonly AppObject[], namespace: string, options: { wait?: boolean } = {}): ApiRequest[] {
  const release = (verb: string, name?: string): ApiRequest => ({ verb, apiGroup: '', resource: 'secrets', namespace, ...(name ? { name } : {}) });
  return [
    release('list'), release('create'), release('update', 'sh.helm.release.v1.web.v2'),
    release('get', 'sh.helm.release.v1.web.v1'), release('delete', 'sh.helm.release.v1.web.v1'),
    ...objects.flatMap((o) => [request(o, 'get'), request(o, 'patch'), request(o, 'delete')]),
    ...(options.wait ? objects.flatMap((o) => [request(o, 'list', false), request(o, 'watch', false)]) : []),
  ];
}
