// Teams on day two: one change at a time to a running multi-team platform on Drone, over the same secret state, and
// what each does to the cluster: which pods roll (a pod template that changes, lib/core/checksum.ts), what else
// changes, and whether the others' objects stay byte for byte. README "Many teams" and "Day two: what rolls when".
// Where the answer depends on an upstream program:
// - drone-runner-kube v1.0.0-rc.5 reads its policies and namespace rules once, at start (command/daemon/config.go:196-205
//   reads DRONE_NAMESPACE_RULES_FILE, 228-234 parses DRONE_POLICY_FILE, in fromEnviron; command/daemon/daemon.go:141
//   hands the parsed policies to the compiler): so a change to the teams' repositories rolls the shared runner, and
//   nothing less would reach it;
// - drone-kubernetes-secrets (commit e0cacbf, its last; no tags) reads the Secret at each request, by name, with its
//   pod's ServiceAccount (plugin/plugin.go:44-47), then its X-Drone-Repos and X-Drone-Events (58-69): a change of a
//   pipeline Secret or of the extension's Role reaches it without a restart, so it never rolls for a team;
// - harness v2.28.2 scheduler/queue/queue.go:196-199,266-276 hands a stage with `node:` labels only to a runner with
//   exactly those labels (schedulerRoutes in ../drone/upstream.ts).
import { parseAllDocuments } from 'yaml';
import * as path from 'path';
import { LocalSecretStore, TeamMember, TeamProps } from '../../lib';
import { droneStepSecret, parsePolicies, parseRunnerLabels, placeBuild, runnerConfigFiles, schedulerRoutes } from '../drone/upstream';
import { stderrOf, tempDirs } from '../util';
import { copyKeptState, keptRsaKeys } from '../integ/rendered';
import { platform } from './fixtures';

const tempDir = tempDirs('dockyard-day-two-');
/** Harbor's RSA token key (1-2 s to draw) and the digest key, drawn once in the file (test/integ/rendered.ts keptRsaKeys). */
const TOKEN_KEY = keptRsaKeys(() => platform().app);
/** A folder for a secret state that starts with TOKEN_KEY's keys: every other value is drawn as on a new state. */
const stateDir = (): string => {
  const dir = tempDir();
  copyKeptState(TOKEN_KEY(), dir);
  return dir;
};

/** The three teams of the platform before each change. */
const TEAMS: readonly TeamProps[] = [
  { name: 'alpha', repos: ['acme/alpha-*'], namespaces: ['alpha', 'alpha-staging'], quota: { cpu: '2' }, members: [TeamMember.group('alpha-devs')] },
  { name: 'bravo', repos: ['acme/bravo-*'] },
  { name: 'charlie', repos: ['acme/charlie-*'] },
];

/** A platform's manifests' objects and its generated Secrets, rendered on the secret state in `dir`. */
interface Rendered {
  readonly objects: any[];
  readonly secrets: any[];
}

/** The platform onboarding `teams` and retiring `retired`, rendered on the state in `dir` (the same state each time). */
function render(dir: string, teams: readonly TeamProps[], retired: readonly string[] = []): Rendered {
  const p = platform();
  teams.forEach((t) => p.teams.addTeam(t));
  retired.forEach((name) => p.teams.retireTeam(name));
  const objects = p.objects();
  const secrets = parseAllDocuments(new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(p.app)).map((d) => d.toJS());
  return { objects, secrets };
}

