import { ApiObject } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
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

  // the ServiceAccount admission plugin copies an account's imagePullSecrets into a pod only at the pod's create, and
  // only into one that lists none (kubernetes plugin/pkg/admission/serviceaccount/admission.go, Admit:
  // `if len(pod.Spec.ImagePullSecrets) == 0`): a Deployment applied before the account its pods run as would make pods
  // without the pull secret, which stay in ImagePullBackOff until deleted. kubectl apply -f applies a file in order
  test('lists ServiceAccounts that list pull secrets after the Namespaces and before every other object', () => {
    const chart = testChart('platform');
    kube(chart, 'Web', 'Deployment', {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'harbor.example.com/apps/web:1.0.0' }] } } },
    });
    kube(chart, 'Plain', 'ServiceAccount', { metadata: { name: 'plain' } });
    kube(chart, 'Default', 'ServiceAccount', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'harbor-pull' }] });
    new Namespace(chart, 'Ns', { name: 'platform' });
    expect(synth(chart).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/platform', 'ServiceAccount/default', 'Deployment/web', 'ServiceAccount/plain']);
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

  // the kinds Kubernetes 1.36 serves outside namespaces (kubernetes/api v0.36.3, types marked
  // `+genclient:nonNamespaced`, e.g. admissionregistration/v1/types.go ValidatingAdmissionPolicy), and Gateway API's
  // GatewayClass (kubernetes-sigs/gateway-api v1.6.1 config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml,
  // `scope: Cluster`): the API server refuses none of them with a namespace, but kubectl and the apply-order check
  // would take it for one they live in
  test('keeps a user\'s cluster-scoped kinds free of the chart namespace too (ValidatingAdmissionPolicy, GatewayClass, ...)', () => {
    const kinds = [
      ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy'], ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding'],
      ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'], ['apiregistration.k8s.io/v1', 'APIService'], ['storage.k8s.io/v1', 'CSIDriver'],
      ['v1', 'PersistentVolume'], ['node.k8s.io/v1', 'RuntimeClass'], ['gateway.networking.k8s.io/v1', 'GatewayClass'], ['v1', 'Node'],
      // cert-manager's (clusterissuers.cert-manager.io, scope: Cluster): two in charts of two namespaces are one object
      ['cert-manager.io/v1', 'ClusterIssuer'],
    ];
    const chart = testChart('platform');
    kinds.forEach(([apiVersion, kind]) => new ApiObject(chart, kind, { apiVersion, kind, metadata: { name: 'x' } }));
    new ApiObject(chart, 'Role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x' } });
    const namespaces = (objects: any[]) => objects.map((o) => [o.kind, o.metadata.namespace]);
    const expected = [...kinds.map(([, kind]) => [kind, undefined]), ['Role', 'platform']];
    expect(namespaces(synth(chart))).toEqual(expected);
    // the streamed manifest `synthesize` writes, too
    expect(namespaces(parseAllDocuments(Buffer.concat(chart._toYamlChunks()).toString('utf8')).map((d) => d.toJS()))).toEqual(expected);
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
