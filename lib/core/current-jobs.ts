import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvVars } from './env';
import { kube } from './k8s';

// Superseded Jobs. A Job named by its pod template and its secrets' digest (`templateNamedJob`) that is still retrying
// when a newer state is applied (its server down for a while, say) would apply its older state after the newer Job is
// done: a rotated password set back, a retired robot made again. Such a Job has no Kubernetes API access and nothing
// orders two states (their names are hashes). So each kind of Job lists its current Jobs in a ConfigMap of a fixed
// name, which every such Job mounts in a projected volume, and reads its own name from its pod's `job-name` label:
// the kubelet projects each new list into running pods too, at the pod's next sync (every syncFrequency, a minute by
// default, plus up to half of it again: kubernetes/kubernetes pkg/kubelet/pod_workers.go completeWork, wait.Jitter
// with workerResyncIntervalJitterFactor 0.5), so an earlier Job finds itself left out and writes nothing more. Each
// run's first write waits until its copy of the list is older than that plus the longest write an earlier run may
// still have in flight (`settleSeconds`). A run without a list waits as long for one: `pulumi up` deletes a ConfigMap
// whose data changes before it makes it anew (pulumi-kubernetes forcenew.go, `.data`; deleteBeforeReplace for a
// fixed name). The scripts implement the same rule: lib/harbor/configure.js ("Superseded runs"), and
// `ensureCurrentBash` below.

/** The key of the list in its ConfigMap, and so its file in the Job's mounted directory. */
export const CURRENT_JOBS_KEY = 'current-jobs';

/** The longest the kubelet takes to bring a new list to a running pod: its default syncFrequency, 60s, and half again. */
export const KUBELET_SYNC_SECONDS = 90;

/**
 * How old a run's copy of the list must be before its first write: the kubelet's `KUBELET_SYNC_SECONDS`, then the
 * longest write an earlier run may have sent just before its copy changed, and 30 seconds to spare.
 */
export function settleSeconds(longestWriteSeconds: number): number {
  return KUBELET_SYNC_SECONDS + longestWriteSeconds + 30;
}

/**
 * How long a run its list leaves out waits for one that names it (its copy may predate it) before it stops, and a run
 * without a list waits for one before it goes on unfenced.
 */
export const SUPERSEDED_WAIT_SECONDS = 300;

/**
 * The ConfigMap `name` that lists the Jobs `jobs()` returns as they render (their names hash their rendered pod
 * templates), one a line. Define it before the Jobs, so that an apply replaces it first.
 */
export function currentJobsConfigMap(scope: Construct, id: string, props: {
  readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly jobs: () => readonly ApiObject[];
}): ApiObject {
  return kube(scope, id, 'ConfigMap', {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    data: { [CURRENT_JOBS_KEY]: Lazy.any({ produce: () => props.jobs().map((job) => `${job.toJson().metadata.name}\n`).join('') }) },
  });
}

/** Where a fenced Job's pod mounts its list of the current Jobs: a directory of its own (`currentJobsVolume`). */
export const CURRENT_JOBS_DIR = '/etc/dockyard/current-jobs';

/**
 * The volume of the list `name`, and its mount at `CURRENT_JOBS_DIR`: a volume of its own, mounted whole (never with a
 * subPath: the kubelet updates only whole volumes in running pods). Never one projected beside the Job's own files:
 * the kubelet writes none of a projected volume's files while any required source is missing (kubernetes
 * pkg/volume/projected/projected.go, `SetUpAt` returns `collectData`'s error before `AtomicWriter.Write`), and a Job's
 * content-named script ConfigMap goes once a newer state replaces it (a pruning apply, `pulumi up`): the list would then
 * stop reaching the very runs it fences. Optional, so that a Job whose list an apply left out still runs, unfenced.
 */
export function currentJobsVolume(name: string): {
  volume: { name: string; configMap: { name: string; optional: boolean } };
  mount: { volume: string; path: string; readOnly: boolean };
} {
  return {
    volume: { name: CURRENT_JOBS_VOLUME, configMap: { name, optional: true } },
    mount: { volume: CURRENT_JOBS_VOLUME, path: CURRENT_JOBS_DIR, readOnly: true },
  };
}

const CURRENT_JOBS_VOLUME = 'current-jobs';

/**
 * Give a fenced Job its name and its list: `JOB_NAME` from its pod's `job-name` label, which the API server requires
 * on every pod of a Job with a generated selector, on every version (kubernetes/kubernetes
 * pkg/apis/batch/validation/validation.go validateGeneratedSelector, LegacyJobNameLabel; `batch.kubernetes.io/job-name`
 * only where the batch labels are validated), and `CURRENT_JOBS_FILE` in `CURRENT_JOBS_DIR`, where the list is mounted.
 */
