import { egressAdmits, ingressAdmits, policyTypes } from './network-model';

// the model's policyTypes defaulting, as the API server's: kubernetes/kubernetes
// pkg/apis/networking/v1/defaults.go@030880a5dc5449403c6d1f0aa146a7dc21d6c6dc lines 38-46 (`SetDefaults_NetworkPolicy`:
// an empty policyTypes defaults like an absent one, and only a non-empty egress adds Egress)
describe('network model: policyTypes defaulting', () => {
  const policy = (spec: Record<string, unknown>) => ({
    kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' }, spec: { podSelector: {}, ...spec },
  });
  const pod = { ip: '10.0.0.1', namespace: 'a', podLabels: {} };
  const other = { ip: '10.0.0.2', namespace: 'b', podLabels: {} };

  test('an explicit empty policyTypes defaults like an absent one', () => {
    expect(policyTypes(policy({ policyTypes: [] }))).toEqual(['Ingress']);
    expect(policyTypes(policy({ policyTypes: [], egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    // isolated for ingress with no rule: nothing comes in, and egress stays open
    expect(ingressAdmits([policy({ policyTypes: [], ingress: [] })], other, pod, 80)).toBe(false);
    expect(egressAdmits([policy({ policyTypes: [], ingress: [] })], pod, other, 80)).toBe(true);
  });

  test('an empty egress list does not make the policy an Egress one', () => {
    expect(policyTypes(policy({ egress: [] }))).toEqual(['Ingress']);
    expect(egressAdmits([policy({ egress: [] })], pod, other, 80)).toBe(true);
    // a listed Egress type with no rules still isolates
    expect(policyTypes(policy({ policyTypes: ['Egress'], egress: [] }))).toEqual(['Egress']);
    expect(egressAdmits([policy({ policyTypes: ['Egress'], egress: [] })], pod, other, 80)).toBe(false);
  });
});

// the model's ports and selectors, as networking/v1 types.go has them (kubernetes/kubernetes
// staging/src/k8s.io/api/networking/v1/types.go, `NetworkPolicyPort`: a named port "will only match a port of that
// name on the destination pods", `endPort` makes a range of `port` to it; protocol defaults to TCP) and label
// selectors with matchExpressions (apimachinery `LabelSelectorRequirement`)
describe('network model: ports and selectors', () => {
  const policy = (spec: Record<string, unknown>) => ({
    kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ...spec },
  });
  const server = { ip: '10.0.0.1', namespace: 'a', podLabels: { service: 'db' }, ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] };
  const client = { ip: '10.0.0.2', namespace: 'b', podLabels: {} };

  test('a named port is the destination pod\'s port of that name and protocol, in either direction', () => {
    const ingress = [policy({ ingress: [{ ports: [{ port: 'http' }] }] })];
    expect(ingressAdmits(ingress, client, server, 8080)).toBe(true);
    expect(ingressAdmits(ingress, client, server, 80)).toBe(false);
    expect(ingressAdmits([policy({ ingress: [{ ports: [{ port: 'dns' }] }] })], client, server, 53, 'UDP')).toBe(false);
    expect(ingressAdmits([policy({ ingress: [{ ports: [{ port: 'dns', protocol: 'UDP' }] }] })], client, server, 53, 'UDP')).toBe(true);
    const egress = [{ ...policy({ egress: [{ ports: [{ port: 'http' }] }] }), metadata: { name: 'p', namespace: 'b' } }];
    expect(egressAdmits(egress, client, server, 8080)).toBe(true);
    expect(egressAdmits(egress, client, { ...server, ports: [{ name: 'http', containerPort: 9090 }] }, 8080)).toBe(false);
    expect(() => egressAdmits(egress, client, { ip: '10.0.0.3' }, 8080)).toThrow(/container ports/);
  });

  test('endPort admits the range, both ends included', () => {
    const range = [policy({ ingress: [{ ports: [{ port: 8000, endPort: 8080 }] }] })];
    expect([7999, 8000, 8080, 8081].map((p) => ingressAdmits(range, client, server, p))).toEqual([false, true, true, false]);
  });

  test('a podSelector with matchExpressions selects by them', () => {
    const byExpression = (operator: string) => [policy({ podSelector: { matchExpressions: [{ key: 'service', operator }] }, ingress: [] })];
    expect(ingressAdmits(byExpression('Exists'), client, server, 8080)).toBe(false);
    expect(ingressAdmits(byExpression('DoesNotExist'), client, server, 8080)).toBe(true);
  });
});
