/**
 * Small models of how many pods of a Deployment keep serving through day-two disruptions, each a transcription of the
 * cited Kubernetes source (kubernetes/kubernetes, by file and function, as lib/core/deployment.ts cites it), for tests
 * that judge a rendered Deployment the way the cluster would roll or drain it.
 */

/** A percentage or count of `replicas`, rounded up or down: apimachinery `intstr.GetScaledValueFromIntOrPercent`. */
export function scaled(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') {
    return value;
  }
  const share = (Number(value.replace(/%$/, '')) * replicas) / 100;
  return roundUp ? Math.ceil(share) : Math.floor(share);
}

/**
 * The fewest pods of `deployment` that serve while the Deployment controller rolls it to a new template.
 *
 * - `Recreate` scales the old ReplicaSet to nothing before it creates the new one
 *   (pkg/controller/deployment/recreate.go `rolloutRecreate`): none serve meanwhile.
 * - `RollingUpdate` (the default) keeps `replicas - maxUnavailable` available, `maxUnavailable` a count or a
 *   percentage rounded down, and `maxSurge` one rounded up, each 25% unless set (pkg/apis/apps/v1/defaults.go
 *   `SetDefaults_Deployment`); if both come to 0, `maxUnavailable` is 1
 *   (pkg/controller/deployment/util/deployment_util.go `ResolveFenceposts`).
 */
export function servingDuringRollout(deployment: any): number {
  const replicas: number = deployment.spec.replicas ?? 1;
  const strategy = deployment.spec.strategy ?? { type: 'RollingUpdate' };
  if (strategy.type === 'Recreate') {
    return 0;
  }
  const surge = scaled(strategy.rollingUpdate?.maxSurge ?? '25%', replicas, true);
  let unavailable = scaled(strategy.rollingUpdate?.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) {
    unavailable = 1;
  }
  return Math.max(0, replicas - unavailable);
}

/**
 * The most pods of `deployment` that run at once while it rolls: `Recreate` waits until every old pod is gone before
 * it creates a new one (pkg/controller/deployment/recreate.go `rolloutRecreate`, `oldPodsRunning`); `RollingUpdate`
 * runs up to `replicas + maxSurge` (as in `servingDuringRollout`), counting no terminating pod, so an old pod running
 * out its grace period comes on top.
 */
export function mostDuringRollout(deployment: any): number {
  const replicas: number = deployment.spec.replicas ?? 1;
  const strategy = deployment.spec.strategy ?? { type: 'RollingUpdate' };
  return strategy.type === 'Recreate' ? replicas : replicas + scaled(strategy.rollingUpdate?.maxSurge ?? '25%', replicas, true);
}

/**
 * The fewest pods of `deployment` that serve while nodes are drained, whichever nodes its pods landed on: `kubectl
 * drain` evicts through the Eviction API, which refuses an eviction that a PodDisruptionBudget selecting the pod does
 * not allow (pkg/registry/core/pod/storage/eviction.go), and a budget with `maxUnavailable: m` allows evictions while
 * fewer than `m` pods are disrupted (pkg/controller/disruption/disruption.go `getExpectedPodCount`,
 * `updatePdbStatus`). Without a budget, a drain of the node holding every pod evicts them all (a spread that only
 * prefers, `ScheduleAnyway`, may put them on one node).
 */
export function servingDuringDrain(deployment: any, objects: readonly any[]): number {
  const replicas: number = deployment.spec.replicas ?? 1;
  const labels = deployment.spec.template.metadata.labels ?? {};
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.namespace === deployment.metadata.namespace &&
    Object.entries(o.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
  if (budgets.length === 0) {
    return 0;
  }
  const allowed = Math.min(...budgets.map((b) => b.spec.maxUnavailable !== undefined
    ? scaled(b.spec.maxUnavailable, replicas, true)
    : replicas - scaled(b.spec.minAvailable, replicas, true)));
  return Math.max(0, replicas - allowed);
}
