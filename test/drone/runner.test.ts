import { runnerConfigFiles } from './upstream';
import { parse, parseAllDocuments } from 'yaml';
import {
  DeployAccess, DroneCi, DroneKubeRunner, DroneKubeRunnerProps, DroneSecretsExtension, NetworkPeer, PipelineEvent, PodSecurityLevel, PullSecret,
  RegistryCredential, Resources, RunnerPolicyProps, Secret, SecretValue,
} from '../../lib';
import { container, envOf, find, serviceAccounts, synth, testChart } from '../util';
import { droneServer } from './fixtures';

const RUNNER_RULES = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'create', 'delete', 'list', 'watch', 'update'] },
];

describe('DroneKubeRunner', () => {
  test('derives RPC settings from the server and shares its secret', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    new DroneKubeRunner(chart, 'Runner', { server });
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone-runner')));
    expect(env.DRONE_RPC_HOST.value).toBe('drone.ci.svc:8080');
    expect(env.DRONE_RPC_PROTO.value).toBe('http');
    expect(env.DRONE_RPC_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'drone-credentials', key: 'rpc-secret' });
    expect(env.DRONE_TMATE_ENABLED.value).toBe('false');
    expect(env.DRONE_RUNNER_CAPACITY.value).toBe('10');
    expect(env.DRONE_NAMESPACE_DEFAULT.value).toBe('ci-builds');
  });

  test('probes /healthz on the port the runner serves', () => {
    // drone-runner-kube v1.0.0-rc.5 command/daemon/config.go:45 (DRONE_SERVER_PORT, default ":3000"); drone/runner-go
    // v1.12.0 handler/router/router.go: "/healthz" is served before, and without, the dashboard's basic auth
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart) });
    const c = container(find(synth(chart), 'Deployment', 'drone-runner'));
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(envOf(c).DRONE_SERVER_PORT).toBeUndefined();
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    }
  });

  test('always covers its default build namespace with the upstream RBAC, bound to its ServiceAccount', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
    const objects = synth(chart);
    for (const ns of ['builds', 'deploys']) {
      expect(find(objects, 'Role', 'drone-runner', ns).rules).toEqual(RUNNER_RULES);
      const binding = find(objects, 'RoleBinding', 'drone-runner', ns);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'drone-runner' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'drone-runner', namespace: 'ci' }]);
      expect(find(objects, 'Namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
      expect(find(objects, 'LimitRange', 'drone-runner-builds', ns).spec.limits).toEqual([
        {
          'type': 'Container',
          'default': { 'cpu': '2', 'memory': '4Gi', 'ephemeral-storage': '4Gi' },
          // the runner sets its steps' CPU and memory requests itself, but not a debug build's tmate init container's,
          // which gets the pipeline's (test/ci/build-resources.test.ts); ephemeral storage it never sets
          'defaultRequest': { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
          'max': { 'cpu': '4', 'memory': '8Gi', 'ephemeral-storage': '4Gi' },
        },
      ]);
      // one policy: no ingress, and egress to DNS and the internet only
      const policy = find(objects, 'NetworkPolicy', 'drone-runner-builds', ns);
      expect([policy.spec.podSelector, policy.spec.policyTypes, policy.spec.ingress, policy.spec.egress.length])
        .toEqual([{ matchLabels: {} }, ['Ingress', 'Egress'], [], 2]);
      expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns)).toHaveLength(1);
      expect(find(objects, 'ServiceAccount', 'default', ns).automountServiceAccountToken).toBe(false);
    }
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const pod = find(objects, 'Deployment', 'drone-runner').spec.template.spec;
    expect(pod.serviceAccountName).toBe('drone-runner');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.terminationGracePeriodSeconds).toBe(3900);
  });

  test('admits only the runner to the server: build pods never call it, and nothing to the runner', () => {
    // a pipeline clones from the git provider's URL (drone/runner-go v1.12.0 environ/environ.go:47 DRONE_REMOTE_URL,
    // drone/drone-git v1.2.0 posix/clone-commit:10 `git remote add origin ${DRONE_REMOTE_URL}`), its steps share one
    // pod, and only the runner carries state and logs to the server over RPC
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'] });
    const objects = synth(chart);
    const froms = find(objects, 'NetworkPolicy', 'drone').spec.ingress.map((r: any) => r.from[0]);
    expect(froms).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/instance': 'drone-runner', 'app.kubernetes.io/component': 'runner' } },
      },
    ]);
    expect(find(objects, 'NetworkPolicy', 'drone-runner').spec.ingress).toEqual([]);
  });

  test('admits each runner by a rule of its own, in the order of their names, to the server and the secrets extension', () => {
    // a rule per runner goes with it: a team's runner left running after its team is gone reaches nothing once the
    // policies without its rule are applied; and the order its team was added in is no input of the policy
    const instances = (order: string[]) => {
      const chart = testChart('ci');
      const server = droneServer(chart);
      const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
      order.forEach((name, i) => new DroneKubeRunner(chart, name, {
        server, secretsExtension, name, buildNamespace: `${name}-builds`, ...(i > 0 || name !== 'drone-runner' ? { labels: { pool: name } } : {}),
      }));
      const objects = synth(chart);
      return ['drone', 'drone-secrets'].map((policy) => find(objects, 'NetworkPolicy', policy).spec.ingress
        .map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/instance']));
    };
    const sorted = ['drone-runner-a', 'drone-runner-b', 'drone-runner-c'];
    expect(instances(['drone-runner-c', 'drone-runner-a', 'drone-runner-b'])).toEqual([sorted, sorted]);
    expect(instances(['drone-runner-b', 'drone-runner-c', 'drone-runner-a'])).toEqual([sorted, sorted]);
  });

  test('uses existing build namespaces and another Pod Security level when asked', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), createBuildNamespaces: false });
    expect(synth(chart).filter((o) => o.kind === 'Namespace')).toEqual([]);
    const other = testChart('ci');
    const buildResources = Resources.of({ cpuRequest: '50m', cpuLimit: '1', memoryRequest: '64Mi', memoryLimit: '1Gi' });
    new DroneKubeRunner(other, 'Runner', { server: droneServer(other), buildPodSecurity: PodSecurityLevel.RESTRICTED, buildResources });
    expect(find(synth(other), 'Namespace', 'ci-builds').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(synth(other), 'LimitRange', 'drone-runner-builds').spec.limits[0].default).toEqual({ 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '4Gi' });
  });

  test('wires the secrets extension with a shared token and admits the runner to it', () => {
    const chart = testChart('ci');
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), secretsExtension });
    const objects = synth(chart);
    const env = envOf(container(find(objects, 'Deployment', 'drone-runner')));
    expect(env.DRONE_SECRET_PLUGIN_ENDPOINT.value).toBe('http://drone-secrets.ci.svc:3000');
    expect(env.DRONE_SECRET_PLUGIN_TOKEN.valueFrom.secretKeyRef).toEqual({ name: 'drone-secrets-token', key: 'token' });
    expect(envOf(container(find(objects, 'Deployment', 'drone-secrets'))).SECRET_KEY.valueFrom.secretKeyRef)
      .toEqual({ name: 'drone-secrets-token', key: 'token' });
    expect(find(objects, 'NetworkPolicy', 'drone-secrets').spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('runner');
  });

  test('renders policies and exclusive namespace rules into its config', () => {
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'] });
    runner.addPolicy({ name: 'app-deploy', repos: ['acme/app', 'acme/web'], namespace: 'deploy', serviceAccountName: 'deployer' });
    runner.addPolicy({ name: 'big-builds', repos: ['acme/monorepo'], exclusive: false });
    serviceAccounts(chart, ['deploy'], ['deployer']);
    const objects = synth(chart);
    const config = runnerConfigFiles(objects);
    // every event but pull requests, the default, listed
    const events = ['push', 'tag', 'promote', 'rollback', 'cron', 'custom'];
    expect(parseAllDocuments(config['policies.yaml']).map((d) => d.toJS())).toEqual([
      // first, as a policy pins a ServiceAccount: a pull request's ref under any other event goes to the pool
      {
        kind: 'policy', name: 'pull-request-refs',
        match: { event: { exclude: ['pull_request'] }, ref: ['refs/pull/**', 'refs/pull-request/**', 'refs/pull-requests/**', 'refs/merge-requests/**', ''] },
        metadata: { namespace: 'ci-builds' }, service_account: 'default',
      },
      {
        kind: 'policy', name: 'app-deploy', match: { repo: ['acme/app', 'acme/web'], event: events },
        metadata: { namespace: 'deploy' }, service_account: 'deployer',
      },
      // every policy sets a ServiceAccount, so that the pipeline's own never applies
      { kind: 'policy', name: 'big-builds', match: { repo: ['acme/monorepo'], event: events }, metadata: { namespace: 'ci-builds' }, service_account: 'default' },
      // one guard, after every policy: the first match wins
      {
        kind: 'policy', name: 'other-events', match: { repo: ['acme/app', 'acme/web'] },
        metadata: { namespace: 'ci-builds' }, service_account: 'default',
      },
      // and the catch-all for every other pipeline
      { kind: 'policy', name: 'default', service_account: 'default' },
    ]);
    // two ConfigMaps, projected into one directory
    expect(find(objects, 'Deployment', 'drone-runner').spec.template.spec.volumes).toEqual([{
      name: 'config', projected: { sources: [{ configMap: { name: 'drone-runner-config' } }, { configMap: { name: 'drone-runner-namespace-rules' } }] },
    }]);
    expect(parse(config['namespace-rules.yaml'])).toEqual({ deploy: ['acme/app', 'acme/web'] });
    const env = envOf(container(find(objects, 'Deployment', 'drone-runner')));
    expect(env.DRONE_POLICY_FILE.value).toBe('/etc/drone-runner/policies.yaml');
    expect(env.DRONE_NAMESPACE_RULES_FILE.value).toBe('/etc/drone-runner/namespace-rules.yaml');
    expect(container(find(objects, 'Deployment', 'drone-runner')).volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/drone-runner', readOnly: true }]);
  });

  test('renders limits', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', {
      server: droneServer(chart), labels: { pool: 'acme' }, limitRepos: ['acme/*'], limitEvents: [PipelineEvent.PUSH, PipelineEvent.TAG], limitTrusted: true, capacity: 3, tmate: true,
    });
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone-runner')));
    expect(env.DRONE_LIMIT_REPOS.value).toBe('acme/*');
    expect(env.DRONE_LIMIT_EVENTS.value).toBe('push,tag');
    expect(env.DRONE_LIMIT_TRUSTED.value).toBe('true');
    expect(env.DRONE_RUNNER_CAPACITY.value).toBe('3');
    expect(env.DRONE_TMATE_ENABLED.value).toBe('true');
  });

  // drone-runner-kube v1.0.0-rc.5 command/daemon/daemon.go passes DRONE_LIMIT_EVENTS to its internal/match/match.go,
  // and runner-go v1.12.0 pipeline/runtime/runner.go fails every stage the match refuses, whatever policy would place it
  test('with limitEvents, a policy\'s events must be among them, and its default events must include one of them', () => {
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', {
      server: droneServer(chart), extraBuildNamespaces: ['deploy'], limitEvents: [PipelineEvent.PUSH, PipelineEvent.PROMOTE],
    });
    expect(() => runner.addPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy', events: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK, PipelineEvent.TAG] }))
      .toThrow('invalid events ["promote","rollback","tag"]: rollback, tag must be among the runner\'s limitEvents push, promote: the runner fails ' +
        'every pipeline of another event');
    expect(() => runner.checkPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy', events: [PipelineEvent.TAG] }))
      .toThrow(/^invalid events \["tag"\]: tag must be among/);
    // within the limit, explicitly or by default (the default events push and promote of it apply)
    runner.addPolicy({ name: 'deploy', repos: ['a/b'], namespace: 'deploy', events: [PipelineEvent.PROMOTE] });
    runner.addPolicy({ name: 'builds', repos: ['a/c'], namespace: 'deploy' });
    const only = testChart('ci');
    const prOnly = new DroneKubeRunner(only, 'Runner', {
      server: droneServer(only), extraBuildNamespaces: ['deploy'], limitEvents: [PipelineEvent.PULL_REQUEST],
    });
    expect(() => prOnly.addPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy' }))
      .toThrow('missing events: must be given: none of the default events (push, tag, promote, rollback, cron, custom) is among the runner\'s ' +
        'limitEvents pull_request: the runner fails every pipeline of another event');
    // a runner yet to be made, as a team's dedicated runner is checked
    expect(() => DroneKubeRunner.checkFirstPolicy({ name: 'p', repos: ['a/b'], exclusive: false }, 'team-builds', [PipelineEvent.PULL_REQUEST]))
      .toThrow(/^missing events: must be given: none of the default events/);
    DroneKubeRunner.checkFirstPolicy({ name: 'p', repos: ['a/b'], exclusive: false }, 'team-builds', [PipelineEvent.PUSH]);
  });

  test('checkFirstPolicy: a policy may name the runner-to-be\'s extra build namespaces, and no other', () => {
    const policy = { name: 'p', repos: ['a/b'], namespace: 'team-builds', serviceAccountName: 'deployer', exclusive: false };
    DroneKubeRunner.checkFirstPolicy(policy, 'team-pull-requests', undefined, ['team-builds']);
    expect(() => DroneKubeRunner.checkFirstPolicy(policy, 'team-pull-requests'))
      .toThrow(new Error('invalid namespace "team-builds": must be one of the runner\'s build namespaces: team-builds is not among team-pull-requests'));
    expect(() => DroneKubeRunner.checkFirstPolicy({ ...policy, namespace: 'other' }, 'team-pull-requests', undefined, ['team-builds']))
      .toThrow(new Error('invalid namespace "other": must be one of the runner\'s build namespaces: other is not among team-builds, team-pull-requests'));
  });

  test('fails on bad props and policies', () => {
    const make = (props: object = {}) => {
      const chart = testChart('ci');
      return new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
    };
    expect(() => make({ buildNamespace: 'drone-' })).toThrow(/invalid buildNamespace "drone-": must be a DNS-1123 label/);
    expect(() => make({ buildNamespace: 'ci' })).toThrow('invalid buildNamespace "ci": must differ from the runner\'s own namespace');
    expect(() => make({ extraBuildNamespaces: ['ci'] })).toThrow('invalid extraBuildNamespaces "ci": must differ from the runner\'s own namespace');
    // a build namespace's NetworkPolicy admits no ingress to any pod in it: in kube-system that is CoreDNS (a new user's trial)
    expect(() => make({ buildNamespace: 'kube-system' })).toThrow('invalid buildNamespace "kube-system": must be a namespace for builds, not \"default\" or a \"kube-\" system namespace: a build namespace admits no ingress to any pod in it, and the CI engine may create pods and Secrets there');
    expect(() => make({ extraBuildNamespaces: ['default'] })).toThrow('invalid extraBuildNamespaces "default": must be a namespace for builds');
    expect(() => make().addBuildNamespace('kube-public')).toThrow('invalid namespace "kube-public": must be a namespace for builds');
    expect(() => make({ extraBuildNamespaces: ['ci-builds'] })).toThrow(/invalid extraBuildNamespaces \["ci-builds","ci-builds"\]: must not repeat "ci-builds"/);
    expect(() => make({ capacity: 0 })).toThrow('invalid capacity 0: must be an integer from 1 to 1000');
    expect(() => make({ limitRepos: ['not a repo'] })).toThrow(/invalid repos \["not a repo"\]/);
    expect(() => make({ limitRepos: ['acme/*'] })).toThrow('invalid limitRepos ["acme/*"]: needs labels: the server hands any pipeline');
    expect(() => make({ labels: { 'pool': 'a,b' } })).toThrow('invalid labels {"pool":"a,b"}: "pool": "a,b" must be letters, digits');
    expect(() => make({ labels: { 'po:ol': 'a' } })).toThrow(/invalid labels .*"po:ol": "a" must be letters/);
    expect(() => make({ buildMaxMemory: '2Gi' })).toThrow('invalid buildMaxMemory "2Gi": must be at least buildResources.memoryLimit "4Gi"');
    expect(() => make({ buildMaxCpu: '1' })).toThrow('invalid buildMaxCpu "1": must be at least buildResources.cpuLimit "2"');
    // a CPU quantity, read as Resources reads one: "4M" is 4 million cores
    expect(() => make({ buildMaxCpu: '4M' })).toThrow('invalid buildMaxCpu "4M": "M" multiplies by a million, so this is 4 million cores');
    expect(() => make({ gracePeriodSec: -1 })).toThrow(/invalid gracePeriodSec -1/);
    expect(() => make({ limitEvents: ['Push'] })).toThrow('invalid limitEvents ["Push"]: "Push" must be one of push, tag, promote, rollback, cron, custom, pull_request');
    expect(() => make({ limitEvents: [PipelineEvent.PUSH, PipelineEvent.PUSH] })).toThrow(/^invalid limitEvents \["push","push"\]: must not repeat "push"/);
    const runner = make({ extraBuildNamespaces: ['deploy'] });
    expect(() => runner.addPolicy({ name: 'p', repos: ['a/b'], namespace: 'prod' }))
      .toThrow('invalid namespace "prod": must be one of the runner\'s build namespaces: prod is not among ci-builds, deploy');
    expect(() => runner.addPolicy({ name: 'p', repos: ['a/b'] }))
      .toThrow('invalid namespace "ci-builds": must not be the default build namespace when exclusive: every repository runs there');
    runner.addPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy' });
    expect(() => runner.addPolicy({ name: 'p', repos: ['a/c'], namespace: 'deploy' })).toThrow('invalid name "p": must be unique among the runner\'s policies');
    expect(() => runner.addPolicy({ name: 'q', repos: [], namespace: 'deploy' })).toThrow('invalid repos []: must not be empty');
    expect(() => runner.addPolicy({ name: 'q', repos: ['a/q'], namespace: 'deploy', events: [PipelineEvent.PULL_REQUEST] }))
      .toThrow('invalid events ["pull_request"]: must not include pull_request unless allowPullRequests is true');
    expect(() => runner.addPolicy({ name: 'default', repos: ['a/q'], namespace: 'deploy' }))
      .toThrow('invalid name "default": must not be "default"');
    // the guard's name is taken too
    expect(() => runner.addPolicy({ name: 'other-events', repos: ['a/q'], namespace: 'deploy' }))
      .toThrow('invalid name "other-events": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies');
  });
});

