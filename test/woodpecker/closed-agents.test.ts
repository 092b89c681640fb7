// A retired team's (a closed route's) Woodpecker agents are refused the server's gRPC port by name, and their names
// hash the repository and branch and hold the event (lib/woodpecker/routes.ts): retireTeam's props that miss one
// used to leave that agent admitted, silently. The server cannot tell: it authenticates every agent with the one shared
// secret (woodpecker v3.17.0 server/rpc/auth_server.go:59-75) and takes the labels it polls with from the agent
// but for labels an admin set on it (server/rpc/rpc.go:61-84). So the engine finds the route's agents in what the stack wrote (lib/woodpecker/closed-agents.ts):
// the previous output's StatefulSets, then the agents its mark lists as closed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { INSTANCE_LABEL, LocalSecretStore, PipelineEvent, synthesize, WoodpeckerCi } from '../../lib';
import { leftNameList, leftNameWarnings } from '../../lib/core/left-names';
import { namesByOwner, withPreviousOutput } from '../../lib/core/previous-output';
import { closedAgentsOwner, recordedRouteAgents, recordRouteAgents, routeAgentsOwner } from '../../lib/woodpecker/closed-agents';
import { platform } from '../team/fixtures';
import { stderrOf, thrown } from '../util';

const { PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM } = PipelineEvent;
/** The team's route: two events by two branches, four agents none of which retireTeam's defaults name. */
const WEB = { name: 'web', repos: ['acme/web'], events: [PUSH, CUSTOM], branches: ['main', 'release'] };
const MISSED = /Woodpecker route "web" is closed \(retireTeam, closeRoute\) with repos, events or branches that do not name/g;
const UNNAMED = /retireTeam\("web"\) on Woodpecker names no repos/g;

/** The directories `stack` made, removed after each test, whether it passed or not. */
const made: string[] = [];
afterEach(() => made.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A stack synthesized again and again into one output directory, on one state. */
function stack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-closed-agents-'));
  made.push(dir);
  const run = (build: (p: ReturnType<typeof platform>) => void, outdir = path.join(dir, 'dist')) => {
    let objects: any[] = [];
    const stderr = stderrOf(() => {
      const p = platform({}, { engine: 'woodpecker', outdir });
      p.teams.addTeam({ name: 'ops', repos: ['acme/ops'] });
      build(p);
      synthesize(p.app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
      objects = parseAllDocuments(fs.readFileSync(path.join(outdir, 'platform.k8s.yaml'), 'utf8')).map((d) => d.toJS()).filter((o) => o);
    });
    const rule = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker').spec.ingress
      .find((r: any) => r.ports?.some((p: any) => p.port === 9000));
    const refused: string[] = rule.from.flatMap((f: any) => f.podSelector?.matchExpressions ?? []).flatMap((e: any) => e.values);
    const agents: string[] = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.name.startsWith('woodpecker-web-')).map((o) => o.metadata.name).sort();
    // the label each refusal excludes by, and each agent's pods' value of a label
    const keys = rule.from.flatMap((f: any) => f.podSelector?.matchExpressions ?? []).map((e: any) => `${e.key} ${e.operator}`);
    const podLabels = (key: string) => objects.filter((o) => o.kind === 'StatefulSet' && agents.includes(o.metadata.name))
      .map((o) => `${o.metadata.name}=${o.spec.template.metadata.labels[key]}`).sort();
    return { stderr, refused, agents, keys, podLabels };
  };
  return { dir, run };
}

/** Route `deploy` of `repos`, in a build namespace of its own. */
function route(p: ReturnType<typeof platform>, repos: string[]): void {
  p.ci.addBuildNamespace('deploy-ns');
  p.ci.addRoute({ name: 'deploy', repos, namespace: 'deploy-ns' });
}

/** How often `re` matches `text`. */
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

test('retireTeam with the team\'s own props closes its agents, and says nothing', () => {
  const s = stack();
  const { agents, podLabels } = s.run((p) => p.teams.addTeam(WEB));
  expect(agents).toHaveLength(4);
  for (let i = 0; i < 2; i++) {
    const retired = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos, events: WEB.events, branches: WEB.branches }));
    expect(retired.refused).toEqual(agents);
    // excluded by the instance label core writes on every component's pods (INSTANCE_LABEL, lib/core/labels.ts), which
    // names each agent's pods by its StatefulSet, as rendered before it closed (a NetworkPolicy's podSelector matches pod labels, kubernetes/api
    // v0.36.3 networking/v1/types.go NetworkPolicyPeer): one label, written and excluded by one constant
    expect([...new Set(retired.keys)]).toEqual([`${INSTANCE_LABEL} NotIn`]);
    expect(podLabels(INSTANCE_LABEL)).toEqual(agents.map((a) => `${a}=${a}`));
    expect(count(retired.stderr, MISSED) + count(retired.stderr, UNNAMED)).toBe(0);
  }
});

