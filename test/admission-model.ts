import { parseQuantity } from '../lib/core/validation';

/**
 * A model of what the API server does to a pod created in a namespace with LimitRanges and a ResourceQuota: the
 * LimitRanger and ResourceQuota admission plugins, in the API server's order, each step cited below, and the
 * validation of the admitted pod; and what the kubelet then bounds a pod's ephemeral storage by. Tests run the pods
 * an engine creates (or a team's apps) through it against the rendered objects.
 *
 * The model covers the pod's containers and init containers; it leaves out LimitRange items of type Pod and
 * PersistentVolumeClaim (Dockyard renders none) and quota scopes (Dockyard's quotas have none).
 */

/**
 * The order of the two plugins in kube-apiserver's admission chain: `AllOrderedPlugins` in kubernetes
 * pkg/kubeapiserver/options/plugins.go, which fixes the order whatever the order of `--enable-admission-plugins`
 * (both are on by default: `DefaultOffAdmissionPlugins` in the same file leaves them out of the off list).
 * - Kubernetes 1.27: `limitranger.PluginName` at line 73, `resourcequota.PluginName` at line 105 (read in a
 *   copy of the v1.27 file: it lists SecurityContextDeny, PersistentVolumeLabel and ClusterTrustBundleAttest and
 *   imports k8s.io/apiserver/pkg/admission/plugin/validatingadmissionpolicy, as only 1.27 did);
 * - master at 008b3652959ca58af8be3fb5b6ecfe9ae7638282 (after 1.35): line 80 and line 118, under the comment
 *   "webhook, resourcequota, and deny plugins must go at the end".
 * Besides, LimitRanger defaults in its mutating step (`Admit`, plugin/pkg/admission/limitranger/admission.go) and
 * ResourceQuota only validates (staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/admission.go:
 * `QuotaAdmission` implements `admission.ValidationInterface` only), and every mutating step runs before any
 * validating one: the order holds twice over.
 */
export const ADMISSION_ORDER = ['LimitRanger', 'ResourceQuota'] as const;

export type ResourceList = Record<string, string>;
export interface Container {
  name: string;
  resources: { requests?: ResourceList; limits?: ResourceList };
}
export interface Pod {
  annotations: Record<string, string>;
  containers: Container[];
  initContainers: Container[];
}
export interface LimitRangeItem {
  type: string;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  min?: ResourceList;
  max?: ResourceList;
}

/** A quantity's value, in cores for CPU and bytes for memory. */
const value = (q: string) => parseQuantity('quantity', q);

/**
 * A LimitRange item as the API server stores it: kubernetes pkg/apis/core/v1/defaults.go, `SetDefaults_LimitRangeItem`,
 * for a Container item: a missing `default` (limit) is the `max`, a missing `defaultRequest` is the `default`, else
 * the `min`.
 */
export function stored(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') {
    return item;
  }
  const def = { ...item.default };
  const defaultRequest = { ...item.defaultRequest };
  for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) defaultRequest[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) defaultRequest[k] ??= v;
  return { ...item, default: def, defaultRequest };
}

/**
 * A pod as decoded: kubernetes pkg/apis/core/v1/defaults.go, `SetDefaults_Pod`: a container with limits but no
 * request for one of them requests its limit.
 */
export function decoded(pod: Pod): Pod {
  const each = (c: Container): Container => c.resources.limits === undefined ? c
    : { ...c, resources: { ...c.resources, requests: { ...c.resources.limits, ...c.resources.requests } } };
  return { ...pod, containers: pod.containers.map(each), initContainers: pod.initContainers.map(each) };
}

/**
 * LimitRanger (plugin/pkg/admission/limitranger/admission.go): `Admit` sets each container's missing limits from the
 * Container items' `default` and missing requests from their `defaultRequest` (`defaultContainerResourceRequirements`,
 * `mergeContainerResources`), for containers and init containers, and records what it set in the annotation
 * `kubernetes.io/limit-ranger`; `Validate` refuses a container outside an item's `min` and `max`
 * (`minConstraint`, `maxConstraint`).
 */
