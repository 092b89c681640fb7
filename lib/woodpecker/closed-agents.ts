import { IConstruct } from 'constructs';
import { DEFAULT_EVENTS, WOODPECKER_EVENTS } from '../ci/events';
import { describeValue } from '../core';
import { NameOwner, recordNames } from '../core/left-names';
import { previousOutput, underStackMark } from '../core/previous-output';
import type { RunWords } from '../core/run-words';
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
//
// A route dropped from the code without being closed (its addTeam removed, retireTeam added in a later synth) leaves
// its agents out of the next output's object list: the mark's section of objects no longer written lasts one synth
// only (lib/core/left-objects.ts, `goneObjectList`), so a later retireTeam would find nothing there and close only
// what its props name. So the mark also lists the agents each route runs (`recordRouteAgents`, owner
// `woodpecker-route-agents`): an agent of a route that is neither open nor closed now stays on that list, warned of at
// every synth, until a retireTeam (closeRoute) closes it, which finds it there by the route's name alone.

/** The short names of the Woodpecker events, as agent names hold them (`routeAgentName`). */
const SHORTS = new Map(WOODPECKER_EVENTS.map((w) => [w.short, w.name]));

/** The end of a route agent's name, `-<event>-<8 hex>` (`routeAgentName`), the event's short name captured. */
const AGENT_TAIL = /-([a-z]+)-[0-9a-f]{8}$/;

/**
 * The mark's owner of a server's closed agents, checked: those of a route closed with its events, or of which the
 * previous output held agents (`WoodpeckerCi` lists no others). One line, no tab. Not `earlierClosedAgentsOwner`'s
 * name, which versions before this one wrote unchecked names under.
 */
export function closedAgentsOwner(namespace: string, server: string): string {
  return `woodpecker-checked-closed-agents ${namespace}/${server}`;
}

/**
 * The mark's owner of a server's closed agents as versions before `closedAgentsOwner` wrote them, which listed the
 * names a route closed with repos but no events named (every default event, every branch) even where no previous
 * output held an agent of the route: a later synth that took them for the route's own would say nothing of a blind
 * retirement, at every synth, so they are read as unchecked. The names on it are refused, and kept on it while their
 * route stays closed and no checked list takes them (`WoodpeckerCi`'s `refusedAgents`), but they never stand for the
 * route's agents found. One line, no tab.
 */
export function earlierClosedAgentsOwner(namespace: string, server: string): string {
  return `woodpecker-closed-agents ${namespace}/${server}`;
}

/** The mark's owner of the agents a server's open routes run: one line, no tab. */
export function routeAgentsOwner(namespace: string, server: string): string {
  return `woodpecker-route-agents ${namespace}/${server}`;
}

/** A mark entry `<route>/<agent>`, split; undefined for anything else (the mark is a file anyone may edit). */
function routeEntry(entry: string | undefined): { route: string; agent: string } | undefined {
  const match = /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(entry ?? '');
  return match === null ? undefined : { route: match[1], agent: match[2] };
}

/**
 * Record the agents the open routes of a server (its Service's name `prefix`) run now (`running()`: agent name to
 * route), for the output's mark, and warn of one an earlier synth recorded whose route is neither open (`open()`) nor
 * has it closed (`closed()`): its team dropped without `retireTeam`. The agent of a route still open that the route no longer runs (a repository
 * taken out) is let go: that route cannot be closed, and the left-objects warning names its StatefulSet.
 * None under the DigitalOcean Pulumi program (`underStackMark`): the agents are resources of the stack, deleted by the
 * update that drops them.
 */
