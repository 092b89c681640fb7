import { checkPipelineAccess, PipelineAccess } from '../ci/events';
import { checkDroneRepoParts } from '../ci/repo-owners';

/**
 * The annotations of drone-kubernetes-secrets that restrict a Secret to repositories and events. The extension finds
 * each by its key in any case, and serves a Secret whose annotation is missing or empty to every repository, or every
 * event (`plugin/util.go:11-37`, `plugin/match.go:13-15`).
 */
export const ACCESS_ANNOTATIONS = ['X-Drone-Repos', 'X-Drone-Events'] as const;

/** The annotations of drone-kubernetes-secrets that restrict a Secret to repositories and events. */
export function accessAnnotations(access: PipelineAccess): Record<string, string> {
  const { repos, events } = checkPipelineAccess(access);
  // every Drone grant passes here: the secrets extension's, the runner's policies and so DroneCi's and a team's
  checkDroneRepoParts('repos', repos, repos);
  return { [ACCESS_ANNOTATIONS[0]]: repos.join(','), [ACCESS_ANNOTATIONS[1]]: events.join(',') };
}