test('retireTeam missing the team\'s events and branches still closes its agents, and warns once at each synth', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  // the first synth finds them among the previous output's StatefulSets, the next ones in its mark's list
  for (let i = 0; i < 2; i++) {
    const retired = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos }));
    expect(retired.refused).toEqual(expect.arrayContaining(agents));
    // and the five agents of every event but pull requests, which the props name
    expect(retired.refused).toHaveLength(9);
    expect(count(retired.stderr, MISSED)).toBe(1);
    expect(retired.stderr).toContain(`do not name 4 of its agents ${agents.join(', ')}, which the previous output held`);
    expect(retired.stderr).toContain('the missed agents\' events: manual, push)');
  }
  // a synth without that output warns as before, and closes only what the props name
  const fresh = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos }), path.join(s.dir, 'other'));
  expect(fresh.refused.filter((n) => agents.includes(n))).toEqual([]);
  expect(count(fresh.stderr, MISSED)).toBe(0);
});

// The gap a synth without the previous output left: a team routed by branch, retired with `repos` alone, had its agents
// named for the default events on every branch closed, while its own (one per repository, event and branch) stayed
// admitted. The server cannot tell them apart: an agent takes a task when the task carries every label it requires
// (`!`-prefixed) and it matches each of the task's labels (woodpecker v3.17.0 server/scheduler/filter.go:28-87), and
// those labels are the agent's own (cmd/agent/core/agent.go:229-236, server/rpc/rpc.go:76-82), so a leftover agent
// requiring branch main keeps taking the route's pushes to main; only the NetworkPolicy, by the agent's name, refuses it.
const UNCHECKED = /retireTeam\("web"\) on Woodpecker gives repos but no events/g;
const UNCHECKED_CLOSE = /closeRoute\("deploy", \["acme\/api"\]\) on Woodpecker gives repos but no events/g;

/**
 * What a blind synth shows (no previous output holds the route's agents, events left out): the route's own `agents`
 * stay admitted, the five agents of the default events on every branch are refused, and `warning`, which `re` finds,
 * is printed once.
 */
function expectBlind(result: { refused: readonly string[]; stderr: string }, agents: readonly string[], re: RegExp, warning: string): void {
  expect(result.refused.filter((n) => agents.includes(n))).toEqual([]);
  expect(result.refused).toHaveLength(5);
  expect(count(result.stderr, re)).toBe(1);
  expect(result.stderr).toContain(warning);
}

test('retireTeam with repos alone from a synth without the previous output warns, at each such synth, that it cannot check', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  const other = path.join(s.dir, 'other');
  for (let i = 0; i < 2; i++) {
    // another output directory: no previous output the first time, the next time one written by the blind synth
    const fresh = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos }), other);
    // the team's own agents stay admitted: only the default events' agents, on every branch, are refused
    expectBlind(fresh, agents, UNCHECKED, 'dockyard: warning: retireTeam("web") on Woodpecker gives repos but no events, and no previous output ' +
      'holds an agent of the team to check them against (a first synth, a fresh clone, another output directory): only its repos\' agents ' +
      'for every event but pull requests, on every branch, are refused the server\'s gRPC port, so if its addTeam had events or branches, ' +
      'its agents, named after them, stay admitted, taking its pipelines with its deploy identity and Secrets until deleted; pass them as ' +
      'addTeam had them, e.g. retireTeam("web", { repos: ["acme/web"], events: ["push"], branches: ["main"] }), or, if it had neither, ' +
      'the default events, events: ["push","tag","promote","rollback","cron","custom"]\n');
  }
  // the names closed blind are not listed as closed in the mark (JSON strings: the tab is written \t): a later synth
  // would take them for the team's and say nothing
  expect(fs.readFileSync(path.join(other, '.dockyard-output'), 'utf8')).not.toMatch(/closed-agents [^\n]*\\tweb\//);
  // given its events and branches, it closes the team's agents and says nothing, with or without the previous output
  for (const dir of [other, path.join(s.dir, 'third')]) {
    const given = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos, events: WEB.events, branches: WEB.branches }), dir);
    expect(given.refused).toEqual(agents);
    expect(count(given.stderr, UNCHECKED) + count(given.stderr, MISSED)).toBe(0);
  }
  // a team that had neither says so with the default events, and is not warned of
  const defaults = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos, events: [PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM] }), path.join(s.dir, 'fourth'));
  expect(defaults.refused).toHaveLength(5);
  expect(count(defaults.stderr, UNCHECKED)).toBe(0);
  // and the names it closes are listed, as every checked retirement's are (the other side of the blind synth's mark)
  expect(fs.readFileSync(path.join(s.dir, 'fourth', '.dockyard-output'), 'utf8')).toMatch(/woodpecker-checked-closed-agents [^\n]*\\tweb\/woodpecker-web-push-/);
  // and the synth that finds the previous output checks, as before: the missed agents' warning, not this one
  const found = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos }));
  expect(count(found.stderr, UNCHECKED)).toBe(0);
  expect(count(found.stderr, MISSED)).toBe(1);
});

