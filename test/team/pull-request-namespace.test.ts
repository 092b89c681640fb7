// A team on a dedicated runner runs its pull requests, forks' included, in a namespace of their own
// (`TeamProps.pullRequestNamespace`), the runner's default build namespace, never in the team's build namespace: that
// one holds the deploy identity, a copy of the team's pull secret and the API server's egress, and a pipeline of a
// repository an admin marked trusted may mount any Secret of the namespace it runs in (drone-runner-kube v1.0.0-rc.5
// engine/linter/linter.go:54-66 lints with `repo.Trusted`, and 130-198 refuse Secret, ConfigMap, host and PVC volumes
// only to untrusted repositories). A fork's pull request is a build of the target repository (harness v2.28.2
// service/hook/parser/parse.go:267-296: the hook's `Fork` is the source, the build's repository the one the hook came
// to), and the server hands the runner that repository's record with the stage (operator/manager/manager.go:305,383-390),
// which the runner lints it with, its Trusted flag included.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  LocalSecretStore, MAX_TEAM_NAME, NetworkPeer, Pipeline, PipelineEvent, RepositoryPipelines, Secret, SecretRef, SecretValue, Step, Team,
} from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { droneStepSecret, parsePolicies, parseRunnerLabels, placeBuild, runnerConfigFiles, schedulerRoutes } from '../drone/upstream';
import { find } from '../util';
import { Platform, platform } from './fixtures';
import { connectionAllowed, egressAdmits, Endpoint, ingressAdmits } from './network-model';

/** A public API server endpoint, as a managed cluster's often is. */
const PUBLIC_API = '203.0.113.10';
const PRIVATE_API = '10.0.0.2';
const METADATA = '169.254.169.254';

let podIp = 10;
const pod = (namespace: string, podLabels: Record<string, string> = { app: 'x' }): Endpoint => ({ namespace, podLabels, ip: `10.244.2.${podIp++}` });

/**
 * Every Secret of `p`'s app, as its namespace and name: the generated ones (rendered from a fresh state, after the
 * charts, as `synthesize` does), those in the manifests, and those it requires to exist outside them.
 */
function secretsOf(p: Platform, objects: any[]): { namespace: string; name: string }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pr-namespace-'));
  try {
    const generated = parseAllDocuments(new LocalSecretStore({ statePath: path.join(dir, 'state.json') }).render(p.app)).map((d) => d.toJS());
    expect(generated.length).toBeGreaterThan(0);
    return [
      ...[...objects, ...generated].filter((o) => o.kind === 'Secret').map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name })),
      ...Secret.requiredIn(p.app).map((s) => ({ namespace: s.namespace, name: s.secretName })),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A platform with team `a` on the shared runner and team `infra` on a runner of its own, both reaching the API server. */
function dedicatedPlatform() {
  const p = platform({ apiServers: [NetworkPeer.ipBlock(`${PUBLIC_API}/32`), NetworkPeer.ipBlock(`${PRIVATE_API}/32`)], apiServerPort: 6443 },
    { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } });
  p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
  const team = p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
  return { p, team, objects: p.objects() };
}

/** Runner `name`'s policies and namespace rules, as parsed from its config, and its literal env. */
function runnerView(objects: any[], name: string) {
  const config = runnerConfigFiles(objects, name);
  const runner = find(objects, 'Deployment', name, 'ci').spec.template.spec.containers[0];
  return {
    policies: parsePolicies(config['policies.yaml']),
    rules: (parsePolicies(config['namespace-rules.yaml'])[0] ?? {}) as unknown as Record<string, string[]>,
    env: Object.fromEntries(runner.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value])) as Record<string, string>,
  };
}

