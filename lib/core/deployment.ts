import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { intOrString, kube } from './k8s';
import { podTemplate, PodSpec } from './pod';
import { invalid } from './validation';
import { readWriteOnceClaim, VolumeClaimRequest } from './volume-claim';

/** What a `deployment` runs. */
export interface DeploymentSpec extends PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas?: number;
  /** Stop the old pod before starting the new one, for singletons that must never run twice. */
  readonly recreate?: boolean;
  /**
   * Roll without ever running fewer ready pods than `replicas` (`maxUnavailable: 0`; `maxSurge` stays Kubernetes'
   * 25%, at least one pod), for a service whose clients take a refused connection as an answer. Not with `recreate`.
   *
   * @default false - Kubernetes' 25% `maxUnavailable`, which is no pod below four replicas
   */
  readonly surgeOnly?: boolean;

  /** Annotations of the workload object. */
  readonly annotations?: Record<string, string>;
}

/**
 * A Deployment of one hardened pod template. With several replicas, they are spread over nodes and a
 * PodDisruptionBudget keeps all but one running through node drains.
 */
export function deployment(scope: Construct, id: string, spec: DeploymentSpec): ApiObject {
  const replicas = spec.replicas ?? 1;
  if (replicas > 1) {
    disruptionBudget(scope, spec);
  }
  // an internal spec: a construct that set both would mean neither
  if (spec.recreate && spec.surgeOnly) {
    throw new Error(`deployment ${spec.name}: recreate and surgeOnly exclude each other`);
  }
  return kube(scope, id, 'Deployment', {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    spec: {
      replicas,
      strategy: spec.recreate ? { type: 'Recreate' } : spec.surgeOnly ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: intOrString(0) } } : undefined,
      selector: { matchLabels: spec.selector },
      template: podTemplate(scope, spec.labels, { ...spec, spreadSelector: replicas > 1 ? spec.selector : undefined }),
    },
  });
}

/**
 * The pods a rolling `deployment` of `replicas` runs at once while it rolls: Kubernetes defaults `maxSurge` to 25%
 * (kubernetes/kubernetes pkg/apis/apps/v1/defaults.go `SetDefaults_Deployment`), rounded up
 * (pkg/controller/deployment/util/deployment_util.go `ResolveFenceposts`): one more pod for one to four replicas.
 * (No strategy avoids that extra pod: with `maxSurge: 0` the old pod still runs out its termination grace period
 * beside its successor, as the controller does not count terminating pods.)
 *
 * With `oldPodsLinger`, for a program that goes on with its work for its whole grace period after SIGTERM: the
 * controller counts the surge in its ReplicaSets' `spec.replicas` (`NewRSNewReplicas`, `GetReplicaCountForReplicaSets`),
 * which drops as soon as it scales an old pod down, so it starts the next new pod while the old one still terminates.
 * Every old pod can then still run beside every new one: twice `replicas` (the same as above for one replica).
 */
export function rollingPods(replicas: number, oldPodsLinger = false): number {
  return oldPodsLinger ? 2 * replicas : replicas + Math.ceil(replicas / 4);
}

/**
 * A PodDisruptionBudget that lets one pod of a replicated workload go at a time, and never holds up a drain for a pod
 * that is not ready. A budget counts only ready pods as healthy, and by default (`IfHealthyBudget`) the eviction API
 * evicts a running pod that is not ready only while the budget's healthy pods suffice
 * (kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go `EvictionREST.Create`): with every replica unready
 * (Harbor's registry without its bucket, a database that is down) each eviction is refused with a 429, and `kubectl
 * drain` retries it every 5 s with no end unless given `--timeout` (kubernetes/kubectl v0.36.3 pkg/drain/drain.go:273-313),
 * so a node upgrade waits on an application that serves nothing anyway. `AlwaysAllow` lets those pods go, and still
 * lets only one ready pod go at a time (kubernetes/api v0.36.3 policy/v1/types.go:77-95). Its feature gate,
 * PDBUnhealthyPodEvictionPolicy, is beta and on by default from Kubernetes 1.27 and GA from 1.31 (kubernetes/kubernetes
 * pkg/features/versioned_kube_features.go), and both schemas Dockyard validates against hold the field. Kubernetes'
 * "Safely Drain a Node" task recommends it.
 */