// The mark's closed agents as Dockyard 0123a94 (the version before the checked list) wrote them in the output of
// retireTeam("web", { repos: ["acme/web"] }) synthesized into a directory without the team's agents (copied from
// that run in a worktree of 0123a94): the five names of the default events, listed as closed though nothing was found.
const EARLIER_BLIND_LINES = [
  '"woodpecker-closed-agents ci/woodpecker\\tweb/woodpecker-web-cron-86f279ce"',
  '"woodpecker-closed-agents ci/woodpecker\\tweb/woodpecker-web-deploy-86f279ce"',
  '"woodpecker-closed-agents ci/woodpecker\\tweb/woodpecker-web-manual-86f279ce"',
  '"woodpecker-closed-agents ci/woodpecker\\tweb/woodpecker-web-push-86f279ce"',
  '"woodpecker-closed-agents ci/woodpecker\\tweb/woodpecker-web-tag-86f279ce"',
];
const EARLIER_BLIND_NAMES = EARLIER_BLIND_LINES.map((l) => JSON.parse(l).split('/').pop()).sort();
/** The lines of the list of closed agents `owner` (its start, as the mark's JSON strings begin) the mark in `dir` holds. */
const markLines = (dir: string, owner: string) => fs.readFileSync(path.join(dir, '.dockyard-output'), 'utf8').split('\n').filter((l) => l.startsWith(`"${owner} `));
/** The mark in `dir` as 0123a94 wrote it at a blind retireTeam("web"): its list of names gains `EARLIER_BLIND_LINES`. */
function asEarlierBlindMark(dir: string): void {
  const file = path.join(dir, '.dockyard-output');
  const header = 'The names it declared to programs that keep them once the code drops them, and those it dropped without retiring them, ' +
    'one a line (JSON strings of owner and name, tab-separated):\n';
  const mark = fs.readFileSync(file, 'utf8');
  expect(mark).toContain(header);
  fs.writeFileSync(file, mark.replace(header, header + EARLIER_BLIND_LINES.map((l) => `${l}\n`).join('')));
}

