// Offboarding: a team that leaves is retired (TeamPlatform.retireTeam), and its robots are deleted from Harbor by the
// configuration Jobs (Harbor.retireRobot; the Job's side is in test/harbor/configure-script.test.ts, "retired
// robots"). A robot left out of the code without it keeps its permissions and a secret that never expires.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  DockyardChart, HarborOidc, LocalSecretStore, Postgres, synthesize, PipelineEvent, ProxyUpstream, RobotPermission, Secret, SecretValue, TeamMember, TeamPlatform, WoodpeckerCi,
} from '../../lib';
import { parse, parseAllDocuments } from 'yaml';
import { stderrOf } from '../util';
import { parsePolicies, placeBuild, runnerConfigFiles } from '../drone/upstream';
import { stateReviewHarbor } from '../harbor/fixtures';
import { github } from '../woodpecker/fixtures';
import { platform } from './fixtures';
import { connectionAllowed, Endpoint, ingressAdmits } from './network-model';
import { keptListWarnings } from '../../lib/core/kept-lists';
import { MAX_ANNOTATIONS_BYTES, objectSize } from '../../lib/core/object-size';
import { previousOutputOf, withPreviousOutput } from '../../lib/core/previous-output';
import { noteTeamsElsewhere } from '../../lib/harbor/left-robots';

/** The robots the configuration chunks of `objects` retire, and the robots they declare. */
function harborState(objects: any[]): { retired: string[]; declared: string[]; keyless: number } {
  // each chunk's ConfigMap is named by the chunk and its content (the script's is harbor-configure-script-<hash>)
  const chunks = objects.filter((o) => o.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name))
    .map((c) => JSON.parse(c.data['config.json']));
  return {
    retired: chunks.flatMap((s) => s.retiredRobots ?? []).sort(),
    declared: chunks.flatMap((s) => s.robots.map((r: any) => r.name)).sort(),
    keyless: chunks.filter((s) => !('retiredRobots' in s)).length,
  };
}

describe('retiring a team', () => {
  // a retired team's runner that an apply without pruning leaves running must reach neither the Drone server nor the
  // secrets extension once the new policies are applied: each runner is admitted by a rule of its own (its instance),
  // which goes with the team, not by a selector of every runner that it would still match
  test('on a runner of its own: its rules leave the server\'s and the secrets extension\'s NetworkPolicies', () => {
    const admitted = (retire: boolean) => {
      const p = platform();
      p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
      if (retire) {
        p.teams.retireTeam('ops');
      } else {
        p.teams.addTeam({ name: 'ops', repos: ['acme/ops'], dedicatedRunner: true });
      }
      const objects = p.objects();
      return ['drone', 'drone-secrets'].map((name) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name).spec.ingress
        .flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/instance'])));
    };
    expect(admitted(false)).toEqual([['drone-runner', 'drone-runner-ops'], ['drone-runner', 'drone-runner-ops']]);
    expect(admitted(true)).toEqual([['drone-runner'], ['drone-runner']]);
  });

  test('retires its push and pull robots, and nothing of the other teams', () => {
    const p = platform();
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    p.teams.retireTeam('payments');
    expect(p.teams.retiredTeams).toEqual(['payments']);
    const state = harborState(p.objects());
    expect(state.retired).toEqual(['payments-pull', 'payments-push']);
    expect(state.declared).toEqual(expect.arrayContaining(['web-pull', 'web-push']));
    expect(state.declared).not.toEqual(expect.arrayContaining(['payments-push']));
  });

  test('a chunk without retired robots has no retiredRobots key: its config.json reads as before', () => {
    const p = platform();
    for (const name of ['a', 'b', 'c']) p.teams.addTeam({ name, repos: [`acme/${name}`] });
    expect(harborState(p.objects()).keyless).toBeGreaterThan(0);
    // the chunks' ConfigMaps: those that hold a config.json (not the script, nor the list of the current Jobs)
    const chunks = () => p.objects().filter((o) => o.kind === 'ConfigMap' && o.data?.['config.json'] !== undefined);
    const before = chunks();
    p.teams.retireTeam('gone');
    const after = chunks();
    // the one chunk the names fall in changes (or a new one starts); the others stay byte for byte
    const changed = after.filter((c) => JSON.stringify(c) !== JSON.stringify(before.find((b) => b.metadata.name === c.metadata.name)));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(changed.every((c) => 'retiredRobots' in JSON.parse(c.data['config.json']))).toBe(true);
  });

  test('refuses a team that is onboarded, retired twice, or onboarded after it is retired, changing nothing', () => {
    const p = platform();
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    expect(() => p.teams.retireTeam('web')).toThrow(new Error('invalid name "web": must not be a team this platform onboards (addTeam) when retireTeam ' +
      'retires it: a team is either onboarded or retired; drop the addTeam call to retire it, or the retireTeam call to keep it'));
    p.teams.retireTeam('old');
    expect(() => p.teams.retireTeam('old')).toThrow('invalid name "old": must be retired once: retireTeam was called with it already');
    expect(() => p.teams.addTeam({ name: 'old', repos: ['acme/old'] }))
      .toThrow('invalid name "old": must not be a team this platform retires (retireTeam): drop the retireTeam call to onboard it again');
    for (const name of ['Billing', 'a'.repeat(41)]) {
      expect(() => p.teams.retireTeam(name)).toThrow(new RegExp(`^invalid name "${name}": must be a team name: at most 40 lower-case letters, digits and "-", ` +
        'starting and ending with a letter or digit \\(it prefixes the team\'s namespaces, robots, secrets and runner policies\\)$'));
    }
    expect(p.teams.retiredTeams).toEqual(['old']);
    expect(harborState(p.objects()).retired).toEqual(['old-pull', 'old-push']);
  });

  test('a robot declared outside the teams under a team robot\'s name is refused before anything is retired', () => {
    const p = platform();
    p.harbor.addRobot('legacy-pull', { permissions: [RobotPermission.pull('dockerhub')] });
    expect(() => p.teams.retireTeam('legacy'))
      .toThrow('invalid name "legacy-pull": must not be a robot this Harbor declares (addRobot): a robot is either declared or retired');
    expect(p.teams.retiredTeams).toEqual([]);
    expect(harborState(p.objects()).retired).toEqual([]);
  });
});

