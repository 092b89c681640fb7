import { DeployAccess, DeployPermission, DroneCi, NetworkPeer, PipelineEvent, Resources, Secret, SecretValue } from '../../lib';
import { reposOverlap } from '../../lib/ci/repo-overlap';
import { find, refusal } from '../util';
import { platform } from './fixtures';

/** What a team name must be, as `addTeam` and `retireTeam` say it: both limits in one line. */
const TEAM_NAME_RULE = 'must be a team name: at most 40 lower-case letters, digits and "-", starting and ending with a letter or digit ' +
  '(it prefixes the team\'s namespaces, robots, secrets and runner policies)';
/** The same on Woodpecker, whose route agents are named after the team (`WoodpeckerCi.maxRouteName`). */
const WOODPECKER_TEAM_NAME_RULE = 'must be a team name: at most 25 lower-case letters, digits and "-", starting and ending with a letter or digit ' +
  '(it prefixes the team\'s namespaces, robots, secrets and runner policies, and names its woodpecker route\'s agents)';

describe('Team', () => {
  test('an app namespace: restricted, labelled, with a quota, container defaults and a default-deny policy', () => {
    const p = platform();
    p.teams.addTeam({ name: 'payments', repos: ['acme/payments-*'] });
    const objects = p.objects();
    const ns = find(objects, 'Namespace', 'payments');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'dockyard.dev/team': 'payments', 'dockyard.dev/team-namespace': 'app',
    });
    expect(find(objects, 'ResourceQuota', 'team-quota', 'payments').spec.hard).toEqual({
      'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi',
      'requests.storage': '50Gi', 'persistentvolumeclaims': '10', 'pods': '50', 'services.loadbalancers': '0', 'services.nodeports': '0',
      'services': '20', 'configmaps': '100', 'secrets': '200',
    });
    expect(find(objects, 'LimitRange', 'team-defaults', 'payments').spec.limits).toEqual([{
      type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' },
    }]);
    const policy = find(objects, 'NetworkPolicy', 'team-default-deny', 'payments');
    expect(policy.spec.podSelector).toEqual({ matchLabels: {} });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([{
      from: [
        { namespaceSelector: { matchLabels: { 'dockyard.dev/team': 'payments', 'dockyard.dev/team-namespace': 'app' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      ],
    }]);
  });

  test('limits are twice the requests in decimal notation', () => {
    const p = platform();
    p.teams.addTeam({ name: 'half', repos: ['acme/half'], quota: { cpu: '0.5', memory: '1.25Gi',
      containerDefaults: Resources.of({ cpuRequest: '10m', cpuLimit: '50m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) } });
    const hard = find(p.objects(), 'ResourceQuota', 'team-quota', 'half').spec.hard;
    expect([hard['limits.cpu'], hard['limits.memory']]).toEqual(['1', '2.5Gi']);
  });

  test('quota and container defaults follow the props, limits twice the requests in their own unit', () => {
    const p = platform();
    p.teams.addTeam({
      name: 'web', repos: ['acme/web'],
      quota: { cpu: '1500m', memory: '3Gi', pods: 12, storage: '5Gi', persistentVolumeClaims: 2, externalServices: 0, services: 5, configMaps: 30, secrets: 40,
        containerDefaults: Resources.of({ cpuRequest: '50m', cpuLimit: '250m', memoryRequest: '64Mi', memoryLimit: '256Mi' }) },
    });
    const objects = p.objects();
    expect(find(objects, 'ResourceQuota', 'team-quota', 'web').spec.hard).toEqual({
      'requests.cpu': '1500m', 'limits.cpu': '3000m', 'requests.memory': '3Gi', 'limits.memory': '6Gi',
      'requests.storage': '5Gi', 'persistentvolumeclaims': '2', 'pods': '12', 'services.loadbalancers': '0', 'services.nodeports': '0',
      'services': '5', 'configmaps': '30', 'secrets': '40',
    });
    expect(find(objects, 'LimitRange', 'team-defaults', 'web').spec.limits[0].defaultRequest).toEqual({ cpu: '50m', memory: '64Mi' });
  });

  test('the deploy identity lives in the build namespace and is bound in each app namespace', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'shop', repos: ['acme/shop'], namespaces: ['shop', 'shop-staging'] });
    const objects = p.objects();
    expect(team.buildNamespace).toBe('shop-builds');
    expect(team.deployer.targetNamespaces).toEqual(['shop', 'shop-staging']);
    expect(find(objects, 'ServiceAccount', 'deployer', 'shop-builds').imagePullSecrets).toEqual([{ name: 'shop-pull' }]);
    for (const ns of ['shop', 'shop-staging']) {
      expect(find(objects, 'RoleBinding', 'deployer', ns).subjects).toEqual([{ kind: 'ServiceAccount', name: 'deployer', namespace: 'shop-builds' }]);
    }
  });

  test('Harbor: a project with the storage quota, a push robot and a pull robot', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'data', repos: ['acme/data-*'], registryQuotaGiB: 5 });
    const states = p.objects().filter((o) => o.kind === 'ConfigMap' && o.data?.['config.json']).map((c) => JSON.parse(c.data['config.json']));
    const project = states.flatMap((s) => s.projects).find((x: any) => x.name === 'data');
    expect(project).toMatchObject({ name: 'data', storageLimit: 5 * 2 ** 30 });
    expect(team.pushRobot.username).toBe('robot$data-push');
    expect(team.pullRobot.username).toBe('robot$data-pull');
    const robots = states.flatMap((s) => s.robots ?? []);
    const permissions = (name: string) => robots.find((r: any) => r.name === name).permissions
      .map((x: any) => `${x.kind} ${x.namespace}: ${x.access.map((a: any) => `${a.resource}:${a.action}`).join(',')}`);
    expect(permissions('data-push')).toEqual(['project data: repository:pull,repository:push']);
    expect(permissions('data-pull')).toEqual(['project data: repository:pull', 'project dockerhub: repository:pull']);
  });

  test('addPipelineSecret names the Secret after the team and gives it to the team\'s repositories only', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'ml', repos: ['acme/ml-*', 'acme/models'] });
    const secret = team.addPipelineSecret('Token', { name: 'hf-token', values: { token: SecretValue.password(20) } });
    expect(secret.secretName).toBe('ml-hf-token');
    const rendered = p.app.synthYaml();
    expect(rendered).not.toContain('ml-hf-token\n  annotations'); // generated Secrets are not in the manifests
    expect((secret as Secret).annotations).toEqual({ 'X-Drone-Repos': 'acme/ml-*,acme/models', 'X-Drone-Events': 'push,tag,promote,rollback,cron,custom' });
  });

  test('fails: a pipeline secret name ending as a team\'s Harbor logins do, which another team\'s login would take', () => {
    const p = platform();
    const ops = p.teams.addTeam({ name: 'ops', repos: ['acme/ops'] });
    const values = { token: SecretValue.password(20) };
    expect(refusal(() => ops.addPipelineSecret('O', { name: 'eng-harbor-pull', values }))).toBe('invalid name "eng-harbor-pull": must not end in ' +
      '"-harbor-pull": "ops-eng-harbor-pull" is the name of the pull login of a team named "ops-eng"; choose another name (team "ops")');
    expect(refusal(() => ops.addPipelineSecret('P', { name: 'eng-harbor-push', values }))).toMatch(/^invalid name "eng-harbor-push": must not end in "-harbor-push": .* push login of a team named "ops-eng"/);
    // so that team can be added, and such names within a word are fine
    p.teams.addTeam({ name: 'ops-eng', repos: ['acme/ops-eng'] });
    expect(ops.addPipelineSecret('Q', { name: 'harbor-pulls', values }).secretName).toBe('ops-harbor-pulls');
  });

  test('apiServer lets each team\'s build namespace, and nothing else, reach the API server', () => {
    const p = platform({ apiServer: NetworkPeer.ipBlock('10.0.0.1/32'), apiServerPort: 6443 });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    const objects = p.objects();
    const rule = { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] };
    expect(find(objects, 'NetworkPolicy', 'drone-runner-builds', 'a-builds').spec.egress).toContainEqual(rule);
    expect(find(objects, 'NetworkPolicy', 'drone-runner-builds', 'ci-builds').spec.egress).not.toContainEqual(rule);
    expect(find(objects, 'NetworkPolicy', 'team-default-deny', 'a').spec.egress).not.toContainEqual(rule);
  });

  test('allowEgress opens one declared destination to the app pods', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'api', repos: ['acme/api'] });
    team.allowEgress(NetworkPeer.pods('ci', { 'app.kubernetes.io/name': 'postgres' }), [5432]);
    const egress = find(p.objects(), 'NetworkPolicy', 'team-default-deny', 'api').spec.egress;
    expect(egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  test('a dedicated runner: its own runner, limited to the team, whose build namespaces carry both label sets', () => {
    const p = platform();
    const team = p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    const objects = p.objects();
    expect(team.ci).not.toBe(p.ci);
    expect((team.ci as DroneCi).runner).not.toBe(p.runner);
    const deployment = find(objects, 'Deployment', 'drone-runner-infra', 'ci');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    // pull requests run in the team's pull-request namespace, its default (test/team/pull-request-namespace.test.ts)
    expect(env).toMatchObject({ DRONE_NAMESPACE_DEFAULT: 'infra-pull-requests', DRONE_RUNNER_LABELS: 'team:infra', DRONE_LIMIT_REPOS: 'acme/infra' });
    expect(find(objects, 'Namespace', 'infra-builds').metadata.labels).toMatchObject({
      'dockyard.dev/team': 'infra', 'dockyard.dev/team-namespace': 'build', 'dockyard.dev/drone-runner': 'drone-runner-infra',
    });
    expect((team.ci as DroneCi).buildNamespaces).toEqual(['infra-pull-requests', 'infra-builds']);
    expect(p.runner.buildNamespaces).not.toContain('infra-builds');
  });

  /** Add a team whose deploy identity has the permissions `make` makes (made in the test: some are refused at once). */
  const withPermissions = (make: () => DeployPermission[]) => () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], deployPermissions: make() });

  test.each<[string, () => void, string]>([
    ['a name that is no DNS label', () => platform().teams.addTeam({ name: 'Payments_Team', repos: ['acme/a'] }), `invalid name "Payments_Team": ${TEAM_NAME_RULE}`],
    ['a name over 40 characters', () => platform().teams.addTeam({ name: 'a'.repeat(41), repos: ['acme/a'] }), `invalid name "${'a'.repeat(41)}": ${TEAM_NAME_RULE}`],
    ['a name ending in "-"', () => platform().teams.addTeam({ name: 'payments-', repos: ['acme/a'] }), `invalid name "payments-": ${TEAM_NAME_RULE}`],
    // on Woodpecker the rule gives the engine's limit (its route agents' names: lib/woodpecker/routes.ts), so a name
    // told the rule once fits: "at most 40" would pass a name of 30 to the engine, which refused it in a second line
    ['a name that is no DNS label, on Woodpecker', () => platform({}, { engine: 'woodpecker' }).teams.addTeam({ name: 'Payments_Team', repos: ['acme/a'] }),
      `invalid name "Payments_Team": ${WOODPECKER_TEAM_NAME_RULE} (team "Payments_Team")`],
    ['a name over 25 characters, on Woodpecker', () => platform({}, { engine: 'woodpecker' }).teams.addTeam({ name: 'a'.repeat(26), repos: ['acme/a'] }),
      `invalid name "${'a'.repeat(26)}": ${WOODPECKER_TEAM_NAME_RULE} (team "${'a'.repeat(26)}")`],
    ['no repositories', () => platform().teams.addTeam({ name: 'a', repos: [] }), 'invalid repos'],
    ['a build namespace among the app namespaces', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], buildNamespace: 'a' }),
      'invalid buildNamespace "a": must not be one of the app namespaces'],
    ['a zero CPU quota', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { cpu: '0' } }), 'invalid quota.cpu "0": must be a Kubernetes quantity above zero'],
    ['a quota that is no quantity', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { memory: 'lots' } }), 'invalid quota.memory "lots"'],
    ['container defaults above the quota', () => platform().teams.addTeam({
      name: 'a', repos: ['acme/a'], quota: { cpu: '200m', containerDefaults: Resources.of({ cpuRequest: '250m', cpuLimit: '400m', memoryRequest: '64Mi', memoryLimit: '128Mi' }) },
    }), 'invalid quota.containerDefaults.cpuRequest "250m": must fit the namespace\'s quota of 200m'],
    ['a negative number of external Services', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { externalServices: -1 } }),
      'invalid quota.externalServices -1'],
    ['an absurd quota', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { memory: '1000000000000000Gi' } }),
      'invalid quota.memory "1000000000000000Gi": must be a Kubernetes quantity above zero'],
    ['a registry quota of 0', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], registryQuotaGiB: 0 }), 'invalid registryQuotaGiB 0'],
    ['a registry quota over Harbor\'s 1024 TB', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], registryQuotaGiB: 2 ** 20 + 1 }),
      'invalid registryQuotaGiB 1048577: must be an integer from 1 to 1048576'],
    ['egress without ports', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'] }).allowEgress(NetworkPeer.namespace('x'), []), 'invalid ports []'],
    ['a port out of range', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'] }).allowEgress(NetworkPeer.namespace('x'), [70000]),
      'invalid ports 70000: must be an integer from 1 to 65535'],
    ['a port twice', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'] }).allowEgress(NetworkPeer.namespace('x'), [5432, 5432]),
      'invalid ports'],
    ['a shared project twice', () => platform({ sharedProjects: ['dockerhub', 'dockerhub'] }), 'invalid sharedProjects'],
    // named as the platform's prop, not as the permissions of the pull robot it is granted to (a bad-input trial)
    ['a shared project Harbor lacks', () => platform({ sharedProjects: ['dockerhub', 'Tools '] }).teams.addTeam({ name: 'a', repos: ['acme/a'] }),
      'invalid sharedProjects "Tools ": must name "library" or a project added to this Harbor with addProject or addProxyCache before addTeam (team "a")'],
    ['the namespace "default"', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], namespaces: ['default'] }),
      'invalid namespaces "default": must be a namespace of the team\'s own, not "default", a "kube-" system namespace'],
    ['a kube- namespace as build namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], buildNamespace: 'kube-system' }),
      'invalid buildNamespace "kube-system"'],
    ['the ingress controller\'s namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], namespaces: ['ingress-nginx'] }),
      'invalid namespaces "ingress-nginx"'],
    ['a namespace the platform defines', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], namespaces: ['ci'] }),
      'invalid namespaces "ci": must be a namespace of the team\'s own: the platform (or another construct of the app) defines it already'],
    ['the runner\'s build namespace', () => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], buildNamespace: 'ci-builds' }),
      'invalid buildNamespace "ci-builds": must be a namespace of the team\'s own'],
    ['an API server that is not a NetworkPeer (from JavaScript)', () => platform({ apiServer: '10.0.0.1/32' as any }),
      'invalid apiServer "10.0.0.1/32": must be a NetworkPeer.ipBlock of the API server\'s endpoints (kubectl -n default get endpointslice kubernetes), e.g. NetworkPeer.ipBlock("10.0.0.1/32")'],
    ['a deploy identity that may relabel its namespace', withPermissions(() => [DeployPermission.manage('', ['configmaps', 'namespaces'])]), 'invalid resources ["configmaps","namespaces"]: must not include namespaces: they let their holder escalate its own privileges'],
    ['a deploy identity that may lift its quota', withPermissions(() => [DeployPermission.manage('', ['resourcequotas'])]), 'invalid deployPermissions "/resourcequotas": must not change /resourcequotas, /limitranges, networking.k8s.io/networkpolicies'],
    ['a deploy identity that may drop its NetworkPolicies', withPermissions(() => [DeployPermission.manage('networking.k8s.io', ['networkpolicies'])]), 'invalid deployPermissions "networking.k8s.io/networkpolicies"'],
    // subresources go with their resource: quota admission enforces a ResourceQuota's status.hard
    ['a deploy identity that may write its quota\'s status', withPermissions(() => [DeployPermission.manage('', ['configmaps', 'resourcequotas/status'])]), 'invalid deployPermissions "/resourcequotas/status": must not change /resourcequotas, /limitranges, networking.k8s.io/networkpolicies, '
      + 'cilium.io/ciliumnetworkpolicies, cilium.io/ciliumlocalredirectpolicies, cilium.io/ciliumenvoyconfigs, '
      + 'crd.projectcalico.org/networkpolicies, projectcalico.org/networkpolicies, crd.antrea.io/networkpolicies, or their subresources (reading them is allowed): '
      + 'they hold the team\'s isolation and quota'],
    ['a deploy identity that may write a NetworkPolicy\'s status', withPermissions(() => [DeployPermission.manage('networking.k8s.io', ['networkpolicies/status'])]), 'invalid deployPermissions "networking.k8s.io/networkpolicies/status"'],
    // a custom grant of one write verb is refused as manage() is: create alone adds an allow-all NetworkPolicy beside
    // team-default-deny, deletecollection alone empties the namespace's LimitRanges (team-defaults)
    ['a deploy identity that may only create NetworkPolicies', withPermissions(() => [DeployPermission.allow('networking.k8s.io', ['networkpolicies'], ['create'])]),
      'invalid deployPermissions "networking.k8s.io/networkpolicies": must not change'],
    ['a deploy identity that may only delete its LimitRanges', withPermissions(() => [DeployPermission.allow('', ['limitranges'], ['list', 'deletecollection'])]),
      'invalid deployPermissions "/limitranges": must not change'],
    ['a deploy identity that may only patch its quota', withPermissions(() => [DeployPermission.allow('', ['configmaps', 'resourcequotas'], ['get', 'patch'])]),
      'invalid deployPermissions "/resourcequotas": must not change'],
    // the CNIs' own policies add allow rules beside the team's default deny
    ['a deploy identity that may add Cilium policies', withPermissions(() => [DeployPermission.manage('cilium.io', ['ciliumnetworkpolicies'])]), 'invalid deployPermissions "cilium.io/ciliumnetworkpolicies"'],
    ['a deploy identity that may add Calico policies (CRDs)', withPermissions(() => [DeployPermission.manage('crd.projectcalico.org', ['networkpolicies'])]), 'invalid deployPermissions "crd.projectcalico.org/networkpolicies"'],
    ['a deploy identity that may add Calico policies (API server)', withPermissions(() => [DeployPermission.read('apps', ['deployments']), DeployPermission.manage('projectcalico.org', ['networkpolicies'])]), 'invalid deployPermissions "projectcalico.org/networkpolicies"'],
    // Antrea's tiers are enforced before NetworkPolicies (antrea docs/antrea-network-policy.md); a local redirect
    // policy sends every pod's traffic for an address to the team's pods (cilium Documentation/network/kubernetes/local-redirect-policy.rst)
    ['a deploy identity that may add Antrea policies', withPermissions(() => [DeployPermission.manage('crd.antrea.io', ['networkpolicies'])]), 'invalid deployPermissions "crd.antrea.io/networkpolicies"'],
    ['a deploy identity that may redirect others\' traffic (Cilium)', withPermissions(() => [DeployPermission.manage('cilium.io', ['ciliumlocalredirectpolicies'])]), 'invalid deployPermissions "cilium.io/ciliumlocalredirectpolicies"'],
    ['a deploy identity that may add Envoy configurations (Cilium)', withPermissions(() => [DeployPermission.manage('cilium.io', ['ciliumenvoyconfigs'])]), 'invalid deployPermissions "cilium.io/ciliumenvoyconfigs"'],
    // a wildcard is refused where the permission is made: the team is never started
    ['a deploy identity with a wildcard API group', withPermissions(() => [DeployPermission.manage('*', ['deployments'])]), 'invalid apiGroup "*": must name one API group'],
  ])('refuses %s', (_what, act, message) => {
    expect(act).toThrow(message);
  });

  test('the default deploy permissions stay inside the team\'s boundaries (a team taking them skips the check)', () => {
    // given explicitly, they go through checkTeamBoundaries: the team is added, with exactly those rules
    const p = platform();
    p.teams.addTeam({ name: 'a', repos: ['acme/a'], deployPermissions: [...DeployAccess.DEFAULT_PERMISSIONS] });
    expect(find(p.objects(), 'Role', 'deployer', 'a').rules).toEqual(DeployAccess.DEFAULT_PERMISSIONS.map((d) => ({
      apiGroups: [d.apiGroup], resources: d.resources, verbs: d.verbs,
    })));
    expect(DeployAccess.DEFAULT_PERMISSIONS.length).toBeGreaterThan(0);
  });

  test('refuses a second team of the same name, and a namespace of another team, naming it', () => {
    const p = platform();
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    expect(() => p.teams.addTeam({ name: 'a', repos: ['acme/b'] })).toThrow('invalid name "a": must be unique among the teams');
    expect(() => p.teams.addTeam({ name: 'b', repos: ['acme/b'], namespaces: ['a-builds'] }))
      .toThrow('invalid namespaces "a-builds": must belong to one team: it is already "a"\'s');
  });

  test('teams keep their objects when another is added: construct IDs are the team names', () => {
    const names = (teams: string[]) => {
      const p = platform();
      teams.forEach((name) => p.teams.addTeam({ name, repos: [`acme/${name}`] }));
      return p.objects().filter((o) => o.metadata.namespace === 'b').map((o) => JSON.stringify(o)).sort();
    };
    expect(names(['a', 'b'])).toEqual(names(['b', 'a', 'c']));
  });
});

