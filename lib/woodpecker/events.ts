import { PipelineEvent, WOODPECKER_EVENTS, woodpeckerNamesOf } from '../ci/events';
import { invalid } from '../core';

/**
 * The Woodpecker events of a grant's checked events, each once, in the order of `events`. Promotions and rollbacks
 * are one Woodpecker event (`WOODPECKER_EVENTS`), so a grant must name both or neither: granting one would grant the
 * other.
 */
export function woodpeckerEventsOf(events: readonly PipelineEvent[]): string[] {
  for (const shared of WOODPECKER_EVENTS.filter((w) => w.events.length > 1)) {
    const named = shared.events.filter((e) => events.includes(e));
    if (named.length > 0 && named.length < shared.events.length) {
      invalid('events', events, `must list ${shared.events.join(' and ')} together or neither: Woodpecker has one event, ` +
        `${shared.name}, for both, so granting one would grant the other`);
    }
  }
  return woodpeckerNamesOf(events);
}
