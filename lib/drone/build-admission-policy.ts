import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkObject, describeValue, invalid } from '../core';
import { AdmissionCheck, admissionPolicy, admissionRule } from '../core/admission-policy';
import { instancesIn, recordInstance } from '../core/instances';
import { warnOnce } from '../core/warn';
import { DroneKubeRunner } from './runner';

/** The name of the ValidatingAdmissionPolicy, and of its binding, that keeps Drone's build pods to their nodes. */
export const DRONE_BUILD_POLICY = 'dockyard-drone-builds';

/**
 * The tolerations the API server itself gives every pod, which build pods keep: the DefaultTolerationSeconds admission
 * plugin adds `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable` with effect `NoExecute` to a pod
 * that has neither (kubernetes `plugin/pkg/admission/defaulttolerationseconds/admission.go`), before validating
 * admission runs.
 */
const DEFAULT_TOLERATION_KEYS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * The node label, and taint key, of a node's CPU architecture. GKE taints every Arm node
 * `kubernetes.io/arch=arm64:NoSchedule` and its own admission adds the matching toleration to a pod whose node selector
 * asks for `kubernetes.io/arch: arm64` (GKE "Prepare an Arm workload for deployment": "GKE automatically adds a
 * toleration"), which is how a Drone pipeline builds on Arm (`node_selector`; the runner turns `platform.arch` into a
 * pod label only, drone-runner-kube v1.0.0-rc.5 `engine/compiler/compiler.go:331-334`). That toleration lets the pod
 * onto no node its node selector does not already confine it to, so it passes.
 */
const ARCH_KEY = 'kubernetes.io/arch';

/**
 * The checks of every pod created in a Drone build namespace. A pipeline's `node_name`, `node_selector` and
 * `tolerations` reach its pod as written (drone-runner-kube v1.0.0-rc.5 `engine/resource/pipeline.go:48-51`,
 * `engine/compiler/compiler.go:212-221,275-284`), and no runner policy can clear `node_name` (`engine/policy/policy.go:
 * 99-122`): so any pipeline, a fork's pull request included, could bind its pod to any node without the scheduler, or
 * tolerate any taint, and run on control-plane, GPU or otherwise dedicated nodes.
 *
 * - `spec.nodeName` at create: the pod names its node itself (the scheduler binds the others through `pods/binding`,
 *   which this policy does not match).
 * - tolerations other than the two the API server adds (`DEFAULT_TOLERATION_KEYS`), with effect `NoExecute`, and the
 *   architecture's (`ARCH_KEY`) for exactly the architecture the pod's node selector asks for: a toleration of no key
 *   and operator `Exists` tolerates every taint.
 *
 * Each expression tests for the field first: one that reads a missing field is an error, which `failurePolicy: Fail`
 * would turn into a refusal of every pod.
 */
export const DRONE_BUILD_CHECKS: readonly AdmissionCheck[] = [
  {
    expression: "!has(object.spec.nodeName) || object.spec.nodeName == ''",
    message: 'a build pod may not name its node (a pipeline\'s node_name): it would run on any node, control-plane and dedicated nodes included',
  },
  {
    expression: '!has(object.spec.tolerations) || object.spec.tolerations.all(t, has(t.key) && has(t.effect) && (' +
      `((${DEFAULT_TOLERATION_KEYS.map((k) => `t.key == ${JSON.stringify(k)}`).join(' || ')}) && t.effect == 'NoExecute') || ` +
      `(t.key == ${JSON.stringify(ARCH_KEY)} && t.effect == 'NoSchedule' && (!has(t.operator) || t.operator == 'Equal') && has(t.value) && ` +
      `has(object.spec.nodeSelector) && ${JSON.stringify(ARCH_KEY)} in object.spec.nodeSelector && ` +
      `object.spec.nodeSelector[${JSON.stringify(ARCH_KEY)}] == t.value)))`,
    message: 'a build pod may not tolerate taints (a pipeline\'s tolerations): it would run on tainted nodes, control-plane and dedicated nodes included',
  },
];

/** Props of `DroneBuildAdmissionPolicy`: none yet. */
export interface DroneBuildAdmissionPolicyProps {}

