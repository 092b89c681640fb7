import { checkUniqueList, describeValue, invalid } from '../core';
import { PipelineEvent } from '../ci/events';

/**
 * The events whose pipelines carry the branch their commit is the head of, so that a route may take them by branch
 * (`CiRouteProps.branches`). Woodpecker v3.17.0 stamps the pipeline's branch on its task as
 * `woodpecker-ci.org/commit-branch` (`pipeline/frontend/builder/builder.go:205`), and for these it is the branch of
 * the commit built: a push's is the pushed branch (`server/forge/github/parse.go:113`, `gitea/helper.go:99`,
 * `gitlab/convert.go:282`, `bitbucket/convert.go:202`), a cron's and a manual pipeline's the branch they name, whose
 * head they build (`server/cron/cron.go:131-155`, `server/api/pipeline.go:70-102`).
 */
export const BRANCH_ROUTE_EVENTS: readonly PipelineEvent[] = Object.freeze([PipelineEvent.PUSH, PipelineEvent.CRON, PipelineEvent.CUSTOM]);

/** Why each other event's branch says nothing of whose code runs (woodpecker v3.17.0). */
const NOT_BY_BRANCH: Readonly<Partial<Record<PipelineEvent, string>>> = {
  [PipelineEvent.TAG]: 'a tag carries no branch on Gitea and GitLab, its own name on Bitbucket (server/forge/bitbucket/convert.go:198-213, so a tag ' +
    'named like the branch would match) and the base_ref GitHub sends on GitHub (server/forge/github/parse.go:125-134)',
  [PipelineEvent.PROMOTE]: 'a deployment keeps the branch of the pipeline it deploys, a pull request\'s base branch included ' +
    '(server/pipeline/restart.go:135-144), and a GitHub deployment of a commit SHA is the default branch (server/forge/github/parse.go:162-166)',
  [PipelineEvent.PULL_REQUEST]: 'a pull request carries its base branch on GitHub and Gitea (server/forge/github/parse.go:215, ' +
    'gitea/helper.go:174) and its source branch on GitLab (gitlab/convert.go:224), a fork\'s to name',
};

/**
 * A branch name: letters, digits, ".", "_", "-" and "/", starting with a letter or digit, as git allows it
 * (`git check-ref-format`: no "..", no empty part, no part starting with "." or ending in ".lock", no trailing "."),
 * and within what an agent label value holds (`renderAgentLabels`; "," and "=" would split it). Exact: an agent
 * compares a required label as a string (woodpecker v3.17.0 `server/scheduler/filter.go:77-87`), so a glob would
 * only match a branch of that literal name.
 */
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;
const BRANCH_RULE = 'an exact branch name of letters, digits, ".", "_", "-" and "/", starting with a letter or digit, as git allows it ' +
  '(no globs: an agent compares the branch exactly)';

function gitAllows(branch: string): boolean {
  return !branch.includes('..') && branch.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock')) &&
    !branch.endsWith('.');
}

/**
 * `branches` of a route (`CiRouteProps.branches`) checked against the route's `events`: each an exact branch name,
 * none repeated, and every event one whose pipelines carry the branch they build (`BRANCH_ROUTE_EVENTS`).
 * `undefined` (every branch) passes unchanged.
 */
export function checkRouteBranches(branches: readonly string[] | undefined, events: readonly PipelineEvent[]): readonly string[] | undefined {
  if (branches === undefined || branches === null) {
    return undefined;
  }
  checkUniqueList('branches', branches, { of: 'branch names' });
  for (const branch of branches) {
    if (typeof branch !== 'string' || !BRANCH.test(branch) || !gitAllows(branch)) {
      invalid('branches', branches, `${describeValue(branch)} must be ${BRANCH_RULE}`);
    }
  }
  const other = events.filter((e) => !BRANCH_ROUTE_EVENTS.includes(e));
  if (other.length > 0) {
    const reasons = [...new Set(other.map((e) => NOT_BY_BRANCH[e === PipelineEvent.ROLLBACK ? PipelineEvent.PROMOTE : e]!))];
    invalid('branches', branches, `must be left out of a route for ${other.join(', ')}, as a route by branch takes only ` +
      `${BRANCH_ROUTE_EVENTS.join(', ')} (give it events: ${BRANCH_ROUTE_EVENTS.join(', ')}, or fewer): ${reasons.join('; ')}`);
  }
  return [...branches];
}