describe('a dedicated runner\'s pull-request namespace', () => {
  test('named "<name>-pull-requests", labelled as the team\'s pull requests\' and the runner\'s build namespace', () => {
    const { team, objects } = dedicatedPlatform();
    expect(team.pullRequestNamespace).toBe('infra-pull-requests');
    expect(find(objects, 'Namespace', 'infra-pull-requests').metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'dockyard',
      'dockyard.dev/team': 'infra', 'dockyard.dev/team-namespace': 'pull-requests',
      'dockyard.dev/drone-runner': 'drone-runner-infra', 'dockyard.dev/drone-runner-namespace': 'ci',
      // the runner's buildPodSecurity, as the team's build namespace has it
      'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(find(objects, 'Namespace', 'infra-builds').metadata.labels['dockyard.dev/team-namespace']).toBe('build');
  });

  test('the runner\'s objects, as in any build namespace: its Role and RoleBinding, the LimitRange, the NetworkPolicy, a tokenless default account', () => {
    const { objects } = dedicatedPlatform();
    const ns = 'infra-pull-requests';
    expect(find(objects, 'Role', 'drone-runner-infra', ns).rules).toEqual(find(objects, 'Role', 'drone-runner-infra', 'infra-builds').rules);
    expect(find(objects, 'RoleBinding', 'drone-runner-infra', ns).subjects).toEqual([{ kind: 'ServiceAccount', name: 'drone-runner-infra', namespace: 'ci' }]);
    expect(find(objects, 'LimitRange', 'drone-runner-infra-builds', ns).spec).toEqual(find(objects, 'LimitRange', 'drone-runner-builds', 'ci-builds').spec);
    const policy = find(objects, 'NetworkPolicy', 'drone-runner-infra-builds', ns);
    expect([policy.spec.podSelector, policy.spec.policyTypes, policy.spec.ingress]).toEqual([{ matchLabels: {} }, ['Ingress', 'Egress'], []]);
    expect(find(objects, 'ServiceAccount', 'default', ns).automountServiceAccountToken).toBe(false);
  });

  test('the quota of the namespace pull requests run in, as the shared pool has: the team\'s build namespace, for its trusted events, has none', () => {
    const { objects } = dedicatedPlatform();
    const quotas = objects.filter((o) => o.kind === 'ResourceQuota' && o.metadata.name.startsWith('drone-runner'));
    expect(quotas.map((q) => `${q.metadata.namespace}/${q.metadata.name}`).sort()).toEqual(['ci-builds/drone-runner-builds', 'infra-pull-requests/drone-runner-infra-builds']);
    // the runners' capacity and build resources are alike, so their quotas are too
    expect(quotas[0].spec).toEqual(quotas[1].spec);
  });

  test('no Secret, no deploy identity and no grant but the runner\'s: the team\'s pull secret is copied to its build namespace only', () => {
    const { p, objects } = dedicatedPlatform();
    const secrets = secretsOf(p, objects);
    expect(secrets.filter((s) => s.namespace === 'infra-pull-requests')).toEqual([]);
    const inPullRequests = objects.filter((o) => o.metadata.namespace === 'infra-pull-requests');
    expect(inPullRequests.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['default']);
    expect(inPullRequests.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.name)).toEqual(['drone-runner-infra']);
    expect(find(objects, 'ServiceAccount', 'default', 'infra-pull-requests').imagePullSecrets).toBeUndefined();
    // the pull secret: in the team's app namespace and, for the deploy identity, its build namespace
    const copies = secrets.filter((s) => s.name === 'infra-pull').map((s) => s.namespace);
    expect(copies.sort()).toEqual(['infra', 'infra-builds']);
    expect(find(objects, 'ServiceAccount', 'deployer', 'infra-builds').imagePullSecrets).toEqual([{ name: 'infra-pull' }]);
  });

  test('given pullRequestNamespace: the runner\'s default build namespace, claimed by the team', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true, pullRequestNamespace: 'infra-prs' });
    const env = find(p.objects(), 'Deployment', 'drone-runner-infra', 'ci').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'DRONE_NAMESPACE_DEFAULT').value).toBe('infra-prs');
    expect(team.pullRequestNamespace).toBe('infra-prs');
    expect(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'], buildNamespace: 'infra-prs' }))
      .toThrow(new Error('invalid buildNamespace "infra-prs": must belong to one team: it is already "infra"\'s (team "web")'));
  });

  test('a team on the shared runner has none', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    expect(team.pullRequestNamespace).toBeUndefined();
    expect(p.objects().filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).not.toContain('a-pull-requests');
  });

  test('the longest team name still gives a DNS label', () => {
    const name = 'a'.repeat(MAX_TEAM_NAME);
    const p = platform();
    const team = p.teams.addTeam({ name, repos: [`acme/${name}`], dedicatedRunner: true });
    expect(team.pullRequestNamespace).toBe(`${name}-pull-requests`);
    expect(find(p.objects(), 'Namespace', `${name}-pull-requests`).metadata.name.length).toBeLessThanOrEqual(63);
  });
});

