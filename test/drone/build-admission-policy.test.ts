// DroneBuildAdmissionPolicy: a pipeline's node_name and tolerations reach its pod as written (drone-runner-kube
// v1.0.0-rc.5 engine/resource/pipeline.go:48-51, engine/compiler/compiler.go:212-221,275-284), and no runner policy
// can clear node_name (engine/policy/policy.go:99-122), so any pipeline, a fork's pull request included, could run on
// any node. The policy refuses such build pods at create.
//
// Upstream behaviour encoded here:
// - The API server evaluates each validation as CEL over the admitted pod (test/policy/checks/admission.ts), after
//   mutating admission: the DefaultTolerationSeconds plugin has added node.kubernetes.io/not-ready and
//   node.kubernetes.io/unreachable (NoExecute, 300 s) to a pod without them (kubernetes
//   plugin/pkg/admission/defaulttolerationseconds/admission.go), so those must pass.
// - The binding applies in namespaces its namespaceSelector matches (test/policy/checks/selectors.ts), and the policy
//   matches pod creates only: the scheduler binds the others through pods/binding, another resource.
import { ApiObject } from 'cdk8s';
import { DRONE_BUILD_CHECKS, DRONE_BUILD_POLICY, DroneBuildAdmissionPolicy, DroneKubeRunner, Namespace } from '../../lib';
import { validateSchema } from '../policy/checks';
import { admits } from '../policy/checks/admission';
import { selects } from '../policy/checks/selectors';
import { find, refusal, stderrOf, synth, testChart } from '../util';
import { droneServer } from './fixtures';

/** A build pod as the runner makes it, after the API server's mutating admission, with `spec` added. */
const pod = (spec: object = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'drone-abc', namespace: 'ci-builds' },
  spec: {
    containers: [{ name: 'step', image: 'docker.io/library/alpine:3.21' }],
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    ...spec,
  },
});

describe('DroneBuildAdmissionPolicy', () => {
  const chart = testChart('ci');
  const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart) });
  new Namespace(chart, 'Namespace', { name: 'ci' });
  new DroneBuildAdmissionPolicy(chart, 'BuildPolicy');
  const objects = synth(chart);
  const policy = find(objects, 'ValidatingAdmissionPolicy', DRONE_BUILD_POLICY);
  const binding = find(objects, 'ValidatingAdmissionPolicyBinding', DRONE_BUILD_POLICY);
  const buildNamespace = find(objects, 'Namespace', runner.buildNamespace);

  test('renders a policy over pod creates and its binding to every runner\'s build namespaces, valid against Kubernetes 1.36', () => {
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }]);
    expect(policy.spec.validations.map((v: any) => v.expression)).toEqual(DRONE_BUILD_CHECKS.map((c) => c.expression));
    expect(binding.spec).toEqual({
      policyName: DRONE_BUILD_POLICY, validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: DroneKubeRunner.BUILD_NAMESPACE_LABEL, operator: 'Exists' }] } },
    });
    expect(validateSchema([policy, binding], '1.36.0')).toEqual([]);
  });

  test('applies in the runner\'s build namespaces, and nowhere else of the app', () => {
    expect(selects(binding.spec.matchResources.namespaceSelector, buildNamespace.metadata.labels)).toBe(true);
    const others = objects.filter((o) => o.kind === 'Namespace' && o.metadata.name !== runner.buildNamespace);
    expect(others.length).toBeGreaterThan(0);
    for (const ns of others) {
      expect(selects(binding.spec.matchResources.namespaceSelector, ns.metadata.labels ?? {})).toBe(false);
    }
  });

  test('admits a build pod as the runner makes it, with the tolerations the API server adds, and a node selector', () => {
    expect(admits(policy, pod())).toBe(true);
    expect(admits(policy, pod({ tolerations: undefined }))).toBe(true);
    expect(admits(policy, pod({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } }))).toBe(true);
    expect(admits(policy, pod({ nodeName: '' }))).toBe(true);
  });

  // GKE taints every Arm node kubernetes.io/arch=arm64:NoSchedule and adds the matching toleration to a pod whose node
  // selector asks for arm64 (GKE docs, "Prepare an Arm workload for deployment"), before validating admission: a
  // pipeline's node_selector is how it builds on Arm (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:331-334
  // makes platform.arch a pod label only)
  const arch = { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' };
  const onArm = (toleration: object, nodeSelector: object | null = { 'kubernetes.io/arch': 'arm64' }) =>
    pod({ ...(nodeSelector === null ? {} : { nodeSelector }), tolerations: [...pod().spec.tolerations, toleration] });

  test('admits a pod that asks for Arm nodes with the toleration GKE adds for them', () => {
    expect(admits(policy, onArm(arch))).toBe(true);
    const { operator, ...noOperator } = arch;
    expect(admits(policy, onArm(noOperator))).toBe(true);
    // the node selector may ask for more than the architecture: the toleration still reaches only Arm nodes
    expect(admits(policy, onArm(arch, { pool: 'builds', 'kubernetes.io/arch': 'arm64' }))).toBe(true);
  });

  test.each([
    ['another architecture than its node selector\'s', onArm({ ...arch, value: 'amd64' })],
    ['the architecture without a node selector for it', onArm(arch, null)],
    ['the architecture with a node selector of another key', onArm(arch, { pool: 'arm' })],
    ['every architecture (operator Exists)', onArm({ key: 'kubernetes.io/arch', operator: 'Exists', effect: 'NoSchedule' })],
    ['the architecture with another effect', onArm({ ...arch, effect: 'NoExecute' })],
    ['the architecture with no effect, which matches every effect', onArm({ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64' })],
    ['the architecture with operator Equal and no value, which matches a taint of an empty value', onArm({ key: 'kubernetes.io/arch', operator: 'Equal', effect: 'NoSchedule' })],
  ])('refuses a toleration of %s', (_, p) => {
    expect(admits(policy, p)).toBe(false);
  });

  test.each([
    ['a node named by the pipeline (node_name)', { nodeName: 'control-plane-1' }],
    ['a toleration of the control plane\'s taint', { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }],
    ['a toleration of every taint (no key, operator Exists)', { tolerations: [{ operator: 'Exists' }] }],
    ['a default key with another effect', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }] }],
    ['a default key with no effect, which matches every effect', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }],
  ])('refuses %s', (_, spec) => {
    expect(admits(policy, pod(spec))).toBe(false);
  });

  test('is made once in an app: a second names the same cluster-wide objects', () => {
    expect(refusal(() => new DroneBuildAdmissionPolicy(chart, 'Again'))).toBe('invalid DroneBuildAdmissionPolicy "Again": must be made once in an ' +
      'app: test/BuildPolicy renders the cluster\'s policy already, which covers the build namespaces of every Drone runner');
  });

  test('refuses props it does not know', () => {
    const other = testChart('ci');
    expect(refusal(() => new DroneBuildAdmissionPolicy(other, 'P', { nodeName: false } as any))).toBe('invalid nodeName false: a DroneBuildAdmissionPolicy has no props');
  });
});

