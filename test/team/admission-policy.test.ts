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
import { CelInput, run } from '@bufbuild/cel';
import { TEAM_LABEL, TEAM_SERVICE_CHECKS, TEAM_SERVICE_POLICY } from '../../lib';
import { validateSchema } from '../policy/checks';
import { selects } from '../policy/checks/selectors';
import { find, refusal } from '../util';
import { platform } from './fixtures';

/** A JSON value as CEL input: objects as maps, whole numbers as CEL ints. */
function cel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(cel);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([k, v]) => [k, cel(v)]));
  return (typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value) as CelInput;
}

/** Whether the API server admits `service` under the rendered policy: every validation true. */
function admits(policy: any, service: object): boolean {
  return policy.spec.validations.every((v: { expression: string }) => run(v.expression, { object: cel(service) }) === true);
}

const service = (spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'pay' }, spec });

describe('TeamPlatform admissionPolicy', () => {
  const p = platform({ admissionPolicy: true });
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

  test('binds every team namespace, and none of the platform\'s', () => {
    const namespaces = objects.filter((o: any) => o.kind === 'Namespace');
    const bound = namespaces.filter((n: any) => selects(binding.spec.matchResources.namespaceSelector, n.metadata.labels ?? {})).map((n: any) => n.metadata.name);
    expect(bound.sort()).toEqual(['pay', 'pay-builds', 'pay-staging']);
  });

  test('is off by default: Kubernetes 1.27 has no admissionregistration.k8s.io/v1 policies', () => {
    expect(platform().objects().filter((o: any) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toEqual([]);
  });

  test('refuses a setting that is no boolean, in one line', () => {
    expect(refusal(() => platform({ admissionPolicy: 'yes' as unknown as boolean }))).toBe('invalid admissionPolicy "yes": must be true or false');
  });
});
