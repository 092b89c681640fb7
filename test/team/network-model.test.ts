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
