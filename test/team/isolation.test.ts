// Teams never see each other's Secrets, namespaces or projects, and build pods reach nothing of the platform: the
// example stack apps/teams (the default platform plus 3 teams) evaluated the way each upstream program reads it.
// - NetworkPolicies: ./network-model.ts (Kubernetes NetworkPolicy semantics);
// - runner policies and namespace rules: placeBuild of ../drone/upstream.ts (drone-runner-kube v1.0.0-rc.5);
// - pipeline secrets: secretReadable of ../drone/upstream.ts (drone/drone-kubernetes-secrets plugin/plugin.go);
// - RBAC: a RoleBinding grants its Role's rules in its own namespace to its subjects (rbac.authorization.k8s.io/v1);
// - robots: the desired state the Harbor configure Jobs apply (lib/harbor/configure.js);
// - on Woodpecker, route agents: agentsOf, taskLabels and agentTakes of ../woodpecker/upstream.ts (woodpecker v3.17.0).
import { App } from 'cdk8s';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { NAMESPACES } from '../../apps/default/stack';
import { teamName, teamsStack } from '../../apps/teams/stack';
import { CiEngineKind, PipelineEvent, TeamPlatform } from '../../lib';
import { agentsOf, agentTakes, taskLabels } from '../woodpecker/upstream';
import { synthStack } from '../stacks';
import { parsePolicies, placeBuild, secretReadable, runnerConfigFiles } from '../drone/upstream';
import { connectionAllowed, egressAdmits, Endpoint, ingressAdmits } from './network-model';

const stack = synthStack('teams', (app: App) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 3 }));
const objects = stack.objects;
const TEAMS = [1, 2, 3].map(teamName);
const ORG = DEFAULT_CONFIG.organization;
const appNamespaces = (team: string) => (team === TEAMS[0] ? [team, `${team}-staging`] : [team]);
const buildNamespace = (team: string) => `${team}-builds`;
const ownNamespaces = (team: string) => [...appNamespaces(team), buildNamespace(team)];

let podIp = 10;
const pod = (namespace: string, podLabels: Record<string, string> = { app: 'x' }): Endpoint => ({ namespace, podLabels, ip: `10.244.1.${podIp++}` });
const workloadPod = (kind: string, name: string): Endpoint => {
  const w = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!w) throw new Error(`no ${kind} ${name}`);
  return pod(w.metadata.namespace, w.spec.template.metadata.labels);
};

describe('network: team apps', () => {
  test.each(TEAMS)('%s: its app pods admit its own namespaces and the ingress controller, and no other team, build or platform pod', (team) => {
    const target = pod(appNamespaces(team)[0]);
    for (const ns of appNamespaces(team)) expect(connectionAllowed(objects, pod(ns), target, 8080)).toBe(true);
    expect(connectionAllowed(objects, pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }), target, 8080)).toBe(true);
    for (const other of TEAMS.filter((t) => t !== team)) {
      for (const ns of ownNamespaces(other)) {
        // each end refuses on its own: the target's ingress, and the other team's egress
        expect(ingressAdmits(objects, pod(ns), target, 8080)).toBe(false);
        expect(egressAdmits(objects, pod(ns), target, 8080)).toBe(false);
      }
    }
    expect(ingressAdmits(objects, pod(buildNamespace(team)), target, 8080)).toBe(false);
    expect(egressAdmits(objects, pod(buildNamespace(team)), target, 8080)).toBe(false);
    expect(connectionAllowed(objects, pod(NAMESPACES.platform), target, 8080)).toBe(false);
    expect(connectionAllowed(objects, pod(NAMESPACES.builds), target, 8080)).toBe(false);
  });

  test.each(TEAMS)('%s: its app pods reach DNS and the internet, and neither the platform\'s database nor other teams', (team) => {
    const from = pod(appNamespaces(team)[0]);
    expect(connectionAllowed(objects, from, pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(true);
    expect(connectionAllowed(objects, from, { ip: '151.101.1.69' }, 443)).toBe(true);
    expect(connectionAllowed(objects, from, workloadPod('StatefulSet', 'postgres'), 5432)).toBe(false);
    expect(connectionAllowed(objects, from, { ip: '169.254.169.254' }, 80)).toBe(false);
    for (const other of TEAMS.filter((t) => t !== team)) expect(connectionAllowed(objects, from, pod(other), 8080)).toBe(false);
  });
});

