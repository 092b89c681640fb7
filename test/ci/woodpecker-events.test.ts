// WOODPECKER_EVENTS is the one table of Woodpecker event names: pipelines' `when: event:`, the route agents' labels and
// names, and the checks of grants and typed pipelines read it, so they cannot disagree.
import { CiEngineKind, PipelineEvent, WOODPECKER_EVENTS, woodpeckerEventName } from '../../lib';
import { effectiveEvents } from '../../lib/ci/pipeline/plan';
import { woodpeckerEventsOf } from '../../lib/woodpecker/events';
import { routeAgentName } from '../../lib/woodpecker/routes';

/**
 * Woodpecker's events: woodpecker v3.17.0 `pipeline/frontend/metadata/const.go:21-29` (`EventPush` ... `EventManual`),
 * repeated in `server/model/const.go:26-34`. `pull_request_closed`, `pull_request_metadata` and `release` have no
 * Dockyard event.
 */
const UPSTREAM_EVENTS = ['push', 'pull_request', 'pull_request_closed', 'pull_request_metadata', 'tag', 'release', 'deployment', 'cron', 'manual'];

describe('WOODPECKER_EVENTS', () => {
  test('holds every Dockyard event once, in the order of PipelineEvent, under one of Woodpecker\'s event names', () => {
    expect(WOODPECKER_EVENTS.flatMap((w) => w.events)).toEqual(Object.values(PipelineEvent));
    expect(WOODPECKER_EVENTS.every((w) => UPSTREAM_EVENTS.includes(w.name))).toBe(true);
    expect(new Set(WOODPECKER_EVENTS.map((w) => w.name)).size).toBe(WOODPECKER_EVENTS.length);
  });

  test('gives each a short name that fits object names and tells the events apart', () => {
    expect(WOODPECKER_EVENTS.filter((w) => !/^[a-z0-9]+$/.test(w.short))).toEqual([]);
    expect(new Set(WOODPECKER_EVENTS.map((w) => w.short)).size).toBe(WOODPECKER_EVENTS.length);
  });

  test('is what each reader maps events by', () => {
    for (const w of WOODPECKER_EVENTS) {
      for (const event of w.events) {
        expect(woodpeckerEventName(event)).toBe(w.name);
        // a Woodpecker pipeline for one of an event's Dockyard events runs on all of them
        expect(effectiveEvents(CiEngineKind.WOODPECKER, [event])).toEqual(w.events);
        expect(effectiveEvents(CiEngineKind.DRONE, [event])).toEqual([event]);
      }
      expect(woodpeckerEventsOf(w.events)).toEqual([w.name]);
      const agent = routeAgentName('wp', { route: 'web', repo: 'acme/web', event: w.name, namespace: 'deploy' });
      expect(agent).toMatch(new RegExp(`^wp-web-${w.short}-[0-9a-f]{8}$`));
    }
  });

  test('a grant names all of a shared event\'s Dockyard events or none', () => {
    expect(() => woodpeckerEventsOf([PipelineEvent.PUSH, PipelineEvent.ROLLBACK])).toThrow(new Error('invalid events ["push","rollback"]: ' +
      'must list promote and rollback together or neither: Woodpecker has one event, deployment, for both, so granting one would grant the other'));
    expect(woodpeckerEventsOf([PipelineEvent.ROLLBACK, PipelineEvent.PUSH, PipelineEvent.PROMOTE])).toEqual(['deployment', 'push']);
  });
});
