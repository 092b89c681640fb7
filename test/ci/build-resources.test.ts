// What bounds a build pod's share of its node's disk: the pods each engine creates for the example stacks' own
// pipelines, run through the API server's admission (test/admission-model.ts) against the rendered build namespace's
// LimitRange, then through what the kubelet evicts for. Neither engine sets ephemeral storage itself, so the
// LimitRange is all there is: without its `ephemeral-storage` a pull request's build may fill the node's disk.
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { CiEngineKind, DroneKubeRunner, RepositoryPipelines, Resources, WoodpeckerBuildNamespaces } from '../../lib';
import { admit, admitAll, ephemeralStorageBounds, limitRanger, Pod, stored } from '../admission-model';
import { droneServer } from '../drone/fixtures';
import { droneBuildPod } from '../drone/upstream';
import { literalEnv, woodpeckerStepPods } from '../woodpecker/upstream';
import { container, find, refusal, synth, testChart } from '../util';

const Gi = 2 ** 30;
const Mi = 2 ** 20;

/** The default stack with `ci`, its objects and its demo pipelines as rendered. */
function example(ci: CiEngineKind): { objects: any[]; files: Array<{ path: string; docs: any[] }> } {
  const app = new App();
  defaultStack(app, ci === CiEngineKind.WOODPECKER ? { ...DEFAULT_CONFIG, ci, host: WOODPECKER_HOST } : DEFAULT_CONFIG);
  const objects = app.charts.flatMap((c) => c.toJson());
  const repos = app.node.findAll().filter((c): c is RepositoryPipelines => c instanceof RepositoryPipelines);
  const files = repos.flatMap((r) => r.render()).map((f) => ({ path: f.path, docs: parseAllDocuments(f.content).map((d) => d.toJS()) }));
  return { objects, files };
}

/** A namespace's one LimitRange. */
function limitRangeIn(objects: any[], namespace: string): any {
  const ranges = objects.filter((o) => o.kind === 'LimitRange' && o.metadata.namespace === namespace);
  expect(ranges).toHaveLength(1);
  return ranges[0];
}