/**
 * A ValidatingAdmissionPolicy and its binding that refuse build pods which choose their node, in every namespace of
 * the cluster labelled as a Drone runner's build namespace (`DroneKubeRunner.BUILD_NAMESPACE_LABEL`, of every runner):
 * a pipeline's `node_name`, and tolerations beyond the two the API server gives every pod (`DRONE_BUILD_CHECKS`) and
 * the taint of the CPU architecture its node selector asks for (GKE's Arm nodes'). A pipeline's `node_selector` is let
 * through: it cannot reach a tainted node. Needs Kubernetes 1.30 or later
 * (`admissionregistration.k8s.io/v1`), hence not in the example stacks while Dockyard supports 1.27; once in a
 * cluster. A build's code cannot lift it: no pipeline's identity may relabel its Namespace, a cluster-scoped object.
 * A build namespace made outside the app (`createBuildNamespaces: false`, `create: false`) is covered only once
 * labelled so; synth warns of each that no Namespace of the app labels (it cannot see a label put on in the cluster).
 *
 * A pipeline that sets either fails at its pod's create, with the policy's message in the runner's log.
 */
export class DroneBuildAdmissionPolicy extends Construct {
  public constructor(scope: Construct, id: string, props: DroneBuildAdmissionPolicyProps = {}) {
    super(scope, id);
    // cluster-wide objects of fixed names, covering every runner's build namespaces: a second would name the same objects
    const first = instancesIn(this.node.root, DroneBuildAdmissionPolicy)[0];
    if (first !== undefined) {
      invalid('DroneBuildAdmissionPolicy', id, `must be made once in an app: ${first.node.path} renders the cluster's policy already, which ` +
        'covers the build namespaces of every Drone runner');
    }
    recordInstance(DroneBuildAdmissionPolicy, this);
    checkObject('props', props, 'must be {}');
    const given = Object.keys(props)[0];
    if (given !== undefined) {
      invalid(given, (props as Record<string, unknown>)[given], 'a DroneBuildAdmissionPolicy has no props');
    }
    admissionPolicy(this, 'Policy', 'Binding', {
      name: DRONE_BUILD_POLICY, component: 'build-admission', checks: DRONE_BUILD_CHECKS,
      match: admissionRule([''], ['v1'], ['pods'], ['CREATE']),
      namespaceSelector: { matchExpressions: [{ key: DroneKubeRunner.BUILD_NAMESPACE_LABEL, operator: 'Exists' }] },
    });
    // at synth, once every runner and build namespace of the app is made
    this.node.addValidation({ validate: () => { warnUnlabelled(this); return []; } });
  }
}

/**
 * Warn of each Drone build namespace that no Namespace of the app labels as one (`DroneKubeRunner.BUILD_NAMESPACE_LABEL`):
 * one made outside the app (`createBuildNamespaces: false`, `create: false`) carries the label only if someone put it
 * there, and the binding's namespace selector leaves the pods of a namespace without it unchecked, so its pipelines
 * could still name any node and tolerate any taint while the policy seems to be in force.
 */
function warnUnlabelled(policy: Construct): void {
  const labelled = new Set<string>();
  const runners: DroneKubeRunner[] = [];
  for (const c of policy.node.root.node.findAll()) {
    if (c instanceof DroneKubeRunner) {
      runners.push(c);
    } else if (c instanceof ApiObject && c.kind === 'Namespace') {
      const o = c.toJson();
      if (o?.metadata?.labels?.[DroneKubeRunner.BUILD_NAMESPACE_LABEL] !== undefined) {
        labelled.add(o.metadata.name);
      }
    }
  }
  for (const runner of runners) {
    const name = runner.buildNamespaceLabels[DroneKubeRunner.BUILD_NAMESPACE_LABEL];
    for (const namespace of runner.buildNamespaces.filter((n) => !labelled.has(n))) {
      // conditional, as the synth cannot see the cluster's labels: a label put there with kubectl, as offered, leaves
      // this warning standing, and only a Namespace of the app that carries it settles it
      warnOnce(policy, `DroneBuildAdmissionPolicy: build namespace ${describeValue(namespace)} of Drone runner ${describeValue(name)} is made ` +
        `outside the app and the policy applies only in namespaces labelled ${DroneKubeRunner.BUILD_NAMESPACE_LABEL}: unless it carries that ` +
        `label in the cluster, its pipelines may still name their node and tolerate any taint; label it (kubectl label namespace ${namespace} ` +
        `${DroneKubeRunner.BUILD_NAMESPACE_LABEL}=${name}), or, to end this warning, define it in the app with the runner's buildNamespaceLabels`);
    }
  }
}
