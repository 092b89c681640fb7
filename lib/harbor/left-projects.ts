import { leftNames, NameOwner, recordNames } from '../core/left-names';
import { previousOutput } from '../core/previous-output';
import type { RunWords } from '../core/run-words';
import { isHarborName } from '../core/validation';
import type { ConfigureJobs } from './configure-job';
import { LIBRARY } from './context';
import type { Harbor } from './harbor';
import { projectOfAnotherStacksTeam, retireTeamRobotsCalls, teamLeftWithPlatform, teamPlatformsOf } from './left-robots';

// A project taken out of the code stays in Harbor as it was (goharbor/harbor v2.15.1: the configure Jobs never delete
// one, and look up only the projects the code names): its images, its group members, and its `public` flag, with which
// anyone pulls its images without a login (src/pkg/project/models/project.go:82-90 IsPublic;
// src/common/rbac/project/rbac_user.go:35-42 gives every visitor, anonymous included, the public project's policies).
// `retireProjectGroups` lets each run warn while it stays public; a project just dropped was known to no Job. Each synth
// lists the Harbor's projects in its output's mark (lib/core/left-names.ts), so the next one names a project dropped
// without the call, on every synth until it is retired or declared again, and hands it to the first configure Job,
// which warns while it is public (lib/harbor/configure.js, "Left projects"). A team's project that another stack on
// the secret state has (the team moved there) is that stack's: it leaves this stack's list unwarned, by the rule of the
// team's robots (lib/harbor/left-robots.ts, `projectOfAnotherStacksTeam`), which Harbor's review of the state finds
// after the configure Jobs are rendered and before the mark is written: the Jobs of that one synth still list it.

/**
 * Record the projects `harbor`, named `name`, declares and retires (by the sets it keeps of them; `released`: those of
 * teams that left, let go of without retiring their groups), and give its configure Jobs those an earlier synth
 * declared that it no longer declares nor retires.
 */
export function watchLeftProjects(harbor: Harbor, name: string, jobs: ConfigureJobs, declared: ReadonlySet<string>, retired: ReadonlySet<string>,
  released: ReadonlySet<string>): void {
  const owner: NameOwner = {
    // by namespace and name, as the configure Jobs are: another Harbor's projects are not this one's
    owner: `harbor-project ${harbor.namespace}/${name}`,
    declared: () => declared,
    // a team's project let go of by retireTeam (Harbor._releaseProject) left the code on purpose too; a team's that
    // another stack on the secret state has (moved there), or warns of as left, is that stack's to warn of, whose
    // project this stack's retireTeam or retireProjectGroups would take from it: it leaves this stack's list unwarned
    retired: () => new Set([...retired, ...released,
      ...previousOutput(harbor).namesOf(owner.owner).filter((project) => projectOfAnotherStacksTeam(harbor, project))]),
    accepts: isHarborName,
    warning: (project, words) => leftProjectWarning(harbor, project, words),
  };
  recordNames(harbor, owner);
  // the configure Jobs ask at every render of their chunks (hundreds of times at 1,000 teams, each a pass over the
  // previous output's names); the answer changes only with the previous output and the three sets, which only grow
  let known: { previous: unknown; sizes: string; names: readonly string[] } | undefined;
  jobs.watchLeftProjects(() => {
    const previous = previousOutput(harbor);
    const sizes = `${declared.size} ${retired.size} ${released.size}`;
    if (known === undefined || known.previous !== previous || known.sizes !== sizes) known = { previous, sizes, names: leftNames(harbor, owner) };
    return known.names;
  });
}

/**
 * What the warning of a left `project` says of a team's, after the call that retires its groups: on a Harbor of a
 * TeamPlatform, retire the team (`retireTeam`, which retires its robots too); on one whose TeamPlatform left the code,
 * teams and all, while Harbor warns of the team's robots (`teamLeftWithPlatform`), retire them one by one, as that
 * warning says, there being no `retireTeam` to call; on a Harbor no TeamPlatform had, or once the robots are retired,
 * nothing: the project is the Harbor's own.
 */
function teamProjectAdvice(harbor: Harbor, project: string): string {
  if (teamPlatformsOf(harbor).length > 0) {
    return ` (a team's project: retireTeam(${JSON.stringify(project)}) instead, or the DigitalOcean program's retiredTeams, which retire its robots too)`;
  }
  return teamLeftWithPlatform(harbor, project) ? ` (a team's project whose TeamPlatform left the code: retire its robots too, ${retireTeamRobotsCalls(project)})` : '';
}

/**
 * The warning of `project`, which an earlier run (`words`) declared and `harbor` now neither declares nor retires. Harbor
 * answers a delete of a project that holds a repository 412 "the project contains repositories, can not be deleted"
 * (goharbor/harbor v2.15.1 src/server/v2.0/handler/project.go:271-277, :765-778), hence "its repositories first".
 */
function leftProjectWarning(harbor: Harbor, project: string, words: RunWords): string {
  if (project === LIBRARY) {
    // Harbor's own (Harbor.declareLibrary): retireProjectGroups refuses it, and nothing deletes it
    return `Harbor project library of ${harbor.node.path} was declared by ${words.earlier} (declareLibrary), and this one does not ` +
      'declare it: the configure Jobs never delete it, so it stays in Harbor as the last run left it, its images, its group ' +
      'members and its visibility, which no run sets any more (the first configure Job\'s log says while it is public); ' +
      'call harbor.declareLibrary() again unless that is meant';
  }
  return `Harbor project ${project} of ${harbor.node.path} was declared by ${words.earlier}, and this one neither declares it (addProject, ` +
    'addProxyCache) nor retires it (retireProjectGroups): the configure Jobs never delete a project, so it stays in Harbor as it was, its ' +
    'images, its group members and, if it is public, pulls by anyone without a login (the first configure Job\'s log says whether it is); ' +
    `call harbor.retireProjectGroups(${JSON.stringify(project)}), which removes its group members${teamProjectAdvice(harbor, project)}, and make it private ` +
    `(curl -u admin -X PUT -H 'Content-Type: application/json' -H 'X-Is-Resource-Name: true' -d '{"metadata":{"public":"false"}}' ` +
    `https://${harbor.host}/api/v2.0/projects/${project}) or delete it in Harbor (Projects; its repositories first: Harbor refuses to ` +
    'delete a project that holds any); if it was renamed, declare it again ' +
    '(README, "Removing a project or a proxy cache")';
}
