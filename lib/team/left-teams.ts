import { IConstruct } from 'constructs';
import { describeValue, isDnsLabel } from '../core';
import { recordNames } from '../core/left-names';
import { underStackMark } from '../core/previous-output';
import type { Harbor } from '../harbor';
import { leftTeamWarning, teamsOwner } from '../harbor/left-robots';
import { MAX_TEAM_NAME } from './team';

// A team dropped from the code without retireTeam leaves its Harbor robots in Harbor, with their permissions and
// secrets that never expire: the configuration Jobs delete only the robots retiredRobots names (lib/harbor/configure.js,
// "Retired robots"). A synth tells from the secret state (TeamPlatform.reviewRetirements); under the DigitalOcean
// Pulumi program, which keeps no secret state of Dockyard's, the platform lists its teams in the stack's mark
// (lib/pulumi/previous-mark.ts), and the next update warns of one that left, in the synth's words.

/**
 * Under a Pulumi stack's mark (`underStackMark`): list the teams `platform` onboards (`teams()`) in the mark, and warn
 * of one an earlier update onboarded that it neither onboards nor retires (`retired`) now. The update itself deletes
 * the team's objects (its namespaces are protected), so only the robots stay. Nothing in a synth's mark: the secret
 * state tells it there.
 */
export function watchLeftTeamsOfStack(platform: IConstruct, harbor: Harbor, teams: () => Iterable<string>, retired: ReadonlySet<string>): void {
  recordNames(platform, {
    owner: teamsOwner(harbor, platform),
    declared: () => new Set(underStackMark(platform) ? teams() : []),
    retired: () => retired,
    accepts: (name) => isDnsLabel(name) && name.length <= MAX_TEAM_NAME,
    // the DigitalOcean program's users retire a team in its settings, not in code
    warning: (team) => leftTeamWarning(harbor, team, neitherOnboardsNorRetires([platform.node.path]), 'were made for it by an earlier update (the stack output dockyardMark lists the team)',
      '', `move it from the teams setting to retiredTeams (the DigitalOcean program), or call retireTeam(${describeValue(team)}) in a program of your own`),
  });
}

/**
 * What a warning of a team's robots (`leftTeamWarning`) says of `platforms` (the paths of the TeamPlatforms of the
 * Harbor), which have them no more.
 */
export function neitherOnboardsNorRetires(platforms: readonly string[]): string {
  return platforms.length === 1 ? `${platforms[0]} neither onboards the team (addTeam) nor retires it (retireTeam)`
    : `no TeamPlatform of that Harbor (${platforms.join(', ')}) onboards the team (addTeam) or retires it (retireTeam)`;
}