describe('network: build pods', () => {
  const buildNamespaces = [NAMESPACES.builds, NAMESPACES.deploys, ...TEAMS.map(buildNamespace)];

  test.each(buildNamespaces)('%s: reaches DNS and the internet', (ns) => {
    const from = pod(ns);
    expect(connectionAllowed(objects, from, pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(true);
    expect(connectionAllowed(objects, from, pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'TCP')).toBe(true);
    expect(connectionAllowed(objects, from, { ip: '140.82.112.3' }, 443)).toBe(true); // a git server on the internet
  });

  test.each(buildNamespaces)('%s: reaches no metadata endpoint, API server, platform service or other namespace', (ns) => {
    const from = pod(ns);
    expect(connectionAllowed(objects, from, { ip: '169.254.169.254' }, 80)).toBe(false);
    expect(connectionAllowed(objects, from, { ip: '10.96.0.1' }, 443)).toBe(false); // the kubernetes Service's ClusterIP
    expect(connectionAllowed(objects, from, { ip: '10.0.0.2' }, 6443)).toBe(false); // a private API server endpoint
    // the demo's deploy pipeline runs its migrations: the default stack declares that one path, and only for it
    expect(connectionAllowed(objects, from, workloadPod('StatefulSet', 'postgres'), 5432)).toBe(ns === NAMESPACES.deploys);
    expect(connectionAllowed(objects, from, workloadPod('Deployment', 'drone'), 8080)).toBe(false);
    expect(connectionAllowed(objects, from, workloadPod('Deployment', 'drone-secrets'), 3000)).toBe(false);
    for (const team of TEAMS) {
      // the build pods' own egress refuses, whatever the other namespace admits
      for (const other of ownNamespaces(team).filter((n) => n !== ns)) expect(egressAdmits(objects, from, pod(other), 8080)).toBe(false);
    }
    for (const [what, to, port] of [['metadata', { ip: '169.254.169.254' }, 80], ['API Service', { ip: '10.96.0.1' }, 443]] as const) {
      expect([what, egressAdmits(objects, from, to, port)]).toEqual([what, false]);
    }
  });
});

describe('RBAC', () => {
  const bindings = objects.filter((o) => o.kind === 'RoleBinding');
  const roles = objects.filter((o) => o.kind === 'Role');

  // no grant on Secrets; it still reaches every Secret of its own app namespaces through the pods it deploys (a
  // workload may mount any Secret of its namespace), which the README says
  test.each(TEAMS)('%s: its deploy identity is bound in exactly its app namespaces, and no Role of it names Secrets', (team) => {
    const mine = bindings.filter((b) => b.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.namespace === buildNamespace(team) && s.name === 'deployer'));
    expect(mine.map((b) => b.metadata.namespace).sort()).toEqual([...appNamespaces(team)].sort());
    for (const binding of mine) {
      const role = roles.find((r) => r.metadata.namespace === binding.metadata.namespace && r.metadata.name === binding.roleRef.name);
      expect(role.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    }
  });

  // the example's first team has members (apps/teams/stack.ts): its group is bound in its namespaces alone, read-only
  // in the app namespaces and to its build pods and logs in the build namespace, and nowhere with Secrets
  test('the first team\'s members are bound in exactly its namespaces, to reads, and to no Secret', () => {
    const group = `oidc:${TEAMS[0]}-developers`;
    const theirs = bindings.filter((b) => b.subjects.some((s: any) => s.kind === 'Group' && s.name === group));
    expect(theirs.map((b) => b.metadata.namespace).sort()).toEqual([...ownNamespaces(TEAMS[0])].sort());
    for (const binding of theirs) {
      const role = roles.find((r) => r.metadata.namespace === binding.metadata.namespace && r.metadata.name === binding.roleRef.name);
      expect(role.rules.flatMap((r: any) => r.verbs).every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
      expect(role.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    }
    expect(bindings.filter((b) => b.subjects.some((s: any) => s.kind !== 'ServiceAccount')).every((b) => theirs.includes(b))).toBe(true);
  });

  test.each(TEAMS)('%s: nothing in its namespaces is granted to another team\'s accounts', (team) => {
    for (const binding of bindings.filter((b) => ownNamespaces(team).includes(b.metadata.namespace))) {
      for (const subject of binding.subjects) {
        const foreign = TEAMS.filter((t) => t !== team).some((t) => ownNamespaces(t).includes(subject.namespace));
        expect(foreign).toBe(false);
      }
    }
  });
});

describe('runner policies (drone-runner-kube)', () => {
  const runnerConfig = runnerConfigFiles(objects);
  const policies = parsePolicies(runnerConfig['policies.yaml']);
  const rules = parsePolicies(runnerConfig['namespace-rules.yaml'])[0] as unknown as Record<string, string[]>;
  const env = { DRONE_NAMESPACE_DEFAULT: NAMESPACES.builds };
  const place = (repo: string, event: string, pipeline = {}) => placeBuild(env, policies, rules, { repo, event }, pipeline);

  test.each(TEAMS)('%s: pushes deploy as its identity in its build namespace; pull requests run in the pool as default', (team) => {
    const repo = `${ORG}/${team}-api`;
    for (const event of ['push', 'tag', 'promote', 'rollback', 'cron', 'custom']) {
      expect(place(repo, event)).toEqual({ namespace: buildNamespace(team), serviceAccountName: 'deployer' });
    }
    expect(place(repo, 'pull_request', { serviceAccountName: 'deployer', namespace: buildNamespace(team) }))
      .toEqual({ namespace: NAMESPACES.builds, serviceAccountName: 'default' });
  });

  test.each(TEAMS)('%s: another team\'s pipeline cannot run in its build namespace', (team) => {
    for (const other of TEAMS.filter((t) => t !== team)) {
      const repo = `${ORG}/${other}-api`;
      expect(place(repo, 'pull_request', { namespace: buildNamespace(team) })).toHaveProperty('refused');
      expect(place(repo, 'push', { namespace: buildNamespace(team) })).toHaveProperty('refused');
    }
    // a repository of no team neither
    expect(place(`${ORG}/unrelated`, 'push', { namespace: buildNamespace(team), serviceAccountName: 'deployer' })).toHaveProperty('refused');
  });
});

describe('pipeline secrets (drone-kubernetes-secrets)', () => {
  const pipelineSecrets = stack.secrets.filter((s) => s.metadata.annotations?.['X-Drone-Repos'] !== undefined);

  test.each(TEAMS)('%s: of all pipeline secrets, its repositories read only its own', (team) => {
    for (const event of ['push', 'tag', 'promote', 'rollback', 'cron', 'custom', 'pull_request']) {
      const readable = pipelineSecrets.filter((s) => secretReadable(s.metadata.annotations, { repo: `${ORG}/${team}-api`, event }));
      expect(readable.map((s) => s.metadata.name).filter((n: string) => !n.startsWith(`${team}-`))).toEqual([]);
    }
  });

  test.each(TEAMS)('%s: its secrets reach its repositories only, and never their pull requests', (team) => {
    const mine = pipelineSecrets.filter((s) => s.metadata.name.startsWith(`${team}-`));
    expect(mine.map((s) => s.metadata.name).sort()).toEqual([`${team}-harbor-pull`, `${team}-harbor-push`]);
    for (const secret of mine) {
      const annotations = secret.metadata.annotations;
      expect(secretReadable(annotations, { repo: `${ORG}/${team}-api`, event: 'push' })).toBe(true);
      expect(secretReadable(annotations, { repo: `${ORG}/${team}-api`, event: 'pull_request' })).toBe(false);
      for (const other of TEAMS.filter((t) => t !== team)) {
        for (const event of ['push', 'tag', 'promote', 'pull_request', 'custom']) {
          expect(secretReadable(annotations, { repo: `${ORG}/${other}-api`, event })).toBe(false);
        }
      }
    }
  });
});

describe('Harbor projects and pull secrets', () => {
  const states = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'harbor' && o.data?.['config.json'])
    .map((c) => JSON.parse(c.data['config.json']));
  const robots = states.flatMap((s) => s.robots ?? []);

  test.each(TEAMS)('%s: its push robot pulls and pushes its own project only, its pull robot pulls its own and the shared proxy cache only', (team) => {
    const push = robots.find((r) => r.name === `${team}-push`);
    const pull = robots.find((r) => r.name === `${team}-pull`);
    const grant = (project: string, actions: string[]) => ({
      kind: 'project', namespace: project, access: actions.map((action) => ({ resource: 'repository', action })),
    });
    expect(push.permissions).toEqual([grant(team, ['pull', 'push'])]);
    expect([...pull.permissions].sort((a: any, b: any) => a.namespace.localeCompare(b.namespace)))
      .toEqual([grant('dockerhub', ['pull']), grant(team, ['pull'])].sort((a, b) => a.namespace.localeCompare(b.namespace)));
    for (const robot of robots.filter((r) => !r.name.startsWith(`${team}-`))) {
      expect(robot.permissions.map((p: any) => p.namespace)).not.toContain(team);
    }
  });

  test.each(TEAMS)('%s: its pull secret is in its namespaces only, on its apps\' accounts and its deploy identity', (team) => {
    const copies = [...objects, ...stack.secrets].filter((o) => o.kind === 'Secret' && o.metadata.name === `${team}-pull`);
    expect(copies.map((s) => s.metadata.namespace).sort()).toEqual([...ownNamespaces(team)].sort());
    const pullsWith = (ns: string, account: string) => (objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === ns
      && o.metadata.name === account)?.imagePullSecrets ?? []).map((s: any) => s.name);
    for (const ns of appNamespaces(team)) {
      expect(pullsWith(ns, 'default')).toContain(`${team}-pull`);
      expect(pullsWith(ns, 'default').filter((n: string) => TEAMS.some((t) => t !== team && n.startsWith(`${t}-`)))).toEqual([]);
    }
    expect(pullsWith(buildNamespace(team), 'deployer')).toEqual([`${team}-pull`]);
    // the build namespace's `default` pulls with no team login: only the deploy identity does (pull requests run
    // elsewhere: the shared pool, or a dedicated runner's pull-request namespace, test/team/pull-request-namespace.test.ts)
    expect(pullsWith(buildNamespace(team), 'default')).toEqual([]);
  });
});

// What a fork's pull request can mount. drone-runner-kube v1.0.0-rc.5 refuses Secret, ConfigMap, PVC and host volumes
// to a repository not marked trusted (engine/linter/linter.go:130-198), but reads the flag of the repository the pull
// request targets (linter.go:54-62, `repo.Trusted`), so a fork's pull request to a repository an admin trusted may
// mount any Secret of the namespace it runs in by name (engine/compiler/compiler.go:589-631), and the build
// namespaces' Pod Security level (baseline) refuses host paths and privileged steps, not Secret volumes. A pull
// request runs in the pool (the runner policies above), so the pool must hold nothing a team or the platform guards.
describe('what a trusted repository\'s fork pull request can mount (drone-runner-kube v1.0.0-rc.5 engine/linter/linter.go)', () => {
  test('the pool holds one Secret, the proxy-only pull secret, whose robot pulls the proxy cache alone', () => {
    const inPool = [...objects, ...stack.secrets].filter((o) => o.kind === 'Secret' && o.metadata.namespace === NAMESPACES.builds);
    expect(inPool.map((s) => s.metadata.name)).toEqual(['registry-credentials']);
    // its login's user name only: the password is never read here
    const secret = inPool[0];
    const config = JSON.parse(secret.stringData?.['.dockerconfigjson'] ?? Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString());
    const users = Object.values(config.auths).map((a: any) => Buffer.from(a.auth, 'base64').toString().split(':')[0]);
    expect(users).toEqual(['robot$node-puller']);
    const robots = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'harbor' && o.data?.['config.json'])
      .flatMap((c) => JSON.parse(c.data['config.json']).robots ?? []);
    expect(robots.find((r: any) => r.name === 'node-puller').permissions)
      .toEqual([{ kind: 'project', namespace: 'dockerhub', access: [{ resource: 'repository', action: 'pull' }] }]);
  });

  test('the pool holds no ServiceAccount but `default`, which mounts no token, and no ConfigMap or claim of the platform', () => {
    const inPool = objects.filter((o) => o.metadata?.namespace === NAMESPACES.builds);
    expect(inPool.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o.automountServiceAccountToken])).toEqual([['default', false]]);
    expect(inPool.filter((o) => ['ConfigMap', 'PersistentVolumeClaim'].includes(o.kind))).toEqual([]);
    expect(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACES.builds).metadata.labels['pod-security.kubernetes.io/enforce'])
      .toBe('baseline');
  });
});

