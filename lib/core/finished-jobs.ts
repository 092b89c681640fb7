import { Duration } from 'cdk8s';
import { checkObject, invalid } from './validation';

/** The most seconds `ttlSecondsAfterFinished` holds: an int32 (kubernetes/api v0.36.3 `batch/v1/types.go:417`). */
const MAX_TTL_SECONDS = 2147483647;

/**
 * What becomes of a Dockyard Job (the PostgreSQL reconciler's, Harbor's configure Jobs) once it has finished,
 * Complete or Failed: deleted by Kubernetes some time later, or kept. A chart's setting (`DockyardChartProps`).
 *
 * Deleted (the default, ten minutes), applying an earlier state again (a reverted change, a restored secret state)
 * runs its Job again rather than finding it completed, and `kubectl apply` leaves no finished Job behind. But a tool
 * that re-creates what the cluster lacks (Argo CD with `selfHeal`, Flux at every `interval`) re-creates a deleted
 * Job, which runs again each time. Kept, the Job stays as it ended, its pod's log with it, and a failed one stays
 * failed for `kube_job_failed` alerts and Argo CD's health (Degraded) to see; a changed Job is a new one (its name
 * hashes its pod template), so keep them where the old ones are pruned: a GitOps tool with pruning on, or the
 * `kubectl delete` commands a synth prints for the objects it no longer writes, which then name them.
 */
export class FinishedJobs {
  /**
   * Delete a finished Job `after` it finishes (its `ttlSecondsAfterFinished`; kubernetes
   * `pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`). Zero deletes it as soon as it finishes.
   *
   * @param after a whole number of seconds, from zero to 2147483647
   */
  public static deleteAfter(after: Duration): FinishedJobs {
    checkObject('FinishedJobs.deleteAfter', after, 'must be a Duration, e.g. Duration.minutes(10)', Duration);
    const seconds = after.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_TTL_SECONDS) {
      invalid('FinishedJobs.deleteAfter', `${seconds} seconds`, `must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS} ` +
        '(a Job\'s ttlSecondsAfterFinished)');
    }
    return new FinishedJobs(seconds);
  }

  /** Keep a finished Job until it is deleted: by a pruning GitOps tool, or by hand. */
  public static keep(): FinishedJobs {
    return new FinishedJobs(undefined);
  }

  /** The Jobs' `ttlSecondsAfterFinished`, or undefined for Jobs that are kept. */
  public readonly ttlSeconds?: number;

  private constructor(ttlSeconds: number | undefined) {
    this.ttlSeconds = ttlSeconds;
  }
}

/** Dockyard's default: finished Jobs deleted after ten minutes. @internal */
export const DEFAULT_FINISHED_JOBS = FinishedJobs.deleteAfter(Duration.minutes(10));