export function currentJobsEnv(env: EnvVars): void {
  env.field('JOB_NAME', "metadata.labels['job-name']");
  env.value('CURRENT_JOBS_FILE', `${CURRENT_JOBS_DIR}/${CURRENT_JOBS_KEY}`);
}

/**
 * The rule in bash, for a script run with `set -euo pipefail`: call `ensure_current` before every write. Without
 * JOB_NAME or CURRENT_JOBS_FILE it returns at once (unfenced). It exits 0 after printing that the run is superseded
 * when the list still leaves JOB_NAME out after DOCKYARD_SUPERSEDED_WAIT_SECONDS; waits as long for a missing list,
 * then goes on unfenced while there is none if the run has read no list before (else it is superseded); exits 1 on a
 * list it cannot read; and, the first time, waits until the list is DOCKYARD_SETTLE_SECONDS old (default
 * `settleSeconds(longestWriteSeconds)`). Lines are compared whole, as lib/harbor/configure.js compares them.
 */
export function ensureCurrentBash(longestWriteSeconds: number): string {
  return `# Superseded runs (lib/core/current-jobs.ts): a run of an earlier state that the list of the current Jobs leaves out
# writes nothing; the first write waits until this pod's copy of the list is old enough for every earlier run to have
# seen it and ended the write it may have sent
current_settled=
current_seen=
current_unfenced=
ensure_current() {
  [ -n "\${JOB_NAME:-}" ] && [ -n "\${CURRENT_JOBS_FILE:-}" ] || return 0
  local settle="\${DOCKYARD_SETTLE_SECONDS:-${settleSeconds(longestWriteSeconds)}}" patience="\${DOCKYARD_SUPERSEDED_WAIT_SECONDS:-${SUPERSEDED_WAIT_SECONDS}}"
  local waited=0 mtime found
  # whole numbers as written: a leading zero would read as octal in $(( ))
  [[ $settle =~ ^(0|[1-9][0-9]{0,8})$ && $patience =~ ^(0|[1-9][0-9]{0,8})$ ]] || { echo "dockyard: DOCKYARD_SETTLE_SECONDS and DOCKYARD_SUPERSEDED_WAIT_SECONDS must be whole numbers of seconds" >&2; exit 1; }
  while :; do
    found=0
    if [ ! -e "$CURRENT_JOBS_FILE" ]; then
      found=missing
    else
      grep -qxF -- "$JOB_NAME" "$CURRENT_JOBS_FILE" || found=$?
      # gone between the two looks: missing, as the kubelet swaps a list
      if [ "$found" != 0 ] && [ "$found" != 1 ] && [ ! -e "$CURRENT_JOBS_FILE" ]; then found=missing; fi
    fi
    case $found in
      0)
        current_seen=1 current_unfenced=
        [ -z "$current_settled" ] || return 0
        mtime=$(stat -L -c %Y -- "$CURRENT_JOBS_FILE") || continue
        if [ $(( $(date +%s) - mtime )) -ge "$settle" ]; then
          current_settled=1
          return 0
        fi
        echo "dockyard: job $JOB_NAME: waiting $(( settle - $(date +%s) + mtime ))s, until the list of current Jobs is \${settle}s old, so that every earlier Job has seen it, before the first write"
        sleep $(( settle - $(date +%s) + mtime > 0 ? settle - $(date +%s) + mtime : 1 ))
        continue
        ;;
      1) current_seen=1 current_unfenced= ;;
      missing) [ -z "$current_unfenced" ] || return 0 ;;
      *) echo "dockyard: the list of current Jobs $CURRENT_JOBS_FILE cannot be read" >&2; exit 1 ;;
    esac
    if [ "$waited" -ge "$patience" ]; then
      if [ "$found" = missing ] && [ -z "$current_seen" ]; then
        echo "dockyard: job $JOB_NAME: still no list of current Jobs; applying unfenced"
        current_unfenced=1
        current_settled=1
        return 0
      fi
      echo "dockyard: job $JOB_NAME: superseded, the current Jobs ($CURRENT_JOBS_FILE) do not include it; stopped without writing anything more, the newer Job applies the state"
      exit 0
    fi
    if [ "$waited" -eq 0 ]; then
      if [ "$found" = missing ]; then
        echo "dockyard: job $JOB_NAME: no list of current Jobs ($CURRENT_JOBS_FILE); writing nothing while waiting up to \${patience}s for one"
      else
        echo "dockyard: job $JOB_NAME: not among the current Jobs ($CURRENT_JOBS_FILE); writing nothing while waiting up to \${patience}s for a list that names it"
      fi
    fi
    sleep 1
    waited=$(( waited + 1 ))
  done
}
`;
}