// The binding selects namespaces by DroneKubeRunner.BUILD_NAMESPACE_LABEL (namespaceSelector, Exists): a build namespace
// made outside the app carries it only if someone put it there, and its pods are otherwise never checked.
describe('DroneBuildAdmissionPolicy and build namespaces made outside the app', () => {
  const unlabelled = (namespace: string) => `dockyard: warning: DroneBuildAdmissionPolicy: build namespace "${namespace}" of Drone runner ` +
    '"drone-runner" is made outside the app and the policy applies only in namespaces labelled dockyard.dev/drone-runner: unless it carries ' +
    'that label in the cluster, its pipelines may still name their node and tolerate any taint; label it (kubectl label namespace ' +
    `${namespace} dockyard.dev/drone-runner=drone-runner), or, to end this warning, define it in the app with the runner's buildNamespaceLabels\n`;

  test('warns, once each, of a build namespace no Namespace of the app labels', () => {
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), createBuildNamespaces: false, extraBuildNamespaces: ['deploy'] });
    new DroneBuildAdmissionPolicy(chart, 'BuildPolicy');
    expect(stderrOf(() => chart.toJson())).toBe(unlabelled(runner.buildNamespace) + unlabelled('deploy'));
  });

  test('says nothing of the namespaces the runner creates, or of one the user labels in the app', () => {
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart) });
    runner.addBuildNamespace('deploy', { create: false });
    new ApiObject(chart, 'Deploy', {
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'deploy', labels: { ...runner.buildNamespaceLabels } },
    });
    new DroneBuildAdmissionPolicy(chart, 'BuildPolicy');
    expect(stderrOf(() => chart.toJson())).toBe('');
  });

  test('the warning\'s way to end it works: the namespaces defined in the app with the runner\'s buildNamespaceLabels', () => {
    // a label put on in the cluster (kubectl label), the warning's other way, is one the synth cannot see: the warning
    // says "unless", and stays
    const chart = testChart('ci');
    const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), createBuildNamespaces: false, extraBuildNamespaces: ['deploy'] });
    for (const name of runner.buildNamespaces) {
      new Namespace(chart, `Build-${name}`, { name, labels: { ...runner.buildNamespaceLabels } });
    }
    new DroneBuildAdmissionPolicy(chart, 'BuildPolicy');
    expect(stderrOf(() => chart.toJson())).toBe('');
  });
});