// On a Harbor that signs in over OIDC a team's project had its group members declared (its member groups, or none), so
// retiring the team takes every group out of the project (lib/harbor/configure.js, "Retired project groups"; the
// Job's side is in test/harbor/configure-oidc.test.ts, "retired project groups").
// The shared runner's Role and RoleBinding in a retired team's build namespace stay in the cluster after an apply
// without pruning, and the catch-all policy sets no namespace: a pipeline of any repository that reaches it and names
// the namespace (`metadata.namespace`) ran there, beside the team's pull secret and deploy identity. The namespace
// rules refuse a namespace they list to every repository none of its patterns matches (drone-runner-kube v1.0.0-rc.5
// engine/linter/linter.go:207-224, `placeBuild` in test/drone/upstream.ts), so a rule with no pattern refuses all.
describe('retiring a team closes its build namespace on the shared Drone runner', () => {
  /** Where a push of `repo` whose pipeline names `namespace` lands, on the runner `p` renders. */
  const placed = (objects: any[], repo: string, namespace: string) => {
    const runner = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'drone-runner');
    const env = Object.fromEntries(runner.spec.template.spec.containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const config = runnerConfigFiles(objects);
    return placeBuild(env, parsePolicies(config['policies.yaml']), parse(config['namespace-rules.yaml']) ?? {}, { repo, event: 'push' }, { namespace });
  };
  const refused = { refused: 'linter: pipeline restricted from using configured namespace' };

  test('without retireTeam the namespace was open to any repository; retired, to none, its own repositories included', () => {
    const p = platform();
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    expect(placed(p.objects(), 'acme/anything', 'payments-builds')).toEqual({ namespace: 'payments-builds', serviceAccountName: 'default' });
    p.teams.retireTeam('payments');
    const objects = p.objects();
    expect(parse(runnerConfigFiles(objects)['namespace-rules.yaml'])).toEqual({ 'payments-builds': [], 'web-builds': ['acme/web'] });
    for (const repo of ['acme/anything', 'acme/payments', 'acme/web']) expect(placed(objects, repo, 'payments-builds')).toEqual(refused);
    // nothing else changes where builds land
    expect(placed(objects, 'acme/web', 'web-builds')).toEqual({ namespace: 'web-builds', serviceAccountName: 'deployer' });
  });

  test('a build namespace named otherwise is given as buildNamespace; a bad one is refused before anything is retired', () => {
    const p = platform();
    p.teams.retireTeam('payments', { buildNamespace: 'payments-ci' });
    expect(parse(runnerConfigFiles(p.objects())['namespace-rules.yaml'])).toEqual({ 'payments-ci': [] });
    expect(() => p.teams.retireTeam('ops', { buildNamespace: 'Ops CI' }))
      .toThrow(new Error('invalid buildNamespace "Ops CI": must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit'));
    expect(() => p.teams.retireTeam('ops', null as unknown as object))
      .toThrow(new Error('invalid props null: must be an object of RetireTeamOptions, e.g. { buildNamespace: "payments-ci" }'));
    expect(() => p.teams.retireTeam('ops', { buildNamespaces: 'ops-ci' } as object)).toThrow(new Error('invalid buildNamespaces "ops-ci": ' +
      'retireTeam options has no prop "buildNamespaces" (did you mean "buildNamespace"?); its props are buildNamespace, repos, events, branches'));
    expect(p.teams.retiredTeams).toEqual(['payments']);
  });

  test('a namespace that is a build namespace again, another team\'s, keeps that team\'s rule, whatever the order of the calls', () => {
    for (const retireFirst of [true, false]) {
      const p = platform();
      const add = () => p.teams.addTeam({ name: 'billing', repos: ['acme/billing'], buildNamespace: 'payments-builds' });
      if (retireFirst) p.teams.retireTeam('payments');
      add();
      if (!retireFirst) p.teams.retireTeam('payments');
      expect(parse(runnerConfigFiles(p.objects())['namespace-rules.yaml'])).toEqual({ 'payments-builds': ['acme/billing'] });
    }
  });
});