// A Drone pipeline's metadata.labels reach its pod as written (drone-runner-kube v1.0.0-rc.5
// engine/compiler/compiler.go:162-165; the runner's own io.drone labels are set after them, :337-342): a pull request
// may wear any label a NetworkPolicy trusts. None of them admits it anywhere an unlabelled build pod is not admitted.
describe('a pull request\'s pod labels (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:162-165)', () => {
  const peerLabels = objects.filter((o) => o.kind === 'NetworkPolicy')
    .flatMap((p) => [...(p.spec.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(p.spec.egress ?? []).flatMap((r: any) => r.to ?? [])])
    .map((peer: any) => peer.podSelector?.matchLabels).filter((l: any) => l !== undefined && Object.keys(l).length > 0);
  const worn = [...new Map(peerLabels.map((l: Record<string, string>) => [JSON.stringify(l), l])).values()];
  const targets = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).flatMap((w) => {
    const ports = w.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
    return ports.map((port: number) => ({ name: `${w.metadata.namespace}/${w.metadata.name}:${port}`, to: pod(w.metadata.namespace, w.spec.template.metadata.labels), port }));
  });

  test('the stack trusts some pod labels, and its workloads listen', () => {
    expect(worn.length).toBeGreaterThan(3);
    expect(targets.length).toBeGreaterThan(10);
  });

  // each end on its own: the pool's egress refuses these connections anyway, so the targets' ingress is checked alone
  test('wearing every label a NetworkPolicy peer selects, a pool pod is admitted nowhere an unlabelled one is not', () => {
    const plain = pod(NAMESPACES.builds);
    const admitted = (from: Endpoint) => targets.filter((t) => ingressAdmits(objects, from, t.to, t.port)).map((t) => t.name);
    const base = admitted(plain);
    for (const labels of worn) {
      expect([labels, admitted(pod(NAMESPACES.builds, { ...labels }))]).toEqual([labels, base]);
    }
    expect(base).toEqual([]);
    expect(targets.filter((t) => connectionAllowed(objects, plain, t.to, t.port))).toEqual([]);
  });
});

