import { scaled } from './rollout-model';

/**
 * A model of what happens to rendered workloads when a node is drained: the disruption controller's arithmetic, the
 * eviction API's decision and `kubectl drain`'s retries, each step transcribed from the source cited at it, so that
 * tests can drain the pods of every example stack the way a cluster would (a DigitalOcean upgrade drains each node
 * the same way, through the Eviction API).
 *
 * Upstream, read for this model:
 * - kubernetes/kubernetes pkg/controller/disruption/disruption.go, the copy in the code index (2025, after 1.33: it sets
 *   `ObservedGeneration` on pod conditions): `finders`, `getScaleController`, `trySync`, `getExpectedPodCount`,
 *   `getExpectedScale`, `countHealthyPods`, `updatePdbStatus`, `failSafe`;
 * - kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go, the copy in the code index with
 *   `UnhealthyPodEvictionPolicy` (1.26 or later): `EvictionREST.Create`, `canIgnorePDB`, `checkAndDecrement`;
 * - kubernetes/api v0.36.3 policy/v1/types.go:50-95 (the two policies, as the 1.27 and 1.36 schemas describe them);
 * - kubernetes/kubectl v0.36.3 pkg/drain/drain.go:271-313 (`evictPods`: one goroutine per pod, a 429 retried after
 *   `EvictErrorRetryDelay`, 5 s, with no end when `--timeout` is 0, the default: pkg/cmd/drain/drain.go:230).
 *
 * Time moves in rounds: in each, the drain tries every pod still on the node once, then the controllers replace
 * the evicted pods on another node, ready or not as the scenario says. What the model leaves out: the `DisruptedPods`
 * bridge between an eviction and the pod's deletion (a pod evicted here is gone at once, which the controller's count
 * of pods being deleted gives the same result as, `countHealthyPods`), and scheduling beyond "another node that
 * is not cordoned".
 */

/** A pod's controller, as its `ownerReferences` name it (a Deployment's pods are its ReplicaSet's, which it owns). */
export type OwnerKind = 'Deployment' | 'StatefulSet' | 'Job' | 'DaemonSet';

/** A workload of rendered objects: what owns pods. */
export interface ModelWorkload {
  readonly kind: OwnerKind;
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  /** The labels of its pods. */
  readonly podLabels: Record<string, string>;
}

export interface ModelPod {
  readonly name: string;
  readonly owner: ModelWorkload;
  node: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  /** Set once the pod is being deleted. */
  deleting: boolean;
}

/** A rendered PodDisruptionBudget's spec. */
export interface ModelBudget {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly maxUnavailable?: number | string;
  readonly minAvailable?: number | string;
  readonly unhealthyPodEvictionPolicy?: string;
}