export function limitRanger(pod: Pod, items: LimitRangeItem[]): string[] {
  const defaults = { requests: {} as ResourceList, limits: {} as ResourceList };
  for (const item of items.filter((i) => i.type === 'Container')) {
    Object.assign(defaults.requests, item.defaultRequest);
    Object.assign(defaults.limits, item.default);
  }
  const notes: string[] = [];
  const merge = (c: Container, prefix: string) => {
    const requests = { ...c.resources.requests };
    const limits = { ...c.resources.limits };
    const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits)).sort();
    const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests)).sort();
    setLimits.forEach((k) => { limits[k] = defaults.limits[k]; });
    setRequests.forEach((k) => { requests[k] = defaults.requests[k]; });
    if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
    c.resources = { requests, limits };
  };
  pod.containers.forEach((c) => merge(c, 'container'));
  pod.initContainers.forEach((c) => merge(c, 'init container'));
  if (notes.length > 0) {
    pod.annotations['kubernetes.io/limit-ranger'] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
  const errors: string[] = [];
  for (const item of items.filter((i) => i.type === 'Container')) {
    for (const c of [...pod.containers, ...pod.initContainers]) {
      const { requests = {}, limits = {} } = c.resources;
      for (const [k, min] of Object.entries(item.min ?? {})) {
        if (!(k in requests) || value(requests[k]) < value(min) || (k in limits && value(limits[k]) < value(min))) {
          errors.push(`minimum ${k} usage per Container is ${min}`);
        }
      }
      for (const [k, max] of Object.entries(item.max ?? {})) {
        if (!(k in limits) || value(limits[k]) > value(max) || (k in requests && value(requests[k]) > value(max))) {
          errors.push(`maximum ${k} usage per Container is ${max}`);
        }
      }
    }
  }
  return errors;
}

/**
 * The pod evaluator of quota (pkg/quota/v1/evaluator/core/pods.go): `Constraints` demands of every container each
 * resource the quota tracks among `validationSet` (cpu, memory and their requests. and limits. forms), as
 * `podComputeUsageHelper` derives them from its requests and limits ("must specify ..."); the pod's usage, added to
 * the namespace's (none here), must fit each hard limit.
 */
