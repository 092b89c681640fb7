import { IConstruct } from 'constructs';
import { SecretKey } from '../core';
import { CURRENT_JOBS_KEY } from '../core/current-jobs';
import { stepAfterRotating } from '../core/rotation-steps';
import { componentName, HarborContext } from './context';

// Two rotations Harbor takes up through whichever core pod answers, while core rolls (README, "Credentials", the
// rotation table): an old core pod, still in the Service until a new one is ready, hands on the old value. Neither
// window can be closed in the manifests. Core's API does not tell its pods apart: the garbage-collection schedule's
// GET drops the saved Redis URL (goharbor/harbor v2.15.1 src/server/v2.0/handler/model/gc.go:113-124), and jobservice
// takes what the first answer says. Jobservice already rolls with core on a new database password (its checksum
// counts it, lib/harbor/jobservice.ts), which is what brings it to a core pod that may be old. Waiting for core's
// rollout needs Kubernetes API access, which no Harbor pod or Job has. So a synth that rotates the key says what to
// run once the apply is done (`stepAfterRotating`).

/** `kubectl rollout status` of `ctx`'s core, which returns once every core pod is a new one, then `then`. */
function onceCoreRolled(ctx: HarborContext, then: string): string {
  return `run kubectl -n ${ctx.namespace} rollout status deployment/${componentName(ctx, 'core')} && ${then}`;
}

/**
 * The step after a rotation of the database password `password`: jobservice has no database setting of its own and
 * loads the password from core's configuration API once, at its start (goharbor/harbor v2.15.1
 * src/pkg/config/rest/manager.go:35-46, CORE_URL + /api/v2.0/internalconfig, src/common/const.go:150), from whichever
 * core pod answers, whose environment holds the password it started with (src/lib/config/metadata/metadatalist.go:106,
 * POSTGRESQL_PASSWORD); it registers the database with it once (src/jobservice/job/impl/context.go:66-93, Init), and a
 * job's later configuration reload does not register it again. Started beside an old core pod, it keeps the old one.
 */
export function jobserviceDatabaseStep(scope: IConstruct, ctx: HarborContext, password: SecretKey): void {
  stepAfterRotating(scope, password, 'Harbor\'s jobservice may have loaded the old password from an old core pod as it started: ' +
    onceCoreRolled(ctx, `kubectl -n ${ctx.namespace} rollout restart deployment/${componentName(ctx, 'jobservice')}`));
}

/**
 * The step after a rotation of the registry cache's password `password` when the first chunk's configure Job saves
 * the garbage-collection schedule: Harbor saves with it the URL in the environment of the core pod that answers the save
 * (goharbor/harbor v2.15.1 src/server/v2.0/handler/gc.go:87, `_REDIS_URL_REG`), and the Job runs at the apply. Deleting
 * that Job, listed first in `currentJobs` (`ConfigureJobs`: the first chunk's slot comes first), and applying again
 * runs it once more, against the new core pods; `--ignore-not-found`, as a finished Job is removed after ten minutes.
 */
export function gcScheduleStep(scope: IConstruct, ctx: HarborContext, password: SecretKey, currentJobs: string): void {
  stepAfterRotating(scope, password, 'Harbor\'s configuration Job may have saved the garbage-collection schedule with the old password, ' +
    'through an old core pod: ' + onceCoreRolled(ctx, `kubectl -n ${ctx.namespace} delete job --ignore-not-found ` +
    `"$(kubectl -n ${ctx.namespace} get configmap ${currentJobs} -o jsonpath='{.data.${CURRENT_JOBS_KEY}}' | head -n 1)"`) +
    ', then apply the manifests again');
}

/**
 * The step after a rotation of the registry cache's password `password` when the schedule is not managed
 * (`HarborGarbageCollection.unmanaged`): one saved in Harbor's portal keeps the URL it was saved with (gc.go:87).
 */
export function unmanagedGcScheduleStep(scope: IConstruct, ctx: HarborContext, password: SecretKey): void {
  stepAfterRotating(scope, password, 'a garbage-collection schedule saved in Harbor\'s portal keeps the old password: ' +
    onceCoreRolled(ctx, 'save it again in the portal (Administration, Clean Up, Save)'));
}