describe('repositories belong to one team', () => {
  test.each<[string, string, boolean]>([
    ['acme/pay', 'acme/pay', true],
    ['acme/pay', 'ACME/Pay', true], // the secrets extension matches case-insensitively
    ['acme/pay-*', 'acme/pay-ops-api', true],
    ['acme/pay-*', 'acme/pay-ops-*', true], // the README's own naming: team pay would take team pay-ops's repositories
    ['acme/pay-*', 'acme/payroll', false],
    ['acme/web-*', 'acme/api-*', false],
    ['acme/*-api', 'acme/*-web', false],
    ['acme/*', 'other/*', false],
    ['acme/a?', 'acme/ab', true],
    ['acme/[ab]x', 'acme/bx', true],
    ['acme/[ab]x', 'acme/cx', false],
    // GitLab subgroups: a wildcard never crosses "/" (drone-kubernetes-secrets plugin/match.go:12-24, Go's path.Match;
    // the runner's doublestar likewise, its whole-part "**" refused), so patterns of different depths never overlap
    ['acme/*', 'acme/platform/*', false],
    ['acme/*', 'acme/platform/api', false],
    ['acme/platform/*', 'acme/platform/api', true],
    ['acme/platform/*', 'Acme/Platform/API', true],
    ['acme/*/api', 'acme/platform/*', true],
    ['acme/p*/api', 'acme/q*/api', false],
    ['acme/platform/*-api', 'acme/platform/*-web', false],
    ['acme/platform/*', 'acme/platform/tools/*', false],
  ])('%s and %s overlap: %s', (a, b, overlap) => {
    expect(reposOverlap(a, b)).toBe(overlap);
    expect(reposOverlap(b, a)).toBe(overlap);
  });

  test('a team whose repositories can match another team\'s is refused, naming both', () => {
    const p = platform();
    p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
    expect(() => p.teams.addTeam({ name: 'pay-ops', repos: ['acme/pay-ops-*'] }))
      .toThrow('invalid repos "acme/pay-ops-*": must not overlap another team\'s repositories: it can match the same repository as "acme/pay-*" of team "pay"');
    expect(() => p.teams.addTeam({ name: 'any', repos: ['*/pay'] })).toThrow('invalid repos "*/pay": must name its owner literally');
    p.teams.addTeam({ name: 'payroll', repos: ['acme/payroll', 'acme/payroll-*'] });
  });

  test('on Woodpecker, teams own a GitLab subgroup\'s projects by their whole path', () => {
    // woodpecker v3.17.0 server/forge/gitlab/convert.go:61-69: the full name is GitLab's path_with_namespace, which a
    // route's agent label must equal (server/scheduler/filter.go:61-70). Drone runs no such project (test/drone/gitlab-subgroups.test.ts)
    const p = platform({}, { engine: 'woodpecker', forge: 'gitlab' });
    p.teams.addTeam({ name: 'web', repos: ['acme/web'] });
    const platformTeam = p.teams.addTeam({ name: 'platform', repos: ['acme/platform/api'] });
    expect(platformTeam.repos).toEqual(['acme/platform/api']);
    expect(() => p.teams.addTeam({ name: 'api', repos: ['acme/platform/api'] })).toThrow('invalid repos "acme/platform/api": must not overlap ' +
      'another team\'s repositories: it can match the same repository as "acme/platform/api" of team "platform"');
    expect(p.ci.grants.routesFor('acme/platform/api', PipelineEvent.PUSH).map((r) => r.name)).toEqual(['platform']);
    expect(p.ci.grants.routesFor('acme/web', PipelineEvent.PUSH).map((r) => r.name)).toEqual(['web']);
  });

  test('a team whose repositories can match the platform\'s own route is refused, naming the route: the route\'s policy would come first', () => {
    const p = platform();
    p.ci.addBuildNamespace('publish');
    p.ci.addRoute({ name: 'demo-build', repos: ['acme/demo'], namespace: 'publish' });
    for (const repo of ['acme/demo', 'acme/*', 'acme/de?o', 'Acme/Demo']) {
      expect(() => p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*', repo] })).toThrow(new Error(
        `invalid repos ${JSON.stringify(repo)}: must not overlap the platform's own grants: team "pay"'s pattern can match the same repository as ` +
        '"acme/demo" of the route "demo-build", which would apply to the team\'s repositories too; narrow one of them'));
    }
    // a refused team leaves its name free, and patterns the route's cannot meet pass
    expect(p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*', 'acme/demo-*', 'other/demo'] }).repos).toEqual(['acme/pay-*', 'acme/demo-*', 'other/demo']);
  });

  test.each<[string, (p: ReturnType<typeof platform>) => void, string]>([
    ['pipeline secret', (p) => p.ci.addPipelineSecret('Push', { name: 'harbor-push', repos: ['acme/*'], values: { token: SecretValue.input('PUSH', 'a login') } }),
      'pipeline secret "harbor-push"'],
    ['pull secret', (p) => p.ci.addImagePullSecret('Pull', { name: 'harbor-pull', repos: ['acme/*'], dockerConfig: SecretValue.input('PULL', 'a login') }),
      'pull secret "harbor-pull"'],
  ])('a team whose repositories can match the platform\'s own %s is refused: the secret would reach them', (_, grant, named) => {
    const p = platform();
    grant(p);
    expect(() => p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] })).toThrow(new Error(
      `invalid repos "acme/pay-*": must not overlap the platform's own grants: team "pay"'s pattern can match the same repository as "acme/*" of the ${named}, ` +
      'which would apply to the team\'s repositories too; narrow one of them'));
    p.teams.addTeam({ name: 'pay', repos: ['other/pay-*'] });
  });

  test('the teams\' own grants are no platform grant: teams apart from one another are accepted, secrets added later included', () => {
    const p = platform();
    const pay = p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
    pay.addPipelineSecret('Sentry', { name: 'sentry', values: { token: SecretValue.input('SENTRY', 'a token') } });
    p.teams.addTeam({ name: 'web', repos: ['acme/web-*'] });
    // the first team's grants are found as its repositories are: by the team check, which names the team
    expect(() => p.teams.addTeam({ name: 'pay-ops', repos: ['acme/pay-ops'] })).toThrow('must not overlap another team\'s repositories');
    // a grant narrowed since (Woodpecker records pull secrets again) counts as it stands
    p.ci.grants.addPullSecret('wide', { repos: ['other/*'] });
    p.ci.grants.addPullSecret('wide', { repos: ['other/tools'] });
    p.teams.addTeam({ name: 'other', repos: ['other/app-*'] });
    expect(() => p.teams.addTeam({ name: 'tools', repos: ['other/tools'] })).toThrow('as "other/tools" of the pull secret "wide"');
  });

  test.each<[string, (p: ReturnType<typeof platform>) => void, string]>([
    ['pipeline secret', (p) => p.ci.addPipelineSecret('Push', { name: 'harbor-push', repos: ['acme/*'], values: { token: SecretValue.input('PUSH', 'a login') } }),
      'pipeline secret "harbor-push"'],
    ['route', (p) => { p.ci.addBuildNamespace('publish'); p.ci.addRoute({ name: 'demo-build', repos: ['acme/pay-api'], namespace: 'publish' }); },
      'route "demo-build"'],
  ])('a %s of the platform\'s made after a team it overlaps is refused at synth', (_, grant, named) => {
    const p = platform();
    p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
    p.teams.addTeam({ name: 'web', repos: ['other/web'] });
    grant(p);
    const repo = named.startsWith('route') ? 'acme/pay-api' : 'acme/*';
    expect(() => p.objects()).toThrow(new Error(`invalid repos ${JSON.stringify(repo)}: of the ${named} must not overlap the repositories of team "pay": ` +
      'it can match the same repository as "acme/pay-*", so it would apply to the team\'s repositories too; narrow one of them'));
  });

  test('a platform grant that lists exactly a team\'s repositories is still the platform\'s: refused at synth', () => {
    const p = platform();
    const pay = p.teams.addTeam({ name: 'pay', repos: ['acme/a', 'acme/b'] });
    pay.addPipelineSecret('Sentry', { name: 'sentry', values: { token: SecretValue.input('SENTRY', 'a token') } });
    p.ci.addPipelineSecret('Push', { name: 'harbor-push', repos: [...pay.repos], values: { token: SecretValue.input('PUSH', 'a login') } });
    expect(() => p.objects()).toThrow('invalid repos "acme/a": of the pipeline secret "harbor-push" must not overlap the repositories of team "pay"');
  });

  test('a platform grant made after the teams, apart from them, synthesizes', () => {
    const p = platform();
    p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
    p.ci.addPipelineSecret('Push', { name: 'harbor-push', repos: ['acme/demo'], values: { token: SecretValue.input('PUSH', 'a login') } });
    expect(p.objects().length).toBeGreaterThan(10);
  });

  test('on Woodpecker too', () => {
    const p = platform({}, { engine: 'woodpecker' });
    p.ci.addBuildNamespace('publish');
    p.ci.addRoute({ name: 'demo-build', repos: ['acme/demo'], events: [PipelineEvent.PUSH], namespace: 'publish' });
    expect(() => p.teams.addTeam({ name: 'demo', repos: ['acme/demo'] })).toThrow('as "acme/demo" of the route "demo-build"');
  });
});

