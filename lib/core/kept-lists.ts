import { IConstruct } from 'constructs';
import { ciAdminList, ciUrlList, droppedCiAdminWarnings, movedCiUrlWarnings } from './ci-admins';
import { leftNameList, leftNameWarnings } from './left-names';
import { RunWords, SYNTH_WORDS } from './run-words';
import { versionList } from './version-changes';

// The lists of a synth's mark that tell of what the code named before and the cluster, Harbor or a forge keeps once
// the code drops it: the CI servers' admins and URLs, the version-checked workloads' images and the names owners
// declared (lib/core/left-names.ts: Harbor's projects, the Woodpecker agents a closed route closed and those the
// routes run; under a Pulumi stack only, Harbor's robots and a TeamPlatform's teams, which a synth's secret state
// tells). The synth writes them into its output's mark; a Pulumi program, which has no output directory, keeps them
// as a stack output (lib/pulumi/previous-mark.ts). One text and one set of warnings for both, so they cannot drift. They hold logins,
// URLs, image references, project, robot, team and agent names: never a credential. Not exported from lib/core.

/**
 * `app`'s lists of the kept names, in the mark's order. Call it once the manifests are rendered (`versionList`), and
 * inside `withPreviousOutput` (`leftNameList` carries the names left before).
 */
export function keptLists(app: IConstruct): string {
  return ciAdminList(app) + ciUrlList(app) + versionList(app) + leftNameList(app);
}

/**
 * The warnings of what the previous mark (its text) lists and `app` dropped: an admin (the engine keeps them), a
 * Harbor project (Harbor keeps it), a CI URL (the forge's webhooks keep calling it), each `warning: …`, naming the
 * runs with `words` (a synth's by default; the admins' and URLs' warnings name none). Call it inside
 * `withPreviousOutput`.
 */
export function keptListWarnings(mark: string | undefined, app: IConstruct, words: RunWords = SYNTH_WORDS): string[] {
  return [...droppedCiAdminWarnings(mark, app), ...leftNameWarnings(app, words), ...movedCiUrlWarnings(mark, app)];
}
