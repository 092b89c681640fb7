import { DroneSecretsExtension, PipelineEvent, Postgres, SecretValue } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';

describe('DroneSecretsExtension', () => {
  test('runs the extension on 3000 as non-root with a TCP probe and a generated key', () => {
    const chart = testChart('ci');
    new DroneSecretsExtension(chart, 'Secrets');
    const objects = synth(chart);
    const deploy = find(objects, 'Deployment', 'drone-secrets');
    const c = container(deploy);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(deploy.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(deploy.spec.template.spec.securityContext.runAsUser).toBe(65532);
    const env = envOf(c);
    expect(env.KUBERNETES_NAMESPACE.value).toBe('ci');
    expect(env.SECRET_KEY.valueFrom.secretKeyRef).toEqual({ name: 'drone-secrets-token', key: 'token' });
    expect(find(objects, 'Service', 'drone-secrets').spec.ports[0].port).toBe(3000);
  });

  test('grants get on no Secret until pipeline secrets are declared', () => {
    const chart = testChart('ci');
    new DroneSecretsExtension(chart, 'Secrets');
    // an empty resourceNames list would mean every Secret: the rule must be absent instead
    expect(find(synth(chart), 'Role', 'drone-secrets').rules).toEqual([]);
  });

  test('declares pipeline secrets with repository and event annotations, excluding pull requests', () => {
    const chart = testChart('ci');
    const ext = new DroneSecretsExtension(chart, 'Secrets');
    const db = new Postgres(chart, 'Postgres').addDatabase('app');
    const secret = ext.addSecret('AppDb', { name: 'app-db', repos: ['acme/app'], values: { password: SecretValue.copyOf(db.password) } });
    ext.addExistingSecret('external-kubeconfig');
    expect(secret.annotations).toEqual({ 'X-Drone-Repos': 'acme/app', 'X-Drone-Events': 'push,tag,promote,rollback,cron,custom' });
    expect(secret.namespace).toBe('ci');
    const role = find(synth(chart), 'Role', 'drone-secrets');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['app-db', 'external-kubeconfig'] }]);
    expect(find(synth(chart), 'RoleBinding', 'drone-secrets').subjects).toEqual([{ kind: 'ServiceAccount', name: 'drone-secrets', namespace: 'ci' }]);
  });

  test('allows pull requests only when asked', () => {
    const chart = testChart('ci');
    const ext = new DroneSecretsExtension(chart, 'Secrets');
    const values = { v: SecretValue.hex(16) };
    expect(() => ext.addSecret('A', { name: 'a', repos: ['acme/app'], values, events: [PipelineEvent.PULL_REQUEST] }))
      .toThrow('invalid events ["pull_request"]: must not include pull_request unless allowPullRequests is true');
    const ok = ext.addSecret('B', { name: 'b', repos: ['acme/*'], values, events: [PipelineEvent.PULL_REQUEST, PipelineEvent.PUSH], allowPullRequests: true });
    expect(ok.annotations['X-Drone-Events']).toBe('pull_request,push');
  });

  test('fails on bad pipeline secrets', () => {
    const chart = testChart('ci');
    const ext = new DroneSecretsExtension(chart, 'Secrets');
    const values = { v: SecretValue.hex(16) };
    expect(() => ext.addSecret('A', { name: 'a', repos: ['app'], values })).toThrow('invalid repos ["app"]: "app" must be an "owner/name" slug or glob');
    expect(() => ext.addSecret('B', { name: 'b', repos: [], values })).toThrow('invalid repos []: must not be empty');
    expect(() => ext.addSecret('C', { name: 'c', repos: ['a/b'], values, events: [PipelineEvent.PUSH, PipelineEvent.PUSH] }))
      .toThrow(/invalid events \["push","push"\]: must not repeat "push"/);
    ext.addSecret('D', { name: 'd', repos: ['a/b'], values });
    expect(() => ext.addSecret('D2', { name: 'd', repos: ['a/b'], values })).toThrow('invalid name "d": must be unique among the pipeline secrets of this extension');
    expect(() => ext.addExistingSecret('Bad')).toThrow(/invalid secretName "Bad"/);
  });
});