export function recordRouteAgents(scope: IConstruct, owner: string, prefix: string, running: () => ReadonlyMap<string, string>,
  open: () => ReadonlySet<string>, closed: () => ReadonlyMap<string, string>): void {
  const entries = (agents: ReadonlyMap<string, string>) => [...agents].map(([agent, route]) => `${route}/${agent}`);
  const named: NameOwner = {
    owner,
    declared: () => new Set(underStackMark(scope) ? [] : entries(running())),
    retired: () => {
      const routes = open();
      const stillOpen = previousOutput(scope).namesOf(owner).filter((entry) => routes.has(routeEntry(entry)?.route ?? ''));
      return new Set([...entries(closed()), ...stillOpen]);
    },
    // as `recordedRouteAgents` reads the list: a hand-edited line naming no agent of its route (the pool agent, another
    // server's) would be warned of at every synth, and no retireTeam would close it or take it off the list
    accepts: (name) => {
      const found = routeEntry(name);
      return found !== undefined && agentRoute(prefix, found.agent) === found.route;
    },
    // one line per route, however many agents (one per repository, event and branch) it ran
    warnings: (names, words) => {
      const byRoute = new Map<string, string[]>();
      names.map((n) => routeEntry(n)!).forEach(({ route, agent }) => byRoute.set(route, [...(byRoute.get(route) ?? []), agent]));
      return [...byRoute].map(([route, agents]) => droppedAgentsWarning(route, agents, words));
    },
  };
  recordNames(scope, named);
}

/**
 * The warning for the `agents` of route `route`, which an earlier run (`words`) wrote, dropped without closing the
 * route.
 */
export function droppedAgentsWarning(route: string, agents: readonly string[], words: RunWords): string {
  const [they, them, are] = agents.length === 1 ? ['its agent', 'it', 'is'] : [`its ${agents.length} agents`, 'them', 'are'];
  return `Woodpecker route ${describeValue(route)} left the code without retireTeam or closeRoute, and ${they} ${fewOf(agents)}, which ` +
    `${words.earlier} wrote, ${are} neither written nor closed now: kubectl apply without pruning leaves ${them} running, admitted to the ` +
    'server\'s gRPC port with the shared agent secret and taking the route\'s pipelines with its deploy identity and Secrets; add ' +
    `retireTeam(${describeValue(route)}) (or closeRoute), which finds ${them} by the route's name and refuses ${them} the port, until ` +
    `${agents.length === 1 ? 'it is' : 'they are'} deleted from the cluster, then drop the call (see the README, "Offboarding, step by step")`;
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
    accepts: (name) => routeEntry(name) !== undefined,
  });
}

/**
 * The agents the previous output holds of each route of the server `prefix` (its Service's name) in `namespace`, by
 * route: its StatefulSets named `<prefix>-<route>-<event>-<8 hex>` (`routeAgentName`; the route is all before a
 * known event and the hash, so a route named like another's prefix is told apart) and the agents its mark lists for
 * any of `owners` (closed and checked, `closedAgentsOwner`, or run by a route, `routeAgentsOwner`, and kept while neither
 * open nor closed; under a Pulumi stack the earlier versions' closed, `earlierClosedAgentsOwner`, too). Empty outside `withPreviousOutput` or without a previous output; under the DigitalOcean Pulumi
 * program (lib/pulumi/previous-mark.ts) only the mark's closed agents, as its stack output keeps no object list.
 */
export function recordedRouteAgents(scope: IConstruct, owners: readonly string[], namespace: string, prefix: string): Map<string, Set<string>> {
  const out = listedRouteAgents(scope, owners, prefix);
  const head = `${namespace}/`;
  for (const set of previousOutput(scope).objects('apps', 'StatefulSet')) {
    const route = set.startsWith(head) ? agentRoute(prefix, set.slice(head.length)) : undefined;
    if (route !== undefined) out.set(route, (out.get(route) ?? new Set<string>()).add(set.slice(head.length)));
  }
  return out;
}

/**
 * The agents of the server `prefix` that the previous output's mark lists for any of `owners`, by route, and nothing
 * else (`recordedRouteAgents` adds its StatefulSets).
 */
