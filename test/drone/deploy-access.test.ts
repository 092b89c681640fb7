import { DeployAccess, DeployPermission, Secret, SecretValue } from '../../lib';
import { find, synth, testChart } from '../util';

describe('DeployAccess', () => {
  test('binds a namespaced Role to a ServiceAccount, never cluster-wide and never Secrets by default', () => {
    const chart = testChart('ci');
    const access = new DeployAccess(chart, 'Deploy', { namespace: 'app-prod', serviceAccountNamespace: 'deploys' });
    expect(access.serviceAccountName).toBe('deployer');
    expect(access.serviceAccountNamespace).toBe('deploys');
    const objects = synth(chart);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`))
      .toEqual(['ServiceAccount deploys/deployer', 'Role app-prod/deployer', 'RoleBinding app-prod/deployer']);
    const role = find(objects, 'Role', 'deployer');
    const resources = role.rules.flatMap((r: any) => r.resources);
    expect(resources).toEqual(expect.arrayContaining(['deployments', 'services', 'configmaps', 'pods/log']));
    expect(resources).not.toContain('secrets');
    expect(role.rules.find((r: any) => r.resources.includes('pods')).verbs).toEqual(['get', 'list', 'watch']);
    expect(find(objects, 'RoleBinding', 'deployer').subjects).toEqual([{ kind: 'ServiceAccount', name: 'deployer', namespace: 'deploys' }]);
    expect(find(objects, 'ServiceAccount', 'deployer').automountServiceAccountToken).toBe(true);
  });

  // what kubectl apply, rollout status, scale and helm --wait need of a typical app (test/drone/deploy-tools.test.ts
  // runs their requests against these rules): each rule as rendered, in order
  test('renders the default rules: the app\'s kinds managed, scales patched, ReplicaSets, pods, logs and events read', () => {
    const chart = testChart('ci');
    new DeployAccess(chart, 'Deploy', { namespace: 'app-prod' });
    const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    expect(find(synth(chart), 'Role', 'deployer').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: all },
      { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: [''], resources: ['services', 'configmaps'], verbs: all },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: all },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: all },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: all },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: all },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: all },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: all },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('pulls with the pull secrets it is given: Kubernetes adds only the ServiceAccount\'s own to its pods', () => {
    const chart = testChart('ci');
    const pull = new Secret(chart, 'Pull', { name: 'registry-credentials', type: 'kubernetes.io/dockerconfigjson', values: { '.dockerconfigjson': SecretValue.hex(16) } });
    const other = new Secret(chart, 'Other', { name: 'other-registry', type: 'kubernetes.io/dockerconfigjson', values: { '.dockerconfigjson': SecretValue.hex(16) } });
    const access = new DeployAccess(chart, 'Deploy', { namespace: 'app-prod', serviceAccountNamespace: 'deploys', imagePullSecrets: [pull] });
    access.addImagePullSecret(other);
    access.addImagePullSecret(pull);
    expect(find(synth(chart), 'ServiceAccount', 'deployer').imagePullSecrets).toEqual([{ name: 'other-registry' }, { name: 'registry-credentials' }]);
    const bare = testChart('ci');
    new DeployAccess(bare, 'Deploy', { namespace: 'app-prod' });
    expect(find(synth(bare), 'ServiceAccount', 'deployer').imagePullSecrets).toBeUndefined();
  });

  test('grants exactly the permissions given', () => {
    const chart = testChart('ci');
    new DeployAccess(chart, 'Deploy', { namespace: 'web', name: 'web-deployer', permissions: [DeployPermission.manage('', ['secrets'])] });
    expect(find(synth(chart), 'Role', 'web-deployer').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    ]);
  });

  test('fails on escalating, wildcard or empty grants', () => {
    const chart = testChart('ci');
    expect(() => DeployPermission.manage('rbac.authorization.k8s.io', ['roles']))
      .toThrow('invalid resources ["roles"]: must not include roles: they let their holder escalate its own privileges');
    expect(() => DeployPermission.manage('', ['pods/exec'])).toThrow(/must not include pods\/exec/);
    expect(() => DeployPermission.read('', ['serviceaccounts/token'])).toThrow(/must not include serviceaccounts\/token/);
    // a Role in namespace X that grants namespaces can change X itself (k8s.io/apiserver requestinfo.go)
    expect(() => DeployPermission.manage('', ['namespaces'])).toThrow('invalid resources ["namespaces"]: must not include namespaces');
    // refused where it is given, so a Team that takes it is refused before it defines anything
    expect(() => DeployPermission.read('apps', ['*'])).toThrow(
      'invalid resources ["*"]: must not include *: a wildcard grants every resource of the group: name each one');
    expect(() => DeployPermission.manage('*', ['deployments'])).toThrow(
      'invalid apiGroup "*": must name one API group ("" for the core group): a wildcard grants every group, RBAC\'s included');
    expect(() => new DeployAccess(chart, 'E', { namespace: 'y', permissions: [] })).toThrow('invalid permissions []: must grant at least one permission');
    expect(() => new DeployAccess(chart, 'N', { namespace: 'Prod' })).toThrow(/invalid namespace "Prod"/);
  });

  // RBAC reads `*/<subresource>` as that subresource of every resource: kubernetes/kubernetes
  // pkg/apis/rbac/v1/evaluation_helpers.go@03bf11a309fd1369f5c2dc7f3b31d63a97a14d66 lines 57-83 (`ResourceMatches`)
  test.each(['*/exec', '*/attach', '*/portforward', '*/token', '*/ephemeralcontainers'])('refuses %s: a subresource of every resource', (resource) => {
    expect(() => DeployPermission.manage('', [resource])).toThrow(
      `invalid resources ["${resource}"]: must not include ${resource}: RBAC reads ${resource} as that subresource of every resource (*/exec is pods/exec): name the resource`);
    expect(() => DeployPermission.read('apps', ['deployments', resource])).toThrow(`must not include ${resource}: RBAC reads`);
  });

  test('refuses ephemeral containers (exec by another name), and Endpoints and EndpointSlices (CVE-2021-25740)', () => {
    expect(() => DeployPermission.manage('', ['pods', 'pods/ephemeralcontainers'])).toThrow(
      'invalid resources ["pods","pods/ephemeralcontainers"]: must not include pods/ephemeralcontainers: they run commands in any pod of the namespace, as pods/exec does');
    const redirects = 'they point a Service at any address, another team\'s pods or 169.254.169.254 included, and the ingress controller forwards there (CVE-2021-25740)';
    expect(() => DeployPermission.manage('', ['services', 'endpoints'])).toThrow(
      `invalid resources ["services","endpoints"]: must not include endpoints: ${redirects}`);
    expect(() => DeployPermission.manage('discovery.k8s.io', ['endpointslices'])).toThrow(
      `invalid resources ["endpointslices"]: must not include endpointslices: ${redirects}`);
    // several reasons: each once, in order
    expect(() => DeployPermission.manage('', ['endpoints', 'pods/exec', '*/token'])).toThrow(
      `must not include endpoints, pods/exec, */token: ${redirects}; they let their holder escalate its own privileges; RBAC reads */token`);
  });

  // a subresource of the namespace is a request in that namespace too, and the status strategy keeps the labels the
  // update writes: kubernetes/kubernetes pkg/registry/core/namespace/strategy.go (`namespaceStatusStrategy.
  // PrepareForUpdate` resets only the spec), so namespaces/status would let a deploy lower its Pod Security level
  test.each(['namespaces/status', 'namespaces/finalize', 'serviceaccounts/token', 'serviceaccounts/status', 'serviceaccounts/anything'])('refuses %s', (resource) => {
    expect(() => DeployPermission.manage('', [resource])).toThrow(
      `invalid resources ["${resource}"]: must not include ${resource}: they let their holder escalate its own privileges`);
  });

  // an account is an app's object (helm create renders one): it grants nothing unbound, and a pod that runs as the
  // namespace's default account holds what every account of the namespace holds; its token subresource (TokenRequest,
  // a credential outside any pod) stays refused, above
  test('ServiceAccounts themselves are let through, without any subresource', () => {
    expect(DeployPermission.manage('', ['serviceaccounts'])._toRule())
      .toEqual({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] });
    expect(() => DeployPermission.manage('', ['serviceaccounts', 'serviceaccounts/token'])).toThrow(
      'invalid resources ["serviceaccounts","serviceaccounts/token"]: must not include serviceaccounts/token: they let their holder escalate its own privileges');
    expect(() => DeployPermission.allow('', ['serviceaccounts/token'], ['create'])).toThrow(/must not include serviceaccounts\/token/);
  });

  test('a subresource of a resource refused alone is let through', () => {
    // pods are readable (the defaults), only pods/exec and its kind are refused; a status may be read, not written
    expect(DeployPermission.read('', ['pods', 'pods/log', 'pods/status']).resources).toEqual(['pods', 'pods/log', 'pods/status']);
  });

  // a pod's status holds its addresses, which EndpointSlices and the API server's pod proxy send traffic to (the status
  // strategy keeps only the status: kubernetes/kubernetes pkg/registry/core/pod/strategy.go, `podStatusStrategy.
  // PrepareForUpdate`, `ResourceLocation`); a Service's holds its load balancer's, which kube-proxy captures in the
  // cluster (CVE-2020-8554); the proxies send requests from the API server's own network position; a binding places
  // a pod on a node of its choosing (pkg/registry/core/pod/storage/storage.go, `BindingREST`)
  test.each<[string, string, string]>([
    ['pods/status', 'they rewrite the addresses that Services, kube-proxy or the API server\'s proxy send traffic to (CVE-2020-8554)', 'manage'],
    ['services/status', 'they rewrite the addresses that Services, kube-proxy or the API server\'s proxy send traffic to (CVE-2020-8554)', 'manage'],
    ['pods/proxy', 'the API server sends their requests from its own network position, past every NetworkPolicy', 'read'],
    ['services/proxy', 'the API server sends their requests from its own network position, past every NetworkPolicy', 'read'],
    ['pods/binding', 'they place pods on nodes of their choosing, past the scheduler\'s rules', 'manage'],
    ['bindings', 'they place pods on nodes of their choosing, past the scheduler\'s rules', 'manage'],
  ])('refuses %s', (resource, reason, how) => {
    const make = how === 'read' ? DeployPermission.read : DeployPermission.manage;
    expect(() => make('', [resource])).toThrow(`invalid resources ["${resource}"]: must not include ${resource}: ${reason}`);
  });

  test('allow grants exactly the verbs given, of the API\'s resources only, with the same refusals', () => {
    expect(DeployPermission.allow('apps', ['deployments'], ['get', 'patch'])._toRule()).toEqual({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] });
    expect(DeployPermission.allow('apps', ['deployments'], ['get', 'patch']).writes).toBe(true);
    expect(DeployPermission.allow('', ['pods'], ['get', 'list']).writes).toBe(false);
    expect(() => DeployPermission.allow('', ['pods'], ['get', 'escalate', '*'])).toThrow(
      'invalid verbs ["get","escalate","*"]: must name only verbs of resources, get, list, watch, create, update, patch, delete, deletecollection: not escalate, *');
    expect(() => DeployPermission.allow('', ['pods'], [])).toThrow('invalid verbs []: must not be empty');
    expect(() => DeployPermission.allow('', ['pods/exec'], ['create'])).toThrow('must not include pods/exec: they let their holder escalate its own privileges');
    expect(() => DeployPermission.allow('', ['pods/status'], ['patch'])).toThrow('must not include pods/status');
    expect(DeployPermission.allow('', ['pods/status'], ['get']).resources).toEqual(['pods/status']);
  });

  // RBAC compares names literally, and the API spells them in lower case: a mixed-case name grants nothing, and would
  // pass the checks above unseen (Pods/Exec)
  test('refuses names RBAC would never match', () => {
    expect(() => DeployPermission.manage('', ['Pods/Exec'])).toThrow(
      'invalid resources ["Pods/Exec"]: must not include Pods/Exec: RBAC names a resource in lower case, as the API does, e.g. deployments or pods/log');
    expect(() => DeployPermission.manage('Rbac.Authorization.K8s.Io', ['roles'])).toThrow(
      'invalid apiGroup "Rbac.Authorization.K8s.Io": must be an API group as the API names it, in lower case, e.g. "apps" or "networking.k8s.io" ("" for the core group)');
    expect(() => DeployPermission.read('', [42 as any])).toThrow('must not include 42: a resource is named by a string, e.g. "deployments"');
  });

  // an API group is a DNS-1123 subdomain (apimachinery IsDNS1123Subdomain): labels of at most 63 characters, 253 in all
  test('refuses an API group longer than a DNS subdomain, and keeps "" for the core group', () => {
    const label = 'a'.repeat(63);
    const group = [label, label, label, 'a'.repeat(61)].join('.');
    expect(group.length).toBe(253);
    expect(DeployPermission.read(group, ['widgets']).apiGroup).toBe(group);
    expect(DeployPermission.read('', ['pods']).apiGroup).toBe('');
    expect(() => DeployPermission.read(`${group}a`, ['widgets'])).toThrow(/^invalid apiGroup "a{63}\.…" \(254 characters\): must be an API group /);
    expect(() => DeployPermission.read(`${'a'.repeat(64)}.example.com`, ['widgets'])).toThrow(
      `invalid apiGroup "${'a'.repeat(64)}.example.com": must be an API group as the API names it, in lower case, e.g. "apps" or "networking.k8s.io" ("" for the core group)`);
    expect(() => DeployPermission.read('apps.', ['deployments'])).toThrow(/^invalid apiGroup "apps\.": /);
    expect(() => DeployPermission.read(7 as any, ['deployments'])).toThrow(/^invalid apiGroup 7: /);
  });

  test('the default permissions grant none of the refused resources', () => {
    const granted = DeployAccess.DEFAULT_PERMISSIONS.flatMap((p) => p.resources.map((r) => `${p.apiGroup}/${r}`));
    expect(granted).toEqual(expect.arrayContaining(['apps/deployments', '/services', '/pods/log']));
    for (const refused of ['/pods/exec', '/pods/attach', '/pods/portforward', '/pods/ephemeralcontainers', '/serviceaccounts/token',
      '/endpoints', 'discovery.k8s.io/endpointslices', '/namespaces', '/secrets']) {
      expect(granted).not.toContain(refused);
    }
    expect(granted.filter((r) => r.split('/')[1] === '*' || r.includes('/*/'))).toEqual([]);
  });
});
