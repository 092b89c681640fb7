import { WOODPECKER_EVENTS } from '../ci/events';
import { invalid } from '../core';
import { MAX_STATEFUL_SET_NAME } from '../core/deployment';
import { shortHash } from '../core/hash';

/** One agent of a route: it takes the pipelines of one repository for one Woodpecker event. */
export interface RoutedPair {
  /** The route's name. */
  readonly route: string;
  /** The repository, as the route spells it. */
  readonly repo: string;
  /** The Woodpecker event. */
  readonly event: string;
  /** The route's build namespace. */
  readonly namespace: string;
  /**
   * The branch the agent takes (`CiRouteProps.branches`).
   *
   * @default - every branch
   */
  readonly branch?: string;
}

/** The key of a repository and event: repositories compared case-insensitively, as the forges treat them. */
export function pairKey(repo: string, event: string): string {
  return `${repo.toLowerCase()} ${event}`;
}

/** The short name of each Woodpecker event, for object names, which allow no "_" (`WOODPECKER_EVENTS`). */
const SHORT_EVENTS: ReadonlyMap<string, string> = new Map(WOODPECKER_EVENTS.map((w) => [w.name, w.short]));
const LONGEST_EVENT = Math.max(...WOODPECKER_EVENTS.map((w) => w.short.length));
/** The longest agent name: a StatefulSet's (`WoodpeckerAgent`), with its upstream reason in lib/core/deployment.ts. */
const MAX_AGENT_NAME = MAX_STATEFUL_SET_NAME;

/**
 * The longest route name whose agents' names (`routeAgentName`) fit a StatefulSet's, for the server `prefix`: 25 for
 * `woodpecker`.
 */
export function maxRouteName(prefix: string): number {
  return MAX_AGENT_NAME - prefix.length - LONGEST_EVENT - 8 - 3;
}

/**
 * The name of a route's agent: `<prefix>-<route>-<event>-<8 hex of the repository>`, readable in `kubectl get` and
 * unique per repository; the repository itself is in the agent's labels. An agent of one branch hashes the
 * repository and the branch (a branch may hold characters no name allows); one of every branch keeps the name it
 * always had.
 */
export function routeAgentName(prefix: string, pair: RoutedPair): string {
  const room = maxRouteName(prefix);
  if (pair.route.length > room) {
    invalid('name', pair.route, `must be at most ${room} characters: it names the route's agents, ` +
      `"${prefix}-<name>-<event>-<hash>", StatefulSets of at most ${MAX_AGENT_NAME}`);
  }
  // "\n" is in no repository or branch name, so no two pairs hash the same text
  const hash = shortHash(pair.branch === undefined ? pair.repo.toLowerCase() : `${pair.repo.toLowerCase()}\n${pair.branch}`);
  return `${prefix}-${pair.route}-${SHORT_EVENTS.get(pair.event)}-${hash}`;
}