/** A namespace's ResourceQuota, or one that tracks nothing, and so demands nothing, where it has none. */
function quotaIn(objects: any[], namespace: string): any {
  const quotas = objects.filter((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === namespace);
  expect(quotas.length).toBeLessThanOrEqual(1);
  return quotas[0] ?? NO_QUOTA;
}

/** No quota: one that tracks nothing demands nothing. */
const NO_QUOTA = { spec: { hard: {} } };

describe('Drone: a pipeline pod\'s workspace and layers are bounded by the LimitRange\'s ephemeral storage', () => {
  const { objects, files } = example(CiEngineKind.DRONE);
  const runner = find(objects, 'Deployment', 'drone-runner');
  const env = literalEnv(container(runner));
  const pipelines = files.flatMap((f) => f.docs).filter((d) => d.kind === 'pipeline');

  test('the example\'s pipelines, in any build namespace: every container limited to 4Gi and requesting 256Mi, the pod to 4Gi a container', () => {
    expect(pipelines.map((p) => p.name)).toEqual(['build', 'deploy']);
    // the runner's policies decide where each runs: every build namespace is checked
    const namespaces = objects.filter((o) => o.kind === 'LimitRange' && o.metadata.name === 'drone-runner-builds').map((o) => o.metadata.namespace);
    expect(namespaces).toEqual(['dockyard-builds', 'dockyard-publish', 'dockyard-deploy']);
    expect(namespaces).toContain(env.DRONE_NAMESPACE_DEFAULT);
    for (const [pipeline, namespace] of pipelines.flatMap((p) => namespaces.map((ns) => [p, ns] as const))) {
      const limitRange = limitRangeIn(objects, namespace);
      const pod = droneBuildPod(pipeline, env);
      // the premise: the runner sets no ephemeral storage, and the workspace emptyDir has no sizeLimit
      expect(ephemeralStorageBounds(pod as Pod)).toEqual({
        pod: undefined, containers: Object.fromEntries(pod.containers.map((c) => [c.name, undefined])), emptyDirs: { _workspace: undefined },
      });
      const { errors, pod: admitted } = admit(pod as Pod, limitRange, quotaIn(objects, namespace));
      expect(errors).toEqual([]);
      const n = pipeline.steps.length + 1;
      for (const c of admitted.containers) {
        expect(c.resources.limits!['ephemeral-storage']).toBe('4Gi');
        expect(c.resources.requests!['ephemeral-storage']).toBe('256Mi');
        // the runner's own CPU and memory requests stay: its 100m and 128Mi for the pod, split
        expect(c.resources.requests!.cpu).toMatch(/^\d+m$/);
      }
      // the kubelet evicts the pod once its workspace, layers and logs pass 4Gi a container (clone and steps)
      expect(ephemeralStorageBounds(admitted)).toEqual({
        pod: n * 4 * Gi, containers: Object.fromEntries(admitted.containers.map((c) => [c.name, 4 * Gi])), emptyDirs: { _workspace: undefined },
      });
      expect(admitted.annotations['kubernetes.io/limit-ranger']).toContain('ephemeral-storage request for container clone');
    }
    expect(pipelines[0].steps.map((s: any) => s.name)).toEqual(['test', 'publish']);
  });

  test('the scheduler counts 256Mi of disk a container, so a pipeline of many steps still schedules', () => {
    const limitRange = limitRangeIn(objects, env.DRONE_NAMESPACE_DEFAULT);
    const many = { steps: Array.from({ length: 30 }, (_, i) => ({ name: `step-${i}` })) };
    const { errors, pod } = admit(droneBuildPod(many, env) as Pod, limitRange, quotaIn(objects, env.DRONE_NAMESPACE_DEFAULT));
    expect(errors).toEqual([]);
    const requested = pod.containers.reduce((total, c) => total + Number(c.resources.requests!['ephemeral-storage'].replace('Mi', '')) * Mi, 0);
    expect(requested).toBe(31 * 256 * Mi);
  });

  test('buildEphemeralStorageLimit sets the limit and the max: no step can ask for more (Drone has no such setting)', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), buildEphemeralStorageLimit: '10Gi' });
    const item = find(synth(chart), 'LimitRange', 'drone-runner-builds', 'ci-builds').spec.limits[0];
    expect([item.default['ephemeral-storage'], item.defaultRequest['ephemeral-storage'], item.max['ephemeral-storage']]).toEqual(['10Gi', '256Mi', '10Gi']);
  });
});

describe('Woodpecker: each step pod\'s layers and logs are bounded; the workspace is a claim of workspaceSize', () => {
  const { objects, files } = example(CiEngineKind.WOODPECKER);
  const agents = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent');

  test('the example\'s workflows, on every agent: every step pod limited to 4Gi, requesting 256Mi, beside the workspace claim', () => {
    const workflows = files.flatMap((f) => f.docs);
    expect(workflows.map((w) => w.steps.map((step: any) => step.name))).toEqual([['test', 'publish'], ['migrate']]);
    expect(agents.length).toBeGreaterThan(0);
    for (const agent of agents) {
      const env = literalEnv(container(agent));
      const limitRange = limitRangeIn(objects, env.WOODPECKER_BACKEND_K8S_NAMESPACE);
      // the workspace is a PersistentVolumeClaim of this size (volume.go:28-64), not the node's ephemeral storage
      expect(env.WOODPECKER_BACKEND_K8S_VOLUME_SIZE).toBe('10G');
      for (const workflow of workflows) {
        for (const pod of woodpeckerStepPods(workflow)) {
          expect(ephemeralStorageBounds(pod).pod).toBeUndefined();
          const { errors, pod: admitted } = admit(pod, limitRange, quotaIn(objects, env.WOODPECKER_BACKEND_K8S_NAMESPACE));
          expect(errors).toEqual([]);
          const c = admitted.containers[0];
          expect(c.resources).toEqual({
            requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
            limits: { 'cpu': '1', 'memory': '2Gi', 'ephemeral-storage': '4Gi' },
          });
          expect(ephemeralStorageBounds(admitted).pod).toBe(4 * Gi);
        }
      }
    }
  });

  test('a step may ask for more up to buildMaxEphemeralStorage, and is refused above it', () => {
    const limitRange = limitRangeIn(objects, agents.map((a) => literalEnv(container(a)).WOODPECKER_BACKEND_K8S_NAMESPACE)[0]);
    const step = (limit: string) => woodpeckerStepPods({
      skip_clone: true, steps: [{ name: 'build', backend_options: { kubernetes: { resources: { limits: { 'ephemeral-storage': limit } } } } }],
    })[0];
    const allowed = admit(step('16Gi'), limitRange, NO_QUOTA);
    expect(allowed.errors).toEqual([]);
    // a limit alone is the request too (SetDefaults_Pod), so the scheduler reserves it all
    expect(allowed.pod.containers[0].resources.requests!['ephemeral-storage']).toBe('16Gi');
    expect(admit(step('17Gi'), limitRange, NO_QUOTA).errors).toEqual(['maximum ephemeral-storage usage per Container is 16Gi']);
  });

  test('a non-root step\'s permission init container is bounded too, and counts as the larger of it and the step', () => {
    const limitRange = limitRangeIn(objects, agents.map((a) => literalEnv(container(a)).WOODPECKER_BACKEND_K8S_NAMESPACE)[0]);
    const [pod] = woodpeckerStepPods({ skip_clone: true, steps: [{ name: 'build', backend_options: { kubernetes: { securityContext: { runAsUser: 1000 } } } }] });
    const { errors, pod: admitted } = admit(pod, limitRange, NO_QUOTA);
    expect(errors).toEqual([]);
    expect(admitted.initContainers[0].resources.limits).toEqual({ 'cpu': '5m', 'memory': '12Mi', 'ephemeral-storage': '4Gi' });
    expect(ephemeralStorageBounds(admitted).pod).toBe(4 * Gi);
  });
});

