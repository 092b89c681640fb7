import { createHash } from 'crypto';
import { invalid } from '../core';

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
}

/** The key of a repository and event: repositories compared case-insensitively, as the forges treat them. */
export function pairKey(repo: string, event: string): string {
  return `${repo.toLowerCase()} ${event}`;
}

/** Short event names for object names, which allow no "_". */
const SHORT_EVENTS: Record<string, string> = {
  push: 'push', tag: 'tag', deployment: 'deploy', cron: 'cron', manual: 'manual', pull_request: 'pr',
};
const LONGEST_EVENT = Math.max(...Object.values(SHORT_EVENTS).map((e) => e.length));
/** The longest StatefulSet name (`WoodpeckerAgent`). */
const MAX_AGENT_NAME = 52;

/**
 * The name of a route's agent: `<prefix>-<route>-<event>-<8 hex of the repository>`, readable in `kubectl get` and
 * unique per repository; the repository itself is in the agent's labels.
 */
export function routeAgentName(prefix: string, pair: RoutedPair): string {
  const room = MAX_AGENT_NAME - prefix.length - LONGEST_EVENT - 8 - 3;
  if (pair.route.length > room) {
    invalid('name', pair.route, `must be at most ${room} characters: it names the route's agents, ` +
      `"${prefix}-<name>-<event>-<hash>", StatefulSets of at most ${MAX_AGENT_NAME}`);
  }
  const hash = createHash('sha256').update(pair.repo.toLowerCase()).digest('hex').slice(0, 8);
  return `${prefix}-${pair.route}-${SHORT_EVENTS[pair.event]}-${hash}`;
}
