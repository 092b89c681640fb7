// TeamPlatform's admission policy: a ValidatingAdmissionPolicy refusing Services of type ExternalName and Services
// with externalIPs in every team namespace.
//
// Upstream behaviour encoded here:
// - The API server evaluates each `validations[].expression` as CEL against the admitted object and, with the binding's
//   `validationActions: [Deny]`, refuses the request when one is false; an evaluation error follows `failurePolicy`
//   (Kubernetes 1.36 OpenAPI, io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicySpec `validations`,
//   `failurePolicy`; ValidatingAdmissionPolicyBindingSpec `validationActions`). The expressions are evaluated with
//   @bufbuild/cel, an implementation of the CEL specification that Kubernetes' cel-go implements too.
// - The binding applies to a namespaced object when its namespace matches `matchResources.namespaceSelector`
//   (MatchResources `namespaceSelector`), with label-selector semantics (test/policy/checks/selectors.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import {
  TEAM_PLATFORM_OBJECT_CHECKS, TEAM_PLATFORM_OBJECTS_POLICY, TEAM_DEPLOYER, TEAM_SECRET_CHECKS, TEAM_SECRET_POLICY, TEAM_INGRESS_CHECKS, TEAM_INGRESS_HOST_CHECKS, TEAM_INGRESS_HOSTS_POLICY, TEAM_INGRESS_POLICY, TEAM_LABEL, TEAM_ROUTE_HOST_CHECKS, TEAM_ROUTE_HOSTS_POLICY, TEAM_SERVICE_CHECKS,
  TEAM_SERVICE_POLICY, LocalSecretStore, ServiceExposure, TeamAdmissionPolicy, TeamPlatform,
} from '../../lib';
import { validateSchema } from '../policy/checks';
import { admits } from '../policy/checks/admission';
import { EXAMPLE_STACKS } from '../stacks';
import { selects } from '../policy/checks/selectors';
import { find, refusal, synth, testChart } from '../util';
import { platform } from './fixtures';

const service = (spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'pay' }, spec });