describe('the model can fail: without ephemeral storage in the LimitRange nothing bounds the disk', () => {
  test('a LimitRange of CPU and memory alone leaves a Drone pod and its workspace unbounded', () => {
    const { objects, files } = example(CiEngineKind.DRONE);
    const env = literalEnv(container(find(objects, 'Deployment', 'drone-runner')));
    const item = limitRangeIn(objects, env.DRONE_NAMESPACE_DEFAULT).spec.limits[0];
    const strip = (list: Record<string, string>) => Object.fromEntries(Object.entries(list).filter(([k]) => k !== 'ephemeral-storage'));
    const without = { spec: { limits: [{ type: 'Container', default: strip(item.default), max: strip(item.max) }] } };
    const pipeline = files.flatMap((f) => f.docs).find((d) => d.kind === 'pipeline');
    const { errors, pod } = admit(droneBuildPod(pipeline, env) as Pod, without, NO_QUOTA);
    expect(errors).toEqual([]);
    expect(ephemeralStorageBounds(pod).pod).toBeUndefined();
  });

  test('a default limit without a default request would have every container request its whole limit', () => {
    const item = stored({ type: 'Container', default: { 'ephemeral-storage': '4Gi' } });
    expect(item.defaultRequest).toEqual({ 'ephemeral-storage': '4Gi' });
    const pod: Pod = { annotations: {}, containers: [{ name: 'a', resources: {} }], initContainers: [] };
    limitRanger(pod, [item]);
    expect(pod.containers[0].resources.requests).toEqual({ 'ephemeral-storage': '4Gi' });
  });
});

describe('ephemeral storage settings are checked at synth', () => {
  test.each([
    ['100Mi', 'invalid buildEphemeralStorageLimit "100Mi": must be at least 256Mi, the ephemeral storage every build container requests (LimitRange defaultRequest), such as "4Gi"'],
    ['4', 'invalid buildEphemeralStorageLimit "4": must be at least 256Mi'],
    ['4 Gi', 'invalid buildEphemeralStorageLimit "4 Gi": must be a Kubernetes quantity'],
  ])('Drone refuses buildEphemeralStorageLimit %s', (limit, message) => {
    const chart = testChart('ci');
    expect(refusal(() => new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), buildEphemeralStorageLimit: limit }))).toContain(message);
  });

  test('Woodpecker refuses a limit below the request, and a max below the limit', () => {
    expect(refusal(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'Builds', { buildEphemeralStorageLimit: '1Mi' })))
      .toContain('invalid buildEphemeralStorageLimit "1Mi": must be at least 256Mi');
    expect(refusal(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'Builds', { buildEphemeralStorageLimit: '20Gi' })))
      .toBe('invalid buildMaxEphemeralStorage "16Gi": must be at least buildEphemeralStorageLimit "20Gi"');
    expect(refusal(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'Builds', { buildMaxEphemeralStorage: '2Gi' })))
      .toBe('invalid buildMaxEphemeralStorage "2Gi": must be at least buildEphemeralStorageLimit "4Gi"');
  });
});

