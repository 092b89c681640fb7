// What a hostile pull request's steps get on Woodpecker, in the teams example stack: each step's pod as the v3.17.0
// Kubernetes backend makes it from the step's `backend_options.kubernetes` and the rendered agent's switches
// (test/woodpecker/upstream.ts `stepPod`, `untrustedFields`), then what the build namespace admits (Pod Security
// baseline, enforced by its Namespace's label) and holds (its ServiceAccounts and Secrets).
import { checkPodSecurityBaseline } from '../policy/checks/pod-security';
import { EXAMPLE_STACKS } from '../stacks';
import { container } from '../util';
import { agentsOf, agentTakes, literalEnv, PipelineStep, stepPod, taskLabels, untrustedFields } from './upstream';

const stack = EXAMPLE_STACKS.find((s) => s.name === 'teams-woodpecker')!.synth();
const objects = [...stack.objects, ...stack.secrets];
const agents = agentsOf(stack.objects);
const statefulSet = (name: string) => stack.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name);
const agentEnv = (name: string) => literalEnv(container(statefulSet(name)));
const inNamespace = (kind: string, namespace: string) =>
  objects.filter((o) => o.kind === kind && o.metadata.namespace === namespace).map((o) => o.metadata.name).sort();
/** What Pod Security baseline says of `pod` in a namespace: [] when admitted. */
const baseline = (pod: any) => checkPodSecurityBaseline([{ kind: 'Pod', ...pod }]).map((f) => f.message);

const TEAM = 'team-0001';
const REPO = `example/${TEAM}-app`;

/** Everything a step can ask of its pod, aimed at the team's deploy identity, Secrets and nodes. */
const hostile: PipelineStep = {
  name: 'steal',
  backend_options: {
    kubernetes: {
      serviceAccountName: 'deployer',
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
      tolerations: [{ operator: 'Exists' }],
      affinity: { nodeAffinity: {} },
      labels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'server' },
      annotations: { 'container.apparmor.security.beta.kubernetes.io/steal': 'unconfined' },
      secrets: [{ name: `${TEAM}-harbor-push` }, { name: 'team-0002-harbor-push', key: 'password', target: { file: '/tmp/p' } }],
      securityContext: { runAsUser: 0, runAsGroup: 0, fsGroup: 0 },
    },
  },
};