export function listedRouteAgents(scope: IConstruct, owners: readonly string[], prefix: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of owners.flatMap((owner) => previousOutput(scope).namesOf(owner))) {
    const found = routeEntry(entry);
    // a line of the mark (a file anyone may edit) counts only if it names an agent of its route: no other pod is refused
    if (found !== undefined && agentRoute(prefix, found.agent) === found.route) {
      out.set(found.route, (out.get(found.route) ?? new Set<string>()).add(found.agent));
    }
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
  const rest = agent.slice(prefix.length + 1);
  // an event's short name holds no '-', so the tail is the name's last two segments, and the route all before them
  const tail = AGENT_TAIL.exec(rest);
  return tail !== null && tail.index > 0 && SHORTS.has(tail[1]) ? rest.slice(0, tail.index) : undefined;
}

/**
 * The warning for a route closed with props whose agent names miss `missed`, agents the previous output holds of it:
 * they are closed all the same, but only while a synth finds that output.
 */
export function missedAgentsWarning(route: string, missed: readonly string[]): string {
  const events = [...new Set(missed.map((agent) => SHORTS.get(AGENT_TAIL.exec(agent)?.[1] ?? '')).filter((e) => e !== undefined))].sort();
  return `Woodpecker route ${describeValue(route)} is closed (retireTeam, closeRoute) with repos, events or branches that do not name ` +
    `${missed.length === 1 ? 'its agent' : `${missed.length} of its agents`} ${fewOf(missed)}, which the previous output held: they are refused ` +
    'the server\'s gRPC port too, found there, but a synth without that output (another output directory, a fresh clone) would leave them ' +
    `taking the route's pipelines with its deploy identity and Secrets; pass every repository, event and branch the route had (the missed agents' events: ` +
    `${events.join(', ')}), as its addTeam or addRoute listed them`;
}

/**
 * The warning for route `route` closed with `repos` but no events, by `call`: `retireTeam(route, { repos })` or
 * `closeRoute(route, repos)`, from a synth that finds none of the route's agents in the previous output (a first
 * synth, a fresh clone, another output directory). It closes the agents of `repos` for the default events on every
 * branch, while a route that had events or branches ran agents named after them (`routeAgentName`), which stay
 * admitted: the server takes the labels a task must match from the agent itself (woodpecker v3.17.0
 * server/scheduler/filter.go:28-87, server/rpc/rpc.go:76-82), so only the name refuses it.
 */
export function uncheckedAgentsWarning(call: 'retireTeam' | 'closeRoute', route: string, repos: readonly string[]): string {
  const name = describeValue(route);
  const given = describeValue(repos);
  const [head, whose, adder, example] = call === 'retireTeam'
    ? [`retireTeam(${name})`, 'the team', 'addTeam', retireTeamExample(route, repos)]
    : [`closeRoute(${name}, ${given})`, 'the route', 'addRoute (or addTeam)', `e.g. closeRoute(${name}, ${given}, ["push"], ["main"]), or, if it ` +
      `had neither, the default events, closeRoute(${name}, ${given}, ${describeValue(DEFAULT_EVENTS)})`];
  return `${head} on Woodpecker gives repos but no events, and no previous output holds an agent of ${whose} to check them against ` +
    '(a first synth, a fresh clone, another output directory): only its repos\' agents for every event but pull requests, on every branch, ' +
    `are refused the server's gRPC port, so if its ${adder} had events or branches, its agents, named after them, stay admitted, taking ` +
    `its pipelines with its deploy identity and Secrets until deleted; pass them as ${adder} had them, ${example}`;
}

/**
 * The example both warnings of a Woodpecker `retireTeam` that finds none of team `team`'s agents end with (this
 * module's, and `TeamPlatform.retireTeam`'s without repos): `repos` with the team's events and branches, or, for a
 * team that had neither, the default events, so that following it meets neither warning again.
 */
export function retireTeamExample(team: string, repos: readonly string[]): string {
  return `e.g. retireTeam(${describeValue(team)}, { repos: ${describeValue(repos)}, events: ["push"], branches: ["main"] }), or, if it had neither, ` +
    `the default events, events: ${describeValue(DEFAULT_EVENTS)}`;
}