test('an output whose mark an earlier version wrote at a blind retireTeam warns at each synth until the events are given, and keeps its names refused', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  const other = path.join(s.dir, 'other');
  const blind = (p: ReturnType<typeof platform>) => p.teams.retireTeam('web', { repos: WEB.repos });
  // the names this version closes blind are the ones 0123a94 listed
  expect(s.run(blind, other).refused).toEqual(EARLIER_BLIND_NAMES);
  asEarlierBlindMark(other);
  for (let i = 0; i < 2; i++) {
    // the earlier version's names are not taken for the team's agents: the synth cannot check, and says so
    const again = s.run(blind, other);
    expect(count(again.stderr, UNCHECKED)).toBe(1);
    expect(count(again.stderr, MISSED)).toBe(0);
    expect(again.refused).toEqual(EARLIER_BLIND_NAMES);
    // and they stay on the earlier list, unchecked, none on the checked one
    expect(markLines(other, 'woodpecker-closed-agents')).toEqual(EARLIER_BLIND_LINES);
    expect(markLines(other, 'woodpecker-checked-closed-agents')).toEqual([]);
  }
  // given the events and branches: no warning, the team's agents refused and listed as checked, and the earlier
  // names, which no check confirms (they may be agents an earlier synth found), still refused and on their list
  const given = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos, events: WEB.events, branches: WEB.branches }), other);
  expect(count(given.stderr, UNCHECKED) + count(given.stderr, MISSED)).toBe(0);
  expect(given.refused).toEqual([...agents, ...EARLIER_BLIND_NAMES].sort());
  expect(markLines(other, 'woodpecker-checked-closed-agents').map((l) => JSON.parse(l).split('/').pop()).sort()).toEqual(agents);
  expect(markLines(other, 'woodpecker-closed-agents')).toEqual(EARLIER_BLIND_LINES);
  // the call gone (the agents deleted, the last step of offboarding), both lists let the names go
  s.run(() => undefined, other);
  expect(markLines(other, 'woodpecker-closed-agents')).toEqual([]);
  expect(markLines(other, 'woodpecker-checked-closed-agents')).toEqual([]);
  // where the previous output holds the team's agents, the synth checks against them: the earlier names, which the
  // props name, are listed as checked with the agents found, and their earlier list is empty
  asEarlierBlindMark(path.join(s.dir, 'dist'));
  const found = s.run(blind);
  expect(count(found.stderr, UNCHECKED)).toBe(0);
  expect(count(found.stderr, MISSED)).toBe(1);
  expect(found.refused).toEqual([...agents, ...EARLIER_BLIND_NAMES].sort());
  expect(markLines(path.join(s.dir, 'dist'), 'woodpecker-closed-agents')).toEqual([]);
  expect(markLines(path.join(s.dir, 'dist'), 'woodpecker-checked-closed-agents')).toHaveLength(9);
});

test('a team without events or branches, retired with repos alone where the previous output holds its agents, is not warned of', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'] }));
  expect(agents).toHaveLength(5);
  // the first synth finds them among the StatefulSets, the next ones in the mark's list of closed agents
  for (let i = 0; i < 2; i++) {
    const retired = s.run((p) => p.teams.retireTeam('web', { repos: ['acme/web'] }));
    expect(retired.refused).toEqual(agents);
    expect(count(retired.stderr, UNCHECKED) + count(retired.stderr, MISSED)).toBe(0);
  }
});

// The upgrade's common case: a team without events or branches, retired with its repos alone by an earlier version in
// a synth that found its agents. That version's list names them exactly as a blind call's would (the default events,
// every branch), so this version cannot tell it checked: it warns until the call gives the default events, and keeps
// the names refused throughout.
test('a team retired with repos alone by an earlier version that found its agents warns after the upgrade until given the default events', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam({ name: 'web', repos: ['acme/web'] }));
  const dist = path.join(s.dir, 'dist');
  expect(count(s.run((p) => p.teams.retireTeam('web', { repos: ['acme/web'] })).stderr, UNCHECKED)).toBe(0);
  // the mark as 0123a94 wrote it at that synth (the same lines, checked in a worktree of it, under its owner)
  const file = path.join(dist, '.dockyard-output');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"woodpecker-checked-closed-agents /g, '"woodpecker-closed-agents '));
  const earlier = markLines(dist, 'woodpecker-closed-agents');
  expect(earlier).toHaveLength(5);
  for (let i = 0; i < 2; i++) {
    const upgraded = s.run((p) => p.teams.retireTeam('web', { repos: ['acme/web'] }));
    expect(count(upgraded.stderr, UNCHECKED)).toBe(1);
    expect(upgraded.refused).toEqual(agents);
    expect(markLines(dist, 'woodpecker-closed-agents')).toEqual(earlier);
  }
  // the default events, given, say the team had neither: no warning, and the names move to the checked list
  const given = s.run((p) => p.teams.retireTeam('web', { repos: ['acme/web'], events: [PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM] }));
  expect(count(given.stderr, UNCHECKED) + count(given.stderr, MISSED)).toBe(0);
  expect(given.refused).toEqual(agents);
  expect(markLines(dist, 'woodpecker-closed-agents')).toEqual([]);
  expect(markLines(dist, 'woodpecker-checked-closed-agents')).toEqual(earlier.map((l) => l.replace('"woodpecker-closed-agents ', '"woodpecker-checked-closed-agents ')));
});

