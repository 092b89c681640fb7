import { Resources } from '../../lib';
import { checkTeamQuota, TeamQuota, TeamQuotaObjects } from '../../lib/team/quota';
import { parseQuantity } from '../../lib/core/validation';
import { find, testChart } from '../util';

/**
 * A team's app namespace has a ResourceQuota on requests and limits of CPU and memory, which refuses a pod whose
 * containers do not set them all, and a LimitRange whose defaults set them. A pod that sets nothing is admitted
 * only because LimitRanger fills the defaults in before ResourceQuota checks them. This file encodes that: it
 * reads the rendered objects (lib/team/quota.ts) and runs a pod through a model of the two admission plugins, each
 * step cited below, in the API server's order.
 *
 * The model covers the pod's containers and init containers; it leaves out LimitRange items of type Pod and
 * PersistentVolumeClaim (Dockyard renders none) and quota scopes (the team quota has none).
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
const ADMISSION_ORDER = ['LimitRanger', 'ResourceQuota'] as const;

type ResourceList = Record<string, string>;
interface Container {
  name: string;
  resources: { requests?: ResourceList; limits?: ResourceList };
}
interface Pod {
  annotations: Record<string, string>;
  containers: Container[];
  initContainers: Container[];
}
interface LimitRangeItem {
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
function stored(item: LimitRangeItem): LimitRangeItem {
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
function decoded(pod: Pod): Pod {
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
function limitRanger(pod: Pod, items: LimitRangeItem[]): string[] {
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
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
function usageOf(c: Container): Record<string, number> {
  const { requests = {}, limits = {} } = c.resources;
  const usage: Record<string, number> = { pods: 1 };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (r in requests) usage[r] = usage[`requests.${r}`] = value(requests[r]);
    if (r in limits) usage[`limits.${r}`] = value(limits[r]);
  }
  return usage;
}
function resourceQuota(pod: Pod, hard: ResourceList): string[] {
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
  // the pod's usage: its containers' sum (init containers run one at a time, before them: the larger of the two)
  const sum: Record<string, number> = {};
  pod.containers.map(usageOf).forEach((u) => Object.entries(u).forEach(([k, v]) => { sum[k] = (sum[k] ?? 0) + v; }));
  pod.initContainers.map(usageOf).forEach((u) => Object.entries(u).forEach(([k, v]) => { sum[k] = Math.max(sum[k] ?? 0, v); }));
  sum.pods = 1;
  return Object.entries(hard).filter(([r, h]) => r in sum && sum[r] > value(h)).map(([r, h]) => `exceeded quota: ${r}=${h}`);
}

/**
 * The API server's validation of the admitted pod (pkg/apis/core/validation/validation.go,
 * `ValidateResourceRequirements`): no request above its limit.
 */
function requestsWithinLimits(pod: Pod): string[] {
  return [...pod.containers, ...pod.initContainers].flatMap((c) => Object.entries(c.resources.requests ?? {})
    .filter(([k, v]) => k in (c.resources.limits ?? {}) && value(v) > value(c.resources.limits![k]))
    .map(([k]) => `${c.name}: ${k} request must be less than or equal to its limit`));
}

/** Create `pod` in a namespace holding `limitRange` and `quota`: the errors that refuse it, and the pod as admitted. */
function admit(input: Pod, limitRange: any, quota: any, order: readonly string[] = ADMISSION_ORDER): { errors: string[]; pod: Pod } {
  const pod = decoded(structuredClone(input));
  const items = (limitRange.spec.limits as LimitRangeItem[]).map(stored);
  const errors: string[] = [];
  for (const plugin of order) {
    errors.push(...(plugin === 'LimitRanger' ? limitRanger(pod, items) : resourceQuota(pod, quota.spec.hard)));
    if (errors.length > 0) break;
  }
  errors.push(...requestsWithinLimits(pod));
  return { errors, pod };
}

/** A pod that sets no resources, as most application manifests do. */
const BARE: Pod = {
  annotations: {},
  containers: [{ name: 'app', resources: {} }, { name: 'sidecar', resources: {} }],
  initContainers: [{ name: 'migrate', resources: {} }],
};

/** The team namespace's rendered ResourceQuota and LimitRange. */
function rendered(quota?: TeamQuota): { quota: any; limitRange: any } {
  const chart = testChart('payments');
  new TeamQuotaObjects(chart, 'Quota', 'payments', { 'dockyard.dev/team': 'payments' }, checkTeamQuota(quota));
  const objects = chart.toJson();
  return { quota: find(objects, 'ResourceQuota', 'team-quota', 'payments'), limitRange: find(objects, 'LimitRange', 'team-defaults', 'payments') };
}

