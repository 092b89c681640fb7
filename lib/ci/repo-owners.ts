import { describeValue, invalid } from '../core';
import { isRepoGlob } from './events';

/**
 * A repository pattern's owner: everything before its last "/". For a GitLab subgroup's project that is the whole
 * namespace path (`acme/platform` of `acme/platform/api`), which is what both engines compare: Drone's repository
 * filter the repository's namespace, Woodpecker's repository owners its owner.
 */
export function repoOwnerOf(repo: string): string {
  return repo.slice(0, Math.max(repo.lastIndexOf('/'), 0));
}

/** The first of `repos` of more than two parts (a GitLab subgroup's project), if any. */
export function nestedRepo(repos: readonly string[]): string | undefined {
  return repos.find((r) => r.split('/').length > 2);
}

/**
 * Refuse, on Drone, a repository pattern of more than two parts: a GitLab subgroup's project. Drone's syncer skips
 * every repository whose slug holds more than one "/" (harness v2.28.2 `service/syncer/syncer.go:106-113`, "skipping
 * subrepositories"), and the syncer is the only way a repository enters Drone's database, so no pipeline of one ever
 * runs there (Drone declined to support subgroups: harness/harness#2009). Woodpecker runs them.
 *
 * @param prop the prop that holds the repositories, as the refusal names it
 * @param value what it holds, as the refusal shows it
 */
export function checkDroneRepoParts(prop: string, value: unknown, repos: readonly string[]): void {
  const nested = nestedRepo(repos);
  if (nested !== undefined) {
    invalid(prop, value, `${describeValue(nested)} must be an "owner/name" slug or glob of two parts on Drone: Drone syncs no project of a ` +
      'GitLab subgroup (a slug of more than one "/"), so none of its pipelines would run; Woodpecker runs them');
  }
}

/** How an engine's server limits the repositories it runs, for `checkRepoOwners`. */
export interface RepoOwnerLimit {
  /** The server's setting that lists the owners, as messages name it. */
  readonly setting: string;
  /** The owners, compared ignoring case. */
  readonly owners: readonly string[];
  /** What the engine does with a repository of another owner, for the refusal. */
  readonly otherwise: string;
  /**
   * Where the owner must be, as the refusal says it.
   *
   * @default - "one of the server's <setting>"
   */
  readonly listed?: string;
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
    invalid('repos', repos, `${describeValue(outside)} must be a repository of ${limit.listed ?? `one of the server's ${limit.setting}`} ` +
      `(${limit.owners.map((o) => describeValue(o)).join(', ')}): ${limit.otherwise}; add its owner to ${limit.setting}`);
  }
}
