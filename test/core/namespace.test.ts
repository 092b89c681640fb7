import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { DefaultServiceAccount, DockyardChart, Namespace, PodSecurityLevel, PullSecret, RegistryCredential, Secret, SecretValue } from '../../lib';
import { droneCi } from '../drone/fixtures';
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

  test('refuses a "kube-" system namespace, whose Pod Security labels the cluster\'s own pods must pass (a new user\'s trial)', () => {
    // a restricted kube-system refuses the privileged pods kube-proxy and CNI plugins run (Pod Security Standards)
    for (const name of ['kube-system', 'kube-public', 'kube-node-lease']) {
      expect(() => new Namespace(testChart('ci'), 'Ns', { name })).toThrow(`invalid name "${name}": must not be a "kube-" system namespace: Dockyard ` +
        'would set its Pod Security labels, which the cluster\'s own pods must pass');
    }
    expect(new Namespace(testChart('ci'), 'Ns', { name: 'kubernetes-apps' }).name).toBe('kubernetes-apps');
  });
});

describe('DefaultServiceAccount', () => {
  test('is one object per namespace, with what was set on it', () => {
    const chart = testChart('ci');
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('b');
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('a');
    DefaultServiceAccount.of(chart, 'builds').disableTokenAutomount();
    DefaultServiceAccount.of(chart, 'other').disableTokenAutomount();
    DefaultServiceAccount.of(chart, 'pulls').addImagePullSecret('a');
    const objects = synth(chart);
    // those listing pull secrets first (DockyardChart's rank: before the pods that run as them), each in construct order
    expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.namespace)).toEqual(['builds', 'pulls', 'other']);
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

  // Two charts' copies of one account would undo each other under client-side apply: each apply sets what its file
  // holds and removes the fields its own last-applied annotation had that the other copy lacks (kubernetes/kubectl
  // pkg/cmd/apply/patcher.go, the three-way merge of the last-applied configuration), and imagePullSecrets is replaced
  // whole (atomic list: kubernetes/api v0.36.3 core/v1/types.go:6369-6375), so one object must carry both.
  test('is one object per namespace in the app: a pull secret from another chart goes onto the runner chart\'s account (the review\'s case)', () => {
    const app = new App({ outdir: '/nonexistent' });
    const platform = new DockyardChart(app, 'platform', { namespace: 'drone' });
    const teams = new DockyardChart(app, 'teams', { namespace: 'teams' });
    // the runner's build namespace drone-builds: its default account mounts no token
    droneCi(platform);
    new PullSecret(teams, 'Pool', {
      name: 'pool-login', namespace: 'teams', namespaces: ['drone-builds'], appWide: false,
      credentials: [RegistryCredential.basic({ registry: 'registry.example.com', username: 'pool', password: new Secret(teams, 'PoolPassword', { name: 'pool-password', values: { password: SecretValue.input('POOL_PASSWORD', 'the pool login') } }).key('password') })],
    });
    const accounts = [...synth(platform), ...synth(teams)].filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'default' && o.metadata.namespace === 'drone-builds');
    // two copies in two files would each take back what the other applied: automountServiceAccountToken: false lost
    expect(accounts).toEqual([{
      apiVersion: 'v1', kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'drone-builds', labels: { 'app.kubernetes.io/managed-by': 'dockyard' } },
      imagePullSecrets: [{ name: 'pool-login' }],
      automountServiceAccountToken: false,
    }]);
    expect(find(synth(platform), 'ServiceAccount', 'default', 'drone-builds')).toBeDefined();
  });

  test('one taken out of the tree again renders nowhere, and the next use defines it anew', () => {
    const chart = testChart('ci');
    const scope = new Construct(chart, 'Half');
    DefaultServiceAccount.of(scope, 'builds').disableTokenAutomount();
    chart.node.tryRemoveChild('DefaultServiceAccount-builds');
    expect(synth(chart).filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    DefaultServiceAccount.of(chart, 'builds').addImagePullSecret('a');
    expect(find(synth(chart), 'ServiceAccount', 'default', 'builds')).toEqual(expect.objectContaining({ imagePullSecrets: [{ name: 'a' }] }));
    expect(find(synth(chart), 'ServiceAccount', 'default', 'builds').automountServiceAccountToken).toBeUndefined();
  });

  test('separate apps each have their own', () => {
    const [a, b] = [testChart('ci'), testChart('ci')];
    DefaultServiceAccount.of(a, 'builds').disableTokenAutomount();
    DefaultServiceAccount.of(b, 'builds').addImagePullSecret('a');
    expect(find(synth(a), 'ServiceAccount', 'default', 'builds').imagePullSecrets).toBeUndefined();
    expect(find(synth(b), 'ServiceAccount', 'default', 'builds').automountServiceAccountToken).toBeUndefined();
  });
});