describe('TeamPlatform admissionPolicy: Services', () => {
  const p = platform({ admissionPolicy: {} });
  const pay = p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'], namespaces: ['pay', 'pay-staging'] });
  const objects = p.objects();
  // the generated Secrets, as the local store renders them: the team's pull secrets among them
  const generated = parseAllDocuments(new LocalSecretStore({ statePath: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'admission-')), 'state.json') })
    .render(p.app)).map((d) => d.toJS());
  const policy = find(objects, 'ValidatingAdmissionPolicy', TEAM_SERVICE_POLICY);
  const binding = find(objects, 'ValidatingAdmissionPolicyBinding', TEAM_SERVICE_POLICY);

  test('renders the policy and its binding, cluster-scoped, valid against Kubernetes 1.36', () => {
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }]);
    expect(policy.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_SERVICE_CHECKS.map((c) => c.expression));
    expect(binding.spec).toEqual({
      policyName: TEAM_SERVICE_POLICY, validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: 'Exists' }] } },
    });
    expect(validateSchema([policy, binding], '1.36.0')).toEqual([]);
    // the check can fail: 1.27 serves no admissionregistration.k8s.io/v1 policy
    expect(validateSchema([policy], '1.27.0')).not.toEqual([]);
  });

  test.each<[string, object, boolean]>([
    ['admits a ClusterIP Service', { type: 'ClusterIP', ports: [{ port: 80 }] }, true],
    ['admits a Service without a type (the API server defaults it before admission)', { ports: [{ port: 80 }] }, true],
    ['admits a headless Service', { clusterIP: 'None', ports: [{ port: 80 }] }, true],
    ['admits a LoadBalancer', { type: 'LoadBalancer', ports: [{ port: 80 }] }, true],
    ['admits an empty externalIPs', { type: 'ClusterIP', externalIPs: [] }, true],
    ['refuses an ExternalName alias of another team\'s Service', { type: 'ExternalName', externalName: 'api.billing.svc.cluster.local' }, false],
    ['refuses externalIPs capturing an address (CVE-2020-8554)', { type: 'ClusterIP', externalIPs: ['203.0.113.7'] }, false],
  ])('%s', (_what, spec, admitted) => {
    expect(admits(policy, service(spec))).toBe(admitted);
  });

  describe('Ingresses, without hostsDomain', () => {
    const ingressPolicy = find(objects, 'ValidatingAdmissionPolicy', TEAM_INGRESS_POLICY);
    const ingressBinding = find(objects, 'ValidatingAdmissionPolicyBinding', TEAM_INGRESS_POLICY);
    const web = (annotations?: Record<string, string>) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'pay', ...(annotations ? { annotations } : {}) },
      spec: { rules: [{ host: 'pay.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    });

    test('renders the policy over Ingresses, bound as the Service policy is, valid against Kubernetes 1.36', () => {
      expect(ingressPolicy.spec.matchConstraints.resourceRules).toEqual([
        { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] },
      ]);
      expect(ingressPolicy.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_INGRESS_CHECKS.map((c) => c.expression));
      expect(ingressBinding.spec.matchResources).toEqual(binding.spec.matchResources);
      expect(validateSchema([ingressPolicy, ingressBinding], '1.36.0')).toEqual([]);
    });

    // ingress-nginx controller-v1.14.5: auth-url and mirror-target/mirror-host are High risk, accepted by the default
    // annotations-risk-level (internal/ingress/annotations/authreq/main.go, mirror/main.go, controller/config/config.go);
    // the controller, which every team namespace admits on every port, then sends requests where they say (review)
    test.each<[string, Record<string, string> | undefined, boolean]>([
      ['admits an Ingress without annotations', undefined, true],
      ['admits other annotations', { 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/proxy-body-size': '0' }, true],
      ['refuses an auth-url at another team\'s Service', { 'nginx.ingress.kubernetes.io/auth-url': 'http://admin.billing.svc.cluster.local:8080/' }, false],
      ['refuses a mirror-target', { 'nginx.ingress.kubernetes.io/mirror-target': 'http://169.254.169.254/latest$request_uri' }, false],
      ['refuses a mirror-host', { 'nginx.ingress.kubernetes.io/mirror-host': 'admin.billing.svc' }, false],
      ['refuses a snippet', { 'nginx.ingress.kubernetes.io/configuration-snippet': 'proxy_pass http://admin.billing.svc:8080;' }, false],
      ['refuses them under another annotation prefix (--annotation-prefix)', { 'ingress.example.com/auth-url': 'http://x' }, false],
    ])('%s', (_what, annotations, admitted) => {
      expect(admits(ingressPolicy, web(annotations))).toBe(admitted);
    });
  });

  describe('legacy ServiceAccount token Secrets', () => {
    // kube-controller-manager's tokens controller fills every Secret of type kubernetes.io/service-account-token whose
    // annotated account exists with a token of legacy claims, which carry no expiry (kubernetes/kubernetes
    // pkg/controller/serviceaccount/tokens_controller.go at 9e8be126, `syncSecret` -> `generateTokenIfNeeded`;
    // pkg/serviceaccount/legacy.go `LegacyClaims`); the legacy token cleaner (1.29+) passes over a Secret its account
    // does not list (legacy_serviceaccount_token_cleaner.go at 003e8629, `hasSecretReference`)
    const secretPolicy = find(objects, 'ValidatingAdmissionPolicy', TEAM_SECRET_POLICY);
    const secretBinding = find(objects, 'ValidatingAdmissionPolicyBinding', TEAM_SECRET_POLICY);
    const secret = (type: string | undefined, annotations?: Record<string, string>) => ({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'pay', ...(annotations ? { annotations } : {}) }, ...(type === undefined ? {} : { type }),
    });
    const token = secret('kubernetes.io/service-account-token', { 'kubernetes.io/service-account.name': 'default' });

    test('renders the policy over Secrets\' creates and updates, bound as the Service policy is, valid against Kubernetes 1.36', () => {
      expect(secretPolicy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] }]);
      expect(secretPolicy.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_SECRET_CHECKS.map((c) => c.expression));
      expect(secretBinding.spec.matchResources).toEqual(binding.spec.matchResources);
      expect(validateSchema([secretPolicy, secretBinding], '1.36.0')).toEqual([]);
    });

    test.each<[string, object, boolean]>([
      ['admits an Opaque Secret', secret('Opaque'), true],
      ['admits a Secret without a type (the API server defaults it to Opaque)', secret(undefined), true],
      ['admits a Helm release (HELM_DRIVER=secret, Helm v4.2.4 pkg/storage/driver/secrets.go)', secret('helm.sh/release.v1'), true],
      ['admits a pull secret', secret('kubernetes.io/dockerconfigjson'), true],
      ['refuses a legacy token Secret for the namespace\'s default account', token, false],
      ['refuses one for any other account of the namespace', secret('kubernetes.io/service-account-token', { 'kubernetes.io/service-account.name': 'web' }), false],
    ])('%s', (_what, object, admitted) => {
      expect(admits(secretPolicy, object)).toBe(admitted);
    });

    test('refuses an update of a token Secret made before the policy (a new annotation would have it filled for another account), and lets it be deleted', () => {
      expect(admits(secretPolicy, token, {}, { operation: 'UPDATE', username: 'system:serviceaccount:pay-builds:deployer', oldObject: token })).toBe(false);
      // whoever asks: kube-controller-manager's legacy token cleaner too, which labels an unused token invalid (a merge
      // patch, an UPDATE to admission) before it deletes it on a later pass (legacy_serviceaccount_token_cleaner.go at
      // 003e8629, `evaluateSATokens`), so it never removes one there: the README says to delete them before the policy
      const invalid = { ...token, metadata: { ...token.metadata, labels: { 'kubernetes.io/legacy-token-invalid-since': '2026-12-06' } } };
      expect(admits(secretPolicy, invalid, {}, {
        operation: 'UPDATE', username: 'system:serviceaccount:kube-system:legacy-service-account-token-cleaner', oldObject: token, resource: 'secrets',
      })).toBe(false);
      // the policy matches creates and updates only: a delete never reaches it
      expect(secretPolicy.spec.matchConstraints.resourceRules[0].operations).not.toContain('DELETE');
    });

    // nobody the platform makes creates one there: every Secret of the team example stacks (Drone and Woodpecker, the
    // DigitalOcean program's teams, one on a runner of its own), manifests and generated ones, in a namespace the
    // binding selects
    test.each(EXAMPLE_STACKS.filter((s) => s.name.includes('teams')).map((s) => [s.name, s] as const))('admits every Secret %s renders in its team namespaces', (_name, example) => {
      const stack = example.synthNew();
      const teamNamespaces = new Set(stack.objects.filter((o: any) => o.kind === 'Namespace' && selects(secretBinding.spec.matchResources.namespaceSelector, o.metadata.labels ?? {}))
        .map((o: any) => o.metadata.name));
      const secrets = [...stack.objects, ...stack.secrets].filter((o: any) => o.kind === 'Secret' && teamNamespaces.has(o.metadata.namespace));
      expect(secrets.length).toBeGreaterThan(0);
      expect(secrets.filter((o: any) => !admits(secretPolicy, o)).map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
    });
  });

  describe('the platform\'s ServiceAccounts and Secrets, against the team\'s deploy identity', () => {
    const accountPolicy = find(objects, 'ValidatingAdmissionPolicy', TEAM_PLATFORM_OBJECTS_POLICY);
    const accountBinding = find(objects, 'ValidatingAdmissionPolicyBinding', TEAM_PLATFORM_OBJECTS_POLICY);
    // the platform's `default` account of an app namespace, as rendered: with the team's pull secret
    const platformDefault = objects.find((o: any) => o.kind === 'ServiceAccount' && o.metadata.namespace === 'pay' && o.metadata.name === 'default');
    const deployer = `system:serviceaccount:${pay.deployer.serviceAccountNamespace}:${pay.deployer.serviceAccountName}`;
    // the request's resource from the object's kind, so that the model checks the policy's match too
    const resource = (o: any) => ({ ServiceAccount: 'serviceaccounts', Secret: 'secrets' } as Record<string, string>)[o.kind];
    const remove = (username: string, oldObject: any) => admits(accountPolicy, null, {}, { operation: 'DELETE', username, oldObject, resource: resource(oldObject) });
    const update = (username: string, object: any, oldObject: any) =>
      admits(accountPolicy, object, {}, { operation: 'UPDATE', username, oldObject, resource: resource(oldObject) });
    const teamOwn = (labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'pay', ...(labels ? { labels } : {}) } });

    test('renders the policy over ServiceAccounts\' and Secrets\' updates and deletes, bound as the Service policy is, valid against Kubernetes 1.36', () => {
      expect(accountPolicy.spec.matchConstraints.resourceRules).toEqual([
        { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE', 'DELETE'], resources: ['serviceaccounts', 'secrets'] },
      ]);
      expect(accountPolicy.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_PLATFORM_OBJECT_CHECKS.map((c) => c.expression));
      expect(accountBinding.spec.matchResources).toEqual(binding.spec.matchResources);
      expect(validateSchema([accountPolicy, accountBinding], '1.36.0')).toEqual([]);
      expect(platformDefault.imagePullSecrets).toEqual([{ name: 'pay-pull' }]);
    });

    test('the team\'s deploy identity is the user the policy names', () => {
      expect(deployer).toBe(`system:serviceaccount:pay-builds:${TEAM_DEPLOYER}`);
      expect(TEAM_PLATFORM_OBJECT_CHECKS[0].expression).toContain(`endsWith(${JSON.stringify(`:${TEAM_DEPLOYER}`)})`);
    });

    test('refuses the deploy identity a delete of the platform\'s default account (kubectl apply --prune --all), and any change of it', () => {
      expect(remove(deployer, platformDefault)).toBe(false);
      // another team's deploy identity, had it a grant here
      expect(remove('system:serviceaccount:billing-builds:deployer', platformDefault)).toBe(false);
      const unlabelled = { ...platformDefault, metadata: { ...platformDefault.metadata, labels: {} } };
      expect(admits(accountPolicy, unlabelled, {}, { operation: 'UPDATE', username: deployer, oldObject: platformDefault })).toBe(false);
      expect(admits(accountPolicy, { ...platformDefault, imagePullSecrets: [] }, {}, { operation: 'UPDATE', username: deployer, oldObject: platformDefault })).toBe(false);
    });

    test('lets the deploy identity update and delete the team\'s own accounts', () => {
      expect(remove(deployer, teamOwn())).toBe(true);
      expect(remove(deployer, teamOwn({ 'app.kubernetes.io/managed-by': 'Helm' }))).toBe(true);
      expect(admits(accountPolicy, teamOwn({ app: 'web' }), {}, { operation: 'UPDATE', username: deployer, oldObject: teamOwn() })).toBe(true);
    });

    test.each([
      // kube-controller-manager's namespace controller deletes a terminating namespace's contents as its own account with
      // --use-service-account-credentials, as the controller manager otherwise (cmd/kube-controller-manager/app/core.go,
      // startNamespaceController: ClientBuilder.ClientOrDie("namespace-controller"))
      'system:serviceaccount:kube-system:namespace-controller', 'system:kube-controller-manager',
      // its garbage collector, which deletes an object whose owners are gone, as its own account likewise
      // (startGarbageCollectorController: ClientBuilder.ClientOrDie("generic-garbage-collector"))
      'system:serviceaccount:kube-system:generic-garbage-collector',
      // the platform's own applies: a person, a GitOps tool
      'kubernetes-admin', 'system:serviceaccount:argocd:argocd-application-controller',
      // an account only named like the deploy identity, and people or groups of that name (no ServiceAccount's username:
      // k8s.io/apiserver pkg/authentication/serviceaccount/util.go MakeUsername, at 00261adb)
      'system:serviceaccount:pay-builds:deployer-2', 'system:serviceaccount:pay-builds:old-deployer', 'deployer', 'oidc:deployer',
    ])('lets %s delete the platform\'s default account and pull secret', (username) => {
      expect(remove(username, platformDefault)).toBe(true);
      expect(remove(username, pullSecret)).toBe(true);
    });

    // with DeployPermission.helmReleases() the deploy identity may update and delete every Secret of the team's app
    // namespaces (get, list, create, update, delete), the pull secret the platform put there among them
    const pullSecret = generated.find((o: any) => o.kind === 'Secret' && o.metadata.namespace === 'pay' && o.metadata.name === 'pay-pull');
    const teamSecret = (labels?: Record<string, string>) =>
      ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'web', namespace: 'pay', ...(labels ? { labels } : {}) } });

    test('refuses the deploy identity a delete of the team\'s pull secret (kubectl delete secrets --all, a prune with Secrets allowed), and any change of it', () => {
      expect(pullSecret.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'dockyard' });
      expect(remove(deployer, pullSecret)).toBe(false);
      const unlabelled = { ...pullSecret, metadata: { ...pullSecret.metadata, labels: {} } };
      expect(update(deployer, unlabelled, pullSecret)).toBe(false);
      expect(update(deployer, { ...pullSecret, data: { '.dockerconfigjson': 'e30=' } }, pullSecret)).toBe(false);
    });

    test('lets the deploy identity update and delete the team\'s own Secrets, Helm\'s releases among them', () => {
      // Helm v4.2.4 pkg/storage/driver/secrets.go labels its release Secrets owner=helm, never managed-by
      const release = { ...teamSecret({ owner: 'helm', name: 'web', status: 'deployed' }), type: 'helm.sh/release.v1' };
      expect(remove(deployer, release)).toBe(true);
      expect(update(deployer, { ...release, metadata: { ...release.metadata, labels: { owner: 'helm', status: 'superseded' } } }, release)).toBe(true);
      expect(remove(deployer, teamSecret())).toBe(true);
      expect(remove(deployer, teamSecret({ 'app.kubernetes.io/managed-by': 'Helm' }))).toBe(true);
    });

    test('does not judge creates: a deploy\'s new Secret or account, whatever its labels', () => {
      const create = (object: any) => admits(accountPolicy, object, {}, { operation: 'CREATE', username: deployer, resource: resource(object) });
      expect([create(teamSecret({ 'app.kubernetes.io/managed-by': 'dockyard' })), create(teamOwn({ 'app.kubernetes.io/managed-by': 'dockyard' }))]).toEqual([true, true]);
    });

    // every ServiceAccount and Secret the platform places in a team namespace, manifests and generated Secrets, of the
    // team example stacks (Drone and Woodpecker, the DigitalOcean program's teams, one on a runner of its own): each is
    // labelled so, and so kept from the deploy identity; and every pull secret a namespace's account names is one of them.
    // From that identity only: every other account the stack binds a Role to there (the Drone runners and Woodpecker
    // agents, which create and delete their pipelines' Secrets in the build namespaces) passes
    test.each(EXAMPLE_STACKS.filter((s) => s.name.includes('teams')).map((s) => [s.name, s] as const))('keeps every account and Secret %s places in its team namespaces from its deploy identities, and from no other account it binds there', (_name, example) => {
      const stack = example.synth();
      const teamNamespaces = new Set(stack.objects.filter((o: any) => o.kind === 'Namespace' && selects(accountBinding.spec.matchResources.namespaceSelector, o.metadata.labels ?? {}))
        .map((o: any) => o.metadata.name));
      const placed = [...stack.objects, ...stack.secrets].filter((o: any) => ['ServiceAccount', 'Secret'].includes(o.kind) && teamNamespaces.has(o.metadata.namespace));
      const key = (o: any) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
      expect(placed.filter((o: any) => o.kind === 'Secret').length).toBeGreaterThan(0);
      expect(placed.filter((o: any) => remove(deployer, o) || update(deployer, o, o)).map(key)).toEqual([]);
      const named = placed.filter((o: any) => o.kind === 'ServiceAccount').flatMap((a: any) => (a.imagePullSecrets ?? []).map((r: any) => `Secret ${a.metadata.namespace}/${r.name}`));
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((n: string) => !placed.some((o: any) => key(o) === n))).toEqual([]);
      const bound = stack.objects.filter((o: any) => o.kind === 'RoleBinding' && teamNamespaces.has(o.metadata.namespace))
        .flatMap((b: any) => b.subjects.filter((s: any) => s.kind === 'ServiceAccount'));
      // the teams' deploy identities: the account named so in a team's own (build) namespace
      const others = [...new Set(bound.filter((s: any) => !(s.name === TEAM_DEPLOYER && teamNamespaces.has(s.namespace)))
        .map((s: any) => `system:serviceaccount:${s.namespace}:${s.name}`))];
      expect(others.length).toBeGreaterThan(0);
      expect(others.filter((u) => placed.some((o: any) => !remove(u, o) || !update(u, o, o)))).toEqual([]);
    });
  });

  test('binds every team namespace, and none of the platform\'s', () => {
    const namespaces = objects.filter((o: any) => o.kind === 'Namespace');
    const bound = namespaces.filter((n: any) => selects(binding.spec.matchResources.namespaceSelector, n.metadata.labels ?? {})).map((n: any) => n.metadata.name);
    expect(bound.sort()).toEqual(['pay', 'pay-builds', 'pay-staging']);
  });

  test('is off by default: Kubernetes 1.27 has no admissionregistration.k8s.io/v1 policies', () => {
    expect(platform().objects().filter((o: any) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
  });

  test('is refused a second time in one app, whose policies would name the same cluster-wide objects', () => {
    const again = platform({ admissionPolicy: {} });
    expect(refusal(() => new TeamPlatform(again.chart, 'MoreTeams', { ci: again.ci, harbor: again.harbor, admissionPolicy: { hostsDomain: 'apps.example.com' } })))
      .toBe('invalid admissionPolicy {"hostsDomain":"apps.example.com"}: must be set once in an app: platform/Teams/AdmissionPolicy renders the ' +
        'cluster\'s team policies already, which cover every team namespace of every TeamPlatform');
  });

  test('refuses a misspelt prop, which would leave the policy off or its hosts unchecked', () => {
    expect(refusal(() => platform({ admisionPolicy: {} } as object))).toBe('invalid admisionPolicy {}: a TeamPlatform has no prop ' +
      '"admisionPolicy" (did you mean "admissionPolicy"?); its props are ci, harbor, ingressPeers, sharedProjects, sharedLogins, reservedNamespaces, apiServer, apiServers, ' +
      'apiServerPort, appEgress, groupsPrefix, usernamePrefix, admissionPolicy, outputShards, platformName');
    expect(refusal(() => platform({ admissionPolicy: { hostDomain: 'apps.example.com' } as object }))).toBe('invalid hostDomain ' +
      '"apps.example.com": a TeamAdmissionPolicy has no prop "hostDomain" (did you mean "hostsDomain"?); its props are hostsDomain, platformName');
  });

  test('renders no host policy without hostsDomain', () => {
    expect(objects.filter((o: any) => [TEAM_INGRESS_HOSTS_POLICY, TEAM_ROUTE_HOSTS_POLICY].includes(o.metadata.name))).toEqual([]);
  });

  test('refuses props that are no object, and a hostsDomain that is no DNS name, in one line', () => {
    expect(refusal(() => platform({ admissionPolicy: true as unknown as object }))).toBe('invalid admissionPolicy true: must be the policy\'s props, ' +
      'e.g. {} or { hostsDomain: "apps.example.com" }');
    expect(refusal(() => platform({ admissionPolicy: { hostsDomain: "apps.example.com' || true || '" } }))).toMatch(
      /^invalid hostsDomain "apps\.example\.com' \|\| true \|\| '": must be /);
  });
});