// A team's agents on Woodpecker are StatefulSets in the engine's namespace (`WoodpeckerCi.addRoute`), which an apply
// without pruning leaves running: each keeps its gRPC connection to the server, whose scheduler hands it every task
// its labels match, the team's repositories' (woodpecker v3.17.0 server/scheduler/filter.go:28-87; the server stamps
// `repo` and the event, server/model/task.go:57-66, pipeline/frontend/builder/builder.go:187-206). An agent whose
// connection breaks dials again (cmd/agent/core/agent.go:113-122, a new TCP connection), retrying for
// WOODPECKER_RETRY_TIMEOUT, 2 minutes (cmd/agent/core/flags.go:55-60), then exits, and its pod restarts and dials
// again (agent.go:324-341): every one of those connections meets the server's NetworkPolicy as it is then.
describe('retiring a team on Woodpecker refuses its leftover agents the server\'s gRPC port', () => {
  const GRPC = 9000;
  /** What an apply without pruning leaves: every object of `after`, and those of `before` it no longer holds. */
  const cluster = (before: any[], after: any[]) => {
    const id = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const now = new Set(after.map(id));
    return [...after, ...before.filter((o) => !now.has(id(o)))];
  };
  /** The pod of a StatefulSet or Deployment, as the network model sees it. */
  const pod = (objects: any[], kind: string, name: string, ip: string): Endpoint => {
    const w = objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(w).toBeDefined();
    return { ip, namespace: w.metadata.namespace, podLabels: w.spec.template.metadata.labels, ports: w.spec.template.spec.containers[0].ports };
  };
  const agentNames = (objects: any[], team: string) => objects
    .filter((o) => o.kind === 'StatefulSet' && o.metadata.name.startsWith(`woodpecker-${team}-`)).map((o) => o.metadata.name).sort();
  const synth = (retire?: { repos?: readonly string[] }) => {
    const p = platform({}, { engine: 'woodpecker' });
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    if (retire) {
      p.teams.retireTeam('payments', retire);
    } else {
      p.teams.addTeam({ name: 'payments', repos: ['acme/payments', 'acme/Ledger'] });
    }
    return p.objects();
  };

  test('its agents, left in the cluster, are refused; the other team\'s and the pool agent are admitted', () => {
    const before = synth();
    const left = agentNames(before, 'payments');
    // one agent per repository and event (push, tag, deploy, cron, manual)
    expect(left).toHaveLength(10);
    const after = cluster(before, synth({ repos: ['acme/payments', 'acme/Ledger'] }));
    const server = pod(after, 'Deployment', 'woodpecker', '10.0.0.1');
    left.forEach((name, i) => {
      expect(connectionAllowed(before, pod(before, 'StatefulSet', name, `10.0.1.${i}`), server, GRPC)).toBe(true);
      expect(connectionAllowed(after, pod(after, 'StatefulSet', name, `10.0.1.${i}`), server, GRPC)).toBe(false);
    });
    const current = [...agentNames(after, 'web'), 'woodpecker-agent'];
    expect(current).toHaveLength(6);
    current.forEach((name, i) => expect(connectionAllowed(after, pod(after, 'StatefulSet', name, `10.0.2.${i}`), server, GRPC)).toBe(true));
    // the exclusion narrows the agents' selector, never widens it: another pod of the namespace stays refused
    const other: Endpoint = { ip: '10.0.4.1', namespace: server.namespace, podLabels: { 'app.kubernetes.io/name': 'other' } };
    expect(ingressAdmits(after, other, server, GRPC)).toBe(false);
    // one rule still admits every agent, the exclusion within its one peer: a rule of its own would add, not take away
    const grpcRules = after.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker').spec.ingress
      .filter((r: any) => r.ports?.some((port: any) => port.port === GRPC));
    expect(grpcRules).toHaveLength(1);
    expect(grpcRules[0].from[0].podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/instance', operator: 'NotIn', values: left }]);
  });

  // the one rule grows by the retired repositories' agent names alone (five each, a team's events), never with the
  // teams onboarded: 400 retired teams of one repository each still apply client-side, and the list shrinks as
  // retireTeam calls go, once their agents are deleted (README, Offboarding)
  test('the server\'s NetworkPolicy stays under the client-side apply bound with 400 retired teams', () => {
    const p = platform({}, { engine: 'woodpecker' });
    for (let i = 0; i < 400; i++) p.teams.retireTeam(`team-${String(i).padStart(4, '0')}`, { repos: [`acme/team-${String(i).padStart(4, '0')}-app`] });
    const policy = p.objects().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker');
    expect(policy.spec.ingress.find((r: any) => r.ports?.some((port: any) => port.port === GRPC)).from[0].podSelector.matchExpressions[0].values)
      .toHaveLength(2000);
    expect(objectSize(policy).annotationsWhenApplied).toBeLessThan(MAX_ANNOTATIONS_BYTES);
  });

  test('without repos nothing is refused, and the synth says so; the policy is then as without the retirement', () => {
    let objects: any[] = [];
    const err = stderrOf(() => { objects = synth({}); });
    expect(err).toContain('retireTeam("payments") on Woodpecker names no repos: the team\'s agents, which an apply without pruning leaves running, ' +
      'keep taking its repositories\' pipelines');
    // repos alone would name no agent of a route by branch, and a synth without the previous output warns of them too
    // (closed-agents.test.ts, uncheckedAgentsWarning): the example gives events and branches, and the default events for
    // a team that had neither, so following it does not meet that warning
    expect(err).toContain('pass the repos its addTeam had, and its events and branches if it had them (its agents are named after them), e.g. ' +
      'retireTeam("payments", { repos: ["acme/payments-app"], events: ["push"], branches: ["main"] }), or, if it had neither, the default events, ' +
      'events: ["push","tag","promote","rollback","cron","custom"]\n');
    const policy = (o: any[]) => o.find((x) => x.kind === 'NetworkPolicy' && x.metadata.name === 'woodpecker');
    const p = platform({}, { engine: 'woodpecker' });
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    expect(policy(objects)).toEqual(policy(p.objects()));
  });

  test('an agent of the same name added again yields, whatever the order; bad repos are refused before anything is retired', () => {
    for (const closeFirst of [true, false]) {
      const p = platform({}, { engine: 'woodpecker' });
      const ci = p.ci as WoodpeckerCi;
      ci.addBuildNamespace('ops-ci');
      const add = () => ci.addRoute({ name: 'payments', repos: ['acme/payments'], events: [PipelineEvent.PUSH], namespace: 'ops-ci' });
      if (!closeFirst) add();
      p.teams.retireTeam('payments', { repos: ['acme/payments'] });
      if (closeFirst) add();
      const objects = p.objects();
      const rule = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker').spec.ingress
        .find((r: any) => r.ports?.some((port: any) => port.port === GRPC));
      const pushAgent = agentNames(objects, 'payments');
      expect(pushAgent).toEqual([expect.stringMatching(/^woodpecker-payments-push-[0-9a-f]{8}$/)]);
      // the team's other events' agents stay refused
      expect(rule.from[0].podSelector.matchExpressions[0].values).toEqual(['cron', 'deploy', 'manual', 'tag']
        .map((event) => pushAgent[0].replace('-push-', `-${event}-`)));
      const server = pod(objects, 'Deployment', 'woodpecker', '10.0.0.1');
      expect(connectionAllowed(objects, pod(objects, 'StatefulSet', pushAgent[0], '10.0.3.1'), server, GRPC)).toBe(true);
    }
    const p = platform({}, { engine: 'woodpecker' });
    expect(() => p.teams.retireTeam('ops', { repos: ['acme/*'] }))
      .toThrow(new Error('invalid repos ["acme/*"]: "acme/*" must be an exact "owner/name" slug: a route\'s agents are named after exact repositories'));
    expect(() => p.teams.retireTeam('ops', { repos: [] })).toThrow(new Error('invalid repos []: must not be empty'));
    expect(p.teams.retiredTeams).toEqual([]);
  });
});

describe('retiring a team on an OIDC Harbor', () => {
  const oidc = (chart: DockyardChart) => ({
    oidc: HarborOidc.of({
      name: 'Keycloak', endpoint: 'https://sso.example.com/realms/acme', clientId: 'harbor',
      clientSecret: new Secret(chart, 'HarborOidc', { name: 'harbor-oidc', values: { secret: SecretValue.input('HARBOR_OIDC_SECRET', 'the client secret') } }).key('secret'),
    }),
  });
  /** Each chunk's config.json, parsed and as text. */
  const chunks = (objects: any[]) => objects.filter((o) => o.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name))
    .map((c) => ({ name: c.metadata.name as string, text: c.data['config.json'] as string, state: JSON.parse(c.data['config.json']) }));

  test('its project\'s groups are retired, in the chunk that held the project, beside its robots', () => {
    const before = platform({}, { harbor: oidc });
    before.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    before.teams.addTeam({ name: 'payments', repos: ['acme/payments'], members: [TeamMember.group('payments-developers')] });
    const held = chunks(before.objects()).find((c) => c.state.projects.some((pr: any) => pr.name === 'payments'))!;

    const p = platform({}, { harbor: oidc });
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    p.teams.retireTeam('payments');
    const after = chunks(p.objects());
    const retiring = after.filter((c) => 'retiredProjectGroups' in c.state);
    expect(retiring.map((c) => c.state.retiredProjectGroups)).toEqual([['payments']]);
    // the project's chunk, under its name (only its content changed)
    expect(retiring[0].name.replace(/-[0-9a-f]{8}$/, '')).toBe(held.name.replace(/-[0-9a-f]{8}$/, ''));
    // one item a line, after retiredRobots when the chunk has them, before the OIDC settings
    expect(retiring[0].text).toContain('\n  "retiredProjectGroups": [\n    "payments"\n  ]');
    expect(Object.keys(retiring[0].state).indexOf('retiredProjectGroups')).toBeGreaterThan(Object.keys(retiring[0].state).indexOf('robots'));
    expect(after.flatMap((c) => c.state.projects.map((pr: any) => pr.name))).not.toContain('payments');
    expect(harborState(p.objects()).retired).toEqual(['payments-pull', 'payments-push']);
    // the other team's project still declares its groups (none)
    expect(after.flatMap((c) => c.state.projects).find((pr: any) => pr.name === 'web').members).toEqual([]);
  });

  test('without OIDC only the robots are retired: the project\'s members were never managed', () => {
    const p = platform();
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    p.teams.retireTeam('payments');
    expect(chunks(p.objects()).filter((c) => 'retiredProjectGroups' in c.state || c.text.includes('retiredProjectGroups'))).toEqual([]);
    expect(harborState(p.objects()).retired).toEqual(['payments-pull', 'payments-push']);
  });

  test('a project the Harbor declares under the team\'s name refuses the retirement, which then retires nothing', () => {
    const p = platform({}, { harbor: oidc });
    p.harbor.addProject('legacy');
    expect(() => p.teams.retireTeam('legacy')).toThrow('invalid name "legacy": must not be a project this Harbor declares (addProject, addProxyCache, declareLibrary) ' +
      'or "library", which Harbor creates: a project is either declared or retired');
    expect(p.teams.retiredTeams).toEqual([]);
    expect(harborState(p.objects()).retired).toEqual([]);
    // retired, the name is refused as a project of its own
    p.teams.retireTeam('gone');
    expect(() => p.harbor.addProject('gone')).toThrow('invalid name "gone": must not be a project this Harbor retires (retireProjectGroups): a project ' +
      'is either declared or retired; drop the retireProjectGroups call to declare it again (project "gone")');
  });
});