export const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
export function usageOf(c: Container): Record<string, number> {
  const { requests = {}, limits = {} } = c.resources;
  const usage: Record<string, number> = { pods: 1 };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) usage[r] = usage[`requests.${r}`] = value(requests[r]);
    if (r in limits) usage[`limits.${r}`] = value(limits[r]);
  }
  return usage;
}
export function resourceQuota(pod: Pod, hard: ResourceList, used: Record<string, number> = {}): string[] {
  const required = Object.keys(hard).filter((r) => VALIDATION_SET.includes(r));
  const missing = new Map<string, string[]>();
  for (const c of [...pod.containers, ...pod.initContainers]) {
    const usage = usageOf(c);
    required.filter((r) => !(r in usage)).forEach((r) => missing.set(r, [...missing.get(r) ?? [], c.name]));
  }
  if (missing.size > 0) {
    // the container names as a sorted set lists them (sets.String.List)
    return [`must specify ${[...missing.keys()].sort().map((r) => `${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`).join('; ')}`];
  }
  const sum = podUsage(pod);
  return Object.entries(hard).filter(([r, h]) => r in sum && (used[r] ?? 0) + sum[r] > value(h)).map(([r, h]) => `exceeded quota: ${r}=${h}`);
}

/** A pod's usage as quota counts it: its containers' sum (init containers run one at a time, before them: the larger of the two). */
export function podUsage(pod: Pod): Record<string, number> {
  const sum: Record<string, number> = {};
  pod.containers.map(usageOf).forEach((u) => Object.entries(u).forEach(([k, v]) => { sum[k] = (sum[k] ?? 0) + v; }));
  pod.initContainers.map(usageOf).forEach((u) => Object.entries(u).forEach(([k, v]) => { sum[k] = Math.max(sum[k] ?? 0, v); }));
  sum.pods = 1;
  return sum;
}

/**
 * Create `pods` one after another in one namespace, each admitted pod's usage added to the namespace's (the quota's
 * `status.used`, which the quota admission updates as it admits each, staging/src/k8s.io/apiserver/pkg/admission/plugin/
 * resourcequota/controller.go `checkQuotas`): the errors of each, in order.
 */
export function admitAll(pods: readonly Pod[], limitRange: any, quota: any): string[][] {
  const used: Record<string, number> = {};
  return pods.map((input) => {
    const { errors, pod } = admit(input, limitRange, quota, ADMISSION_ORDER, used);
    if (errors.length === 0) Object.entries(podUsage(pod)).forEach(([k, v]) => { used[k] = (used[k] ?? 0) + v; });
    return errors;
  });
}

/**
 * The API server's validation of the admitted pod (pkg/apis/core/validation/validation.go,
 * `ValidateResourceRequirements`): no request above its limit.
 */
export function requestsWithinLimits(pod: Pod): string[] {
  return [...pod.containers, ...pod.initContainers].flatMap((c) => Object.entries(c.resources.requests ?? {})
    .filter(([k, v]) => k in (c.resources.limits ?? {}) && value(v) > value(c.resources.limits![k]))
    .map(([k]) => `${c.name}: ${k} request must be less than or equal to its limit`));
}

/** Create `pod` in a namespace holding `limitRange` and `quota`: the errors that refuse it, and the pod as admitted. */
export function admit(input: Pod, limitRange: any, quota: any, order: readonly string[] = ADMISSION_ORDER,
  used: Record<string, number> = {}): { errors: string[]; pod: Pod } {
  const pod = decoded(structuredClone(input));
  const items = (limitRange.spec.limits as LimitRangeItem[]).map(stored);
  const errors: string[] = [];
  for (const plugin of order) {
    errors.push(...(plugin === 'LimitRanger' ? limitRanger(pod, items) : resourceQuota(pod, quota.spec.hard, used)));
    if (errors.length > 0) break;
  }
  errors.push(...requestsWithinLimits(pod));
  return { errors, pod };
}

/**
 * The ephemeral storage, in bytes, past which the kubelet evicts the pod, or past which it evicts it for one
 * container (`undefined` where nothing bounds it): kubernetes pkg/kubelet/eviction/eviction_manager.go
 * `localStorageEviction`, each housekeeping pass. `podEphemeralStorageLimitEviction` evicts a pod whose usage (its
 * containers' writable layers and logs, and its volumes on the node's disk: `emptyDir`s not in memory) exceeds the
 * `ephemeral-storage` of `resourcehelper.PodLimits` (k8s.io/component-helpers resource/helpers.go: the containers' limits
 * added up, or an init container's where that is more), and bounds nothing where no container has the limit;
 * `containerEphemeralStorageLimitEviction` one whose container's writable layer and logs exceed that container's
 * limit; `emptyDirLimitEviction` one whose `emptyDir` exceeds its `sizeLimit`.
 */
export function ephemeralStorageBounds(pod: Pod & { volumes?: Array<{ name: string; emptyDir?: { sizeLimit?: string } }> }): {
  pod?: number; containers: Record<string, number | undefined>; emptyDirs: Record<string, number | undefined>;
} {
  const limitOf = (c: Container) => c.resources.limits?.['ephemeral-storage'];
  const limited = pod.containers.filter((c) => limitOf(c) !== undefined);
  const inits = pod.initContainers.filter((c) => limitOf(c) !== undefined).map((c) => value(limitOf(c)!));
  const sum = limited.reduce((total, c) => total + value(limitOf(c)!), 0);
  return {
    pod: limited.length + inits.length === 0 ? undefined : Math.max(sum, ...inits),
    containers: Object.fromEntries(pod.containers.map((c) => [c.name, limitOf(c) === undefined ? undefined : value(limitOf(c)!)])),
    emptyDirs: Object.fromEntries((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => [v.name, v.emptyDir!.sizeLimit ? value(v.emptyDir!.sizeLimit) : undefined])),
  };
}
