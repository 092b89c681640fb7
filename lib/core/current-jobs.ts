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
// default, plus up to half of it again: kubernetes/kubernetes pkg/kubelet/pod_workers.go wrapUp, wait.Jitter with
// workerResyncIntervalJitterFactor 0.5), so an earlier Job finds itself left out and writes nothing more. Each run's
// first write waits until its copy of the list is older than that, so every earlier Job has seen it first. The scripts
// implement the same rule: lib/harbor/configure.js ("Superseded runs"), and `ENSURE_CURRENT_BASH` below.

/** The key of the list in its ConfigMap, and so its file in the Job's mounted directory. */
export const CURRENT_JOBS_KEY = 'current-jobs';

/**
 * How old a run's copy of the list must be before its first write, by default: longer than the 90 seconds the
 * kubelet may take to bring a new list to a running pod.
 */
export const SETTLE_SECONDS = 120;

/** How long a run its list leaves out waits for one that names it (its copy may predate it) before it stops. */
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

/**
 * The projected volume source of the list `name`, beside the Job's own files in one directory (mount it whole, never
 * with a subPath: the kubelet updates only whole volumes in running pods). Optional, so that a Job whose list an
 * apply left out still runs, unfenced.
 */
export function currentJobsSource(name: string): { configMap: { name: string; optional: boolean } } {
  return { configMap: { name, optional: true } };
}

/**
 * Give a fenced Job its name and its list: `JOB_NAME` from its pod's `job-name` label, which the API server requires
 * on every pod of a Job with a generated selector, on every version (kubernetes/kubernetes
 * pkg/apis/batch/validation/validation.go validateGeneratedSelector, LegacyJobNameLabel; `batch.kubernetes.io/job-name`
 * only where the batch labels are validated), and `CURRENT_JOBS_FILE` in `dir`, where the list is mounted.
 */
export function currentJobsEnv(env: EnvVars, dir: string): void {
  env.field('JOB_NAME', "metadata.labels['job-name']");
  env.value('CURRENT_JOBS_FILE', `${dir}/${CURRENT_JOBS_KEY}`);
}

/**
 * The rule in bash, for a script run with `set -euo pipefail`: call `ensure_current` before every write. It returns
 * at once without JOB_NAME, CURRENT_JOBS_FILE or the file (unfenced); exits 0 after printing that the run is
 * superseded when the list still leaves JOB_NAME out after DOCKYARD_SUPERSEDED_WAIT_SECONDS; and, the first time, waits
 * until the file is DOCKYARD_SETTLE_SECONDS old. Both waits default to `SUPERSEDED_WAIT_SECONDS` and `SETTLE_SECONDS`.
 */
export const ENSURE_CURRENT_BASH = `# Superseded runs (lib/core/current-jobs.ts): a run of an earlier state that the list of the current Jobs leaves out
# writes nothing; the first write waits until this pod's copy of the list is old enough for every earlier run to have
# seen it
current_settled=
ensure_current() {
  [ -n "\${JOB_NAME:-}" ] && [ -n "\${CURRENT_JOBS_FILE:-}" ] || return 0
  local settle="\${DOCKYARD_SETTLE_SECONDS:-${SETTLE_SECONDS}}" patience="\${DOCKYARD_SUPERSEDED_WAIT_SECONDS:-${SUPERSEDED_WAIT_SECONDS}}"
  local waited=0 age
  [[ $settle =~ ^[0-9]+$ && $patience =~ ^[0-9]+$ ]] || { echo "dockyard: DOCKYARD_SETTLE_SECONDS and DOCKYARD_SUPERSEDED_WAIT_SECONDS must be whole numbers of seconds" >&2; exit 1; }
  while :; do
    [ -f "$CURRENT_JOBS_FILE" ] || return 0
    if grep -qxF -- "$JOB_NAME" "$CURRENT_JOBS_FILE"; then
      [ -z "$current_settled" ] || return 0
      age=$(( $(date +%s) - $(stat -L -c %Y -- "$CURRENT_JOBS_FILE") ))
      if [ "$age" -ge "$settle" ]; then
        current_settled=1
        return 0
      fi
      echo "dockyard: job $JOB_NAME: waiting $(( settle - age ))s, until the list of current Jobs is \${settle}s old, so that every earlier Job has seen it, before the first write"
      sleep $(( settle - age ))
    else
      if [ "$waited" -ge "$patience" ]; then
        echo "dockyard: job $JOB_NAME: superseded, the current Jobs ($CURRENT_JOBS_FILE) do not include it; stopped without writing anything more, the newer Job applies the state"
        exit 0
      fi
      [ "$waited" -gt 0 ] || echo "dockyard: job $JOB_NAME: not among the current Jobs ($CURRENT_JOBS_FILE); writing nothing while waiting up to \${patience}s for a list that names it"
      sleep 1
      waited=$(( waited + 1 ))
    fi
  done
}
`;