export interface BudgetStatus {
  readonly expectedCount: number;
  readonly desiredHealthy: number;
  readonly currentHealthy: number;
  readonly disruptionsAllowed: number;
  /** Why the controller could not compute the status; `failSafe` then sets `disruptionsAllowed` to 0. */
  readonly error?: string;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  // eviction.go `getPodDisruptionBudgets`: an empty selector selects nothing
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The budgets in the pod's namespace whose selector matches its labels (eviction.go `getPodDisruptionBudgets`). */
export function budgetsOf(pod: ModelPod, budgets: readonly ModelBudget[]): ModelBudget[] {
  return budgets.filter((b) => b.namespace === pod.owner.namespace && selects(b.selector, pod.owner.podLabels));
}

/** The budget's status as the disruption controller writes it over `pods` (`trySync`). */
export function budgetStatus(budget: ModelBudget, pods: readonly ModelPod[]): BudgetStatus {
  const selected = pods.filter((p) => p.owner.namespace === budget.namespace && selects(budget.selector, p.owner.podLabels));
  // countHealthyPods: a pod being deleted is not healthy, a ready one is
  const currentHealthy = selected.filter((p) => !p.deleting && p.ready).length;
  let expectedCount: number;
  let desiredHealthy: number;
  const expectedScale = (): number | string => {
    // getExpectedScale: the sum of the scales of the pods' controllers, found by `finders`: ReplicationController,
    // Deployment (through its ReplicaSet), ReplicaSet, StatefulSet, then any resource with a scale subresource
    // (`getScaleController`), which a Job and a DaemonSet lack: "<resource> does not implement the scale subresource"
    const scales = new Map<ModelWorkload, number>();
    for (const p of selected) {
      if (p.owner.kind !== 'Deployment' && p.owner.kind !== 'StatefulSet') {
        return `${p.owner.kind.toLowerCase()}s does not implement the scale subresource`;
      }
      scales.set(p.owner, p.owner.replicas);
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  };
  if (budget.maxUnavailable !== undefined) {
    const scale = expectedScale();
    if (typeof scale === 'string') {
      // sync -> failSafe: DisruptionsAllowed = 0, condition SyncFailed
      return { expectedCount: 0, desiredHealthy: 0, currentHealthy, disruptionsAllowed: 0, error: scale };
    }
    expectedCount = scale;
    desiredHealthy = Math.max(0, expectedCount - scaled(budget.maxUnavailable, expectedCount, true));
  } else if (typeof budget.minAvailable === 'number') {
    desiredHealthy = budget.minAvailable;
    expectedCount = selected.length;
  } else {
    const scale = expectedScale();
    if (typeof scale === 'string') {
      return { expectedCount: 0, desiredHealthy: 0, currentHealthy, disruptionsAllowed: 0, error: scale };
    }
    expectedCount = scale;
    desiredHealthy = scaled(budget.minAvailable ?? 0, expectedCount, true);
  }
  // updatePdbStatus: never negative, and none while the controller expects no pods
  const allowed = currentHealthy - desiredHealthy;
  return { expectedCount, desiredHealthy, currentHealthy, disruptionsAllowed: expectedCount <= 0 || allowed <= 0 ? 0 : allowed };
}

/** The Eviction API's answer for `pod`: 201 (evicted), 429 (the budget forbids it: retry) or 500 (several budgets). */
export function evict(pod: ModelPod, budgets: readonly ModelBudget[], pods: readonly ModelPod[]): 201 | 429 | 500 {
  // canIgnorePDB: a pod that is pending, finished or already being deleted goes without asking any budget
  if (pod.phase !== 'Running' || pod.deleting) {
    return 201;
  }
  const mine = budgetsOf(pod, budgets);
  if (mine.length > 1) {
    // "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    return 500;
  }
  if (mine.length === 0) {
    return 201;
  }
  const budget = mine[0];
  const status = budgetStatus(budget, pods);
  if (!pod.ready) {
    if (budget.unhealthyPodEvictionPolicy === 'AlwaysAllow') {
      return 201;
    }
    // the default, IfHealthyBudget: an unready pod goes while the healthy ones are enough
    if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) {
      return 201;
    }
  }
  // checkAndDecrement
  return status.disruptionsAllowed > 0 ? 201 : 429;
}

/** How replacements of evicted pods come up. */
export interface DrainScenario {
  /** The node drained. */
  readonly node: string;
  /** The nodes a replacement may be scheduled to (not cordoned). */
  readonly otherNodes: readonly string[];
  /** Whether a replacement becomes ready (false: the application is broken, as its evicted pods were). */
  readonly replacementsReady: boolean;
}

export interface DrainResult {
  /** Whether every pod left the node within the rounds given. */
  readonly finished: boolean;
  /** The pods still on the node, refused, when it did not finish. */
  readonly stuck: string[];
  /** Per workload (`<namespace>/<name>`), the fewest of its pods ready at any time during the drain. */
  readonly fewestReady: Map<string, number>;
}

export const workloadKey = (w: ModelWorkload) => `${w.namespace}/${w.name}`;

/**
 * `kubectl drain` of `scenario.node` (DaemonSet pods ignored, as with `--ignore-daemonsets`), in `rounds` rounds of
 * 5 s retries. Each round the drain asks to evict every pod left on the node, one after another (the API server
 * serializes the budget's updates: `checkAndDecrement` writes the status with a resource version); each evicted
 * pod is gone before the next round, and its controller starts a replacement on another node if there is one.
 */
export function drain(pods: ModelPod[], budgets: readonly ModelBudget[], scenario: DrainScenario, rounds = 50): DrainResult {
  const mins = new Map<string, number>();
  const observe = () => {
    const ready = new Map<string, number>();
    for (const p of pods) {
      const key = workloadKey(p.owner);
      ready.set(key, (ready.get(key) ?? 0) + (p.ready && !p.deleting ? 1 : 0));
    }
    for (const [key, n] of ready) {
      mins.set(key, Math.min(mins.get(key) ?? n, n));
    }
  };
  observe();
  let serial = 0;
  for (let round = 0; round < rounds; round++) {
    const onNode = pods.filter((p) => p.node === scenario.node && p.owner.kind !== 'DaemonSet' && !p.deleting);
    if (onNode.length === 0) {
      return { finished: true, stuck: [], fewestReady: mins };
    }
    for (const pod of onNode) {
      if (evict(pod, budgets, pods) === 201) {
        pod.deleting = true;
        observe();
      }
    }
    // the evicted pods are gone; their controllers make up the count on a node that takes pods
    for (const gone of pods.filter((p) => p.deleting)) {
      pods.splice(pods.indexOf(gone), 1);
      if (gone.owner.kind !== 'Job' && scenario.otherNodes.length > 0) {
        pods.push({
          name: `${gone.owner.name}-r${serial++}`, owner: gone.owner, node: scenario.otherNodes[serial % scenario.otherNodes.length],
          phase: 'Running', ready: scenario.replacementsReady, deleting: false,
        });
      } else if (gone.owner.kind !== 'Job') {
        // nowhere to go: pending, never ready
        pods.push({ name: `${gone.owner.name}-r${serial++}`, owner: gone.owner, node: '', phase: 'Pending', ready: false, deleting: false });
      }
    }
    observe();
  }
  const stuck = pods.filter((p) => p.node === scenario.node && p.owner.kind !== 'DaemonSet').map((p) => p.name);
  return { finished: stuck.length === 0, stuck, fewestReady: mins };
}

/** The workloads and budgets of rendered `objects`. */
export function renderedWorkloads(objects: readonly any[]): { workloads: ModelWorkload[]; budgets: ModelBudget[] } {
  const workloads: ModelWorkload[] = [];
  for (const o of objects) {
    const kind = o.kind === 'CronJob' ? 'Job' : o.kind;
    if (!['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(kind)) {
      continue;
    }
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
    workloads.push({
      kind, name: o.metadata.name, namespace: o.metadata.namespace,
      // a Deployment or StatefulSet without replicas runs one (pkg/apis/apps/v1/defaults.go); a Job's pod, one
      replicas: kind === 'Deployment' || kind === 'StatefulSet' ? (o.spec.replicas ?? 1) : 1,
      podLabels: template.metadata?.labels ?? {},
    });
  }
  const budgets: ModelBudget[] = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => ({
    name: o.metadata.name, namespace: o.metadata.namespace, selector: o.spec.selector?.matchLabels ?? {},
    maxUnavailable: o.spec.maxUnavailable, minAvailable: o.spec.minAvailable, unhealthyPodEvictionPolicy: o.spec.unhealthyPodEvictionPolicy,
  }));
  return { workloads, budgets };
}

/** Every pod of `workloads`, all on `node`, running, ready or not: the worst placement a preferred spread allows. */
export function podsOn(node: string, workloads: readonly ModelWorkload[], ready: boolean): ModelPod[] {
  return workloads.flatMap((w) => Array.from({ length: w.replicas }, (_, i) => ({
    name: `${w.name}-${i}`, owner: w, node, phase: 'Running' as const, ready, deleting: false,
  })));
}

/** `kubectl drain`'s flags that let it take pods it otherwise refuses. */
export interface DrainFlags {
  readonly ignoreDaemonsets?: boolean;
  readonly deleteEmptydirData?: boolean;
  readonly force?: boolean;
}

/**
 * Why `kubectl drain` refuses to start on a node running a pod of `template` (a running pod, owned by a `kind`
 * workload, or by none for a bare pod), or undefined when it takes it: kubernetes/kubectl v0.36.3 pkg/drain/filters.go
 * `makeFilters` (152-161): `daemonSetFilter` (179-208), `localStorageFilter` (218-233: any `emptyDir` volume, unless
 * `--delete-emptydir-data`), `unreplicatedFilter` (235-250: no controller, unless `--force`), with the messages of
 * lines 31-36. Any refused pod stops the whole drain before it evicts anything (`GetPodsForDeletion`).
 */
export function drainRefusal(kind: OwnerKind | undefined, template: any, flags: DrainFlags): string | undefined {
  if (kind === 'DaemonSet' && !flags.ignoreDaemonsets) {
    return 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
  }
  if ((template.spec.volumes ?? []).some((v: any) => v.emptyDir) && !flags.deleteEmptydirData) {
    return 'Pods with local storage (use --delete-emptydir-data to override)';
  }
  if (kind === undefined && !flags.force) {
    return 'Pods that declare no controller (use --force to override)';
  }
  return undefined;
}