test('retireTeam without repos closes the agents the previous output holds, and warns only when there are none', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  for (let i = 0; i < 2; i++) {
    const retired = s.run((p) => p.teams.retireTeam('web'));
    expect(retired.refused).toEqual(agents);
    expect(count(retired.stderr, UNNAMED) + count(retired.stderr, MISSED)).toBe(0);
  }
  const fresh = s.run((p) => p.teams.retireTeam('web'), path.join(s.dir, 'other'));
  expect(fresh.refused).toEqual([]);
  expect(count(fresh.stderr, UNNAMED)).toBe(1);
  // the call dropped once the agents are deleted (README, Offboarding step 6): the list lets them go, unwarned
  const dropped = s.run(() => undefined);
  expect(dropped.refused).toEqual([]);
  expect(dropped.stderr).not.toMatch(/woodpecker-web-/);
  expect(s.run((p) => p.teams.retireTeam('web')).refused).toEqual([]);
});

// An earlier version's list holds, besides a blind call's names, the agents a synth found: a route closed without
// repos names none itself, so what that list holds of it was found, and counts as found.
test('retireTeam without repos finds the agents an earlier version\'s mark lists as closed, and keeps them refused, unwarned', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  const dist = path.join(s.dir, 'dist');
  s.run((p) => p.teams.retireTeam('web'));
  // the mark as 0123a94 wrote it at that synth: the same lines, under its owner
  const file = path.join(dist, '.dockyard-output');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"woodpecker-checked-closed-agents /g, '"woodpecker-closed-agents '));
  const earlier = markLines(dist, 'woodpecker-closed-agents');
  expect(earlier).toHaveLength(4);
  for (let i = 0; i < 2; i++) {
    const retired = s.run((p) => p.teams.retireTeam('web'));
    expect(retired.refused).toEqual(agents);
    expect(count(retired.stderr, UNNAMED) + count(retired.stderr, MISSED)).toBe(0);
    expect(markLines(dist, 'woodpecker-closed-agents')).toEqual(earlier);
  }
});

test('a team onboarded again runs its agents, which the list then lets go', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  expect(s.run((p) => p.teams.retireTeam('web')).refused).toEqual(agents);
  const back = s.run((p) => p.teams.addTeam(WEB));
  expect(back.refused).toEqual([]);
  expect(back.agents).toEqual(agents);
  expect(fs.readFileSync(path.join(s.dir, 'dist', '.dockyard-output'), 'utf8')).not.toContain('closed-agents');
});

test('retireTeam of a team whose name starts another\'s, or of one named like an event, closes its own agents only', () => {
  const s = stack();
  // web-pr leaves the code unretired as web retires: its agents, no longer running now, are not web's to close
  const build = (p: ReturnType<typeof platform>, retired: boolean) => {
    p.teams.addTeam({ name: 'web-api', repos: ['acme/api'] });
    if (retired) p.teams.retireTeam('web'); else { p.teams.addTeam(WEB); p.teams.addTeam({ name: 'web-pr', repos: ['acme/pr'], events: [PUSH] }); }
  };
  const live = s.run((p) => build(p, false));
  const own = live.agents.filter((n) => /^woodpecker-web-(push|manual)-[0-9a-f]{8}$/.test(n));
  expect(own).toHaveLength(4);
  expect(live.agents.length).toBeGreaterThan(own.length);
  // the first synth finds them among the StatefulSets, the next in the mark's list
  for (let i = 0; i < 2; i++) {
    expect(s.run((p) => build(p, true)).refused).toEqual(own);
  }
});

test('closeRoute naming agents a live route runs leaves them admitted', () => {
  const s = stack();
  const route = (p: ReturnType<typeof platform>) => {
    p.ci.addBuildNamespace('deploy-ns');
    p.ci.addRoute({ name: 'deploy', repos: ['acme/api'], namespace: 'deploy-ns' });
  };
  s.run(route);
  for (let i = 0; i < 2; i++) {
    const closed = s.run((p) => { route(p); (p.ci as WoodpeckerCi).closeRoute('deploy', ['acme/api']); });
    expect(closed.refused).toEqual([]);
  }
});

test('closeRoute of a repository a live route dropped closes its agents, not the route\'s running ones, and says nothing', () => {
  const s = stack();
  s.run((p) => route(p, ['acme/api', 'acme/old']));
  const closed = s.run((p) => { route(p, ['acme/api']); (p.ci as WoodpeckerCi).closeRoute('deploy', ['acme/old']); });
  expect(closed.refused).toHaveLength(5);
  expect(closed.stderr).not.toMatch(/Woodpecker route "deploy" is closed/);
});