describe('a hostile pull request on Woodpecker (teams example)', () => {
  const pool = agents.find((a) => a.labels === 'repo=*')!;
  const podOnPool = stepPod(hostile, agentEnv(pool.name));

  test('runs on the pool agent alone, in the shared build namespace, whatever labels it claims', () => {
    const takers = (labels?: Record<string, string>) =>
      agents.filter((a) => agentTakes(taskLabels({ repo: REPO, event: 'pull_request', labels }), a.filter)).map((a) => a.name);
    // the event and repository are the server's to stamp (builder.go:187-206, task.go:57-66): claiming a push changes nothing
    for (const labels of [undefined, { repo: REPO, 'woodpecker-ci.org/event': 'push' }]) {
      expect(takers(labels)).toEqual([pool.name]);
    }
    // the team's route label makes it wait: the route's agents take their own events only
    expect(takers({ 'dockyard.dev/route': TEAM })).toEqual([]);
    expect(agents.filter((a) => a.labels.includes(`dockyard.dev/route=${TEAM}`)).length).toBe(5);
    expect(pool.namespace).toBe('dockyard-builds');
  });

  test('its author, who can push the branch, runs the branch\'s files on the team\'s push route: no route agent requires a branch', () => {
    const push = agents.find((a) => a.labels.includes(`repo=${REPO}`) && a.labels.includes('event=push'))!;
    for (const branch of ['main', 'feature/steal']) {
      const task = taskLabels({ repo: REPO, event: 'push', branch, labels: { 'dockyard.dev/route': TEAM } });
      expect(agents.filter((a) => agentTakes(task, a.filter)).map((a) => a.name)).toEqual([push.name]);
    }
    expect(agentEnv(push.name).WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP).toBe('true');
  });

  test('the pool agent drops the ServiceAccount, node selector, tolerations, affinity, labels, annotations and Secrets it asks for', () => {
    // pipeline/backend/kubernetes/flags.go:52-136 and Dockyard's TOLERATIONS_ALLOW_FROM_STEP=false
    expect(podOnPool.spec.serviceAccountName).toBeUndefined();
    expect(podOnPool.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(podOnPool.spec.tolerations).toBeUndefined();
    expect(podOnPool.spec.affinity).toBeUndefined();
    expect(podOnPool.metadata).toEqual({ labels: { 'woodpecker-ci.org/step': 'steal' }, annotations: {} });
    expect(podOnPool.spec.volumes).toEqual([]);
    expect(podOnPool.spec.containers[0]).toMatchObject({ envFrom: [], env: [], volumeMounts: [] });
    // so it runs as the namespace's default ServiceAccount, which mounts no API token
    const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === pool.namespace && o.metadata.name === 'default');
    expect(account.automountServiceAccountToken).toBe(false);
  });

  test('it runs as root with fsGroup 0 if its image does, which baseline admits; an Unconfined seccomp profile is refused', () => {
    const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === pool.namespace);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    // pod.go:604-621: runAsUser and runAsGroup 0 dropped (the image's user stays), fsGroup 0 kept
    expect(podOnPool.spec.securityContext).toEqual({ fsGroup: 0 });
    expect(baseline(podOnPool)).toEqual([]);
    const unconfined = stepPod({ name: 's', backend_options: { kubernetes: { securityContext: { seccompProfile: { type: 'Unconfined' } } } } }, agentEnv(pool.name));
    expect(baseline(unconfined)).toEqual(['pod: seccompProfile Unconfined is forbidden']);
  });

  test('privileged steps, volumes, dns and extra_hosts need a trusted repository, and baseline still refuses a privileged one', () => {
    const asks: PipelineStep = { name: 'root', privileged: true, volumes: ['docker:/var/lib/docker'], dns: ['1.1.1.1'], extra_hosts: ['a:1.2.3.4'] };
    expect(untrustedFields(asks, {})).toEqual(['privileged', 'dns', 'extra_hosts', 'volumes']);
    const trusted = stepPod(asks, agentEnv(pool.name));
    expect(trusted.spec.containers[0].securityContext).toEqual({ privileged: true });
    // a volume is a claim by name, never a host path (pod.go:211,379-391)
    expect(trusted.spec.volumes).toEqual([{ name: 'docker', persistentVolumeClaim: { claimName: 'docker' } }]);
    expect(baseline(trusted)).toEqual(['container "root": privileged must not be true']);
  });

  test('on its team\'s route agents (pushes, not pull requests) a step may take the deploy identity and its namespace\'s Secrets, and only those', () => {
    const push = agents.find((a) => a.labels.includes(`repo=${REPO}`) && a.labels.includes('event=push'))!;
    expect(push.namespace).toBe(`${TEAM}-builds`);
    const pod = stepPod(hostile, agentEnv(push.name));
    expect(pod.spec.serviceAccountName).toBe('deployer');
    expect(pod.spec.tolerations).toBeUndefined();
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64' });
    expect(pod.spec.containers[0].envFrom).toEqual([{ secretRef: { name: `${TEAM}-harbor-push` } }]);
    // a name is looked up in the pod's namespace: no other team's ServiceAccount or Secret is there to ask for, so
    // the second Secret leaves the pod waiting in CreateContainerConfigError
    expect(inNamespace('ServiceAccount', push.namespace)).toEqual(['default', 'deployer']);
    expect(inNamespace('Secret', push.namespace).every((n: string) => n.startsWith(`${TEAM}-`) || n === 'registry-credentials')).toBe(true);
    expect(inNamespace('Secret', push.namespace)).not.toContain('team-0002-harbor-push');
  });
});

describe('the server\'s gates of pull requests (teams example)', () => {
  const server = stack.objects.find((o) => o.kind === 'Deployment' && literalEnv(container(o)).WOODPECKER_HOST !== undefined);
  const env = literalEnv(container(server));

  test('keeps Woodpecker\'s defaults: forks\' pull requests wait for approval, no plugin runs privileged, public repositories get no forge login', () => {
    // cmd/server/flags.go:189-194 (approval mode "forks", server/pipeline/gated.go:49-53), :237-244 (no privileged
    // plugin: WOODPECKER_ESCALATE before v3), and WOODPECKER_AUTHENTICATE_PUBLIC_REPOS off (server/pipeline/items.go:137-143)
    for (const name of ['WOODPECKER_DEFAULT_APPROVAL_MODE', 'WOODPECKER_PLUGINS_PRIVILEGED', 'WOODPECKER_ESCALATE', 'WOODPECKER_AUTHENTICATE_PUBLIC_REPOS']) {
      expect(container(server).env.map((e: any) => e.name)).not.toContain(name);
    }
    // nor does it widen the clone plugins that get the forge login (shared/constant/constant.go; setup.go:200-202)
    expect(env.WOODPECKER_PLUGINS_TRUSTED_CLONE).toBeUndefined();
    expect(env.WOODPECKER_DEFAULT_CLONE_PLUGIN).toMatch(/woodpeckerci\/plugin-git:2\.9\.2$/);
  });
});
