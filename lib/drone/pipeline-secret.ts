import { checkPipelineAccess, PipelineAccess } from '../ci/events';

/** The annotations of drone-kubernetes-secrets that restrict a Secret to repositories and events. */
export function accessAnnotations(access: PipelineAccess): Record<string, string> {
  const { repos, events } = checkPipelineAccess(access);
  return { 'X-Drone-Repos': repos.join(','), 'X-Drone-Events': events.join(',') };
}
