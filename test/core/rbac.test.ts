import { isWildcard, NamespacedAccess, PolicyRule, RoleSubject, serviceAccountSubject } from '../../lib/core/rbac';
import { find, synth, testChart } from '../util';

// RBAC matches `*` in apiGroups, verbs and resources, and `*/<subresource>` in resources as that subresource of every
// resource: kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go@03bf11a309fd1369f5c2dc7f3b31d63a97a14d66
// lines 31-83 (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`)
describe('NamespacedAccess', () => {
  const access = (rule: PolicyRule, subjects: RoleSubject[] = [serviceAccountSubject({ name: 'a', namespace: 'y' })]) => {
    const chart = testChart('ci');
    new NamespacedAccess(chart, 'A', { name: 'a', namespace: 'x', labels: {}, rules: [rule], subjects });
    return synth(chart);
  };

  // a ServiceAccount subject is the core group's and names its namespace; users and groups are RBAC's, with no
  // namespace (kubernetes/kubernetes staging/src/k8s.io/api/rbac/v1/types.go, `Subject`: "APIGroup ... Defaults to
  // "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects")
  test('renders each kind of subject as RBAC defines it', () => {
    const subjects = find(access({ apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      [serviceAccountSubject({ name: 'a', namespace: 'y' }), { kind: 'Group', name: 'oidc:devs' }, { kind: 'User', name: 'alice@acme.dev' }]), 'RoleBinding', 'a').subjects;
    expect(subjects).toEqual([
      { kind: 'ServiceAccount', name: 'a', namespace: 'y' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:devs' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@acme.dev' },
    ]);
  });

  test('renders named rules', () => {
    expect(find(access({ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }), 'Role', 'a').rules)
      .toEqual([{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]);
  });

  test.each<[string, PolicyRule, string]>([
    ['a resource wildcard', { apiGroups: [''], resources: ['pods', '*'], verbs: ['get'] }, 'invalid rules.resources ["pods","*"]'],
    ['a subresource of every resource', { apiGroups: [''], resources: ['*/exec'], verbs: ['create'] }, 'invalid rules.resources ["*/exec"]'],
    ['a verb wildcard', { apiGroups: [''], resources: ['pods'], verbs: ['*'] }, 'invalid rules.verbs ["*"]'],
    ['an API group wildcard', { apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }, 'invalid rules.apiGroups ["*"]'],
  ])('refuses %s', (_what, rule, message) => {
    expect(() => access(rule)).toThrow(`${message}: must name each item; wildcards are refused`);
  });

  test('isWildcard: "*/..." only in resources, where RBAC reads it', () => {
    expect(isWildcard('resources', '*/token')).toBe(true);
    expect(isWildcard('resources', 'serviceaccounts/token')).toBe(false);
    expect(isWildcard('verbs', '*/token')).toBe(false);
    expect(isWildcard('resourceNames', '*')).toBe(true);
  });
});
