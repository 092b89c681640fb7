import { checkPipelineAccess, PipelineAccess } from '../ci/events';
import { checkDroneRepoParts } from '../ci/repo-owners';

/** The annotations of drone-kubernetes-secrets that restrict a Secret to repositories and events. */
export function accessAnnotations(access: PipelineAccess): Record<string, string> {
  const { repos, events } = checkPipelineAccess(access);
  // every Drone grant passes here: the secrets extension's, the runner's policies and so DroneCi's and a team's
  checkDroneRepoParts('repos', repos, repos);
  return { 'X-Drone-Repos': repos.join(','), 'X-Drone-Events': events.join(',') };
}