// How much of the cluster's nodes untrusted builds can hold at once: the runner's capacity bounds how many pipelines
// run, but each pipeline sets its own requests, so the namespace every pull request runs in has a ResourceQuota on
// them. A quota refuses a pod, it does not queue it: the defaults admit every pipeline the engine runs at once.
describe('the pull requests\' namespace bounds what its pods request together, and admits the example\'s builds', () => {
  test('Drone: capacity pipelines of the example run at once; a pull request that asks for whole nodes is refused past the quota', () => {
    const { objects, files } = example(CiEngineKind.DRONE);
    const env = literalEnv(container(find(objects, 'Deployment', 'drone-runner')));
    const pool = env.DRONE_NAMESPACE_DEFAULT;
    const quota = quotaIn(objects, pool);
    expect(quota.metadata.name).toBe('drone-runner-builds');
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '20', 'requests.memory': '40Gi', 'pods': '40' });
    // only the pool: the other build namespaces are claimed by policies for trusted events
    expect(objects.filter((o) => o.kind === 'ResourceQuota' && o.metadata.labels?.['app.kubernetes.io/name'] === 'drone').map((o) => o.metadata.namespace))
      .toEqual([pool]);
    const limitRange = limitRangeIn(objects, pool);
    const pipelines = files.flatMap((f) => f.docs).filter((d) => d.kind === 'pipeline');
    const capacity = Number(env.DRONE_RUNNER_CAPACITY);
    expect(capacity).toBe(10);
    // every example pipeline, capacity times over, in the pool at once
    const pods = pipelines.flatMap((p) => Array.from({ length: capacity / pipelines.length }, () => droneBuildPod(p, env) as Pod));
    expect(admitAll(pods, limitRange, quota)).toEqual(pods.map(() => []));
    // and while the runner rolls (every onboarding rolls it: its policies are read at start), the stopping runner's
    // capacity stages beside the new one's, and as many finished pods still being deleted, which count until their
    // grace period ends (kubernetes pkg/quota/v1/evaluator/core/pods.go QuotaV1Pod): three times over, admitted
    const rolling = [...pods, ...pods, ...pods];
    expect(admitAll(rolling, limitRange, quota)).toEqual(rolling.map(() => []));
    // a pull request whose pipeline asks for 16 cores and 32Gi: 4 and 8Gi a container, the LimitRange's max, with limits
    // as high on every step (a request above the container's limit, the LimitRange's default one, makes the pod invalid)
    const step = (name: string) => ({ name, resources: { limits: { cpu: 4000, memory: 8 * Gi } } });
    const greedy = { clone: { disable: true }, resources: { requests: { cpu: 16000, memory: 32 * Gi } }, steps: ['a', 'b', 'c', 'd'].map(step) };
    expect(admit(droneBuildPod(greedy, env) as Pod, limitRange, NO_QUOTA).pod.containers[0].resources.requests).toMatchObject({ cpu: '4000m', memory: String(8 * Gi) });
    // one fits; a second would make 32 cores, and its stage fails
    expect(admitAll(Array.from({ length: capacity }, () => droneBuildPod(greedy, env) as Pod), limitRange, quota).map((e) => e.join())).toEqual([
      '', ...Array.from({ length: capacity - 1 }, () => 'exceeded quota: requests.cpu=20,exceeded quota: requests.memory=40Gi'),
    ]);
    // the model can fail: without the quota all ten hold 160 cores
    expect(admitAll(Array.from({ length: capacity }, () => droneBuildPod(greedy, env) as Pod), limitRange, NO_QUOTA).flat()).toEqual([]);
  });

  // drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:667-711: the pod's memory request is split in 4Mi parts,
  // the CPU in 1m parts, and each container requests at least DRONE_RESOURCE_MIN_REQUEST_MEMORY/_CPU (4MB and 1m,
  // command/daemon/config.go:76-77), which Dockyard leaves unset; divideIntEqually (:823-845) gives the parts past
  // the first 32 (128Mi / 4Mi) nothing, so each of those containers requests the minimum on top
  test('Drone: a pipeline of more than 32 containers requests 4Mi each, more than buildResources, and fits the default quota', () => {
    const { objects } = example(CiEngineKind.DRONE);
    const env = literalEnv(container(find(objects, 'Deployment', 'drone-runner')));
    const pool = env.DRONE_NAMESPACE_DEFAULT;
    const total = (pod: Pod) => pod.containers.reduce((sum, c) => sum + Number(c.resources.requests!.memory), 0);
    const pipeline = (steps: number) => droneBuildPod({ steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}` })) }, env) as Pod;
    // the clone step and 31 steps: the pod's 128Mi, split
    expect(total(pipeline(31))).toBe(128 * Mi);
    // the clone step and 39: 4Mi each
    expect(total(pipeline(39))).toBe(40 * 4 * Mi);
    // admitted: the LimitRange sets no minimum and the default quota is capacity times a step's default limit
    const ten = Array.from({ length: 10 }, () => pipeline(39));
    expect(admitAll(ten, limitRangeIn(objects, pool), quotaIn(objects, pool))).toEqual(ten.map(() => []));
    // a quota at the least synth takes, ten pods of 128Mi, holds eight of them (160Mi each): the ninth and tenth are refused
    const tight = { spec: { hard: { 'requests.memory': '1280Mi' } } };
    expect(admitAll(ten, limitRangeIn(objects, pool), tight).map((e) => e.join())).toEqual([
      ...Array.from({ length: 8 }, () => ''), ...Array.from({ length: 2 }, () => 'exceeded quota: requests.memory=1280Mi'),
    ]);
  });

  // drone-runner-kube v1.0.0-rc.5: a debug build's tmate init container is an internal step
  // (engine/compiler/compiler.go:455-466) that the request split (:666-711, spec.Steps only) never reaches, rendered
  // without resources (engine/convert.go:200-218); the LimitRange's defaultRequest is all it gets, and a pod counts
  // the larger of its init containers and the sum of the others (kubernetes pkg/api/v1/resource/helpers.go PodRequests)
  test('Drone: a debug build\'s tmate init container requests the pipeline\'s defaults, not its limit, and the pod asks no more', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), tmate: true });
    const objects = synth(chart);
    const env = literalEnv(container(find(objects, 'Deployment', 'drone-runner')));
    expect(env.DRONE_TMATE_ENABLED).toBe('true');
    const limitRange = limitRangeIn(objects, env.DRONE_NAMESPACE_DEFAULT);
    const pipeline = { steps: [{ name: 'test' }, { name: 'publish' }] };
    const debug = admit(droneBuildPod(pipeline, env, { debug: true }) as Pod, limitRange, NO_QUOTA);
    expect(debug.errors).toEqual([]);
    expect(debug.pod.initContainers.map((c) => c.resources.requests)).toEqual([{ 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' }]);
    // what the quota counts: the same as the build without debugging, the pipeline's 100m and 128Mi
    const plain = admit(droneBuildPod(pipeline, env) as Pod, limitRange, NO_QUOTA);
    expect(plain.pod.initContainers).toEqual([]);
    const tight = { spec: { hard: { 'requests.cpu': '100m', 'requests.memory': '128Mi' } } };
    expect(admit(droneBuildPod(pipeline, env, { debug: true }) as Pod, limitRange, tight).errors).toEqual([]);
    // the model can fail: without the LimitRange's cpu and memory defaultRequest it requests its 2 CPU and 4Gi limit,
    // and the quota that holds the build refuses it
    const item = limitRange.spec.limits[0];
    const bare = { spec: { limits: [{ ...item, defaultRequest: { 'ephemeral-storage': item.defaultRequest['ephemeral-storage'] } }] } };
    const unset = admit(droneBuildPod(pipeline, env, { debug: true }) as Pod, bare, tight);
    expect(unset.pod.initContainers[0].resources.requests).toMatchObject({ cpu: '2', memory: '4Gi' });
    expect(unset.errors.join()).toMatch(/exceeded quota/);
  });

  test('Woodpecker: the example\'s workflows run in the pool; a pull request that starts a hundred steps at once gets fifty pods', () => {
    const { objects, files } = example(CiEngineKind.WOODPECKER);
    const pool = find(objects, 'LimitRange', 'woodpecker-agent-builds', 'dockyard-builds').metadata.namespace;
    const quota = quotaIn(objects, pool);
    expect(quota.spec.hard).toEqual({ 'requests.cpu': '8', 'requests.memory': '16Gi', 'pods': '50' });
    expect(objects.filter((o) => o.kind === 'ResourceQuota' && o.metadata.labels?.['app.kubernetes.io/name'] === 'woodpecker').map((o) => o.metadata.namespace))
      .toEqual([pool]);
    const limitRange = limitRangeIn(objects, pool);
    // every step pod of every workflow at once (they run one after another, as no step sets depends_on: the worst
    // case), and the workspace claims beside (the quota counts no claims)
    const pods = files.flatMap((f) => f.docs).flatMap((w) => woodpeckerStepPods(w));
    expect(admitAll(pods, limitRange, quota)).toEqual(pods.map(() => []));
    // and while the runner rolls (every onboarding rolls it: its policies are read at start), the stopping runner's
    // capacity stages beside the new one's, and as many finished pods still being deleted, which count until their
    // grace period ends (kubernetes pkg/quota/v1/evaluator/core/pods.go QuotaV1Pod): three times over, admitted
    const rolling = [...pods, ...pods, ...pods];
    expect(admitAll(rolling, limitRange, quota)).toEqual(rolling.map(() => []));
    // a hundred steps that depend on nothing: one stage, all started at once (dag.go:41-76)
    const fanOut = woodpeckerStepPods({ skip_clone: true, steps: Array.from({ length: 100 }, (_, i) => ({ name: `s${i}`, depends_on: [] })) });
    const errors = admitAll(fanOut, limitRange, quota);
    expect(errors.filter((e) => e.length === 0)).toHaveLength(50);
    expect(errors[50]).toEqual(['exceeded quota: pods=50']);
  });

  test('a quota below what the engine runs at once, or not a quantity, is refused at synth', () => {
    const runner = (props: object) => () => {
      const chart = testChart('ci');
      return new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), ...props });
    };
    expect(refusal(runner({ buildQuota: { cpu: '900m' } }))).toBe('invalid buildQuota.cpu "900m": must hold the 10 pipelines the runner runs at once ' +
      '(capacity), each pod requesting 100m CPU and 128Mi memory (buildResources) (DroneKubeRunner "test/Runner")');
    expect(refusal(runner({ capacity: 30, buildQuota: { pods: 20 } }))).toContain('invalid buildQuota.pods 20: must hold the 30 pipelines');
    expect(refusal(runner({ buildQuota: { memory: '0' } }))).toBe('invalid buildQuota.memory "0": must be a Kubernetes quantity above zero, such as "4", "500m" ' +
      'or "8Gi" (DroneKubeRunner "test/Runner")');
    expect(refusal(runner({ buildQuota: { cpus: '8' } }))).toContain('invalid buildQuota.cpus');
    expect(refusal(() => new WoodpeckerBuildNamespaces(testChart('ci'), 'Builds', { buildQuota: { memory: '100Mi' } })))
      .toBe('invalid buildQuota.memory "100Mi": must hold one step that sets no resources, requesting 100m CPU and 128Mi memory (the LimitRange\'s defaultRequest)');
  });

  test('the Drone defaults follow capacity and buildResources', () => {
    const chart = testChart('ci');
    new DroneKubeRunner(chart, 'Runner', {
      server: droneServer(chart), capacity: 3, buildResources: Resources.of({ cpuRequest: '250m', cpuLimit: '1500m', memoryRequest: '256Mi', memoryLimit: '3Gi' }),
    });
    expect(find(synth(chart), 'ResourceQuota', 'drone-runner-builds', 'ci-builds').spec.hard).toEqual({ 'requests.cpu': '4500m', 'requests.memory': '9Gi', 'pods': '12' });
  });
});