describe('retiring a Harbor robot', () => {
  test('a robot of a team\'s name retired in Harbor refuses the team, through the checks it runs before it defines anything', () => {
    const p = platform();
    p.harbor.retireRobot('zed-push');
    expect(() => p.teams.addTeam({ name: 'zed', repos: ['acme/zed'] })).toThrow('invalid name "zed-push": must not be a robot this Harbor retires');
    expect(p.teams.teams).toEqual([]);
    expect(p.teams.node.tryFindChild('zed')).toBeUndefined();
  });

  test('refuses a declared robot, one retired twice, a retired one declared again, and a bad name', () => {
    const p = platform();
    p.harbor.addRobot('ci', { permissions: [RobotPermission.pull('dockerhub')] });
    expect(() => p.harbor.retireRobot('ci')).toThrow('invalid name "ci": must not be a robot this Harbor declares (addRobot)');
    p.harbor.retireRobot('old-ci');
    expect(() => p.harbor.retireRobot('old-ci')).toThrow('invalid name "old-ci": must be retired once: retireRobot was called with it already');
    expect(() => p.harbor.addRobot('old-ci', { permissions: [RobotPermission.pull('dockerhub')] }))
      .toThrow('invalid name "old-ci": must not be a robot this Harbor retires (retireRobot): a robot is either declared or retired; drop the retireRobot call to declare it again');
    expect(() => p.harbor.retireRobot('Old CI')).toThrow(/^invalid name "Old CI": /);
    expect(harborState(p.objects()).retired).toEqual(['old-ci']);
  });
});