// The dedicated runner's rendered policies and namespace rules, read the way drone-runner-kube v1.0.0-rc.5 reads them
// (placeBuild of ../drone/upstream.ts: the linter's namespace rules, engine/linter/linter.go:207-224; the pipeline's own
// namespace and account, engine/compiler/compiler.go:212-259; the first matching policy overriding both,
// compiler.go:636-638 and engine/policy/match.go:12-24, policy.go:56-107).
describe('where the dedicated runner places a team\'s builds (drone-runner-kube)', () => {
  const { objects } = dedicatedPlatform();
  const { policies, rules, env } = runnerView(objects, 'drone-runner-infra');
  // what a hostile pipeline asks for: the deploy identity, in the namespace that holds it
  const hostile = { namespace: 'infra-builds', serviceAccountName: 'deployer' };

  test('the runner\'s default build namespace is the pull-request namespace', () => {
    expect(env.DRONE_NAMESPACE_DEFAULT).toBe('infra-pull-requests');
  });

  test('its steps get the forge login as the shared runner\'s do: in the clone step only (test/drone/upstream.ts stepsWithNetrc)', () => {
    expect(env.DRONE_NETRC_CLONE_ONLY).toBe('true');
    // and as the shared runner is told (runner.buildSettings)
    const p = platform(undefined, { runner: { netrcCloneOnly: false } });
    p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    expect(runnerView(p.objects(), 'drone-runner-infra').env.DRONE_NETRC_CLONE_ONLY).toBe('false');
  });

  test('a fork\'s pull request runs in the pull-request namespace as default, whatever its pipeline asks', () => {
    for (const pipeline of [{}, hostile, { serviceAccountName: 'deployer' }]) {
      expect(placeBuild(env, policies, rules, { repo: 'acme/infra', event: 'pull_request', ref: 'refs/pull/7/head' }, pipeline))
        .toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
    }
  });

  // harness v2.28.2 handler/api/repos/builds/promote.go:65-66 and rollback.go:65-66 copy the pull request's ref and
  // fork; a custom build takes any ref (create.go:66)
  test.each([
    ['promote', 'refs/pull/7/head'], ['rollback', 'refs/pull/7/head'], ['custom', 'refs/merge-requests/3/head'], ['promote', 'refs/pull-requests/2/from'],
  ])('a %s of the pull request\'s ref %s runs there as default too', (event, ref) => {
    expect(placeBuild(env, policies, rules, { repo: 'acme/infra', event, ref }, hostile)).toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
  });

  test.each(['push', 'tag', 'promote', 'rollback', 'cron', 'custom'])('a %s of a branch runs in the build namespace as the deploy identity', (event) => {
    expect(placeBuild(env, policies, rules, { repo: 'acme/infra', event }, { namespace: 'infra-pull-requests' }))
      .toEqual({ namespace: 'infra-builds', serviceAccountName: 'deployer' });
  });
});

