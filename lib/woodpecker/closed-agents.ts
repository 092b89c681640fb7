import { IConstruct } from 'constructs';
import { WOODPECKER_EVENTS } from '../ci/events';
import { describeValue } from '../core';
import { recordNames } from '../core/left-names';
import { previousOutput } from '../core/previous-output';
import { fewOf } from '../core/text';

// A closed route's agents are refused the server's gRPC port by name (WoodpeckerCi.closeRoute), and their names hash
// the repository and branch and hold the event (lib/woodpecker/routes.ts): names computed from props that miss one
// leave that agent admitted, taking the route's pipelines with its namespace's Secrets, and nothing in the server
// could tell, as it keeps no record of which agent serves which route. It authenticates every agent with the one
// shared secret, registering a new system agent for each (woodpecker v3.17.0 server/rpc/auth_server.go:59-75), and
// takes the labels an agent polls with from the agent itself at each poll, but for those an admin set on it in the UI,
// which a system agent registered so has none of (server/rpc/rpc.go:61-84, the overwrite at :76-82). So the names
// come from what the stack wrote: the route's agents, StatefulSets of the engine's namespace, in the previous
// output's object list, and the agents it closed, which the mark lists (lib/core/left-names.ts) for as long as the
// call that closed them stays. A name leaves that list unwarned when the call goes: dropping it is the last step of
// offboarding, once the agents are deleted (README, "Offboarding, step by step").

/** The short names of the Woodpecker events, as agent names hold them (`routeAgentName`). */
const SHORTS = new Map(WOODPECKER_EVENTS.map((w) => [w.short, w.name]));

/** The mark's owner of a server's closed agents: one line, no tab. */
export function closedAgentsOwner(namespace: string, server: string): string {
  return `woodpecker-closed-agents ${namespace}/${server}`;
}

/**
 * Record the agents a server's engine closes now (`closed()`: agent name to route), for the output's mark. None is
 * retired: the list holds what is closed now, an agent that runs again is not (its route added anew), and a name the
 * code no longer closes leaves it unwarned (the `NameOwner` has no warning).
 */
export function recordClosedAgents(scope: IConstruct, owner: string, closed: () => ReadonlyMap<string, string>): void {
  recordNames(scope, {
    owner,
    declared: () => new Set([...closed()].map(([agent, route]) => `${route}/${agent}`)),
    retired: () => new Set(),
    accepts: (name) => /^[a-z0-9-]+\/[a-z0-9-]+$/.test(name),
  });
}

/**
 * The agents the previous output holds of each route of the server `prefix` (its Service's name) in `namespace`, by
 * route: its StatefulSets named `<prefix>-<route>-<event>-<8 hex>` (`routeAgentName`; the route is all before a
 * known event and the hash, so a route named like another's prefix is told apart) and the agents its mark lists as
 * closed by `owner`. Empty outside `withPreviousOutput` or without a previous output; under the DigitalOcean Pulumi
 * program (lib/pulumi/previous-mark.ts) only the mark's closed agents, as its stack output keeps no object list.
 */
export function recordedRouteAgents(scope: IConstruct, owner: string, namespace: string, prefix: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (route: string, agent: string) => {
    const set = out.get(route) ?? new Set<string>();
    set.add(agent);
    out.set(route, set);
  };
  const previous = previousOutput(scope);
  const head = `${namespace}/`;
  for (const set of previous.objects('apps', 'StatefulSet')) {
    const route = set.startsWith(head) ? agentRoute(prefix, set.slice(head.length)) : undefined;
    if (route !== undefined) add(route, set.slice(head.length));
  }
  for (const item of previous.names) {
    const [who, entry, extra] = item.split('\t');
    const match = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(entry ?? '');
    // a line of the mark (a file anyone may edit) counts only if it names an agent of its route: no other pod is refused
    if (who === owner && extra === undefined && match !== null && agentRoute(prefix, match[2]) === match[1]) add(match[1], match[2]);
  }
  return out;
}

/**
 * The route of the agent named `agent` of the server `prefix`, `<prefix>-<route>-<event>-<8 hex>` (`routeAgentName`):
 * all before the last known event and the hash, so a route named like another's prefix (`web`, `web-api`), or holding
 * an event's name (`web-pr`), is told apart; undefined for any other name.
 */
function agentRoute(prefix: string, agent: string): string | undefined {
  if (!agent.startsWith(`${prefix}-`)) return undefined;
  const match = /^(.+)-([a-z]+)-[0-9a-f]{8}$/.exec(agent.slice(prefix.length + 1));
  return match !== null && SHORTS.has(match[2]) ? match[1] : undefined;
}

/**
 * The warning for a route closed with props whose agent names miss `missed`, agents the previous output holds of it:
 * they are closed all the same, but only while a synth finds that output.
 */
export function missedAgentsWarning(route: string, missed: readonly string[]): string {
  const events = [...new Set(missed.map((agent) => SHORTS.get(/-([a-z]+)-[0-9a-f]{8}$/.exec(agent)?.[1] ?? '')).filter((e) => e !== undefined))].sort();
  return `Woodpecker route ${describeValue(route)} is closed (retireTeam, closeRoute) with repos, events or branches that do not name ` +
    `${missed.length === 1 ? 'its agent' : `${missed.length} of its agents`} ${fewOf(missed)}, which the previous output held: they are refused ` +
    'the server\'s gRPC port too, found there, but a synth without that output (another output directory, a fresh clone) would leave them ' +
    `taking the route's pipelines with its deploy identity and Secrets; pass every repository, event and branch the route had (the missed agents' events: ` +
    `${events.join(', ')}), as its addTeam or addRoute listed them`;
}