export function disruptionBudget(scope: Construct, spec: Pick<DeploymentSpec, 'name' | 'namespace' | 'labels' | 'selector'>): ApiObject {
  return kube(scope, 'DisruptionBudget', 'PodDisruptionBudget', {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: { maxUnavailable: intOrString(1), selector: { matchLabels: spec.selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}

/** What a `statefulSet` runs, and the volume each replica claims. */
export interface StatefulSetSpec extends DeploymentSpec {
  /** The governing Service. */
  readonly serviceName: string;
  /** Each replica's ReadWriteOnce volumes by name: none renders no `volumeClaimTemplates`. */
  readonly claims: Record<string, VolumeClaimRequest>;
  /**
   * Delete the replicas' volume claims with the StatefulSet (`persistentVolumeClaimRetentionPolicy` `whenDeleted:
   * Delete`; a scale-down keeps them), for volumes that hold nothing worth keeping once the workload is gone. On by
   * default from Kubernetes 1.27 (StatefulSetAutoDeletePVC, GA in 1.32); a cluster without it keeps the claims. An
   * orphaning delete (`--cascade=orphan`) keeps them too.
   *
   * @default false
   */
  readonly deleteClaimsWithStatefulSet?: boolean;
  /**
   * Delete the volume claims of the replicas a scale-down removes (`persistentVolumeClaimRetentionPolicy` `whenScaled:
   * Delete`), for volumes that hold only what a replica fetches again (a cache): kept, each would stay bound and
   * billed for a replica that may never come back. Same feature gate as `deleteClaimsWithStatefulSet`.
   *
   * @default false
   */
  readonly deleteClaimsOnScaleDown?: boolean;
}

/**
 * The longest StatefulSet name whose pods the API server accepts: 63 - "-" - 10. The StatefulSet controller labels
 * each pod `controller-revision-hash: <ControllerRevision name>` (kubernetes/kubernetes
 * pkg/controller/statefulset/stateful_set_utils.go `setPodRevision`; the key is kubernetes/api v0.33.0
 * apps/v1/types.go:27-28), that name is `<StatefulSet name>-<hash>`, cut only past 223 characters
 * (pkg/controller/history/controller_history.go `ControllerRevisionName`), and the hash is the decimal of an FNV-32
 * sum, at most 10 digits, re-lettered one for one (`HashControllerRevision`; kubernetes/apimachinery v0.33.0
 * pkg/util/rand/rand.go:119-126 `SafeEncodeString`). A label value is at most 63 characters
 * (pkg/util/validation/validation.go:157-168), so a longer name makes a StatefulSet whose pods are never created
 * (kubernetes/kubernetes#64023).
 */
export const MAX_STATEFUL_SET_NAME = 52;

/** Check the name of a StatefulSet (`MAX_STATEFUL_SET_NAME`), the prop `prop`: for constructs that check it before they define anything. */
export function checkStatefulSetName(prop: string, name: string): string {
  if (name.length > MAX_STATEFUL_SET_NAME) {
    invalid(prop, name, `must be at most ${MAX_STATEFUL_SET_NAME} characters: a StatefulSet's pods carry the label ` +
      '"controller-revision-hash: <name>-<hash of up to 10 characters>", and label values are at most 63');
  }
  return name;
}

/**
 * The longest Job name the API server accepts. Before it validates a Job, it labels the Job's pod template with the
 * Job's name, as `job-name` and `batch.kubernetes.io/job-name` (kubernetes/kubernetes
 * pkg/registry/batch/job/strategy.go `generateSelector`), and a label value is at most 63 characters
 * (kubernetes/apimachinery v0.33.0 pkg/util/validation/validation.go:157-168 `IsValidLabelValue`), so a Job with a
 * longer name is refused.
 */
export const MAX_JOB_NAME = 63;

/**
 * What Dockyard's Jobs add to their names for what they apply: `-<8 hex>` of its hash. A Job's pod template is
 * immutable, so a change names a new Job instead of being refused.
 */
export const JOB_HASH_SUFFIX = '-'.length + 8;

/**
 * The longest name a Job's name may start with when the rest is the caller's own `suffix` characters and the
 * `-<8 hex>` hash (`JOB_HASH_SUFFIX`): what `MAX_JOB_NAME` leaves. Each caller counts its own suffix, e.g.
 * `-configure-<chunk>`.
 */
export function maxJobNamePrefix(suffix: number): number {
  return MAX_JOB_NAME - JOB_HASH_SUFFIX - suffix;
}

/** A StatefulSet of one hardened pod template, each replica with its own volumes. */
export function statefulSet(scope: Construct, id: string, spec: StatefulSetSpec): ApiObject {
  checkStatefulSetName('name', spec.name);
  const replicas = spec.replicas ?? 1;
  if (replicas > 1) {
    disruptionBudget(scope, spec);
  }
  return kube(scope, id, 'StatefulSet', {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    spec: {
      replicas,
      serviceName: spec.serviceName,
      selector: { matchLabels: spec.selector },
      template: podTemplate(scope, spec.labels, { ...spec, spreadSelector: replicas > 1 ? spec.selector : undefined }),
      persistentVolumeClaimRetentionPolicy: spec.deleteClaimsWithStatefulSet || spec.deleteClaimsOnScaleDown ? {
        whenDeleted: spec.deleteClaimsWithStatefulSet ? 'Delete' : 'Retain',
        whenScaled: spec.deleteClaimsOnScaleDown ? 'Delete' : 'Retain',
      } : undefined,
      volumeClaimTemplates: Object.keys(spec.claims).length === 0 ? undefined : Object.entries(spec.claims).map(([name, claim]) => ({
        // the selector's labels only: the API server refuses any change to volumeClaimTemplates, and the full set
        // carries app.kubernetes.io/version, which every image upgrade changes
        metadata: { name, labels: spec.selector },
        spec: readWriteOnceClaim(claim),
      })),
    },
  });
}
