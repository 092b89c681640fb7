// The project's policy checks (test/policy/checks: Pod Security restricted, references, no plaintext credentials, pinned images,
// requests/limits/probes, read-only roots, determinism, no cluster RBAC, a NetworkPolicy per pod) over a Woodpecker
// stack with a route, a pipeline secret and a pull secret, its agents keeping their ID on a volume or stateless.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DockyardChart, IngressTls, LocalSecretStore, Namespace, PipelineEvent, Postgres, Secret, SecretValue, ServiceExposure } from '../../lib';
import { WoodpeckerAgentOptions, WoodpeckerCi } from '../../lib/woodpecker';
import {
  checkImagesPinned, checkNoPlaintextCredentials, checkPodSecurityRestricted, checkReadOnlyRootFs, checkReferences, checkResourcesAndProbes,
  validateSchema,
} from '../policy/checks';
import { github } from './fixtures';

function woodpeckerStack(app: App, agent: WoodpeckerAgentOptions): DockyardChart {
  const chart = new DockyardChart(app, 'woodpecker', { namespace: 'ci' });
  new Namespace(chart, 'Namespace', { name: 'ci' });
  const postgres = new Postgres(chart, 'Postgres');
  const ci = new WoodpeckerCi(chart, 'CI', {
    host: 'ci.example.com', gitProvider: github(chart), database: postgres.addDatabase('woodpecker'), admins: ['alice'], orgs: ['acme'],
    exposure: ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }), extraBuildNamespaces: ['deploy'],
    agent,
  });
  const source = new Secret(chart, 'Source', { name: 'source', values: { token: SecretValue.hex(32) } });
  ci.addRoute({ name: 'release', repos: ['acme/api'], events: [PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK], namespace: 'deploy' });
  ci.addPipelineSecret('Token', {
    name: 'deploy-token', repos: ['acme/api'], events: [PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK],
    values: { token: SecretValue.copyOf(source.key('token')) },
  });
  ci.addImagePullSecret('Pull', { name: 'harbor', repos: ['acme/*'], dockerConfig: SecretValue.dockerConfigJson([{ registry: 'harbor.example.com', username: 'robot', password: source.key('token') }]) });
  return chart;
}

/** The stack's objects and generated Secrets, as test/stacks.ts `synthStack` renders the example stacks. */
function synthStack(agent: WoodpeckerAgentOptions) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-woodpecker-')) });
  const chart = woodpeckerStack(app, agent);
  const objects = chart.toJson();
  const secrets = parseAllDocuments(new LocalSecretStore({ statePath: path.join(app.outdir, 'state.json') }).render(app)).map((d) => d.toJS());
  const tls = objects.filter((o) => o.kind === 'Ingress').flatMap((i) => (i.spec.tls ?? []).map((t: any) => ({ namespace: i.metadata.namespace, name: t.secretName })));
  const externalSecrets = [...Secret.requiredIn(app).map((s) => ({ namespace: s.namespace, name: s.secretName })), ...tls];
  const yaml = app.synthYaml();
  fs.rmSync(app.outdir, { recursive: true, force: true });
  return { objects, secrets, externalSecrets, yaml };
}

describe.each([
  { name: '', agent: {} },
  { name: ' with stateless agents', agent: { persistAgentId: false } },
])('policy: woodpecker stack$name', ({ agent }) => {
  const stack = synthStack(agent);

  test('claims a config volume per agent only when the agents keep their ID', () => {
    const agents = stack.objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent');
    expect(agents.length).toBeGreaterThan(1);
    expect(agents.every((o) => (o.spec.volumeClaimTemplates !== undefined) === (agent.persistAgentId !== false))).toBe(true);
  });
  const all = [...stack.objects, ...stack.secrets];

  test('validates strictly against Kubernetes 1.27 and 1.36', () => {
    expect(validateSchema(all, '1.27.0')).toEqual([]);
    expect(validateSchema(all, '1.36.0')).toEqual([]);
  });

  test('passes Pod Security restricted, pins every image, and gives every container requests, limits, probes and a read-only root', () => {
    expect(checkPodSecurityRestricted(stack.objects)).toEqual([]);
    expect(checkImagesPinned(stack.objects)).toEqual([]);
    expect(checkResourcesAndProbes(stack.objects)).toEqual([]);
    expect(checkReadOnlyRootFs(stack.objects)).toEqual([]);
  });

  test('resolves every reference; the services policies select pods the agents make at run time, in build namespaces', () => {
    // the backend labels a pipeline's service pods "service" (pipeline/backend/kubernetes/pod.go:140-142): no pod
    // template of the manifests carries it, by design, and the reference check admits selectors in build namespaces
    expect(checkReferences(all, { externalSecrets: stack.externalSecrets })).toEqual([]);
    const services = stack.objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker-agent-services');
    expect(services.map((o) => o.metadata.namespace).sort()).toEqual(['ci-builds', 'deploy']);
  });

  test('holds no credential in plaintext: the variables named like secrets hold Secret names and a switch', () => {
    // WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES lists Secret names (pipeline/backend/kubernetes/flags.go:117-124) and
    // WOODPECKER_BACKEND_K8S_ALLOW_NATIVE_SECRETS is a boolean (:125-130); the check reads any name with SECRET as a credential
    expect(checkNoPlaintextCredentials(stack.objects)).toEqual([]);
    const values = stack.objects.filter((o) => o.kind === 'StatefulSet').flatMap((o) => o.spec.template.spec.containers[0].env)
      .filter((e: any) => /_SECRET_NAMES$|_NATIVE_SECRETS$/.test(e.name)).map((e: any) => e.value);
    expect(new Set(values)).toEqual(new Set(['harbor', 'true']));
  });

  test('synthesizes byte-identical YAML twice', () => {
    expect(synthStack(agent).yaml).toBe(stack.yaml);
  });

  test('grants no cluster-wide RBAC and no wildcard, and gives every pod a NetworkPolicy', () => {
    expect(stack.objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
    const rules = stack.objects.filter((o) => o.kind === 'Role').flatMap((r) => r.rules);
    expect(rules.filter((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes('*'))).toEqual([]);
    const policies = stack.objects.filter((o) => o.kind === 'NetworkPolicy');
    const unguarded = stack.objects.filter((o) => o.spec?.template?.metadata?.labels).filter((w) => !policies.some((p) =>
      p.metadata.namespace === w.metadata.namespace && p.spec.podSelector.matchLabels
      && Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v)));
    expect(unguarded.map((w) => w.metadata.name)).toEqual([]);
  });
});
