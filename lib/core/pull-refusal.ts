import { PrivateProject } from './pull-access';
import { describeValue } from './validation';

// The wording the pull checks share (`checkWorkloadPulls` for a chart's workloads, `checkBuildPulls` for an engine's
// build pods), so that both say the same thing of the same verdict. Not exported from lib/core.

/** The grant a robot needs to pull from `project`, as the messages name it: `RobotPermission.pull("apps")`. */
export function pullGrant(project: PrivateProject): string {
  return `RobotPermission.pull(${describeValue(project.project)})`;
}

/**
 * Why pods that pull with the pull secrets `where` cannot pull from `project`, and the fix, where those hold logins to
 * its host, `denied` (`PullVerdict.logins`, at least one), none of which may pull from it.
 *
 * @param where the pull secrets, as the message names them, e.g. `the pull secrets it lists ("a")`
 * @param note what the fix adds of where such a robot is, e.g. `a team's pull robot: list "apps" in TeamPlatform
 *   sharedProjects`, written in parentheses after the grant
 *   `@default` - nothing
 */
export function deniedLogins(project: PrivateProject, where: string, denied: readonly string[], note?: string): [why: string, fix: string] {
  const many = denied.length > 1;
  return [
    `the only login${many ? 's' : ''} to ${project.imageHost} among ${where}, ${denied.map((l) => describeValue(l)).join(', ')}, may not pull from it`,
    `give ${many ? 'one of those robots' : 'that robot'} ${pullGrant(project)}${note === undefined ? '' : ` (${note})`}`,
  ];
}

/**
 * Why pods that pull with the pull secrets `where`, none of which logs in to the host of `project`, cannot pull from
 * it: the nodes have no login of their own there, or theirs, `nodeDenied` (`PullVerdict.nodeLogins`), may not pull
 * from it either.
 */
export function noLogin(project: PrivateProject, where: string, nodeDenied: readonly string[]): string {
  // a login keyed in lower case, as every one Dockyard writes is, never serves a host spelled with capitals (the
  // kubelet matches host labels case-sensitively: kubernetes v1.35.0 pkg/credentialprovider/keyring.go URLsMatch),
  // so a pull secret the pod lists may be there, and the fix is the image's spelling
  const lower = project.imageHost.toLowerCase();
  const spelling = lower === project.imageHost ? ''
    : ` (the kubelet matches a login's host case-sensitively: name the image on ${lower}, in lower case, as the logins are keyed)`;
  const none = `none of ${where} logs in to ${project.imageHost}${spelling}`;
  if (nodeDenied.length === 0) return none;
  const many = nodeDenied.length > 1;
  return `${none}, and the nodes' own login${many ? 's' : ''} there (NodeMirrorFiles' credential), ${nodeDenied.map((l) => describeValue(l)).join(', ')}, ` +
    `may not pull from it either`;
}