/** The runner of a fresh chart in `ci`. */
function runnerIn(props: Partial<DroneKubeRunnerProps> = {}) {
  const chart = testChart('ci');
  const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
  return { chart, runner };
}

// closeNamespace: the team side, and where a pipeline then lands, is in test/team/team-retire.test.ts
describe('closeNamespace', () => {
  test('lists the namespace with no repository, in name order; a build namespace of the runner keeps its own rule; a bad name is refused', () => {
    const { chart, runner } = runnerIn({ extraBuildNamespaces: ['deploy'] });
    runner.addPolicy({ name: 'deploy', repos: ['acme/a'], namespace: 'deploy' });
    for (const ns of ['old-b', 'deploy', 'ci-builds', 'old-a']) runner.closeNamespace(ns);
    const rules = parse(runnerConfigFiles(synth(chart))['namespace-rules.yaml']);
    expect(rules).toEqual({ 'deploy': ['acme/a'], 'old-a': [], 'old-b': [] });
    expect(Object.keys(rules)).toEqual(['deploy', 'old-a', 'old-b']);
    expect(() => runner.closeNamespace('Old_C')).toThrow(/^invalid namespace "Old_C": must be a DNS-1123 label/);
  });
});

describe('build namespaces added after construction', () => {
  test('get exactly what a namespace given to the constructor gets', () => {
    const given = runnerIn({ extraBuildNamespaces: ['deploy', 'team-a'] });
    const added = runnerIn({ extraBuildNamespaces: ['deploy'] });
    added.runner.addBuildNamespace('team-a');
    expect(synth(added.chart)).toEqual(synth(given.chart));
    expect(added.runner.buildNamespaces).toEqual(['ci-builds', 'deploy', 'team-a']);
    // and policies may pin repositories there
    added.runner.addPolicy({ name: 'team-a', repos: ['acme/a'], namespace: 'team-a' });
    expect(parse(runnerConfigFiles(synth(added.chart))['namespace-rules.yaml'])).toEqual({ 'team-a': ['acme/a'] });
  });

  test('take their own Pod Security level, labels, or an existing namespace', () => {
    const { chart, runner } = runnerIn();
    runner.addBuildNamespace('hardened', { podSecurity: PodSecurityLevel.RESTRICTED, labels: { team: 'a' } });
    runner.addBuildNamespace('existing', { create: false });
    const objects = synth(chart);
    expect(find(objects, 'Namespace', 'hardened').metadata.labels).toEqual({
      'team': 'a',
      'dockyard.dev/drone-runner': 'drone-runner',
      'dockyard.dev/drone-runner-namespace': 'ci',
      'app.kubernetes.io/managed-by': 'dockyard',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(objects.filter((o) => o.kind === 'Namespace' && o.metadata.name === 'existing')).toEqual([]);
    for (const kind of ['Role', 'RoleBinding', 'LimitRange', 'NetworkPolicy']) {
      expect(objects.filter((o) => o.kind === kind && o.metadata.namespace === 'existing').length).toBeGreaterThan(0);
    }
    expect(find(objects, 'ServiceAccount', 'default', 'existing').automountServiceAccountToken).toBe(false);
    // the runner's createBuildNamespaces is the default
    const other = runnerIn({ createBuildNamespaces: false });
    other.runner.addBuildNamespace('later');
    expect(synth(other.chart).filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('carry the runner\'s labels, by which one peer selects them all', () => {
    const { chart, runner } = runnerIn({ extraBuildNamespaces: ['deploy'] });
    runner.addBuildNamespace('team-a');
    expect(runner.buildNamespaceLabels).toEqual({ 'dockyard.dev/drone-runner': 'drone-runner', 'dockyard.dev/drone-runner-namespace': 'ci' });
    expect(runner.buildPeer._toKube()).toEqual({ namespaceSelector: { matchLabels: runner.buildNamespaceLabels } });
    const namespaces = synth(chart).filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual(['ci-builds', 'deploy', 'team-a']);
    for (const n of namespaces) {
      expect(n.metadata.labels).toMatchObject(runner.buildNamespaceLabels);
    }
  });

  test('refuses bad namespaces and options', () => {
    const { runner } = runnerIn({ extraBuildNamespaces: ['deploy'] });
    expect(() => runner.addBuildNamespace('Team_A')).toThrow(/invalid namespace "Team_A": must be a DNS-1123 label/);
    expect(() => runner.addBuildNamespace('deploy')).toThrow('invalid namespace "deploy": must not already be a build namespace of the runner: ci-builds, deploy');
    expect(() => runner.addBuildNamespace('ci')).toThrow('invalid namespace "ci": must differ from the runner\'s own namespace');
    expect(() => runner.addBuildNamespace('a', { create: false, podSecurity: PodSecurityLevel.RESTRICTED }))
      .toThrow('invalid podSecurity "restricted": must not be set when create is false');
    expect(() => runner.addBuildNamespace('b', { create: false, labels: { team: 'b' } }))
      .toThrow('invalid labels {"team":"b"}: must not be set when create is false');
    expect(() => runner.addBuildNamespace('c', { labels: { 'dockyard.dev/drone-runner': 'other' } }))
      .toThrow('invalid labels {"dockyard.dev/drone-runner":"other"}: must not set "dockyard.dev/drone-runner": the runner sets it');
    expect(() => runner.addBuildNamespace('d', { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }))
      .toThrow('invalid labels {"pod-security.kubernetes.io/enforce":"privileged"}: must not set "pod-security.kubernetes.io/enforce"');
    // nothing of a refused namespace is left behind
    expect(runner.buildNamespaces).toEqual(['ci-builds', 'deploy']);
  });
});

/**
 * Whether Kubernetes mounts an API token into a pod (kubernetes/kubernetes plugin/pkg/admission/serviceaccount/
 * admission.go `shouldAutomount`): the pod's own setting wins, then its ServiceAccount's, else true.
 */
function tokenMounted(pod: { automountServiceAccountToken?: boolean }, account: { automountServiceAccountToken?: boolean }): boolean {
  return pod.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
}

describe('build pods get no API token unless they run as an identity that needs one', () => {
  // drone-runner-kube v1.0.0-rc.5 engine/convert.go:15-37 (toPod) sets serviceAccountName and never
  // automountServiceAccountToken, so a pipeline pod leaves the choice to its ServiceAccount
  const pipelinePod = {};

  test('the default ServiceAccount of every build namespace mounts none; a deploy identity still does', () => {
    const { chart } = runnerIn({ extraBuildNamespaces: ['deploy'] });
    new DeployAccess(chart, 'Deploy', { namespace: 'app', serviceAccountNamespace: 'deploy' });
    const objects = synth(chart);
    for (const ns of ['ci-builds', 'deploy']) {
      expect(tokenMounted(pipelinePod, find(objects, 'ServiceAccount', 'default', ns))).toBe(false);
    }
    expect(tokenMounted(pipelinePod, find(objects, 'ServiceAccount', 'deployer', 'deploy'))).toBe(true);
    // what Kubernetes would do without the runner's account
    expect(tokenMounted(pipelinePod, {})).toBe(true);
  });

  test('shares the default ServiceAccount with a pull secret, whichever comes first', () => {
    const pull = (chart: any) => new PullSecret(chart, 'Pull', {
      credentials: [RegistryCredential.basic({
        registry: 'registry.example.com', username: 'ci', password: new Secret(chart, 'Pw', { name: 'pw', values: { pw: SecretValue.hex(32) } }).key('pw'),
      })],
      namespaces: ['ci-builds'],
    });
    const runnerFirst = runnerIn();
    pull(runnerFirst.chart);
    const pullFirst = testChart('ci');
    pull(pullFirst);
    new DroneKubeRunner(pullFirst, 'Runner', { server: droneServer(pullFirst) });
    for (const chart of [runnerFirst.chart, pullFirst]) {
      const account = find(synth(chart), 'ServiceAccount', 'default', 'ci-builds');
      expect([account.imagePullSecrets, account.automountServiceAccountToken]).toEqual([[{ name: 'registry-credentials' }], false]);
    }
  });
});

test('NetworkPeer.namespaces and buildPeer admit the build namespaces to a service with one rule', () => {
  const { chart, runner } = runnerIn({ extraBuildNamespaces: ['deploy'] });
  runner.addBuildNamespace('team-a');
  const secrets = new DroneSecretsExtension(chart, 'Secrets');
  secrets.grantAccess(runner.buildPeer);
  const rules = find(synth(chart), 'NetworkPolicy', 'drone-secrets').spec.ingress;
  expect(rules.map((r: any) => r.from)).toEqual([[{ namespaceSelector: { matchLabels: runner.buildNamespaceLabels } }]]);
  expect(() => NetworkPeer.namespaces({})).toThrow('invalid labels {}: must not be empty: an empty namespace selector matches every namespace');
});

describe('checkPolicy', () => {
  /** The message `f` throws, or undefined. */
  const refusal = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('refuses with the one line addPolicy throws, and changes nothing', () => {
    const { chart, runner } = runnerIn({ extraBuildNamespaces: ['deploy'] });
    runner.addPolicy({ name: 'taken', repos: ['acme/taken'], namespace: 'deploy' });
    const before = synth(chart);
    const cases: [RunnerPolicyProps, string][] = [
      [{ name: 'default', repos: ['a/b'], namespace: 'deploy' },
        'invalid name "default": must not be "default": the runner applies a policy of that name to every pipeline no other policy matches'],
      [{ name: 'other-events', repos: ['a/b'], namespace: 'deploy' },
        'invalid name "other-events": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'],
      [{ name: 'another-runner', repos: ['a/b'], namespace: 'deploy' },
        'invalid name "another-runner": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'],
      [{ name: 'taken', repos: ['a/b'], namespace: 'deploy' },
        'invalid name "taken": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'],
      [{ name: 'p', repos: ['a/b'], namespace: 'prod' }, 'invalid namespace "prod": must be one of the runner\'s build namespaces: prod is not among ci-builds, deploy'],
      [{ name: 'p', repos: ['a/b'], namespace: 'ci-bulds' }, 'invalid namespace "ci-bulds": must be one of the runner\'s build namespaces: ' +
        'ci-bulds is not among ci-builds, deploy (did you mean ci-builds?)'],
      [{ name: 'p', repos: ['a/b'] },
        'invalid namespace "ci-builds": must not be the default build namespace when exclusive: every repository runs there'],
      [{ name: 'p', repos: ['a/**'], namespace: 'deploy' }, 'invalid repos ["a/**"]: "a/**" must not have a part that is "**" or ends in three or ' +
        'more "*": the runner matches those otherwise than the secrets extension (doublestar, not path.Match), so the policy and the ' +
        'secrets would cover different repositories; write one "*"'],
    ];
    for (const [props, message] of cases) {
      // the same line from both, a single line naming the prop and the value
      expect([props.name, refusal(() => runner.checkPolicy(props))]).toEqual([props.name, message]);
      expect([props.name, refusal(() => runner.addPolicy(props))]).toEqual([props.name, message]);
    }
    expect(synth(chart)).toEqual(before);
    // an accepted check reserves nothing: the policy is added afterwards
    runner.checkPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy' });
    expect(synth(chart)).toEqual(before);
    runner.addPolicy({ name: 'p', repos: ['a/b'], namespace: 'deploy' });
  });

  test('takes pending namespaces as the runner\'s', () => {
    const { runner } = runnerIn();
    const policy = { name: 'team-a', repos: ['acme/a'], namespace: 'team-a-builds' };
    expect(() => runner.checkPolicy(policy)).toThrow(new Error('invalid namespace "team-a-builds": must be one of the runner\'s build namespaces: team-a-builds is not among ci-builds'));
    expect(() => runner.checkPolicy(policy, new Set(['other-builds']))).toThrow(/^invalid namespace "team-a-builds"/);
    runner.checkPolicy(policy, new Set(['team-a-builds']));
    // and what the pending namespace becomes, addPolicy takes
    runner.addBuildNamespace('team-a-builds');
    runner.addPolicy(policy);
  });
});

describe('DroneCi.checkAdditions checks routes against the runner\'s policies', () => {
  test('a policy added to the runner directly, the reserved names, and the additions\' own build namespaces', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, extraBuildNamespaces: ['legacy-builds'] });
    const ci = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
    runner.addPolicy({ name: 'legacy', repos: ['acme/legacy'], namespace: 'legacy-builds' });
    const route = (name: string) => ({ name, repos: [`acme/${name}`], namespace: `${name}-builds`, serviceAccountName: 'deployer' });
    const additions = (name: string) => ({ buildNamespaces: [`${name}-builds`], routes: [route(name)] });
    expect(() => ci.checkAdditions(additions('legacy')))
      .toThrow(new Error('invalid name "legacy": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'));
    expect(() => ci.checkAdditions(additions('other-events')))
      .toThrow(new Error('invalid name "other-events": must be unique among the runner\'s policies, and not "other-events", "pull-request-refs" or "another-runner", the names of the runner\'s own policies'));
    expect(() => ci.checkAdditions(additions('default')))
      .toThrow(new Error('invalid name "default": must not be "default": the runner applies a policy of that name to every pipeline no other policy matches'));
    // the route's namespace is one of the additions', or the runner's
    ci.checkAdditions(additions('web'));
    expect(() => ci.checkAdditions({ routes: [route('web')] }))
      .toThrow(new Error('invalid namespace "web-builds": must be one of the runner\'s build namespaces: web-builds is not among ci-builds, legacy-builds'));
    ci.checkAdditions({ routes: [{ ...route('web'), namespace: 'legacy-builds' }] });
  });
});
