import { DroneCi, DroneKubeRunner, DroneSecretsExtension, PipelineEvent, Postgres, Secret, SecretValue } from '../../lib';
import { container, envOf, find, refusal, synth, testChart } from '../util';
import { secretReadable } from './upstream';
import { VALIDATION_RULES } from '../../lib/core/validation';
import { droneServer } from './fixtures';

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

  // a runner that cannot reach the extension runs the step with the secret empty (drone-runner-kube v1.0.0-rc.5
  // engine/compiler/compiler.go:772 drops the error; the walk is in ./secrets-path.test.ts, "while the extension rolls")
  test('runs two pods by default, spread over nodes, drained one at a time, rolled new pod first', () => {
    const chart = testChart('ci');
    new DroneSecretsExtension(chart, 'Secrets');
    const objects = synth(chart);
    const deploy = find(objects, 'Deployment', 'drone-secrets');
    expect(deploy.spec.replicas).toBe(2);
    expect(deploy.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
    expect(deploy.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
    const budget = find(objects, 'PodDisruptionBudget', 'drone-secrets');
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deploy.spec.selector.matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    // the extension exits at once on SIGTERM (drone-kubernetes-secrets cmd/drone-kubernetes-secrets/main.go:63-64, no
    // signal handling), while the Service may still send it connections: it keeps serving 10 s first, with the
    // image's own sleep (docker/Dockerfile.linux.amd64: alpine:3.9), within the default 30 s grace period
    expect(container(deploy).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(deploy.spec.template.spec.terminationGracePeriodSeconds).toBeUndefined();
  });

  test('runs one pod with replicas: 1, with no PodDisruptionBudget, which would block every drain', () => {
    const chart = testChart('ci');
    new DroneSecretsExtension(chart, 'Secrets', { replicas: 1 });
    const objects = synth(chart);
    expect(find(objects, 'Deployment', 'drone-secrets').spec.replicas).toBe(1);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test.each([0, 1.5, -2])('refuses replicas %p in one line', (replicas) => {
    expect(refusal(() => new DroneSecretsExtension(testChart('ci'), 'Secrets', { replicas })))
      .toBe(`invalid replicas ${replicas}: must be an integer of at least 1`);
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
    const RULE = 'an owner and a name of letters, digits, "_", "." and "-", with "*" and "?" as wildcards, joined by "/"; ' +
      'a project in a GitLab subgroup names every group on its path, e.g. "acme/platform/api"';
    // each message names the secret: an extension serves many
    expect(() => ext.addSecret('A', { name: 'a', repos: ['app'], values }))
      .toThrow(new Error('invalid repos ["app"]: "app" must be an "owner/name" slug or glob: ' + RULE + ' (secret "a")'));
    // a repository given as a clone URL with a token: the message quotes it twice, redacted both times
    expect(() => ext.addSecret('T', { name: 't', repos: ['https://u:ghp_TOKEN@github.com/acme/pay'], values })).toThrow(new Error(
      'invalid repos ["https://<redacted>@github.com/acme/pay"]: "https://<redacted>@github.com/acme/pay" must be an "owner/name" slug or glob: ' + RULE + ' (secret "t")'));
    expect(() => ext.addSecret('B', { name: 'b', repos: [], values })).toThrow(new Error('invalid repos []: must not be empty (secret "b")'));
    // one repository given as a string, not a list of one: refused as such, not read a character at a time
    expect(() => ext.addSecret('S', { name: 's', repos: 'acme/zz-app' as unknown as string[], values }))
      .toThrow(new Error('invalid repos "acme/zz-app": must be a list of "owner/name" slugs or globs (secret "s")'));
    expect(() => ext.addSecret('C', { name: 'c', repos: ['a/b'], values, events: [PipelineEvent.PUSH, PipelineEvent.PUSH] }))
      .toThrow(new Error('invalid events ["push","push"]: must not repeat "push" (secret "c")'));
    ext.addSecret('D', { name: 'd', repos: ['a/b'], values });
    expect(() => ext.addSecret('D2', { name: 'd', repos: ['a/b'], values }))
      .toThrow(new Error('invalid name "d": must be unique among the pipeline secrets of this extension (secret "d")'));
    expect(() => ext.addExistingSecret('Bad')).toThrow(new Error(`invalid secretName "Bad": must be ${VALIDATION_RULES.dnsSubdomain} (secret "Bad")`));
  });
});

// drone-kubernetes-secrets plugin/util.go:11-37 and plugin/match.go:13-15 read a missing or empty X-Drone-Repos or
// X-Drone-Events as every repository or event, and plugin/plugin.go:71-76 marks every secret fit for forks: a Secret
// the stack generates in the extension's namespace without them, added with addExistingSecret, would reach them all
describe('addExistingSecret of a Secret the stack generates', () => {
  const PASSWORD = 'invalid secretName "postgres-app": must not be a Secret the stack generates without X-Drone-Repos and X-Drone-Events ' +
    '(test/Postgres/Database-app): the extension serves such a Secret to every repository and event; declare a pipeline secret with ' +
    'addSecret instead, its values SecretValue.copyOf the generated ones (secret "postgres-app")';

  test('upstream serves a Secret without the annotations to any repository and event, a fork\'s pull request included', () => {
    expect(secretReadable({}, { repo: 'mallory/fork', event: 'pull_request' })).toBe(true);
    expect(secretReadable({ 'x-drone-repos': 'acme/app', 'X-Drone-Events': '' }, { repo: 'acme/app', event: 'pull_request' })).toBe(true);
    expect(secretReadable({ 'x-drone-repos': 'acme/app', 'X-DRONE-EVENTS': 'push' }, { repo: 'acme/app', event: 'pull_request' })).toBe(false);
  });

  test('is refused at synth, naming it, whether added before or after the Secret is defined', () => {
    const before = testChart('ci');
    const ext = new DroneSecretsExtension(before, 'Secrets');
    ext.addExistingSecret('postgres-app');
    new Postgres(before, 'Postgres').addDatabase('app');
    expect(refusal(() => synth(before))).toBe(PASSWORD);
    const after = testChart('ci');
    new Postgres(after, 'Postgres').addDatabase('app');
    new DroneSecretsExtension(after, 'Secrets').addExistingSecret('postgres-app');
    expect(refusal(() => synth(after))).toBe(PASSWORD);
  });

  test('names the one annotation missing or empty, in any case of its key', () => {
    const chart = testChart('ci');
    new Secret(chart, 'Token', { name: 'deploy-token', values: { v: SecretValue.hex(16) }, annotations: { 'x-drone-repos': 'acme/app', 'X-Drone-Events': '' } });
    new DroneSecretsExtension(chart, 'Secrets').addExistingSecret('deploy-token');
    expect(refusal(() => synth(chart))).toBe('invalid secretName "deploy-token": must not be a Secret the stack generates without X-Drone-Events ' +
      '(test/Token): the extension serves such a Secret to every event; declare a pipeline secret with addSecret instead, its values ' +
      'SecretValue.copyOf the generated ones (secret "deploy-token")');
  });

  test('takes one the stack generates with both, one in another namespace, and one it does not render', () => {
    const chart = testChart('ci');
    new Secret(chart, 'Token', { name: 'deploy-token', values: { v: SecretValue.hex(16) }, annotations: { 'X-Drone-Repos': 'acme/app', 'X-Drone-Events': 'push' } });
    new Postgres(chart, 'Postgres', { namespace: 'db' }).addDatabase('app');
    const ext = new DroneSecretsExtension(chart, 'Secrets');
    ['deploy-token', 'postgres-app', 'external-kubeconfig'].forEach((n) => ext.addExistingSecret(n));
    expect(find(synth(chart), 'Role', 'drone-secrets').rules[0].resourceNames).toEqual(['deploy-token', 'external-kubeconfig', 'postgres-app']);
  });
});

describe('checkSecret', () => {
  test('refuses a name the extension reads already with the one line addSecret throws, and reserves nothing', () => {
    const chart = testChart('ci');
    const ext = new DroneSecretsExtension(chart, 'Secrets');
    const values = { v: SecretValue.hex(16) };
    ext.addSecret('D', { name: 'd', repos: ['a/b'], values });
    ext.addExistingSecret('e');
    const before = synth(chart);
    expect(() => ext.checkSecret('d')).toThrow(new Error('invalid name "d": must be unique among the pipeline secrets of this extension'));
    expect(() => ext.checkSecret('e')).toThrow(new Error('invalid name "e": must be unique among the pipeline secrets of this extension'));
    // the same rule as addSecret's and addExistingSecret's, no second one; what adds a secret names it too
    expect(() => ext.addExistingSecret('d')).toThrow(new Error('invalid name "d": must be unique among the pipeline secrets of this extension (secret "d")'));
    ext.checkSecret('f');
    expect(synth(chart)).toEqual(before);
    ext.addSecret('F', { name: 'f', repos: ['a/b'], values });
  });

  test('DroneCi.checkAdditions checks secret names against the Secrets added to the extension directly', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    const ci = new DroneCi(chart, 'Ci', { server, runner: new DroneKubeRunner(chart, 'Runner', { server, secretsExtension }), secretsExtension });
    secretsExtension.addSecret('Legacy', { name: 'web-harbor-push', repos: ['acme/legacy'], values: { v: SecretValue.hex(16) } });
    secretsExtension.addExistingSecret('web-harbor-pull');
    const secret = (name: string) => ({ id: name, name, repos: ['acme/web'] });
    expect(() => ci.checkAdditions({ pipelineSecrets: [secret('web-harbor-push')] }))
      .toThrow(new Error('invalid name "web-harbor-push": must be unique among the pipeline secrets of this extension'));
    expect(() => ci.checkAdditions({ pullSecrets: [secret('web-harbor-pull')] }))
      .toThrow(new Error('invalid name "web-harbor-pull": must be unique among the pipeline secrets of this extension'));
    ci.checkAdditions({ pipelineSecrets: [secret('web-token')], pullSecrets: [secret('web-pull')] });
  });
});
