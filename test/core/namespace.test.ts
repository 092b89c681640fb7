import { DefaultServiceAccount, Namespace, PodSecurityLevel } from '../../lib';
import { find, synth, testChart } from '../util';

describe('Namespace', () => {
  test('puts further labels under the Pod Security labels', () => {
    const chart = testChart('ci');
    new Namespace(chart, 'Ns', { name: 'team-a', podSecurity: PodSecurityLevel.BASELINE, labels: { team: 'a', 'example.com/tier': 'builds' } });
    expect(find(synth(chart), 'Namespace', 'team-a').metadata.labels).toEqual({
      'team': 'a',
      'example.com/tier': 'builds',
      'app.kubernetes.io/managed-by': 'dockyard',
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  test('refuses bad labels, and those it or the API server sets', () => {
    const make = (labels: Record<string, string>) => () => new Namespace(testChart('ci'), 'Ns', { name: 'a', labels });
    expect(make({ 'team': 'a b' })).toThrow(/invalid labels \{"team":"a b"\}: "team" must be a label key with a label value/);
    expect(make({ 'pod-security.kubernetes.io/enforce': 'privileged' }))
      .toThrow('invalid labels {"pod-security.kubernetes.io/enforce":"privileged"}: must not set "pod-security.kubernetes.io/enforce": the Pod Security labels come from podSecurity');
    expect(make({ 'kubernetes.io/metadata.name': 'b' })).toThrow('must not set "kubernetes.io/metadata.name"');
  });
});

describe('DefaultServiceAccount', () => {
  test('is one object per namespace and chart, with what was set on it', () => {
    const chart = testChart('ci');
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('b');
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('a');
    DefaultServiceAccount.of(chart, 'builds').disableTokenAutomount();
    DefaultServiceAccount.of(chart, 'other').disableTokenAutomount();
    DefaultServiceAccount.of(chart, 'pulls').addImagePullSecret('a');
    const objects = synth(chart);
    expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.namespace)).toEqual(['builds', 'other', 'pulls']);
    expect(find(objects, 'ServiceAccount', 'default', 'builds')).toEqual({
      apiVersion: 'v1', kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'builds', labels: { 'app.kubernetes.io/managed-by': 'dockyard' } },
      imagePullSecrets: [{ name: 'a' }, { name: 'b' }],
      automountServiceAccountToken: false,
    });
    expect(find(objects, 'ServiceAccount', 'default', 'other').imagePullSecrets).toBeUndefined();
    expect(find(objects, 'ServiceAccount', 'default', 'pulls').automountServiceAccountToken).toBeUndefined();
    expect(() => DefaultServiceAccount.of(chart, 'Bad')).toThrow(/invalid namespace "Bad"/);
  });
});