// A pipeline of the dedicated team's without `node:` goes to the shared runner: the server hands a stage without labels
// to a runner without labels (harness v2.28.2 scheduler/queue/queue.go:196-199,266-276, schedulerRoutes), and the
// secrets extension serves the team's secrets by repository and event alone. The shared runner compiles the pipeline
// with them, then creates their Secret in the pod's namespace before the pod (drone-runner-kube v1.0.0-rc.5
// engine/engine_impl.go:82-95): pinned to a namespace where it has no Role, that create is refused and the stage fails
// with no Secret written (its first policy wins, engine/policy/match.go:12-24).
describe('a dedicated team\'s pipeline without node: on the shared runner', () => {
  const { objects } = dedicatedPlatform();
  const { policies, rules, env } = runnerView(objects, 'drone-runner');

  test('reaches the shared runner: neither has labels', () => {
    expect(env.DRONE_RUNNER_LABELS).toBeUndefined();
    expect(schedulerRoutes({}, parseRunnerLabels(env.DRONE_RUNNER_LABELS))).toBe(true);
  });

  test.each([
    ['push', undefined], ['tag', undefined], ['promote', undefined], ['cron', undefined], ['custom', undefined],
    ['pull_request', 'refs/pull/7/head'], ['promote', 'refs/pull/7/head'],
  ])('a %s (ref %s) is pinned to the team\'s pull-request namespace, whatever it asks', (event, ref) => {
    for (const pipeline of [{}, { namespace: 'ci-builds' }, { namespace: 'infra-builds', serviceAccountName: 'deployer' }]) {
      expect(placeBuild(env, policies, rules, { repo: 'acme/infra', event, ref }, pipeline)).toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
    }
    expect(policies[0]).toEqual({
      kind: 'policy', name: 'another-runner', match: { repo: ['[aA][cC][mM][eE]/[iI][nN][fF][rR][aA]'] }, metadata: { namespace: 'infra-pull-requests' },
      service_account: 'default',
    });
  });

  // the secrets extension grants in any case (drone-kubernetes-secrets plugin/match.go lower-cases both sides), the
  // runner's own policies match the forge's spelling exactly (doublestar Match): a repository the forge spells
  // otherwise than the team's pattern still gets the team's secrets, so it must still be failed
  test.each(['Acme/infra', 'acme/Infra', 'ACME/INFRA'])('%s, as the forge may spell it, is pinned there too', (repo) => {
    expect(placeBuild(env, policies, rules, { repo, event: 'push' })).toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
  });

  test('other repositories are not: a name that only begins alike, or of another owner', () => {
    for (const repo of ['acme/infra2', 'acme/a', 'other/infra']) {
      expect(placeBuild(env, policies, rules, { repo, event: 'push' })).not.toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
    }
  });

  test('where the shared runner may create nothing: no Role or RoleBinding of its own there', () => {
    const bound = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'infra-pull-requests'
      && o.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === 'drone-runner'));
    expect(bound).toEqual([]);
    // while it has one in its own build namespace, where the other team's pipelines still run
    expect(find(objects, 'RoleBinding', 'drone-runner', 'ci-builds').subjects).toEqual([{ kind: 'ServiceAccount', name: 'drone-runner', namespace: 'ci' }]);
  });

  test('the shared team\'s pipelines are placed as before', () => {
    expect(placeBuild(env, policies, rules, { repo: 'acme/a', event: 'push' })).toEqual({ namespace: 'a-builds', serviceAccountName: 'deployer' });
    expect(placeBuild(env, policies, rules, { repo: 'acme/a', event: 'pull_request', ref: 'refs/pull/1/head' })).toEqual({ namespace: 'ci-builds', serviceAccountName: 'default' });
  });

  // A team that moves to a runner of its own keeps its build namespace, where an apply without pruning leaves the
  // shared runner's Role (the synth warns of it). The shared runner's catch-all sets no namespace, so a pipeline it
  // places keeps the one it names (engine/compiler/compiler.go:212-235); only the namespace rules refuse one, and
  // only a namespace they list (engine/linter/linter.go:207-224). So they list the team's build namespace with its
  // repositories: no other repository's pipeline, a fork's pull request included, runs there beside the team's Secrets.
  test('the team\'s build namespace stays closed to every other repository\'s pipeline that names it', () => {
    expect(rules['infra-builds']).toEqual(['acme/infra']);
    for (const repo of ['acme/other', 'acme/a', 'acme/infra2']) {
      for (const build of [{ repo, event: 'push' }, { repo, event: 'pull_request', ref: 'refs/pull/1/head' }]) {
        expect([repo, placeBuild(env, policies, rules, build, { namespace: 'infra-builds' })])
          .toEqual([repo, { refused: 'linter: pipeline restricted from using configured namespace' }]);
      }
    }
    // the team's own pipelines that reach the shared runner are pinned to the pull-request namespace, as before
    expect(placeBuild(env, policies, rules, { repo: 'acme/infra', event: 'push' }, { namespace: 'infra-builds' }))
      .toEqual({ namespace: 'infra-pull-requests', serviceAccountName: 'default' });
  });

  test('fails: closing one of the runner\'s own build namespaces, which it may not take later either', () => {
    const p = platform();
    expect(() => p.runner.leaveRepos(['acme/x'], 'x-pull-requests', ['ci-builds']))
      .toThrow(new Error('invalid namespace "ci-builds": must not be a build namespace of Runner: it would run there the pipelines it leaves to another runner'));
    p.runner.leaveRepos(['acme/x'], 'x-pull-requests', ['x-builds']);
    expect(() => p.runner.addBuildNamespace('x-builds')).toThrow(new Error('invalid namespace "x-builds": must not be a namespace ' +
      'this runner leaves repositories to (leaveRepos): it would run their pipelines there, with their secrets'));
  });

  test('fails: a runner leaving repositories to one of its own build namespaces, or taking one it left them to', () => {
    const p = platform();
    expect(() => p.runner.leaveRepos(['acme/x'], 'ci-builds'))
      .toThrow(new Error('invalid namespace "ci-builds": must not be a build namespace of Runner: it would run there the pipelines it leaves to another runner'));
    p.runner.leaveRepos(['acme/x'], 'x-pull-requests');
    expect(() => p.runner.addBuildNamespace('x-pull-requests')).toThrow(new Error('invalid namespace "x-pull-requests": must not be a namespace ' +
      'this runner leaves repositories to (leaveRepos): it would run their pipelines there, with their secrets'));
  });
});

