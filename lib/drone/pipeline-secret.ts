import { invalid, checkUniqueList } from '../core';

/** A Drone build event, as the secrets extension's `X-Drone-Events` annotation names it. */
export enum PipelineEvent {
  /** Builds of commits pushed to a branch. */
  PUSH = 'push',
  /** Builds of a tag pushed to the repository. */
  TAG = 'tag',
  /** Builds that promote an earlier build to an environment: `drone build promote`. */
  PROMOTE = 'promote',
  /** Builds that roll an environment back to an earlier build: `drone build rollback`. */
  ROLLBACK = 'rollback',
  /** Builds started by one of the repository's cron jobs. */
  CRON = 'cron',
  /** Builds started by hand from the UI or the API: `drone build create`. */
  CUSTOM = 'custom',
  /** Builds of pull requests, which may come from forks: never given a secret unless asked. */
  PULL_REQUEST = 'pull_request',
}

/** Who may read a pipeline secret. */
export interface PipelineAccess {
  /** Repository slugs or globs, e.g. `acme/api` or `acme/*`, matched case-insensitively. */
  readonly repos: string[];
  /**
   * The events whose builds get the secret.
   *
   * @default - push, tag, promote, rollback, cron and custom: every event but pull_request
   */
  readonly events?: PipelineEvent[];
  /**
   * Allow `PipelineEvent.PULL_REQUEST` in `events`. The extension itself marks every secret as available to pull
   * requests, so `X-Drone-Events` is the only guard.
   *
   * @default false
   */
  readonly allowPullRequests?: boolean;
}

const REPO_GLOB = /^[A-Za-z0-9_.*?-]+\/[A-Za-z0-9_.*?-]+$/;

/** The annotations that restrict a Secret to repositories and events. */
export function accessAnnotations(access: PipelineAccess): Record<string, string> {
  checkUniqueList('repos', access.repos);
  for (const repo of access.repos) {
    if (!REPO_GLOB.test(repo)) {
      invalid('repos', access.repos, `${JSON.stringify(repo)} must be an "owner/name" slug or glob`);
    }
  }
  const events = access.events ?? Object.values(PipelineEvent).filter((e) => e !== PipelineEvent.PULL_REQUEST);
  checkUniqueList('events', events);
  if (events.includes(PipelineEvent.PULL_REQUEST) && !access.allowPullRequests) {
    invalid('events', events, 'must not include pull_request unless allowPullRequests is true: pull requests may come from forks');
  }
  return { 'X-Drone-Repos': access.repos.join(','), 'X-Drone-Events': events.join(',') };
}
