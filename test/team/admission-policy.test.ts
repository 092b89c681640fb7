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
import fc from 'fast-check';
import {
  TEAM_INGRESS_CHECKS, TEAM_INGRESS_HOST_CHECKS, TEAM_INGRESS_HOSTS_POLICY, TEAM_INGRESS_POLICY, TEAM_LABEL, TEAM_ROUTE_HOST_CHECKS, TEAM_ROUTE_HOSTS_POLICY, TEAM_SERVICE_CHECKS,
  TEAM_SERVICE_POLICY, ServiceExposure, TeamAdmissionPolicy, TeamPlatform,
} from '../../lib';
import { validateSchema } from '../policy/checks';
import { admits } from '../policy/checks/admission';
import { selects } from '../policy/checks/selectors';
import { find, refusal, synth, testChart } from '../util';
import { platform } from './fixtures';

const service = (spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'pay' }, spec });

describe('TeamPlatform admissionPolicy: Services', () => {
  const p = platform({ admissionPolicy: {} });
  p.teams.addTeam({ name: 'pay', repos: ['acme/pay-*'], namespaces: ['pay', 'pay-staging'] });
  const objects = p.objects();
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
