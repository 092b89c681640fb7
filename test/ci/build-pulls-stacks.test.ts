// The example stacks' build pods can pull what their engine makes them pull, judged from the rendered output alone as
// the engines, Kubernetes and Harbor would: which pods run in each build namespace and as which ServiceAccount, which
// pull secrets they list, which logins those hold, and what each login's robot may pull. This holds independently of
// the synth-time check (lib/ci/build-pulls.ts), which the stacks pass, with and without the mirror DOCKYARD_IMAGE_MIRROR
// sets, and with their output as before: the check adds nothing to it.
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { EXAMPLE_STACKS, ExampleStack, synthStack } from '../stacks';
import { container, find } from '../util';

const HOST = DEFAULT_CONFIG.harborHost;
const MIRROR = 'mirror.example.com/airgap';

/** A pod kind of a build namespace: what it pulls and the pull secrets it pulls with (the Secrets' names there). */
interface Pods {
  readonly what: string;
  readonly namespace: string;
  readonly images: string[];
  readonly pullSecrets: string[];
}

/** The literal env of a workload's first container. */
function envOf(workload: any): Record<string, string> {
  return Object.fromEntries((container(workload).env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
}

/** The `imagePullSecrets` of ServiceAccount `name` in `namespace` as rendered: none if not rendered (a bare account). */
function accountPullSecrets(stack: ExampleStack, namespace: string, name: string): string[] {
  const account = stack.objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === name && o.metadata.namespace === namespace);
  return (account?.imagePullSecrets ?? []).map((r: any) => r.name);
}

/**
 * Drone's pipeline pods: each container starts from the placeholder and the clone step's becomes the clone image
 * (drone-runner-kube v1.0.0-rc.5 engine/convert.go:210-213, engine/launcher/launcher.go:160); a pod lists only the pull
 * secret its pipeline's image_pull_secrets make (convert.go:32,301-309; taken here as none, the worst case), so it
 * pulls with its ServiceAccount's. The first policy that matches sets the ServiceAccount, and the namespace when it
 * names one (engine/policy/match.go:12-24); the catch-all `default` names none, so such a pipeline runs as `default`
 * in the default namespace or any the namespace rules leave open (engine/linter/linter.go:207-224).
 */
function dronePods(stack: ExampleStack): Pods[] {
  return stack.objects.filter((o) => o.kind === 'Deployment' && envOf(o).DRONE_IMAGE_CLONE !== undefined).flatMap((runner) => {
    const env = envOf(runner);
    const name = runner.metadata.name;
    const config = (key: string, map: string) => find(stack.objects, 'ConfigMap', map, runner.metadata.namespace).data[key];
    const policies = parseAllDocuments(config('policies.yaml', `${name}-config`)).map((d) => d.toJS());
    // the namespaces the rules restrict to their repositories, as `<namespace>: [<repo>, ...]`
    const rules = Object.keys(parseAllDocuments(config('namespace-rules.yaml', `${name}-namespace-rules`))[0].toJS() ?? {});
    const builds = stack.objects.filter((o) => o.kind === 'RoleBinding' && o.subjects?.[0]?.name === name && o.subjects[0].namespace === runner.metadata.namespace)
      .map((b) => b.metadata.namespace);
    const runs = new Set([`${env.DRONE_NAMESPACE_DEFAULT}\ndefault`, ...builds.filter((ns) => !rules.includes(ns)).map((ns) => `${ns}\ndefault`),
      ...policies.filter((p) => p.metadata?.namespace !== undefined).map((p) => `${p.metadata.namespace}\n${p.service_account}`)]);
    return [...runs].map((run) => {
      const [namespace, account] = run.split('\n');
      return {
        what: `${name}'s pods as ${account}`, namespace, images: [env.DRONE_IMAGE_CLONE, env.DRONE_IMAGE_PLACEHOLDER],
        pullSecrets: accountPullSecrets(stack, namespace, account),
      };
    });
  });
}

/**
 * Woodpecker's step pods: the clone step runs the server's clone plugin, a non-root step gets the permission-init
 * image (woodpecker v3.17.0 pipeline/backend/kubernetes/pod.go:298-326); each lists the agent's pull secrets
 * (pod.go:226-235) and, listing none, gets its ServiceAccount's, the namespace's `default` for the clone step
 * (Kubernetes plugin/pkg/admission/serviceaccount/admission.go).
 */
function woodpeckerPods(stack: ExampleStack): Pods[] {
  const server = stack.objects.find((o) => o.kind === 'Deployment' && envOf(o).WOODPECKER_DEFAULT_CLONE_PLUGIN !== undefined);
  return stack.objects.filter((o) => o.kind === 'StatefulSet' && envOf(o).WOODPECKER_BACKEND_K8S_NAMESPACE !== undefined).map((agent) => {
    const env = envOf(agent);
    const namespace = env.WOODPECKER_BACKEND_K8S_NAMESPACE;
    const listed = (env.WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES ?? '').split(',').filter((n) => n !== '');
    return {
      what: `${agent.metadata.name}'s pods`, namespace, images: [envOf(server).WOODPECKER_DEFAULT_CLONE_PLUGIN, env.WOODPECKER_BACKEND_K8S_PERMISSION_INIT_IMAGE],
      pullSecrets: listed.length > 0 ? listed : accountPullSecrets(stack, namespace, 'default'),
    };
  });
}

/** Harbor's declared projects (private or not) and what each robot may pull, from the configuration Jobs' state. */
function harborState(stack: ExampleStack): { privateProjects: Set<string>; pulls: Map<string, Set<string>> } {
  const states = stack.objects.filter((o) => o.kind === 'ConfigMap' && o.data?.['config.json'] !== undefined).map((c) => JSON.parse(c.data['config.json']));
  return {
    privateProjects: new Set(states.flatMap((s) => s.projects).filter((p: any) => !p.public).map((p: any) => p.name)),
    pulls: new Map(states.flatMap((s) => s.robots).map((r: any) => [`robot$${r.name}`, new Set(r.permissions
      .filter((p: any) => p.access.some((a: any) => a.action === 'pull')).map((p: any) => p.namespace as string))])),
  };
}

/** The user names of the logins to Harbor that the pull Secret `name` of `namespace` holds. */
function harborLogins(stack: ExampleStack, namespace: string, name: string): string[] {
  const secret = stack.secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
  const text = secret?.stringData?.['.dockerconfigjson'] ?? Buffer.from(secret?.data?.['.dockerconfigjson'] ?? '', 'base64').toString();
  const auths = text === '' ? {} : JSON.parse(text).auths;
  return Object.entries(auths).filter(([registry]) => registry === HOST).map(([, a]: [string, any]) => a.username);
}

const STACKS = EXAMPLE_STACKS.filter((s) => ['default', 'default-woodpecker', 'teams', 'teams-woodpecker'].includes(s.name));

describe.each(STACKS.flatMap((s) => [[`the ${s.name} stack`, s, undefined], [`the ${s.name} stack with a mirror`, s, MIRROR]] as const))('%s', (_, stack, mirror) => {
  const synthed = mirror === undefined ? stack.synth() : synthStack(stack.name, (app) => stack.build(app, mirror));
  const pods = stack.name.endsWith('woodpecker') ? woodpeckerPods(synthed) : dronePods(synthed);

  test('every build pod can pull its engine\'s images from Harbor\'s private projects with a login of its own', () => {
    const { privateProjects, pulls } = harborState(synthed);
    expect(pods.length).toBeGreaterThan(2);
    const denied = pods.flatMap((p) => p.images.flatMap((image) => {
      const [host, project] = image.split('/');
      if (host !== HOST || !privateProjects.has(project)) return [];
      const logins = p.pullSecrets.flatMap((s) => harborLogins(synthed, p.namespace, s));
      return logins.some((l) => pulls.get(l)?.has(project)) ? [] : [`${p.what} in ${p.namespace}: ${image} with ${logins.join(', ') || 'no login'}`];
    }));
    expect(denied).toEqual([]);
  });

  test('their images come through the private proxy cache without a mirror, and from the mirror with one', () => {
    const images = [...new Set(pods.flatMap((p) => p.images))];
    expect(images.every((i) => i.startsWith(mirror === undefined ? `${HOST}/dockerhub/` : `${MIRROR}/`))).toBe(true);
  });
});