// On Woodpecker a team's build namespace, with its deploy identity and Secrets, is reached only through its route's
// agents: each requires the repository and the event the server stamps on the task, and with TeamProps.branches the
// branch (`!woodpecker-ci.org/commit-branch`, pipeline/frontend/builder/builder.go:187-206; required labels compared
// exactly, server/scheduler/filter.go:77-87). Two example teams and `web`, routed on main for push, cron and manual only.
describe('route agents on Woodpecker (woodpecker v3.17.0 server/scheduler/filter.go:28-87)', () => {
  const wp = synthStack('teams-woodpecker-branches', (app: App) => {
    const chart = teamsStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, teams: 2 });
    (chart.node.findChild('Teams') as TeamPlatform).addTeam({
      name: 'web', repos: [`${ORG}/web-app`], events: [PipelineEvent.PUSH, PipelineEvent.CRON, PipelineEvent.CUSTOM], branches: ['main'],
    });
    return chart;
  });
  const agents = agentsOf(wp.objects);
  const teams = [...TEAMS.slice(0, 2), 'web'];
  const repos = [...teams.map((t) => `${ORG}/${t}-app`), `${ORG}/demo`, `${ORG}/unrelated`];
  const events = ['push', 'tag', 'deployment', 'cron', 'manual', 'pull_request'];
  /** Every build, with each team's route label and with none, that an agent in `namespace` takes, as "repo event branch". */
  const reaching = (namespace: string) => repos.flatMap((repo) => events.flatMap((event) => ['main', 'feature/x'].flatMap((branch) =>
    [undefined, ...teams].filter((route) => agents.some((a) => a.namespace === namespace &&
      agentTakes(taskLabels({ repo, event, branch, labels: route === undefined ? {} : { 'dockyard.dev/route': route } }), a.filter)))
      .map(() => `${repo} ${event} ${branch}`))));

  test.each(TEAMS.slice(0, 2))('%s: its build namespace runs its own repository\'s every event but pull requests, on any branch', (team) => {
    expect([...new Set(reaching(buildNamespace(team)))]).toEqual(['push', 'tag', 'deployment', 'cron', 'manual']
      .flatMap((event) => ['main', 'feature/x'].map((branch) => `${ORG}/${team}-app ${event} ${branch}`)));
  });

  test('web: its build namespace runs only its own repository\'s push, cron and manual builds of main', () => {
    expect([...new Set(reaching('web-builds'))]).toEqual(['push', 'cron', 'manual'].map((event) => `${ORG}/web-app ${event} main`));
  });
});
