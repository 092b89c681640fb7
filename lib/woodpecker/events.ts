import { PipelineEvent, woodpeckerEventName } from '../ci/events';
import { invalid } from '../core';

/**
 * The Woodpecker events of a grant's checked events, each once, in the order of `events`. Promotions and rollbacks
 * are one Woodpecker event, so a grant must name both or neither: granting one would grant the other.
 */
export function woodpeckerEventsOf(events: readonly PipelineEvent[]): string[] {
  const promote = events.includes(PipelineEvent.PROMOTE);
  if (promote !== events.includes(PipelineEvent.ROLLBACK)) {
    invalid('events', events, 'must list promote and rollback together or neither: Woodpecker has one event, deployment, for both, ' +
      'so granting one would grant the other');
  }
  return [...new Set(events.map(woodpeckerEventName))];
}