describe('team namespaces admit pods that set no resources: LimitRanger fills what ResourceQuota demands', () => {
  test.each<[string, TeamQuota | undefined]>([
    ['the default quota', undefined],
    ['a small quota in decimals', { cpu: '0.5', memory: '1.25Gi', containerDefaults: Resources.of({ cpuRequest: '10m', cpuLimit: '50m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
    // the bare pod's two containers take the whole quota, requests and limits: equal is within it
    ['defaults that two containers fill the quota with', { cpu: '500m', memory: '512Mi',
      containerDefaults: Resources.of({ cpuRequest: '250m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' }) }],
  ])('%s', (_, props) => {
    const { quota, limitRange } = rendered(props);
    // the premise: the quota tracks requests and limits of CPU and memory, so a bare pod is refused without defaults
    expect(Object.keys(quota.spec.hard).filter((r) => VALIDATION_SET.includes(r)).sort())
      .toEqual(['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
    expect(resourceQuota(structuredClone(BARE), quota.spec.hard)).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar; ' +
      'requests.cpu for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);

    const { errors, pod } = admit(BARE, limitRange, quota);
    expect(errors).toEqual([]);
    const item = limitRange.spec.limits[0];
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.resources).toEqual({ requests: item.defaultRequest, limits: item.default });
    }
    expect(pod.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container app; ' +
      'cpu, memory limit for container app; cpu, memory request for container sidecar; cpu, memory limit for container sidecar; ' +
      'cpu, memory request for init container migrate; cpu, memory limit for init container migrate');
  });

  test('a pod may set some resources itself: the defaults fill the rest, and a limit alone is also its request', () => {
    const { quota, limitRange } = rendered();
    const { errors, pod } = admit({ annotations: {}, containers: [{ name: 'app', resources: { limits: { cpu: '1' } } }], initContainers: [] }, limitRange, quota);
    expect(errors).toEqual([]);
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });
});

describe('what would refuse them: the model can fail', () => {
  test('ResourceQuota before LimitRanger refuses the bare pod', () => {
    const { quota, limitRange } = rendered();
    expect(admit(BARE, limitRange, quota, [...ADMISSION_ORDER].reverse()).errors).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar; ' +
      'requests.cpu for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);
  });

  test('a LimitRange that defaults no memory leaves what the quota tracks unset', () => {
    const { quota, limitRange } = rendered();
    const item = limitRange.spec.limits[0];
    const cpuOnly = { spec: { limits: [{ type: 'Container', default: { cpu: item.default.cpu }, defaultRequest: { cpu: item.defaultRequest.cpu } }] } };
    expect(admit(BARE, cpuOnly, quota).errors).toEqual([
      'must specify limits.memory for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);
  });

  test('a quota that tracks what the LimitRange does not default: refused for CPU and memory, not for other resources', () => {
    const { quota, limitRange } = rendered();
    const withoutLimits = { spec: { limits: [{ type: 'Container', defaultRequest: limitRange.spec.limits[0].defaultRequest }] } };
    expect(admit(BARE, withoutLimits, quota).errors).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar',
    ]);
    // a quota on ephemeral storage counts it, but demands it of no container (pods.go: "do not add more resources
    // to this list!" of validationSet)
    const storage = { spec: { hard: { ...quota.spec.hard, 'requests.ephemeral-storage': '10Gi' } } };
    expect(admit(BARE, limitRange, storage).errors).toEqual([]);
  });

  test('a default limit alone is also the default request (the stored LimitRange), so it is no gap', () => {
    const { quota, limitRange } = rendered();
    const limitsOnly = { spec: { limits: [{ type: 'Container', default: limitRange.spec.limits[0].default }] } };
    const { errors, pod } = admit(BARE, limitsOnly, quota);
    expect(errors).toEqual([]);
    expect(pod.containers[0].resources.requests).toEqual(limitRange.spec.limits[0].default);
  });

  test('defaults above the quota, or a default request above its limit, refuse the pod', () => {
    const { quota, limitRange } = rendered();
    const item = limitRange.spec.limits[0];
    const big = { spec: { limits: [{ ...item, defaultRequest: { ...item.defaultRequest, memory: '9Gi' }, default: { ...item.default, memory: '10Gi' } }] } };
    expect(admit(BARE, big, quota).errors).toEqual(['exceeded quota: limits.memory=16Gi', 'exceeded quota: requests.memory=8Gi']);
    const inverted = { spec: { limits: [{ ...item, defaultRequest: { ...item.defaultRequest, cpu: '1' } }] } };
    expect(admit(BARE, inverted, quota).errors).toEqual([
      'app: cpu request must be less than or equal to its limit', 'sidecar: cpu request must be less than or equal to its limit',
      'migrate: cpu request must be less than or equal to its limit',
    ]);
  });

  test('a LimitRange max below the defaults refuses the pod in LimitRanger', () => {
    const { quota, limitRange } = rendered();
    const capped = { spec: { limits: [{ ...limitRange.spec.limits[0], max: { memory: '256Mi' } }] } };
    expect(admit({ ...BARE, containers: [BARE.containers[0]], initContainers: [] }, capped, quota).errors).toEqual(['maximum memory usage per Container is 256Mi']);
  });
});