// closeRoute, the engine's own call, names the agents as retireTeam does, and had the same gap: events left out, a synth
// without the previous output closed the default events' agents on every branch and said nothing. The check is the
// one both calls reach (WoodpeckerCi.closeNamedRoute, refusedAgents), worded for the call the user wrote.
test('closeRoute without events from a synth without the previous output warns, at each such synth, and lists nothing in the mark', () => {
  const s = stack();
  const routed = (p: ReturnType<typeof platform>) => {
    p.ci.addBuildNamespace('deploy-ns');
    p.ci.addRoute({ name: 'deploy', repos: ['acme/api'], namespace: 'deploy-ns', events: [PUSH, CUSTOM], branches: ['main', 'release'] });
  };
  s.run(routed);
  // the route's four agents, one per event and branch, as the first synth wrote them
  const written = fs.readFileSync(path.join(s.dir, 'dist', 'platform.k8s.yaml'), 'utf8');
  const agents = [...new Set(written.match(/woodpecker-deploy-[a-z]+-[0-9a-f]{8}/g) ?? [])].sort();
  expect(agents).toHaveLength(4);
  const ci = (p: ReturnType<typeof platform>) => p.ci as WoodpeckerCi;
  const other = path.join(s.dir, 'other');
  for (let i = 0; i < 2; i++) {
    const fresh = s.run((p) => ci(p).closeRoute('deploy', ['acme/api']), other);
    expectBlind(fresh, agents, UNCHECKED_CLOSE, 'dockyard: warning: closeRoute("deploy", ["acme/api"]) on Woodpecker gives repos but no events, and no previous ' +
      'output holds an agent of the route to check them against (a first synth, a fresh clone, another output directory): only its repos\' ' +
      'agents for every event but pull requests, on every branch, are refused the server\'s gRPC port, so if its addRoute (or addTeam) had ' +
      'events or branches, its agents, named after them, stay admitted, taking its pipelines with its deploy identity and Secrets until ' +
      'deleted; pass them as addRoute (or addTeam) had them, e.g. closeRoute("deploy", ["acme/api"], ["push"], ["main"]), or, if it had ' +
      'neither, the default events, closeRoute("deploy", ["acme/api"], ["push","tag","promote","rollback","cron","custom"])\n');
  }
  // the names closed blind are not listed as closed in the mark, as retireTeam's are not
  expect(fs.readFileSync(path.join(other, '.dockyard-output'), 'utf8')).not.toMatch(/closed-agents [^\n]*\\tdeploy\//);
  // given its events and branches, it closes the route's agents and says nothing, and they are listed
  const third = path.join(s.dir, 'third');
  const given = s.run((p) => ci(p).closeRoute('deploy', ['acme/api'], [PUSH, CUSTOM], ['main', 'release']), third);
  expect(given.refused).toEqual(agents);
  expect(count(given.stderr, UNCHECKED_CLOSE)).toBe(0);
  expect(fs.readFileSync(path.join(third, '.dockyard-output'), 'utf8')).toMatch(/woodpecker-checked-closed-agents [^\n]*\\tdeploy\/woodpecker-deploy-push-/);
  // the default events, given, say the route had neither: no warning
  const defaults = s.run((p) => ci(p).closeRoute('deploy', ['acme/api'], [PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM]), path.join(s.dir, 'fourth'));
  expect(defaults.refused).toHaveLength(5);
  expect(count(defaults.stderr, UNCHECKED_CLOSE)).toBe(0);
  // and a synth that finds the previous output checks: the missed agents' warning, not this one
  const found = s.run((p) => ci(p).closeRoute('deploy', ['acme/api']));
  expect(found.refused).toEqual(expect.arrayContaining(agents));
  expect(count(found.stderr, UNCHECKED_CLOSE)).toBe(0);
  expect(found.stderr).toMatch(/Woodpecker route "deploy" is closed \(retireTeam, closeRoute\) with repos, events or branches that do not name 4 of its agents/);
});

// Two calls closing one route: the one without events names agents no previous output confirms, whatever the other
// gives, so the synth still warns of it (worded for the first such call) and lists neither call's names in the mark.
test('a route closed twice, once without events, is still warned of when nothing is found, whichever call comes first; null events are none', () => {
  const s = stack();
  const routed = (p: ReturnType<typeof platform>) => {
    p.ci.addBuildNamespace('deploy-ns');
    p.ci.addRoute({ name: 'deploy', repos: ['acme/api', 'acme/web'], namespace: 'deploy-ns', events: [PUSH], branches: ['main'] });
  };
  s.run(routed);
  const blind = (p: ReturnType<typeof platform>) => (p.ci as WoodpeckerCi).closeRoute('deploy', ['acme/api']);
  const given = (p: ReturnType<typeof platform>) => (p.ci as WoodpeckerCi).closeRoute('deploy', ['acme/web'], [PUSH], ['main']);
  for (const [dir, calls] of [['blind-first', [blind, given]], ['given-first', [given, blind]]] as const) {
    const out = path.join(s.dir, dir);
    const fresh = s.run((p) => calls.forEach((call) => call(p)), out);
    expect(count(fresh.stderr, UNCHECKED_CLOSE)).toBe(1);
    // the given call's agent is refused, with the blind call's five
    expect(fresh.refused).toHaveLength(6);
    expect(fs.readFileSync(path.join(out, '.dockyard-output'), 'utf8')).not.toMatch(/closed-agents [^\n]*\\tdeploy\//);
  }
  // a JavaScript caller's null is events left out, as the parameter's default took it before
  const nulled = s.run((p) => (p.ci as WoodpeckerCi).closeRoute('deploy', ['acme/api'], null as any), path.join(s.dir, 'null'));
  expect(nulled.refused).toHaveLength(5);
  expect(count(nulled.stderr, UNCHECKED_CLOSE)).toBe(1);
});

// the route is looked up at synth, so it must be closed before, with repos or without, and a refusal retires nothing
test('retireTeam without repos after the synth is refused, naming the team, and retires nothing', () => {
  const p = platform({}, { engine: 'woodpecker' });
  p.objects();
  expect(thrown(() => p.teams.retireTeam('web')).message)
    .toBe('invalid name "web": must be added before the chart is synthesized: routes and secrets are placed then');
  expect(p.teams.retiredTeams).toEqual([]);
});

/** The mark's owner of the agents the routes of server `woodpecker` in namespace `ci` ran. */
const ROUTE_OWNER = routeAgentsOwner('ci', 'woodpecker');

test('the agents on record are told apart by route, whatever its name starts with', () => {
  const app = new App();
  const owner = closedAgentsOwner('ci', 'woodpecker');
  const previous = {
    secrets: new Set<string>(), charts: new Set<string>(),
    objects: (group: string, kind: string) => new Set(group !== 'apps' || kind !== 'StatefulSet' ? [] : ['ci/woodpecker-web-push-0123abcd',
      'ci/woodpecker-web-tag-push-89abcdef', 'ci/woodpecker-agent', 'ci/woodpecker-web-nope-0123abcd', 'other/woodpecker-web-tag-0123abcd']),
    // a hand-edited line that is no agent's, or another route's agent, or the pool agent, and another owner's, are dropped
    names: [`${owner}\tweb/woodpecker-web-cron-00000000`, `${owner}\tWeb/x`, `${owner}\tweb/a\textra`, 'woodpecker-closed-agents ci/other\tweb/woodpecker-web-tag-11111111',
      `${owner}\tweb/woodpecker-agent`, `${owner}\tweb/woodpecker-web-api-push-0123abcd`, `${owner}\tweb/drone-web-push-0123abcd`,
      // the list of the agents the routes ran is read alike
      `${ROUTE_OWNER}\tweb/woodpecker-web-deploy-22222222`, `${ROUTE_OWNER}\tweb/woodpecker-agent`, `${ROUTE_OWNER}\tweb/woodpecker-web-api-tag-0123abcd`],
  };
  withPreviousOutput(app, { ...previous, ...namesByOwner(previous.names) }, () => {
    const found = recordedRouteAgents(app, [owner, ROUTE_OWNER], 'ci', 'woodpecker');
    expect([...found.keys()].sort()).toEqual(['web', 'web-tag']);
    expect([...found.get('web')!].sort()).toEqual(['woodpecker-web-cron-00000000', 'woodpecker-web-deploy-22222222', 'woodpecker-web-push-0123abcd']);
    expect([...found.get('web-tag')!]).toEqual(['woodpecker-web-tag-push-89abcdef']);
  });
  expect(recordedRouteAgents(app, [owner, ROUTE_OWNER], 'ci', 'woodpecker').size).toBe(0);
});

test('a line of the routes\' agents naming no agent of its route is neither warned of nor kept on the list', () => {
  const app = new App();
  recordRouteAgents(app, ROUTE_OWNER, 'woodpecker', () => new Map(), () => new Set(), () => new Map());
  const previous = {
    secrets: new Set<string>(), charts: new Set<string>(), objects: () => new Set<string>(), directory: '/nowhere',
    // the pool agent, another route's agent, another server's: no retireTeam would close them or take them off the list
    names: [`${ROUTE_OWNER}\tweb/woodpecker-web-push-0123abcd`, `${ROUTE_OWNER}\tweb/woodpecker-agent`,
      `${ROUTE_OWNER}\tweb/woodpecker-web-api-push-0123abcd`, `${ROUTE_OWNER}\tweb/drone-web-push-0123abcd`],
  };
  withPreviousOutput(app, { ...previous, ...namesByOwner(previous.names) }, () => {
    const warnings = leftNameWarnings(app);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Woodpecker route "web" left the code without retireTeam or closeRoute, and its agent woodpecker-web-push-0123abcd, ' +
      'which an earlier synth wrote, is neither written nor closed now');
    expect(leftNameList(app).match(/woodpecker-route-agents/g)).toHaveLength(1);
    // in the words of the run it belongs to
    const words = { current: 'this run', earlier: 'an earlier run', previous: 'the last run', once: 'run once' };
    expect(leftNameWarnings(app, words)[0]).toContain('woodpecker-web-push-0123abcd, which an earlier run wrote, is neither');
  });
});

// The section of the mark that lists the objects no longer written lasts one synth (lib/core/left-objects.ts), so a
// team dropped in one synth and retired in a later one had its agents found nowhere: the mark now lists the agents
// each open route runs, and keeps those of a route neither open nor closed, warned of, until a retireTeam closes them.
const DROPPED = /warning: Woodpecker route "web" left the code without retireTeam or closeRoute, and its (\d+) agents (.*), which an earlier synth wrote, are neither written nor closed now/g;

test('a team dropped without retireTeam is warned of at each synth, and a later retireTeam by name alone closes its agents', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  // two synths in a row without the team: the second's previous output holds no StatefulSet of it any more
  for (let i = 0; i < 2; i++) {
    const dropped = s.run(() => undefined);
    expect(dropped.refused).toEqual([]);
    // one line for the route, naming its four agents
    expect(count(dropped.stderr, DROPPED)).toBe(1);
    expect(dropped.stderr).toContain(`its 4 agents ${agents.join(', ')}, which an earlier synth wrote`);
    expect(dropped.stderr).toContain('add retireTeam("web") (or closeRoute)');
  }
  const retired = s.run((p) => p.teams.retireTeam('web'));
  expect(retired.refused).toEqual(agents);
  expect(count(retired.stderr, DROPPED) + count(retired.stderr, UNNAMED) + count(retired.stderr, MISSED)).toBe(0);
  // kept closed while the call stays, then let go, unwarned, once it goes (Offboarding step 6)
  expect(s.run((p) => p.teams.retireTeam('web')).refused).toEqual(agents);
  const gone = s.run(() => undefined);
  expect(gone.refused).toEqual([]);
  expect(gone.stderr).not.toMatch(/woodpecker-web-/);
});

