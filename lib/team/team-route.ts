import { checkEvents, CiEngineKind, CiRouteProps, DEFAULT_EVENTS, PipelineEvent } from '../ci';
import { invalid } from '../core';
import { DRONE_NO_BRANCHES } from '../drone/no-branch-routes';

/** What a team says of its route: `TeamProps.events` and `TeamProps.branches` (`RetireTeamOptions` repeats them). */
export interface TeamRouteScope {
  /**
   * The route's events.
   *
   * @default - every event but pull requests (`DEFAULT_EVENTS`)
   */
  readonly events?: readonly PipelineEvent[];
  /**
   * The route's branches.
   *
   * @default - every branch
   */
  readonly branches?: readonly string[];
}

/**
 * A team's `events` and `branches`, checked as far as a team is concerned, as the props of its route: none when
 * neither is given, so that a team without them routes (and renders) as before. Both are Woodpecker's: on Drone a
 * team's route takes every event but pull requests, on any branch (`DRONE_NO_BRANCHES`). Pull requests are never the
 * team's route's: they run in the engine's shared build namespace, forks' included. The branches themselves, and the
 * events a route by branch may take, are the engine's route check (`checkRouteBranches`), which `addTeam` runs before
 * it changes anything (`checkAdditions`) and `retireTeam` through `closeRoute`.
 */
export function checkTeamRoute(scope: TeamRouteScope, engine: CiEngineKind): Pick<CiRouteProps, 'events' | 'branches'> {
  // null as unset, for JavaScript callers, as the engines read their optional props
  const events = scope.events ?? undefined;
  const branches = scope.branches ?? undefined;
  if (events === undefined && branches === undefined) {
    return {};
  }
  if (engine !== CiEngineKind.WOODPECKER) {
    if (branches !== undefined) {
      invalid('branches', branches, DRONE_NO_BRANCHES);
    }
    invalid('events', events, `must be left out on Drone: a team's route there takes every event but pull requests ` +
      `(${DEFAULT_EVENTS.join(', ')}); a narrower one is Woodpecker's, for a route by branch`);
  }
  if (events !== undefined) {
    checkEvents('events', events);
    if (events.includes(PipelineEvent.PULL_REQUEST)) {
      invalid('events', events, `must not include ${PipelineEvent.PULL_REQUEST}: a team's pull requests, forks' included, run in the engine's ` +
        `shared build namespace, never in its own as its deploy identity; give some of ${DEFAULT_EVENTS.join(', ')}`);
    }
  }
  return { ...(events === undefined ? {} : { events: [...events] }), ...(branches === undefined ? {} : { branches: [...branches] }) };
}
