// What a hostile pull request's steps get on Woodpecker, in the teams example stack: each step's pod as the v3.17.0
// Kubernetes backend makes it from the step's `backend_options.kubernetes` and the rendered agent's switches
// (test/woodpecker/upstream.ts `stepPod`, `untrustedFields`), then what the build namespace admits (Pod Security
// baseline, enforced by its Namespace's label) and holds (its ServiceAccounts and Secrets).
import { checkPodSecurityBaseline } from '../policy/checks/pod-security';
import { EXAMPLE_STACKS } from '../stacks';
import { container } from '../util';
import {
  agentsOf, agentTakes, literalEnv, LoginPipeline, matchImageDynamic, PipelineStep, stepPod, stepsWithForgeLogin, taskLabels, untrustedFields,
} from './upstream';

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

// Which steps hold the forge login (CI_NETRC_*: on GitHub the OAuth token of the user who activated the repository,
// server/forge/github/github.go:373-393), as the v3.17.0 compiler hands it out under the rendered server's env
// (test/woodpecker/upstream.ts stepsWithForgeLogin: pipeline/frontend/yaml/compiler/compiler.go:154-201,231-255,
// types/container.go:60-68, server/pipeline/items.go:118,137-143, cmd/server/setup.go:200-202)
describe('the forge login of a pull request\'s pipeline (teams example)', () => {
  const server = stack.objects.find((o) => o.kind === 'Deployment' && literalEnv(container(o)).WOODPECKER_HOST !== undefined);
  const env = literalEnv(container(server));
  const privateRepo = { private: true };
  const test_ = { name: 'test', image: 'docker.io/library/golang:1.25', commands: ['go test ./...'] };
  const db = { name: 'db', image: 'docker.io/library/postgres:17' };
  const notify = { name: 'notify', image: 'docker.io/plugins/slack:1', settings: { channel: 'ci' } };
  const pipeline: LoginPipeline = { services: [db], steps: [test_, notify] };

  test('the model matches upstream\'s own cases of MatchImageDynamic (pipeline/frontend/yaml/utils/image_test.go:268-316)', () => {
    expect(matchImageDynamic('golang', ['golang'])).toBe(true);
    expect(matchImageDynamic('golang', ['golang:v3.0'])).toBe(false);
    expect(matchImageDynamic('golang:v3.0', ['golang'])).toBe(true);
    expect(matchImageDynamic('golang:1.0', ['golang', 'golang:2.0'])).toBe(true);
    expect(matchImageDynamic('golang:1.0', ['golang:latest', 'golang:2.0'])).toBe(false);
    expect(matchImageDynamic('golang:1.0', ['golang:latest', 'golang:1.0'])).toBe(true);
    // and of trimImage and expandImage (:23-129): Docker Hub's names in every spelling are one
    expect(matchImageDynamic('index.docker.io/library/golang:1.0.0', ['golang'])).toBe(true);
    expect(matchImageDynamic('gcr.io/library/golang:1.0.0', ['golang'])).toBe(false);
    expect(matchImageDynamic('library/golang', ['docker.io/library/golang:latest'])).toBe(true);
  });

  test('a private repository\'s default clone step holds it, and none of the pipeline\'s commands, services or other plugins', () => {
    expect(stepsWithForgeLogin(pipeline, env, privateRepo)).toEqual(['clone']);
    // nor a step that names the clone plugin but sets commands or an environment: no longer a plugin (container.go:60-64)
    const asCommands = { name: 'c', image: 'woodpeckerci/plugin-git:2.9.2', commands: ['cat ~/.netrc'] };
    const withEnv = { name: 'e', image: 'woodpeckerci/plugin-git:2.9.2', environment: { HOME: '/woodpecker' } };
    expect(stepsWithForgeLogin({ steps: [asCommands, withEnv] }, env, privateRepo)).toEqual(['clone']);
    // skip_clone: no step at all
    expect(stepsWithForgeLogin({ ...pipeline, skip_clone: true }, env, privateRepo)).toEqual([]);
  });

  test('a clone: section of an image not trusted gets none, silently: its clone of a private repository fails', () => {
    const custom = (image: string, extra: object = {}) => ({ ...pipeline, clone: [{ name: 'git', image, ...extra }] });
    for (const image of ['docker.io/alpine/git:2.47.2', 'ghcr.io/woodpeckerci/plugin-git:2.9.2', 'docker.io/woodpeckerci/plugin-git-fork:1']) {
      expect(stepsWithForgeLogin(custom(image), env, privateRepo)).toEqual([]);
    }
    expect(stepsWithForgeLogin(custom('docker.io/alpine/git:2.47.2', { commands: ['git clone "$CI_REPO_CLONE_URL" .'] }), env, privateRepo)).toEqual([]);
    // the server's default list: woodpeckerci/plugin-git of any tag, on Docker Hub or quay.io (constant.go:34-38)
    expect(stepsWithForgeLogin(custom('woodpeckerci/plugin-git:2.8.0'), env, privateRepo)).toEqual(['git']);
    expect(stepsWithForgeLogin(custom('quay.io/woodpeckerci/plugin-git'), env, privateRepo)).toEqual(['git']);
  });

  test('but a step that runs the trusted clone plugin as a plugin holds it too, for a later step to read (README, "the forge login reaches every pipeline of a private repository")', () => {
    // woodpecker-ci/plugin-git 2.9.2 writes the login to <home>/.netrc (plugin.go:47, utils.go:43-54, flags.go:143-145)
    const steal = { name: 'steal', image: env.WOODPECKER_DEFAULT_CLONE_PLUGIN, settings: { home: '/woodpecker' } };
    expect(stepsWithForgeLogin({ steps: [steal, test_] }, env, privateRepo)).toEqual(['clone', 'steal']);
    // a repository's admins may trust any image themselves (items.go:118), and a repository an admin trusted with
    // "security" hands it to every step (compiler.go:192-195,252-255)
    expect(stepsWithForgeLogin(pipeline, env, { private: true, netrcTrustedPlugins: ['docker.io/plugins/slack'] })).toEqual(['clone', 'notify']);
    expect(stepsWithForgeLogin(pipeline, env, { private: true, trustedSecurity: true })).toEqual(['clone', 'test', 'notify']);
  });

  test('a public repository\'s pipelines get no login, their clone step\'s included, unless authenticatePublicRepos', () => {
    const steal = { name: 'steal', image: 'woodpeckerci/plugin-git', settings: { home: '/woodpecker' } };
    expect(stepsWithForgeLogin({ steps: [steal] }, env, { private: false })).toEqual([]);
    expect(stepsWithForgeLogin({ steps: [steal] }, { ...env, WOODPECKER_AUTHENTICATE_PUBLIC_REPOS: 'true' }, { private: false })).toEqual(['clone', 'steal']);
  });
});
