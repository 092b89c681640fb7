import { kube } from '../../lib/core/k8s';
import { Namespace, namespaceOf, PodSecurityLevel } from '../../lib';
import { find, synth, testChart } from '../util';

describe('DockyardChart', () => {
  test('lists Namespaces first, keeping the construct order otherwise', () => {
    const chart = testChart('platform');
    kube(chart, 'A', 'ConfigMap', { metadata: { name: 'a' } });
    new Namespace(chart, 'Ns', { name: 'platform' });
    kube(chart, 'B', 'ConfigMap', { metadata: { name: 'b' } });
    kube(chart, 'R', 'ClusterRole', { metadata: { name: 'r' } });
    expect(synth(chart).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/platform', 'ConfigMap/a', 'ConfigMap/b', 'ClusterRole/r']);
  });

  test('keeps cluster-scoped objects free of the chart namespace', () => {
    const chart = testChart('platform');
    new Namespace(chart, 'Ns', { name: 'other' });
    kube(chart, 'R', 'ClusterRole', { metadata: { name: 'r' } });
    kube(chart, 'A', 'ConfigMap', { metadata: { name: 'a' } });
    const objects = synth(chart);
    expect(find(objects, 'Namespace', 'other').metadata.namespace).toBeUndefined();
    expect(find(objects, 'ClusterRole', 'r').metadata.namespace).toBeUndefined();
    expect(find(objects, 'ConfigMap', 'a').metadata.namespace).toBe('platform');
  });

  test('namespaceOf prefers the explicit namespace, then the chart, and checks it', () => {
    const chart = testChart('platform');
    expect(namespaceOf(chart)).toBe('platform');
    expect(namespaceOf(chart, 'apps')).toBe('apps');
    expect(() => namespaceOf(chart, 'Apps', 'serviceAccountNamespace')).toThrow(/invalid serviceAccountNamespace "Apps"/);
  });
});

describe('Namespace', () => {
  test('enforces restricted by default and always warns and audits restricted', () => {
    const chart = testChart();
    new Namespace(chart, 'A', { name: 'a' });
    new Namespace(chart, 'B', { name: 'b', podSecurity: PodSecurityLevel.BASELINE });
    const objects = synth(chart);
    expect(find(objects, 'Namespace', 'a').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(find(objects, 'Namespace', 'b').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('fails on an invalid name', () => {
    expect(() => new Namespace(testChart(), 'A', { name: 'A' })).toThrow('invalid name "A": must be a DNS-1123 label');
  });
});
