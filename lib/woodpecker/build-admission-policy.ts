import { Construct } from 'constructs';
import { checkDnsSubdomain, checkKnownProps, checkUniqueList, invalid } from '../core';
import { AdmissionCheck, admissionPolicy, admissionRule } from '../core/admission-policy';
import { instancesIn, recordInstance } from '../core/instances';
import { WoodpeckerBuildNamespaces } from './builds';

/** The name of the ValidatingAdmissionPolicy, and of its binding, that keeps Woodpecker's step pods to their RuntimeClasses. */
export const WOODPECKER_BUILD_POLICY = 'dockyard-woodpecker-builds';

/**
 * The checks of every pod created in a Woodpecker build namespace, letting a step name only the RuntimeClasses in
 * `runtimeClassNames`. Woodpecker v3.17.0 puts a step's `backend_options.kubernetes.runtimeClassName` on its pod as
 * written and has no agent setting to refuse it (`pipeline/backend/kubernetes/pod.go:186`), and the RuntimeClass
 * admission plugin adds the class's `scheduling` node selector and tolerations to the pod (kubernetes
 * `plugin/pkg/admission/runtimeclass/admission.go`), so without this any pipeline, a fork's pull request included,
 * could place its steps on the nodes of any RuntimeClass of the cluster (GPU or sandboxed nodes, say) past the taints
 * that keep other pods off them, or run them under another runtime handler.
 *
 * The expression tests for the field first: one that reads a missing field is an error, which `failurePolicy: Fail`
 * would turn into a refusal of every pod.
 */
export function woodpeckerBuildChecks(runtimeClassNames: readonly string[] = []): AdmissionCheck[] {
  const allowed = runtimeClassNames.length === 0 ? 'none is allowed' : `only ${runtimeClassNames.join(', ')} are allowed`;
  return [{
    expression: `!has(object.spec.runtimeClassName) || object.spec.runtimeClassName in ${JSON.stringify(runtimeClassNames)}`,
    message: `a build pod may not name this RuntimeClass (a step's backend_options.kubernetes.runtimeClassName; ${allowed}): it would run ` +
      'on the nodes and under the runtime the class selects',
  }];
}

/** Props of `WoodpeckerBuildAdmissionPolicy`. */
export interface WoodpeckerBuildAdmissionPolicyProps {
  /**
   * The RuntimeClasses a step may name in `backend_options.kubernetes.runtimeClassName`, each one any pipeline of
   * any repository may then pick, pull requests included.
   *
   * @default - none: a step pod that names a RuntimeClass is refused
   */
  readonly runtimeClassNames?: readonly string[];
}

/**
 * A ValidatingAdmissionPolicy and its binding that refuse a step pod naming a RuntimeClass other than those allowed
 * (`woodpeckerBuildChecks`), in every namespace of the cluster labelled as a Woodpecker build namespace
 * (`WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL`, which every created build namespace and team build namespace
 * carries). The other ways a step could choose its node are off in the agents already: node selector, affinity and
 * tolerations from steps (`WoodpeckerAgent`). Needs Kubernetes 1.30 or later (`admissionregistration.k8s.io/v1`),
 * hence not in the example stacks while Dockyard supports 1.27; once in a cluster. A build namespace made outside the
 * app (`createBuildNamespaces: false`) is covered only once labelled so. A step that names a refused class fails at
 * its pod's create, with the policy's message in the step's log.
 */
export class WoodpeckerBuildAdmissionPolicy extends Construct {
  public constructor(scope: Construct, id: string, props: WoodpeckerBuildAdmissionPolicyProps = {}) {
    super(scope, id);
    // cluster-wide objects of fixed names, covering every agent set's build namespaces: a second would name the same objects
    const first = instancesIn(this.node.root, WoodpeckerBuildAdmissionPolicy)[0];
    if (first !== undefined) {
      invalid('WoodpeckerBuildAdmissionPolicy', id, `must be made once in an app: ${first.node.path} renders the cluster's policy already, ` +
        'which covers the build namespaces of every Woodpecker agent');
    }
    recordInstance(WoodpeckerBuildAdmissionPolicy, this);
    checkKnownProps('a WoodpeckerBuildAdmissionPolicy', props, ['runtimeClassNames']);
    const names = props.runtimeClassNames === undefined ? [] : checkUniqueList('runtimeClassNames', props.runtimeClassNames, { allowEmpty: true });
    names.forEach((n) => checkDnsSubdomain('runtimeClassNames', n));
    admissionPolicy(this, 'Policy', 'Binding', {
      name: WOODPECKER_BUILD_POLICY, component: 'build-admission', checks: woodpeckerBuildChecks(names),
      match: admissionRule([''], ['v1'], ['pods'], ['CREATE']),
      namespaceSelector: { matchExpressions: [{ key: WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL, operator: 'Exists' }] },
    });
  }
}