const key = (o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** What a change from `before` to `after` does: the workloads whose pod template changed, and the objects changed, added and removed. */
function diff(before: Rendered, after: Rendered): { rolled: string[]; changed: string[]; added: string[]; removed: string[] } {
  const index = (r: Rendered) => new Map([...r.objects, ...r.secrets].map((o) => [key(o), o]));
  const [old, now] = [index(before), index(after)];
  const changed = [...old.keys()].filter((k) => now.has(k) && JSON.stringify(old.get(k)) !== JSON.stringify(now.get(k)));
  const template = (o: any) => JSON.stringify(o.spec?.template ?? o.spec?.jobTemplate);
  return {
    rolled: changed.filter((k) => /^(Deployment|StatefulSet|DaemonSet|CronJob) /.test(k) && template(old.get(k)) !== template(now.get(k))),
    changed,
    added: [...now.keys()].filter((k) => !old.has(k)),
    removed: [...old.keys()].filter((k) => !now.has(k)),
  };
}

/** `TEAMS` with team `name`'s props changed by `change`. */
function changing(name: string, change: (t: TeamProps) => TeamProps): TeamProps[] {
  return TEAMS.map((t) => (t.name === name ? change(t) : t));
}

/** The diff of one change to the three teams, both synths on one secret state. */
function dayTwo(teams: readonly TeamProps[], retired: readonly string[] = []) {
  const dir = stateDir();
  const before = render(dir, TEAMS);
  const after = render(dir, teams, retired);
  return { before, after, ...diff(before, after) };
}

/** Harbor's configuration Jobs and the ConfigMaps they read, which are named by their content (one Job per chunk). */
const isHarborConfigure = (k: string) => /^(ConfigMap|Job) harbor\/harbor-configure-[0-9a-f]{8}(-[0-9a-f]+)?$/.test(k) || k === 'ConfigMap harbor/harbor-configure-jobs';

/** What the shared Drone runner reads at start, and the runner itself. */
const SHARED_RUNNER = ['ConfigMap ci/drone-runner-config', 'ConfigMap ci/drone-runner-namespace-rules', 'Deployment ci/drone-runner'];

describe('a change to one team rolls no pod that does not read it', () => {
  test('a new quota changes the team\'s ResourceQuotas and nothing else', () => {
    const d = dayTwo(changing('bravo', (t) => ({ ...t, quota: { cpu: '8' } })));
    expect(d).toMatchObject({ rolled: [], changed: ['ResourceQuota bravo/team-quota'], added: [], removed: [] });
  });

  test('a new registry quota runs the Harbor configuration Job of the team\'s chunk again: no pod rolls, and no robot secret changes', () => {
    const d = dayTwo(changing('bravo', (t) => ({ ...t, registryQuotaGiB: 40 })));
    expect(d.rolled).toEqual([]);
    expect([...d.changed, ...d.added, ...d.removed].every(isHarborConfigure)).toBe(true);
    expect(d.added.filter((k) => k.startsWith('Job '))).toHaveLength(1);
  });

  test('new members change the team\'s RoleBindings team-members and nothing else', () => {
    const d = dayTwo(changing('alpha', (t) => ({ ...t, members: [...t.members!, TeamMember.group('alpha-ops')] })));
    expect(d).toMatchObject({ rolled: [], added: [], removed: [] });
    expect(d.changed.sort()).toEqual(['RoleBinding alpha-builds/team-members', 'RoleBinding alpha-staging/team-members', 'RoleBinding alpha/team-members']);
  });

  test('a new app namespace only adds its objects', () => {
    const d = dayTwo(changing('bravo', (t) => ({ ...t, namespaces: ['bravo', 'bravo-staging'] })));
    expect(d).toMatchObject({ rolled: [], changed: [], removed: [] });
    expect(d.added.length).toBeGreaterThan(0);
    expect(d.added.every((k) => k.startsWith('Namespace /bravo-staging') || / bravo-staging\//.test(k))).toBe(true);
  });

  test('a new repository rolls the shared runner, which reads its policies at start, and changes the team\'s pipeline Secrets in place', () => {
    const d = dayTwo(changing('bravo', (t) => ({ ...t, repos: [...t.repos, 'acme/shared-tools'] })));
    expect(d.rolled).toEqual(['Deployment ci/drone-runner']);
    expect(d.changed.sort()).toEqual([...SHARED_RUNNER, 'Secret ci/bravo-harbor-pull', 'Secret ci/bravo-harbor-push'].sort());
    expect(d).toMatchObject({ added: [], removed: [] });
  });
});

describe('onboarding a team', () => {
  test('rolls the shared runner alone: not the Drone server, the secrets extension or Harbor core; every other team\'s object stays byte for byte', () => {
    const d = dayTwo([...TEAMS, { name: 'delta', repos: ['acme/delta-*'] }]);
    expect(d.rolled).toEqual(['Deployment ci/drone-runner']);
    // the extension's Role names one more Secret; RBAC reaches the running extension at its next request
    expect(d.changed.filter((k) => !isHarborConfigure(k)).sort()).toEqual([...SHARED_RUNNER, 'Role ci/drone-secrets'].sort());
    expect(d.removed.every(isHarborConfigure)).toBe(true);
    expect(d.added.filter((k) => !isHarborConfigure(k)).every((k) => /delta/.test(k))).toBe(true);
  });

  test('the other teams\' robots keep their secrets: the same Secrets, read by the same keys', () => {
    const d = dayTwo([...TEAMS, { name: 'delta', repos: ['acme/delta-*'] }]);
    const robots = (r: Rendered) => r.secrets.filter((s) => /^harbor-robot-(alpha|bravo|charlie)-(push|pull)$/.test(s.metadata.name));
    expect(robots(d.before)).toHaveLength(6);
    expect(robots(d.after)).toEqual(robots(d.before));
    // the Job that runs again reads each robot's secret from the same Secret key as before (its variables are numbered
    // anew, which the script maps back to the robots: lib/harbor/configure.js, secretEnv), and sets it again in Harbor
    // (PATCH /robots/{id}), which hashes it with the robot's own salt (goharbor/harbor v2.15.2
    // src/server/v2.0/handler/robot.go:263-294, RefreshSec): the same value stores the same hash, so no login changes
    const refs = (r: Rendered) => r.objects.filter((o) => o.kind === 'Job' && o.metadata.namespace === 'harbor')
      .flatMap((j) => j.spec.template.spec.containers[0].env ?? []).map((e: any) => e.valueFrom?.secretKeyRef)
      .filter((ref: any) => /alpha|bravo|charlie/.test(ref?.name ?? '')).sort((a: any, b: any) => a.name.localeCompare(b.name));
    expect(refs(d.after)).toEqual(refs(d.before));
    expect(refs(d.before)).toHaveLength(6);
  });

  test('the same teams render the same output twice', () => {
    const dir = stateDir();
    expect(JSON.stringify(render(dir, TEAMS))).toEqual(JSON.stringify(render(dir, TEAMS)));
  });
});

describe('removing a team or a repository takes its access away in the same apply', () => {
  const pipelineFile = (team: string) => [{ kind: 'secret', name: 'push', get: { path: `${team}-harbor-push`, name: 'docker_config' } }];
  /** The cluster after applying `after` without pruning: `after`'s objects, and every Secret of `before` it no longer writes. */
  const unpruned = (before: Rendered, after: Rendered): Rendered => ({ objects: after.objects, secrets: [...after.secrets, ...before.secrets] });

  test('a removed repository gets neither the team\'s pipeline secret nor its deploy identity', () => {
    const d = dayTwo(changing('bravo', (t) => ({ ...t, repos: ['acme/bravo-api'] })));
    const build = { repo: 'acme/bravo-web', event: 'push' };
    expect(droneStepSecret(d.before, 'drone-runner', pipelineFile('bravo'), 'push', build)).not.toBe('');
    expect(droneStepSecret(d.after, 'drone-runner', pipelineFile('bravo'), 'push', build)).toBe('');
    expect(droneStepSecret(d.after, 'drone-runner', pipelineFile('bravo'), 'push', { ...build, repo: 'acme/bravo-api' })).not.toBe('');
    const place = (r: Rendered) => {
      const files = runnerConfigFiles(r.objects);
      const rules = parsePolicies(files['namespace-rules.yaml'])[0] as unknown as Record<string, string[]>;
      return placeBuild({ DRONE_NAMESPACE_DEFAULT: 'ci-builds' }, parsePolicies(files['policies.yaml']), rules, build);
    };
    expect(place(d.before)).toEqual({ namespace: 'bravo-builds', serviceAccountName: 'deployer' });
    expect(place(d.after)).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
  });

  test('a removed team\'s pipeline secrets, left in the cluster by an apply without pruning, are no longer readable: the extension\'s Role drops them', () => {
    const d = dayTwo(TEAMS.filter((t) => t.name !== 'charlie'));
    const build = { repo: 'acme/charlie-api', event: 'push' };
    expect(droneStepSecret(d.before, 'drone-runner', pipelineFile('charlie'), 'push', build)).not.toBe('');
    expect(droneStepSecret(unpruned(d.before, d.after), 'drone-runner', pipelineFile('charlie'), 'push', build)).toBe('');
    expect(d.rolled).toEqual(['Deployment ci/drone-runner']);
  });

  test('dropped without retireTeam, its build namespace, where its pull Secret stays, opens to every repository; retired, it closes', () => {
    const rest = TEAMS.filter((t) => t.name !== 'charlie');
    const dir = stateDir();
    const before = render(dir, TEAMS);
    // what an apply without pruning leaves in the namespace: the pull robot's login, which a pod there may mount
    expect(before.secrets.filter((s) => s.metadata.namespace === 'charlie-builds').map((s) => [s.metadata.name, s.type]))
      .toEqual([['charlie-pull', 'kubernetes.io/dockerconfigjson']]);
    const intruder = (r: Rendered) => {
      const files = runnerConfigFiles(r.objects);
      const rules = parsePolicies(files['namespace-rules.yaml'])[0] as unknown as Record<string, string[]>;
      return placeBuild({ DRONE_NAMESPACE_DEFAULT: 'ci-builds' }, parsePolicies(files['policies.yaml']), rules,
        { repo: 'acme/anything', event: 'push' }, { namespace: 'charlie-builds', serviceAccountName: 'deployer' });
    };
    expect(intruder(before)).toEqual({ refused: 'linter: pipeline restricted from using configured namespace' });
    // the catch-all policy keeps it from the deploy identity, not from the namespace; the synth's warning of the team's
    // robots says so (test/team/team-retire.test.ts, "offboarding mistakes")
    expect(intruder(render(dir, rest))).toEqual({ namespace: 'charlie-builds', serviceAccountName: 'default' });
    expect(intruder(render(dir, rest, ['charlie']))).toEqual({ refused: 'linter: pipeline restricted from using configured namespace' });
  });
});

describe('moving a team to a runner of its own and back', () => {
  /** Every runner Deployment's labels (DRONE_RUNNER_LABELS), by name. */
  const runnerLabels = (r: Rendered) => new Map(r.objects.filter((o) => o.kind === 'Deployment' && /^drone-runner/.test(o.metadata.name))
    .map((o) => [o.metadata.name, parseRunnerLabels(o.spec.template.spec.containers[0].env.find((e: any) => e.name === 'DRONE_RUNNER_LABELS')?.value)]));

  test('each way rolls the shared runner, whose policies send the team\'s repositories away or take them back', () => {
    const dir = stateDir();
    const shared = render(dir, TEAMS);
    const dedicated = render(dir, changing('bravo', (t) => ({ ...t, dedicatedRunner: true })));
    const back = render(dir, TEAMS);
    expect(diff(shared, dedicated).rolled).toEqual(['Deployment ci/drone-runner']);
    // README's table: the runner's ConfigMaps, the build Namespace's runner label, the server's and extension's policies
    expect(diff(shared, dedicated).changed.sort()).toEqual([...SHARED_RUNNER, 'Namespace /bravo-builds', 'NetworkPolicy ci/drone',
      'NetworkPolicy ci/drone-secrets'].sort());
    expect(diff(shared, dedicated).added).toContain('Deployment ci/drone-runner-bravo');
    expect(diff(dedicated, back).rolled).toEqual(['Deployment ci/drone-runner']);
    expect(diff(dedicated, back).removed).toContain('Deployment ci/drone-runner-bravo');
    expect(JSON.stringify(back)).toEqual(JSON.stringify(shared));
  });

  test('back on the shared runner, a pipeline that still says node: { team } reaches no runner and waits: drop it first (README)', () => {
    const dir = stateDir();
    const dedicated = render(dir, changing('bravo', (t) => ({ ...t, dedicatedRunner: true })));
    const back = render(dir, TEAMS);
    const stage = { team: 'bravo' };
    expect([...runnerLabels(dedicated)].filter(([, labels]) => schedulerRoutes(stage, labels)).map(([name]) => name)).toEqual(['drone-runner-bravo']);
    expect([...runnerLabels(back)].filter(([, labels]) => schedulerRoutes(stage, labels))).toEqual([]);
    expect([...runnerLabels(back)].filter(([, labels]) => schedulerRoutes({}, labels)).map(([name]) => name)).toEqual(['drone-runner']);
  });
});

describe('a team dropped without retireTeam on Woodpecker', () => {
  /** The warnings of a synth of a Woodpecker platform onboarding `teams` and retiring `retired`, on the state in `dir`. */
  function warnings(dir: string, teams: string[], retired: string[] = []): string[] {
    const p = platform({}, { engine: 'woodpecker' });
    teams.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}-app`] }));
    retired.forEach((name) => p.teams.retireTeam(name, { repos: [`acme/${name}-app`] }));
    const err = stderrOf(() => new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }).render(p.app));
    return err.split('\n').filter((l) => l.startsWith('dockyard: warning: team'));
  }

  test('is warned of with its agents, which the server still admits (woodpecker-ci.ts closeRoute), not a build namespace', () => {
    const dir = stateDir();
    expect(warnings(dir, ['web', 'data'])).toEqual([]);
    const [warning, ...more] = warnings(dir, ['web']);
    expect(more).toEqual([]);
    expect(warning).toContain('which never expire, and its agents, which an apply without pruning leaves running, keep taking its ' +
      'repositories\' pipelines with its deploy identity (retireTeam with its repos, and its events and branches if it had them, refuses them); if the team left, call retireTeam("data")');
    expect(warning).not.toContain('build namespace');
    expect(warnings(dir, ['web'], ['data'])).toEqual([]);
  });
});