describe('the team quota names resources the API server counts', () => {
  // kubernetes/kubernetes pkg/apis/core/types.go: ResourceRequestsCPU "requests.cpu", ResourceLimitsCPU "limits.cpu",
  // ResourceRequestsMemory "requests.memory", ResourceLimitsMemory "limits.memory", ResourceRequestsStorage
  // "requests.storage", ResourcePersistentVolumeClaims "persistentvolumeclaims", ResourcePods "pods",
  // ResourceServicesLoadBalancers "services.loadbalancers", ResourceServicesNodePorts "services.nodeports",
  // ResourceServices "services", ResourceConfigMaps "configmaps", ResourceSecrets "secrets" (object counts, which
  // the quota controller's core evaluators count: pkg/quota/v1/evaluator/core/registry.go and the generic object
  // count evaluators of pkg/quota/v1/install). A misspelt key is accepted by the schema and limits nothing, so every
  // key must be one of these.
  const STANDARD_QUOTA_RESOURCES = [
    'requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory', 'requests.storage', 'persistentvolumeclaims', 'pods',
    'services.loadbalancers', 'services.nodeports', 'services', 'configmaps', 'secrets',
  ];

  test('every key of the ResourceQuota is a standard quota resource', () => {
    const p = platform();
    p.teams.addTeam({ name: 'q', repos: ['acme/q'] });
    const hard = find(p.objects(), 'ResourceQuota', 'team-quota', 'q').spec.hard;
    expect(Object.keys(hard).filter((k) => !STANDARD_QUOTA_RESOURCES.includes(k))).toEqual([]);
    expect(Object.keys(hard).length).toBe(STANDARD_QUOTA_RESOURCES.length);
  });
});
