import { isWildcard, NamespacedAccess, PolicyRule } from '../../lib/core/rbac';
import { find, synth, testChart } from '../util';

// RBAC matches `*` in apiGroups, verbs and resources, and `*/<subresource>` in resources as that subresource of every
// resource: kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go@03bf11a309fd1369f5c2dc7f3b31d63a97a14d66
// lines 31-83 (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`)
describe('NamespacedAccess', () => {
  const access = (rule: PolicyRule) => {
    const chart = testChart('ci');
    new NamespacedAccess(chart, 'A', {
      name: 'a', namespace: 'x', labels: {}, rules: [rule], serviceAccount: { name: 'a', namespace: 'y' },
    });
    return synth(chart);
  };

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
