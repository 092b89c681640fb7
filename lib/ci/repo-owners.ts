import { describeValue, invalid } from '../core';
import { isRepoGlob } from './events';

/**
 * A repository pattern's owner: everything before its last "/". For a GitLab subgroup's project that is the whole
 * namespace path (`acme/platform` of `acme/platform/api`), which is what both engines compare: Drone's repository
 * filter the repository's namespace, Woodpecker's repository owners its owner.
 */
export function repoOwnerOf(repo: string): string {
  return repo.slice(0, repo.lastIndexOf('/'));
}

/** How an engine's server limits the repositories it runs, for `checkRepoOwners`. */
export interface RepoOwnerLimit {
  /** The server's setting that lists the owners, as messages name it. */
  readonly setting: string;
  /** The owners, compared ignoring case. */
  readonly owners: readonly string[];
  /** What the engine does with a repository of another owner, for the refusal. */
  readonly otherwise: string;
}

/**
 * Refuse a repository the server would never run because its owner is not one `limit` lists, compared ignoring case:
 * a route, secret or pull secret for it grants a pipeline that never runs. A glob is checked by its owner when that
 * has no wildcard (`other/*`); one whose owner is a glob is left alone.
 */
export function checkRepoOwners(repos: readonly string[], limit: RepoOwnerLimit): void {
  const allowed = new Set(limit.owners.map((o) => o.toLowerCase()));
  const outside = repos.find((repo) => !isRepoGlob(repoOwnerOf(repo)) && !allowed.has(repoOwnerOf(repo).toLowerCase()));
  if (outside !== undefined) {
    invalid('repos', repos, `${describeValue(outside)} must be a repository of one of the server's ${limit.setting} ` +
      `(${limit.owners.map((o) => describeValue(o)).join(', ')}): ${limit.otherwise}; add its owner to ${limit.setting}`);
  }
}