// Kubernetes NetworkPolicy semantics (./network-model.ts) on the rendered policies: the checks isolation.test.ts runs
// for every build namespace of apps/teams, which has no dedicated runner, here for the pull-request namespace
describe('what the pull-request namespace reaches', () => {
  const { objects } = dedicatedPlatform();
  const from = () => pod('infra-pull-requests');

  test('no API server endpoint, which the team\'s build namespace reaches', () => {
    for (const ip of [PUBLIC_API, PRIVATE_API]) {
      expect([ip, connectionAllowed(objects, pod('infra-builds'), { ip }, 6443)]).toEqual([ip, true]);
      expect([ip, egressAdmits(objects, from(), { ip }, 6443)]).toEqual([ip, false]);
      expect([ip, egressAdmits(objects, from(), { ip }, 443)]).toEqual([ip, false]);
    }
    expect(egressAdmits(objects, from(), { ip: '10.96.0.1' }, 443)).toBe(false); // the kubernetes Service's ClusterIP
  });

  test('no metadata endpoint, but DNS and the internet, as the shared pool', () => {
    expect(egressAdmits(objects, from(), { ip: METADATA }, 80)).toBe(false);
    expect(connectionAllowed(objects, from(), pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(true);
    expect(connectionAllowed(objects, from(), { ip: '140.82.112.3' }, 443)).toBe(true);
  });

  test('no other namespace of its team or of another team, and none of theirs reaches it', () => {
    for (const other of ['infra', 'infra-builds', 'a', 'a-builds', 'ci-builds']) {
      expect([other, egressAdmits(objects, from(), pod(other), 8080)]).toEqual([other, false]);
      expect([other, ingressAdmits(objects, pod(other), from(), 8080)]).toEqual([other, false]);
    }
    // the team's apps admit their own app namespaces (`appPeer`, role "app"), not its pull requests
    expect(ingressAdmits(objects, from(), pod('infra'), 8080)).toBe(false);
  });
});

describe('pullRequestNamespace refusals: one line naming the prop, the value and the team', () => {
  const DNS_LABEL = 'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit';
  test.each<[string, () => unknown, string]>([
    ['without a dedicated runner', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], pullRequestNamespace: 'a-prs' }),
      'invalid pullRequestNamespace "a-prs": must be set only with dedicatedRunner: true: on the shared runner the team\'s pull requests run in ' +
      'its default build namespace (team "a")'],
    ['with dedicatedRunner false', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: false, pullRequestNamespace: 'a-prs' }),
      'invalid pullRequestNamespace "a-prs": must be set only with dedicatedRunner: true: on the shared runner the team\'s pull requests run in ' +
      'its default build namespace (team "a")'],
    ['no DNS label', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'A_PRs' }),
      `invalid pullRequestNamespace "A_PRs": ${DNS_LABEL} (team "a")`],
    ['the build namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'a-builds' }),
      'invalid pullRequestNamespace "a-builds": must differ from buildNamespace: pull requests, forks\' included, must not run beside the deploy ' +
      'identity, the team\'s pull secret and the API server\'s egress (team "a")'],
    ['an app namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], namespaces: ['a', 'a-web'], dedicatedRunner: true, pullRequestNamespace: 'a-web' }),
      'invalid pullRequestNamespace "a-web": must not be one of the app namespaces: pull requests, forks\' included, and the team\'s apps stay apart (team "a")'],
    ['the runner\'s own namespace', () => platform({}, { definesCiNamespace: false }).teams.addTeam({
      name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'ci',
    }), 'invalid pullRequestNamespace "ci": must differ from the runner\'s own namespace, so pipelines cannot reach its Secrets (team "a")'],
    ['a "kube-" namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'kube-system' }),
      'invalid pullRequestNamespace "kube-system": must be a namespace of the team\'s own, not "default", a "kube-" system namespace or the ingress ' +
      'controller\'s (team "a")'],
    ['a namespace the platform defines', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'ci-builds' }),
      'invalid pullRequestNamespace "ci-builds": must be a namespace of the team\'s own: the platform (or another construct of the app) defines it ' +
      'already (team "a")'],
    ['another team\'s namespace', () => {
      const p = platform();
      p.teams.addTeam({ name: 'b', repos: ['acme/b'] });
      return p.teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'b-builds' });
    }, 'invalid pullRequestNamespace "b-builds": must belong to one team: it is already "b"\'s (team "a")'],
    ['another team\'s pull-request namespace, as one of its own', () => {
      const p = platform();
      p.teams.addTeam({ name: 'b', repos: ['acme/b'], dedicatedRunner: true });
      return p.teams.addTeam({ name: 'a', repos: ['acme/a'], namespaces: ['b-pull-requests'] });
    }, 'invalid namespaces "b-pull-requests": must belong to one team: it is already "b"\'s (team "a")'],
  ])('refuses %s', (_what, act, message) => {
    expect(act).toThrow(new Error(message));
  });

  test('a refused team leaves its namespaces free', () => {
    const p = platform();
    expect(() => p.teams.addTeam({ name: 'a', repos: ['acme/a'], dedicatedRunner: true, pullRequestNamespace: 'a-builds' })).toThrow();
    p.teams.addTeam({ name: 'b', repos: ['acme/b'], namespaces: ['b', 'a-pull-requests'] });
    expect(find(p.objects(), 'Namespace', 'a-pull-requests').metadata.labels['dockyard.dev/team']).toBe('b');
  });
});