// What nothing refuses shows only against the secret state, which a synth reads: a retireTeam name of which the state
// holds no robot (a typo: the real team's robots stay live), and a team dropped from the code without retireTeam.
describe('offboarding mistakes, against the secret state', () => {
  /** A platform onboarding `teams` and retiring `retired`, synthesized with its Secrets on the state in `dir`: the warnings it printed. */
  function synthWarnings(dir: string, teams: string[], retired: string[] = []): string[] {
    const p = platform();
    teams.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
    retired.forEach((name) => p.teams.retireTeam(name));
    return warningsOf(p.app, dir);
  }

  /** The warnings a synth of `app`'s Secrets on the state in `dir` prints. */
  function warningsOf(app: App, dir: string): string[] {
    const err = stderrOf(() => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(app));
    return err.split('\n').filter((l) => l.startsWith('dockyard: warning:'));
  }

  const stateDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-offboarding-'));

  test('a team dropped without retireTeam is warned of, naming it and the call; retired, or onboarded again, it is not', () => {
    const dir = stateDir();
    expect(synthWarnings(dir, ['web', 'data'])).toEqual([]);
    expect(synthWarnings(dir, ['web'])).toEqual(['dockyard: warning: team "data"\'s Harbor robots robot$data-push and robot$data-pull are on record in the ' +
      'secret state, declared by platform/Harbor, but platform/Teams neither onboards the team (addTeam) nor retires it (retireTeam): the robots ' +
      'keep their permissions and secrets, which never expire, and its build namespace (data-builds, unless its addTeam set buildNamespace) is ' +
      'open to every repository\'s pipelines, whose pods may mount the pull Secret an apply without pruning leaves there; if the team left, call ' +
      'retireTeam("data"); if they are robots of another stack ' +
      'on this state, named like a team\'s, ignore this (and retire them there with retireRobot when they go)']);
    expect(synthWarnings(dir, ['web'], ['data'])).toEqual([]);
    expect(synthWarnings(dir, ['web', 'data'])).toEqual([]);
  });

  test('a retireTeam name of which the state holds no robot (a typo) is warned of, and the team it missed too', () => {
    const dir = stateDir();
    synthWarnings(dir, ['web', 'data']);
    expect(synthWarnings(dir, ['web'], ['dta'])).toEqual([
      'dockyard: warning: retireTeam("dta") names a team of which the secret state holds no robot (harbor/harbor-robot-dta-push/secret, ' +
        'harbor/harbor-robot-dta-pull/secret): if the name is misspelt, it retires nothing and the real team\'s robots keep their permissions ' +
        'and secrets; check it against addTeam\'s (if this state never held the team, a new environment\'s say, drop the call there; if you ' +
        'deleted its entries, ignore this)',
      expect.stringMatching(/^dockyard: warning: team "data"'s Harbor robots robot\$data-push and robot\$data-pull are on record/),
    ]);
    // the team's own name: its robots are on record, and stay so after it is retired
    expect(synthWarnings(dir, ['web'], ['data'])).toEqual([]);
    expect(synthWarnings(dir, ['web'], ['data'])).toEqual([]);
  });

  test('nothing is warned of on a new state, which holds nothing to tell by', () => {
    expect(synthWarnings(stateDir(), ['web'], ['dta'])).toEqual([]);
  });

  test('another stack on the same state, without a TeamPlatform, never warns of the teams it does not have', () => {
    const dir = stateDir();
    synthWarnings(dir, ['web', 'data']);
    // the default stack's shape: the same Harbor at the same path, with robots of its own, and no teams
    const app = new App({ outdir: '/nonexistent' });
    const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
    const harbor = stateReviewHarbor(chart);
    harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
    harbor.addRobot('puller', { permissions: [RobotPermission.pull('dockerhub')] });
    chart.toJson();
    expect(warningsOf(app, dir)).toEqual([]);
    // the teams' stack still warns of what it dropped, and, as its Harbor's review warns of every robot the Harbor at
    // its path declared and it does not (test/harbor/left-robots.test.ts), of the other stack's robot too
    expect(synthWarnings(dir, ['web'])).toEqual([
      expect.stringMatching(/^dockyard: warning: Harbor robot robot\$puller of platform\/Harbor is on record in the secret state, but this synth /),
      expect.stringMatching(/^dockyard: warning: team "data"'s Harbor robots robot\$data-push and robot\$data-pull are on record/),
    ]);
  });

  test('a retired team onboarded again, by its old team or a new one under the name, gets new robot secrets, not the revoked ones', () => {
    const dir = stateDir();
    const robotSecrets = () => {
      const values = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).values;
      return ['push', 'pull'].map((r) => values[`harbor/harbor-robot-data-${r}/secret`]);
    };
    synthWarnings(dir, ['web', 'data']);
    const before = robotSecrets();
    expect(before.every((s) => /^\S{32}$/.test(s))).toBe(true);
    expect(synthWarnings(dir, ['web'], ['data'])).toEqual([]);
    expect(robotSecrets()).toEqual([undefined, undefined]);
    // the retireTeam call gone once the Jobs deleted the robots: nothing to warn of, the team left as it should
    expect(synthWarnings(dir, ['web'])).toEqual([]);
    expect(synthWarnings(dir, ['web', 'data'])).toEqual([]);
    const after = robotSecrets();
    expect(after.every((s) => /^\S{32}$/.test(s))).toBe(true);
    expect(after.filter((s) => before.includes(s))).toEqual([]);
  });

  // A stack whose whole TeamPlatform left the code: no platform reviews the state, and Harbor lets a pair recorded as a
  // team's go (the default stack beside the teams example must not warn of the example's teams). What tells the stack's
  // own is its previous output, which held the robots' Secrets, and from then on its mark, which lists the teams warned
  // of (a file of the output, applied by nothing); the other stack writes an output of its own
  test('a stack whose TeamPlatform left the code warns of its teams\' robots until they are retired; another stack on the state never does', () => {
    const dir = stateDir();
    const store = () => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') });
    const warningsOf = (app: App) => stderrOf(() => synthesize(app, store())).split('\n')
      .filter((l) => l.startsWith('dockyard: warning:') && l.includes('robot$'));
    const teamsOut = path.join(dir, 'dist-teams');
    const teams = platform({}, { outdir: teamsOut });
    ['web', 'data'].forEach((name) => teams.teams.addTeam({ name, repos: [`acme/${name}`] }));
    expect(warningsOf(teams.app)).toEqual([]);
    /** The default stack's shape, into `outdir`: the same Harbor at the same path, a robot of its own, no TeamPlatform; `retired` retired. */
    const platformless = (outdir: string, retired: string[] = []) => {
      const app = new App({ outdir });
      const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
      const harbor = stateReviewHarbor(chart);
      harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
      harbor.addRobot('puller', { permissions: [RobotPermission.pull('dockerhub')] });
      retired.forEach((robot) => harbor.retireRobot(robot));
      return app;
    };
    const leftTeamLines = (outdir: string) => fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8').split('\n').filter((l) => l.includes('harbor-left-team'));
    // the other stack, whose output never held the teams' Secrets, says nothing of them, before and after
    expect(warningsOf(platformless(path.join(dir, 'dist')))).toEqual([]);
    // the teams' stack without its TeamPlatform, a team's pair retired by hand: the other team is named, with the calls
    const left = (team: string) => `dockyard: warning: team "${team}"'s Harbor robots robot$${team}-push and robot$${team}-pull are on record in the ` +
      'secret state, declared by platform/Harbor, but this synth has no TeamPlatform on that Harbor to onboard the team (addTeam) or retire it ' +
      '(retireTeam), and the previous output had the team (its robots\' Secrets, or the team in its list of left teams), so its TeamPlatform left the ' +
      'code without retiring it: the robots keep their permissions and secrets, which never expire (the output\'s mark lists the team, so each synth of this stack warns of it until both are ' +
      `retired); if the team left, call harbor.retireRobot("${team}-push") and harbor.retireRobot("${team}-pull"), and the configuration Jobs delete ` +
      `them once applied (as a TeamPlatform's retireTeam("${team}") would); if another stack on this state onboards the team now, ignore this ` +
      '(its TeamPlatform retires them when the team leaves)';
    expect(warningsOf(platformless(teamsOut, ['web-push', 'web-pull']))).toEqual([left('data')]);
    expect(leftTeamLines(teamsOut)).toEqual([JSON.stringify('harbor-left-team harbor/harbor\tdata')]);
    expect(warningsOf(platformless(path.join(dir, 'dist')))).toEqual([]);
    expect(leftTeamLines(path.join(dir, 'dist'))).toEqual([]);
    // the next synth of the stack, whose previous output no longer holds the Secrets, warns again by its mark
    expect(warningsOf(platformless(teamsOut, ['web-push', 'web-pull']))).toEqual([left('data')]);
    expect(warningsOf(platformless(teamsOut))).toEqual([left('data')]);
    // retired: no warning, and the mark lists the team no more
    expect(warningsOf(platformless(teamsOut, ['data-push', 'data-pull']))).toEqual([]);
    expect(leftTeamLines(teamsOut)).toEqual([]);
    expect(warningsOf(platformless(teamsOut))).toEqual([]);
  });

  /**
   * One stack synthesized into one output from a new state: its stderr lines; the stack with a TeamPlatform that
   * onboards `names`; and without it, the same Harbor at the same path retiring `retired`.
   */
  const oneStack = () => {
    const dir = stateDir();
    const out = path.join(dir, 'dist');
    const lines = (app: App) => stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }))).split('\n');
    const withTeams = (names: string[]) => {
      const teams = platform({}, { outdir: out });
      names.forEach((name) => teams.teams.addTeam({ name, repos: [`acme/${name}`] }));
      return teams.app;
    };
    const platformless = (retired: string[] = []) => {
      const app = new App({ outdir: out });
      const harbor = stateReviewHarbor(new DockyardChart(app, 'platform', { namespace: 'ci' }));
      harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
      retired.forEach((robot) => harbor.retireRobot(robot));
      return app;
    };
    return { lines, withTeams, platformless };
  };

  test('a stack whose TeamPlatform left the code warns of each team it had, in name order; while it has one, the platform alone warns', () => {
    const stack = oneStack();
    const robotWarnings = (app: App) => stack.lines(app).filter((l) => l.includes('robot$'));
    expect(robotWarnings(stack.withTeams(['web', 'data', 'ops']))).toEqual([]);
    expect(robotWarnings(stack.withTeams(['web', 'data']))).toEqual([expect.stringMatching(/^dockyard: warning: team "ops"'s Harbor robots .* but platform\/Teams neither onboards/)]);
    // ops too, whose Secrets the previous output no longer held: its mark lists ops as left, which the platform warned of
    expect(robotWarnings(stack.platformless()).map((l) => /^dockyard: warning: team "([a-z]+)"/.exec(l)?.[1])).toEqual(['data', 'ops', 'web']);
  });

  // the left-project warning's advice for a team's project fits the stack: retireTeam where a TeamPlatform has the
  // Harbor; without one (it left the code, teams and all) there is no retireTeam to call, and the team's robots are
  // retired one by one, as Harbor's warning of them says; once they are, the project is told of as any other
  test('a team\'s project left is warned of with retireTeam, or without its TeamPlatform with the retireRobot calls until they are made', () => {
    const { lines, withTeams, platformless } = oneStack();
    const projectWarnings = (app: App) => lines(app).filter((l) => l.startsWith('dockyard: warning: Harbor project'));
    const warning = (project: string, advice: string) => `dockyard: warning: Harbor project ${project} of platform/Harbor was declared by an ` +
      'earlier synth, and this one neither declares it (addProject, addProxyCache) nor retires it (retireProjectGroups): the configure Jobs never ' +
      'delete a project, so it stays in Harbor as it was, its images, its group members and, if it is public, pulls by anyone without a login ' +
      `(the first configure Job's log says whether it is); call harbor.retireProjectGroups("${project}"), which removes its group members${advice}, ` +
      'and make it private (curl -u admin -X PUT -H \'Content-Type: application/json\' -H \'X-Is-Resource-Name: true\' -d ' +
      `'{"metadata":{"public":"false"}}' https://harbor.example.com/api/v2.0/projects/${project}) or delete it in Harbor (Projects; its ` +
      'repositories first: Harbor refuses to delete a project that holds any); if it was renamed, declare it again (README, "Removing a project ' +
      'or a proxy cache")';
    expect(projectWarnings(withTeams(['web', 'data']))).toEqual([]);
    expect(projectWarnings(withTeams(['data']))).toEqual([warning('web', ' (a team\'s project: retireTeam("web") instead, or the DigitalOcean ' +
      'program\'s retiredTeams, which retire its robots too)')]);
    // the platform gone: both teams' robots are warned of by Harbor (data's by the output's Secrets, web's by the mark's
    // list of left teams), with the calls, and so are their projects; once a team's robots are retired, its project is
    // told of as any other
    const advice = (team: string) => ` (a team's project whose TeamPlatform left the code: retire its robots too, harbor.retireRobot("${team}-push") ` +
      `and harbor.retireRobot("${team}-pull"))`;
    expect(projectWarnings(platformless())).toEqual([warning('data', advice('data')), warning('web', advice('web'))]);
    expect(projectWarnings(platformless())).toEqual([warning('data', advice('data')), warning('web', advice('web'))]);
    expect(projectWarnings(platformless(['data-push', 'data-pull']))).toEqual([warning('data', ''), warning('web', advice('web'))]);
  });

  // two TeamPlatforms on one Harbor: the state records the Harbor's robots, not which platform had the team, so
  // both reviewed it, and each named itself as the one that neither onboards nor retires it
  /**
   * Synths into one output on a new state of a stack whose Harbor has a second TeamPlatform (`makeOther`) beside
   * platform/Teams, the first onboarding `first` and the second `second`: the robot warnings of each.
   */
  const twoPlatformStack = (makeOther: (p: ReturnType<typeof platform>) => TeamPlatform) => {
    const dir = stateDir();
    return (first: string[], second: string[]) => {
      const p = platform({}, { outdir: path.join(dir, 'dist') });
      const other = makeOther(p);
      first.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
      second.forEach((name) => other.addTeam({ name, repos: [`acme/${name}`] }));
      return stderrOf(() => synthesize(p.app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }))).split('\n').filter((l) => l.includes('robot$'));
    };
  };

  test('two TeamPlatforms on one Harbor warn of a team dropped from one once, naming both', () => {
    const twoPlatforms = twoPlatformStack((p) => new TeamPlatform(p.chart, 'Teams2', { ci: p.ci, harbor: p.harbor, sharedProjects: ['dockerhub'] }));
    expect(twoPlatforms(['web', 'ops'], ['data'])).toEqual([]);
    expect(twoPlatforms(['web'], ['data'])).toEqual(['dockyard: warning: team "ops"\'s Harbor robots robot$ops-push and robot$ops-pull ' +
      'are on record in the secret state, declared by platform/Harbor, but no TeamPlatform of that Harbor (platform/Teams, platform/Teams2) onboards ' +
      'the team (addTeam) or retires it (retireTeam): the robots keep their permissions and secrets, which never expire, and its build namespace ' +
      '(ops-builds, unless its addTeam set buildNamespace) is open to every repository\'s pipelines, whose pods may mount the pull Secret an apply ' +
      'without pruning leaves there; if the team left, call retireTeam("ops"); if they are robots of another stack on this state, named like a ' +
      'team\'s, ignore this (and retire them there with retireRobot when they go)']);
    expect(twoPlatforms(['web', 'ops'], ['data'])).toEqual([]);
  });

  /**
   * Stacks on one new secret state, each synthesized into its own output directory under `dir`: `stack` a platform
   * onboarding `names` (platform/Teams on platform/Harbor), `platformless` its Harbor alone; `stderr` synthesizes one.
   */
  const stacksOnOneState = () => {
    const dir = stateDir();
    const stack = (outdir: string, names: string[]) => {
      const p = platform({}, { outdir: path.join(dir, outdir) });
      names.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
      return p.app;
    };
    const platformless = (outdir: string) => {
      const app = new App({ outdir: path.join(dir, outdir) });
      stateReviewHarbor(new DockyardChart(app, 'platform', { namespace: 'ci' })).addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
      return app;
    };
    const stderr = (app: App) => stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') })));
    return { dir, stack, platformless, stderr };
  };

  // two stacks on one state, each with a TeamPlatform on the same Harbor at the same path (the teams example beside a
  // second teams stack): a team the other stack onboards now, its robots' Secrets in that stack's output, is that
  // stack's, not left here; the state records the outputs made from it (SecretState.outputs), whose marks list their
  // Secrets. A team moved from one stack to the other was warned of at every synth of its old stack, where retireTeam
  // would have deleted the robots the new one uses
  test('a team moved to another stack on the same state is not warned of by its old stack; dropped there without retireTeam, it is', () => {
    const { stack, platformless, stderr } = stacksOnOneState();
    const teamWarnings = (app: App) => stderr(app).split('\n')
      .filter((l) => l.startsWith('dockyard: warning: team')).map((l) => /^dockyard: warning: team "([a-z]+)"'s .* but (\S+)/.exec(l)?.slice(1).join(' '));
    expect(teamWarnings(stack('dist-a', ['web', 'data']))).toEqual([]);
    // each stack's teams are the other's to warn of, not this one's
    expect(teamWarnings(stack('dist-b', ['ops']))).toEqual([]);
    expect(teamWarnings(stack('dist-a', ['web', 'data']))).toEqual([]);
    // data moves to b: a, which no longer has it, does not warn of it, whether its TeamPlatform stays or left the code
    // (Harbor's review, as a's previous output held data's Secrets), where it warns of web, which no output holds now
    expect(teamWarnings(stack('dist-b', ['ops', 'data']))).toEqual([]);
    expect(teamWarnings(stack('dist-a', ['web']))).toEqual([]);
    expect(teamWarnings(stack('dist-a', ['web', 'data']))).toEqual([]);
    expect(teamWarnings(platformless('dist-a'))).toEqual(['web this']);
    // b drops data without retireTeam: b warns of it, and not of web, which a's mark lists as left (a warns of it); a,
    // whose output no longer had data, does not
    expect(teamWarnings(stack('dist-b', ['ops']))).toEqual(['data platform/Teams']);
    expect(teamWarnings(platformless('dist-a'))).toEqual(['web this']);
    expect(teamWarnings(stack('dist-b', ['ops']))).toEqual(['data platform/Teams']);
  });

  // the same two stacks, and the team's Harbor project: the old stack's mark listed it as declared, and its next synth
  // warned of it at every synth, advising retireTeam or retireProjectGroups there, which would take the robots and the
  // project's groups from the stack that has the team now. The project warning asks the robots' rule
  // (anotherStackOfTeam): a team another output holds, or lists as left, is that stack's, project included, and leaves
  // the old stack's list; a team dropped from every stack is warned of by the stack that had it, once
  test('a team moved to another stack on the same state: its old stack neither warns of its project nor keeps it listed; dropped everywhere, it is warned of once', () => {
    const dir = stateDir();
    const store = () => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') });
    const projectWarnings = (app: App) => stderrOf(() => synthesize(app, store())).split('\n')
      .filter((l) => l.startsWith('dockyard: warning: Harbor project')).map((l) => /^dockyard: warning: Harbor project (\S+) /.exec(l)?.[1]);
    const stack = (outdir: string, names: string[], retired: string[] = []) => {
      const p = platform({}, { outdir: path.join(dir, outdir) });
      names.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
      retired.forEach((name) => p.teams.retireTeam(name));
      return p.app;
    };
    const listed = (outdir: string) => fs.readFileSync(path.join(dir, outdir, '.dockyard-output'), 'utf8').split('\n')
      .filter((l) => l.startsWith(JSON.stringify('harbor-project harbor/harbor\t').slice(0, -1))).map((l) => JSON.parse(l).split('\t')[1]).sort();
    expect(projectWarnings(stack('dist-a', ['web', 'data']))).toEqual([]);
    expect(projectWarnings(stack('dist-b', ['ops']))).toEqual([]);
    expect(listed('dist-a')).toEqual(['data', 'dockerhub', 'web']);
    // data moves to b: a warns of it no more, nor lists it, at this synth and the next
    expect(projectWarnings(stack('dist-b', ['ops', 'data']))).toEqual([]);
    expect(projectWarnings(stack('dist-a', ['web']))).toEqual([]);
    expect(listed('dist-a')).toEqual(['dockerhub', 'web']);
    expect(projectWarnings(stack('dist-a', ['web']))).toEqual([]);
    // web, dropped from a and had by no other stack, is warned of by a alone, at every synth of a
    expect(projectWarnings(stack('dist-a', []))).toEqual(['web']);
    expect(projectWarnings(stack('dist-b', ['ops', 'data']))).toEqual([]);
    expect(projectWarnings(stack('dist-a', []))).toEqual(['web']);
    // b drops data without retireTeam: b warns of its project, a does not; once b retires it, neither does
    expect(projectWarnings(stack('dist-b', ['ops']))).toEqual(['data']);
    expect(projectWarnings(stack('dist-a', []))).toEqual(['web']);
    expect(projectWarnings(stack('dist-b', ['ops'], ['data']))).toEqual([]);
    expect(projectWarnings(stack('dist-a', []))).toEqual(['web']);
    // ops moves to a, its old stack b synthesized first: b warns of it while no other output has it, then no more
    expect(projectWarnings(stack('dist-b', [], ['data']))).toEqual(['ops']);
    expect(projectWarnings(stack('dist-a', ['ops']))).toEqual(['web']);
    expect(projectWarnings(stack('dist-b', [], ['data']))).toEqual([]);
    expect(listed('dist-b')).toEqual(['dockerhub']);
  });

  // the other outputs made from the state (SecretState.outputs) are any directory a synth from it wrote and that still
  // holds its Secrets: this very stack's earlier one too, once CDK8S_OUTDIR (or outdir) changed, or a stack's that is
  // gone. Every team that output held was taken for another stack's, so a team dropped later without retireTeam was
  // warned of by no synth at all, and nothing said why: the old stack now says so once, naming the directory (the
  // team's Harbor project is warned of apart, lib/harbor/left-projects.ts)
  test('a team dropped after the output directory moved is told of once, naming the old directory, and warned of once it is deleted', () => {
    const { dir, stack, platformless, stderr } = stacksOnOneState();
    const dataLines = (app: App) => stderr(app).split('\n').filter((l) => l.includes('robot$data-push'));
    const notice = (old: string) => `dockyard: warning: Harbor robots robot$data-push and robot$data-pull of team "data", which the previous output ` +
      `of this stack had, are no longer declared here, and the output directory ${path.join(dir, old)}, which another synth made from this ` +
      'secret state, has the team: its stack warns of them when the team leaves there, so this one does not; if that directory is of a stack ' +
      'that is gone, or an earlier output directory of this stack (CDK8S_OUTDIR or outdir changed), delete it, and the next synth warns of ' +
      'the team until it is retired';
    expect(dataLines(stack('dist-old', ['web', 'data']))).toEqual([]);
    expect(dataLines(stack('dist', ['web', 'data']))).toEqual([]);
    // data leaves without retireTeam: dist-old held its Secrets, so it is taken for another stack's; said once
    expect(dataLines(stack('dist', ['web']))).toEqual([notice('dist-old')]);
    expect(dataLines(stack('dist', ['web']))).toEqual([]);
    // the old directory deleted, the team is warned of at each synth, by its TeamPlatform or, once that left too, by Harbor
    fs.rmSync(path.join(dir, 'dist-old'), { recursive: true });
    expect(dataLines(stack('dist', ['web']))).toEqual([expect.stringMatching(/^dockyard: warning: team "data"'s Harbor robots .* but platform\/Teams neither onboards/)]);
    expect(dataLines(stack('dist', ['web']))).toHaveLength(1);
    // Harbor's own review, the TeamPlatform gone with its teams, says it once too, in one line with web, which dist-2 has too
    expect(dataLines(stack('dist-2', ['web', 'data']))).toEqual([]);
    const told = (app: App) => stderr(app).split('\n').filter((l) => l.includes('which the previous output of this stack had'));
    expect(told(platformless('dist'))).toEqual([expect.stringMatching(
      /^dockyard: warning: Harbor robots robot\$<team>-push and robot\$<team>-pull of 2 teams \("data", "web"\), which .* directory .*dist-2,/)]);
    expect(told(platformless('dist'))).toEqual([]);
  });

  // a stack whose output directory moved and that then drops its teams without retireTeam: each team held by an old
  // directory was told of in a line of its own, a thousand teams a thousand lines naming the same directory. One line
  // per directory now, naming its teams (sorted; past five, how many more: fewOf, lib/core/text.ts); the next synth
  // says nothing, as before
  test('teams dropped after the output directory moved twice are told of in one line per old directory, each naming its teams', () => {
    const { dir, stack, stderr } = stacksOnOneState();
    const many = ['q7', 'q1', 'q6', 'q2', 'q5', 'q3', 'q4'];
    const notices = (app: App) => stderr(app).split('\n').filter((l) => l.includes('which the previous output of this stack had'));
    const rest = (old: string) => `which the previous output of this stack had, are no longer declared here, and the output directory ` +
      `${path.join(dir, old)}, which another synth made from this secret state, has the teams: its stack warns of them when a team leaves ` +
      'there, so this one does not; if that directory is of a stack that is gone, or an earlier output directory of this stack (CDK8S_OUTDIR ' +
      'or outdir changed), delete it, and the next synth warns of each team until it is retired';
    expect(notices(stack('dist-x', ['web', 'data', 'api']))).toEqual([]);
    expect(notices(stack('dist-y', ['web', ...many]))).toEqual([]);
    expect(notices(stack('dist', ['web', 'data', 'api', ...many]))).toEqual([]);
    expect(notices(stack('dist', ['web']))).toEqual([
      `dockyard: warning: Harbor robots robot$<team>-push and robot$<team>-pull of 2 teams ("api", "data"), ${rest('dist-x')}`,
      `dockyard: warning: Harbor robots robot$<team>-push and robot$<team>-pull of 7 teams ("q1", "q2", "q3", "q4", "q5" and 2 more), ${rest('dist-y')}`,
    ]);
    expect(notices(stack('dist', ['web']))).toEqual([]);
  });

  // each review that finds such teams tells of them through noteTeamsElsewhere (a TeamPlatform's, each of them when a
  // Harbor has two, and Harbor's platformless one): a team one review told of in this app is left out of another's
  // line, and a team this stack's previous output did not have is never told of
  test('a team noted as elsewhere by two reviews of one synth is told of once', () => {
    const { dir, stack, stderr } = stacksOnOneState();
    stderr(stack('dist', ['web', 'data', 'api', 'ops']));
    const mark = fs.readFileSync(path.join(dir, 'dist', '.dockyard-output'), 'utf8');
    const p = platform({}, { outdir: path.join(dir, 'dist') });
    const old = path.join(dir, 'dist-old');
    const lines = stderrOf(() => withPreviousOutput(p.app, previousOutputOf(mark), () => {
      noteTeamsElsewhere(p.harbor, new Map([['data', old], ['api', old]]));
      noteTeamsElsewhere(p.harbor, new Map([['data', old], ['ops', old], ['gone', old]]));
      noteTeamsElsewhere(p.harbor, new Map([['api', old]]));
    })).split('\n').filter((l) => l !== '').map((l) => /^dockyard: warning: Harbor robots (.*?), which the previous output/.exec(l)?.[1]);
    expect(lines).toEqual(['robot$<team>-push and robot$<team>-pull of 2 teams ("api", "data")', 'robot$ops-push and robot$ops-pull of team "ops"']);
  });

  // a link to the output directory is an output directory (synth follows it, lib/core/synth.ts outputPath), and the
  // state records the path as given: the same directory under its other name was read as another stack's output,
  // whose mark is this stack's own previous one, so a team dropped here was taken for another stack's
  test('the output directory under another name (a link to it) is not taken for another stack\'s output', () => {
    const { dir, stack, stderr } = stacksOnOneState();
    const lines = (outdir: string, names: string[]) => stderr(stack(outdir, names)).split('\n').filter((l) => l.includes('robot$data-push'));
    expect(lines('dist', ['web', 'data'])).toEqual([]);
    fs.symlinkSync(path.join(dir, 'dist'), path.join(dir, 'link'));
    expect(lines('link', ['web', 'data'])).toEqual([]);
    const warning = expect.stringMatching(/^dockyard: warning: team "data"'s Harbor robots .* but platform\/Teams neither onboards/);
    expect(lines('link', ['web'])).toEqual([warning]);
    expect(lines('link', ['web'])).toEqual([warning]);
    expect(lines('dist', ['web'])).toEqual([warning]);
    // the state keeps one name of it, the last synth's
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).outputs).toEqual([path.join(dir, 'dist')]);
  });

  // the rule the project warning asks is the one Harbor's review of the state found in the same synth
  // (projectOfAnotherStacksTeam, tied to that synth's previous output): the same app run again against a mark with no
  // review of a state (a Pulumi stack's, lib/pulumi/previous-mark.ts: no secret state, so no other output tells of the
  // team) warns of the project, as nothing there says another stack has it
  test('a moved team\'s project is let go by the rule of the synth that reviewed the state, not by a later run of the same app without one', () => {
    const dir = stateDir();
    const store = () => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') });
    const stack = (outdir: string, names: string[]) => {
      const p = platform({}, { outdir: path.join(dir, outdir) });
      names.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
      return p.app;
    };
    const projectsWarned = (lines: string[]) => lines.map((l) => /^(?:dockyard: )?warning: Harbor project (\S+) /.exec(l)?.[1]).filter((p) => p !== undefined);
    stderrOf(() => synthesize(stack('dist-a', ['web', 'data']), store()));
    stderrOf(() => synthesize(stack('dist-b', ['ops', 'data']), store()));
    const mark = fs.readFileSync(path.join(dir, 'dist-a', '.dockyard-output'), 'utf8');
    const a = stack('dist-a', ['web']);
    expect(projectsWarned(stderrOf(() => synthesize(a, store())).split('\n'))).toEqual([]);
    expect(projectsWarned(withPreviousOutput(a, previousOutputOf(mark), () => keptListWarnings(mark, a)))).toEqual(['data']);
    // the configure Jobs, rendered before the review, list it on that synth alone (README Upgrade notes: from the
    // second synth on, the first chunk drops it)
    const leftProjects = () => fs.readdirSync(path.join(dir, 'dist-a')).filter((f) => f.endsWith('.k8s.yaml'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, 'dist-a', f), 'utf8')).map((d) => d.toJS()))
      .filter((o) => o?.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(o.metadata.name))
      .flatMap((c) => JSON.parse(c.data['config.json']).leftProjects ?? []);
    expect(leftProjects()).toEqual(['data']);
    stderrOf(() => synthesize(stack('dist-a', ['web']), store()));
    expect(leftProjects()).toEqual([]);
  });

  // a Drone platform and a Woodpecker one on one Harbor: each reviews the state, and each said what the team's
  // leaving opens on its own engine, so the same team was warned of in two lines; the state does not tell which had
  // it, so each names what stays open on either engine, in one line
  test('two TeamPlatforms of different engines on one Harbor warn of a team dropped from one once, naming both engines\' leftovers', () => {
    const twoEngines = twoPlatformStack((p) => {
      const chart = new DockyardChart(p.app, 'woodpecker', { namespace: 'ci-wp' });
      const ci = new WoodpeckerCi(chart, 'Ci', { host: 'wp.example.com', gitProvider: github(chart), database: new Postgres(chart, 'Postgres').addDatabase('woodpecker') });
      return new TeamPlatform(chart, 'Teams', { ci, harbor: p.harbor, sharedProjects: ['dockerhub'], reservedNamespaces: ['ci'] });
    });
    expect(twoEngines(['web', 'ops'], ['data'])).toEqual([]);
    expect(twoEngines(['web'], ['data'])).toEqual(['dockyard: warning: team "ops"\'s Harbor robots robot$ops-push and robot$ops-pull ' +
      'are on record in the secret state, declared by platform/Harbor, but no TeamPlatform of that Harbor (platform/Teams, woodpecker/Teams) onboards ' +
      'the team (addTeam) or retires it (retireTeam): the robots keep their permissions and secrets, which never expire, and, on Drone (platform/Teams), its build namespace ' +
      '(ops-builds, unless its addTeam set buildNamespace) is open to every repository\'s pipelines, whose pods may mount the pull Secret an apply ' +
      'without pruning leaves there, or, on Woodpecker (woodpecker/Teams), its agents, which an apply without pruning leaves running, keep taking its ' +
      'repositories\' pipelines with its deploy identity (retireTeam with its repos, and its events and branches if it had them, refuses them); ' +
      'if the team left, call retireTeam("ops"); if they are robots of another stack on this state, named like a team\'s, ignore this (and retire ' +
      'them there with retireRobot when they go)']);
    expect(twoEngines(['web', 'ops'], ['data'])).toEqual([]);
  });

  test('a team\'s robots retired through Harbor (retireRobot) are not warned of', () => {
    const dir = stateDir();
    synthWarnings(dir, ['web', 'data']);
    const p = platform();
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    p.harbor.retireRobot('data-push');
    p.harbor.retireRobot('data-pull');
    expect(warningsOf(p.app, dir)).toEqual([]);
  });
});