test('a later retireTeam missing the team\'s events and branches finds the dropped agents, and warns of the miss', () => {
  const s = stack();
  const { agents } = s.run((p) => p.teams.addTeam(WEB));
  expect(count(s.run(() => undefined).stderr, DROPPED)).toBe(1);
  const retired = s.run((p) => p.teams.retireTeam('web', { repos: WEB.repos }));
  expect(retired.refused).toEqual(expect.arrayContaining(agents));
  expect(count(retired.stderr, MISSED)).toBe(1);
  expect(count(retired.stderr, DROPPED)).toBe(0);
});

test('a repository taken out of a route that stays open is no dropped team: no warning, and the list lets its agents go', () => {
  const s = stack();
  s.run((p) => route(p, ['acme/api', 'acme/old']));
  const fewer = s.run((p) => route(p, ['acme/api']));
  expect(fewer.stderr).not.toMatch(/Woodpecker route "deploy" left the code/);
  const mark = fs.readFileSync(path.join(s.dir, 'dist', '.dockyard-output'), 'utf8');
  expect(mark).toMatch(/"woodpecker-route-agents [a-z0-9-]+\/woodpecker\\tdeploy\/woodpecker-deploy-push-[0-9a-f]{8}"/);
  // the five agents of acme/api and the five of team ops' route; those of acme/old are let go
  expect(mark.match(/woodpecker-route-agents/g)).toHaveLength(10);
});