// A team on a runner of its own checks its typed pipelines against its own engine (`Team.ci`), whose runner the
// pipelines' `node:` sends them to; its secrets are made on the platform's engine, whose extension that runner asks
// too. The engine's grants must hold them, or a pipeline of the team's could name none of them.
describe('a dedicated team\'s typed pipelines and its own secrets', () => {
  const pipelines = (team: Team) => [
    new Pipeline({
      name: 'build', events: [PipelineEvent.PUSH], pullSecret: 'infra-harbor-pull',
      steps: [Step.buildImage('publish', { repository: 'harbor.example.com/infra/app', dockerConfig: SecretRef.of('infra-harbor-push', 'docker_config') })],
    }),
    new Pipeline({
      name: 'deploy', events: [PipelineEvent.PROMOTE],
      steps: [Step.deploy('migrate', { identity: team.deployer, image: IMAGES.psql, commands: ['psql "$URL"'], secrets: { URL: SecretRef.of('infra-db', 'url') } })],
    }),
  ];

  test('render against Team.ci, and the dedicated runner gets each secret for the team\'s events, never for a pull request', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    team.addPipelineSecret('Db', { name: 'db', values: { url: SecretValue.hex(16) } });
    const file = new RepositoryPipelines(p.chart, 'Infra', { engine: team.ci, repo: 'acme/infra', pipelines: pipelines(team) }).render()
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
    expect(file.filter((d) => d.kind === 'pipeline').map((d) => d.node)).toEqual([{ team: 'infra' }, { team: 'infra' }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-dedicated-secrets-'));
    try {
      const rendered = { objects: p.objects(), secrets: parseAllDocuments(new LocalSecretStore({ statePath: path.join(dir, 'state.json') }).render(p.app)).map((d) => d.toJS()) };
      const names = file.filter((d) => d.kind === 'secret').map((d) => d.name).sort();
      expect(names).toEqual(['infra_db_url', 'infra_harbor_pull_dockerconfigjson', 'infra_harbor_push_docker_config']);
      for (const name of names) {
        const value = (event: string) => droneStepSecret(rendered, 'drone-runner-infra', file, name, { repo: 'acme/infra', event });
        expect({ name, push: value('push') !== '', promote: value('promote') !== '', pullRequest: value('pull_request') })
          .toEqual({ name, push: true, promote: true, pullRequest: '' });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the platform\'s engine keeps its grants, and a secret the platform refuses is recorded on neither', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    expect([...team.ci.grants.secrets.keys()]).toEqual(['infra-harbor-push']);
    expect([...team.ci.grants.pullSecrets.keys()]).toEqual(['infra-harbor-pull']);
    expect(team.ci.grants.secrets.get('infra-harbor-push')).toEqual(p.ci.grants.secrets.get('infra-harbor-push'));
    expect(() => team.addPipelineSecret('Again', { name: 'harbor-push-2', values: { v: SecretValue.hex(16) }, events: [PipelineEvent.PULL_REQUEST] }))
      .toThrow('must not include pull_request unless allowPullRequests is true');
    expect([...team.ci.grants.secrets.keys()]).toEqual(['infra-harbor-push']);
    // a team on the shared runner runs on the platform's engine: nothing to copy
    expect(p.teams.addTeam({ name: 'a', repos: ['acme/a'] }).ci).toBe(p.ci);
  });
});