// A team's project that retireTeam let go of on a Harbor without OIDC (whose project groups are not the team's to
// remove, so retireProjectGroups is not called) left the code on purpose: the next synths do not name it as a
// project dropped without retirement (lib/harbor/left-projects.ts), as they do a project simply taken out.
test('retireTeam on a Harbor without OIDC lets the team\'s project go without a left-project warning', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-retire-project-'));
  try {
    const run = (build: (p: ReturnType<typeof platform>) => void) => stderrOf(() => {
      const p = platform({}, { outdir: path.join(dir, 'dist') });
      build(p);
      synthesize(p.app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
    });
    const LEFT = /Harbor project (pay|web) of platform\/Harbor was declared by an earlier synth/;
    run((p) => { p.teams.addTeam({ name: 'web', repos: ['acme/web'] }); p.teams.addTeam({ name: 'pay', repos: ['acme/pay'] }); });
    expect(run((p) => { p.teams.addTeam({ name: 'web', repos: ['acme/web'] }); p.teams.retireTeam('pay'); })).not.toMatch(LEFT);
    expect(run((p) => { p.teams.addTeam({ name: 'web', repos: ['acme/web'] }); p.teams.retireTeam('pay'); })).not.toMatch(LEFT);
    // a team simply taken out is named: its project left the code without a word
    expect(run((p) => p.teams.retireTeam('pay'))).toMatch(/Harbor project web of platform\/Harbor was declared by an earlier synth/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