describe('TeamPlatform admissionPolicy: hosts', () => {
  const p = platform({ admissionPolicy: { hostsDomain: 'apps.example.com' } });
  p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
  const objects = p.objects();
  const ingresses = find(objects, 'ValidatingAdmissionPolicy', TEAM_INGRESS_HOSTS_POLICY);
  // the API server admits an Ingress only if every policy bound to its namespace does: the hosts' and the ingresses'
  const ingressPolicies = [ingresses, find(objects, 'ValidatingAdmissionPolicy', TEAM_INGRESS_POLICY)];
  const routes = find(objects, 'ValidatingAdmissionPolicy', TEAM_ROUTE_HOSTS_POLICY);
  const pay = { [TEAM_LABEL]: 'pay' };
  const ingress = (spec: object, annotations?: Record<string, string>) =>
    ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'pay', ...(annotations ? { annotations } : {}) }, spec });
  const route = (kind: string, spec: object) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'web', namespace: 'pay' }, spec });
  const backend = { service: { name: 'web', port: { number: 80 } } };
  const rule = (host?: string) => ({ ...(host === undefined ? {} : { host }), http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } });
  const teamDomain = [{ name: 'teamDomain', expression: `namespaceObject.metadata.labels["${TEAM_LABEL}"] + ".apps.example.com"` }];

  test('renders a policy per API, with the team\'s domain, each bound to every team namespace, valid against Kubernetes 1.36', () => {
    expect(ingresses.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }]);
    expect(routes.spec.matchConstraints.resourceRules).toEqual([{
      apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes'],
    }]);
    expect([ingresses.spec.variables, routes.spec.variables]).toEqual([teamDomain, teamDomain]);
    expect(ingresses.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_INGRESS_HOST_CHECKS.map((c) => c.expression));
    expect(routes.spec.validations.map((v: any) => v.expression)).toEqual(TEAM_ROUTE_HOST_CHECKS.map((c) => c.expression));
    const bindings = [TEAM_INGRESS_HOSTS_POLICY, TEAM_ROUTE_HOSTS_POLICY].map((n) => find(objects, 'ValidatingAdmissionPolicyBinding', n));
    expect(bindings.map((b) => b.spec.matchResources)).toEqual([1, 2].map(() => ({ namespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: 'Exists' }] } })));
    expect(validateSchema([ingresses, routes, ...bindings], '1.36.0')).toEqual([]);
  });

  test.each<[string, object, boolean]>([
    ['admits an Ingress for the team\'s own host', ingress({ rules: [rule('pay.apps.example.com')] }), true],
    ['admits an Ingress for a host below it, with its certificate', ingress({ rules: [rule('api.pay.apps.example.com')], tls: [{ hosts: ['api.pay.apps.example.com'], secretName: 'tls' }] }), true],
    ['admits an Ingress with other annotations', ingress({ rules: [rule('pay.apps.example.com')] }, { 'cert-manager.io/cluster-issuer': 'letsencrypt' }), true],
    ['refuses an Ingress for another team\'s host', ingress({ rules: [rule('billing.apps.example.com')] }), false],
    ['refuses an Ingress for a host that only ends like the team\'s', ingress({ rules: [rule('evilpay.apps.example.com')] }), false],
    ['refuses an Ingress rule without a host, which answers for every host', ingress({ rules: [rule()] }), false],
    ['refuses an Ingress with a default backend', ingress({ defaultBackend: backend }), false],
    ['refuses a certificate for another team\'s host', ingress({ rules: [rule('pay.apps.example.com')], tls: [{ hosts: ['billing.apps.example.com'] }] }), false],
    // ingress-nginx adds a server-alias to the server's server_name, and a snippet can add anything (refused by
    // dockyard-team-ingresses, which comes with every hostsDomain)
    ['refuses a server-alias naming another team\'s host', ingress({ rules: [rule('pay.apps.example.com')] }, { 'nginx.ingress.kubernetes.io/server-alias': 'billing.apps.example.com' }), false],
    ['refuses a server snippet', ingress({ rules: [rule('pay.apps.example.com')] }, { 'nginx.ingress.kubernetes.io/server-snippet': 'server_name billing.apps.example.com;' }), false],
    ['refuses a configuration snippet', ingress({ rules: [rule('pay.apps.example.com')] }, { 'nginx.ingress.kubernetes.io/configuration-snippet': 'return 302 https://x;' }), false],
  ])('%s', (_what, object, admitted) => {
    expect(ingressPolicies.every((policy) => admits(policy, object, pay))).toBe(admitted);
  });

  test.each<[string, object, boolean]>([
    ['admits an HTTPRoute for the team\'s hosts, a wildcard below its domain too', route('HTTPRoute', { hostnames: ['pay.apps.example.com', '*.pay.apps.example.com'] }), true],
    ['admits a GRPCRoute for the team\'s host', route('GRPCRoute', { hostnames: ['grpc.pay.apps.example.com'] }), true],
    ['refuses an HTTPRoute without hostnames, which takes every host of its listener', route('HTTPRoute', { rules: [] }), false],
    ['refuses an HTTPRoute for a wildcard over every team', route('HTTPRoute', { hostnames: ['*.apps.example.com'] }), false],
    ['refuses a TLSRoute for another team\'s host', route('TLSRoute', { hostnames: ['billing.apps.example.com'] }), false],
    ['refuses a TCPRoute, which names no host', route('TCPRoute', { rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] }), false],
  ])('%s', (_what, object, admitted) => {
    expect(admits(routes, object, pay)).toBe(admitted);
  });

  test('any hostsDomain reaches CEL as the string it is: the team\'s hosts are admitted, others refused (property)', () => {
    // the domain is written into the policy as a CEL string literal (JSON's escapes are CEL's); a DNS name needs none,
    // and any it could hold would change what the expression means
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), (labels) => {
      const domain = labels.join('.');
      const chart = testChart('platform');
      new TeamAdmissionPolicy(chart, 'Policy', { hostsDomain: domain });
      const policy = find(synth(chart), 'ValidatingAdmissionPolicy', TEAM_INGRESS_HOSTS_POLICY);
      const host = (h: string) => admits(policy, ingress({ rules: [rule(h)] }), pay);
      expect([host(`pay.${domain}`), host(`api.pay.${domain}`)]).toEqual([true, true]);
      expect([host(`billing.${domain}`), host(`evilpay.${domain}`), host(`pay.${domain}.evil.example`), host(domain)]).toEqual([false, false, false, false]);
    }), { numRuns: 25 });
  });

  test('the domain is the namespace\'s team\'s: the same Ingress is refused in another team\'s namespace', () => {
    expect(admits(ingresses, ingress({ rules: [rule('pay.apps.example.com')] }), { [TEAM_LABEL]: 'billing' })).toBe(false);
  });

  test('the Service policy still refuses what it did', () => {
    const services = find(objects, 'ValidatingAdmissionPolicy', TEAM_SERVICE_POLICY);
    expect(admits(services, { kind: 'Service', spec: { type: 'ExternalName', externalName: 'x' } })).toBe(false);
  });

  test('refuses at synth a hostsDomain that holds one of the platform\'s own hosts, which a team named like it could claim', () => {
    // Harbor served at harbor.example.com: a team named "harbor" would own it under example.com
    const taken = platform({ admissionPolicy: { hostsDomain: 'example.com' } }, { harbor: () => ({ exposure: ServiceExposure.ingress() }) });
    expect(refusal(() => taken.objects())).toBe('invalid hostsDomain "example.com": must hold none of the platform\'s own hosts: ' +
      'platform/Harbor\'s Ingress serves "harbor.example.com", which a team\'s Ingress could then claim; give the teams a domain of their own, ' +
      'e.g. "apps.example.com"');
    expect(() => platform({ admissionPolicy: { hostsDomain: 'apps.example.com' } }, { harbor: () => ({ exposure: ServiceExposure.ingress() }) }).objects())
      .not.toThrow();
  });
});
