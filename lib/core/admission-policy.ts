import { Construct } from 'constructs';
import { k8s, kube } from './k8s';
import { componentLabels } from './labels';

/** One check of a ValidatingAdmissionPolicy: a CEL expression over the admitted object that must hold. */
export interface AdmissionCheck {
  /** The CEL expression, over the admitted object as `object`, that must hold. */
  readonly expression: string;
  /** What the API server answers when it does not. */
  readonly message: string;
}

/** What `admissionPolicy` renders. */
export interface AdmissionPolicyProps {
  /** The policy's name, and its binding's: cluster-scoped, so one of each in a cluster. */
  readonly name: string;
  /** The component both are labelled as (`app.kubernetes.io/component`), e.g. `team-admission`. */
  readonly component: string;
  /** The requests the policy matches (`matchConstraints`): `admissionRule(...)`. */
  readonly match: object;
  /** The checks, each refusing the request with its message when false. */
  readonly checks: readonly AdmissionCheck[];
  /** The namespaces the binding applies the policy in. */
  readonly namespaceSelector: object;
  /** CEL variables, evaluated in order before the checks (Kubernetes 1.28+). */
  readonly variables?: readonly { readonly name: string; readonly expression: string }[];
}

/** The match of a policy: `operations` on `resources` of the API groups and versions given. */
export function admissionRule(apiGroups: string[], apiVersions: string[], resources: string[], operations = ['CREATE', 'UPDATE']): object {
  return { resourceRules: [{ apiGroups, apiVersions, operations, resources }] };
}

/**
 * A ValidatingAdmissionPolicy (`admissionregistration.k8s.io/v1`, Kubernetes 1.30+) and its binding, refusing: a check
 * that is false refuses the request with its message, and one that cannot be evaluated refuses it too
 * (`failurePolicy: Fail`), rather than letting it through. Both are labelled as `component`, with the policy's name
 * as their instance.
 */
export function admissionPolicy(scope: Construct, id: string, bindingId: string, props: AdmissionPolicyProps): void {
  const { name } = props;
  const labels = componentLabels({ name: 'dockyard', instance: name, component: props.component });
  kube(scope, id, 'ValidatingAdmissionPolicy', {
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: props.match,
      ...(props.variables ? { variables: props.variables.map((v) => ({ ...v })) } : {}),
      validations: props.checks.map((c) => ({ expression: c.expression, message: c.message, reason: 'Forbidden' })),
      // typed by the 1.27 binding's v1alpha1 spec, which predates `variables` (1.28); the 1.36 schema checks the whole
    } as k8s.ValidatingAdmissionPolicySpecV1Alpha1,
  });
  kube(scope, bindingId, 'ValidatingAdmissionPolicyBinding', {
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: props.namespaceSelector } },
  });
}
