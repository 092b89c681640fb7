import { Construct } from 'constructs';
import { componentLabels } from '../core';
import { kube } from '../core/k8s';
import { TEAM_LABEL } from './team';

/** The name of the ValidatingAdmissionPolicy and of its binding: one for every team namespace of the cluster. */
export const TEAM_SERVICE_POLICY = 'dockyard-team-services';

/** One check of `TeamAdmissionPolicy`. */
export interface TeamServiceCheck {
  /** The CEL expression, over the admitted Service as `object`, that must hold. */
  readonly expression: string;
  /** What the API server answers when it does not. */
  readonly message: string;
}

/**
 * The checks, each a CEL expression over the Service as admitted, and the refusal the API server returns for it.
 *
 * - `ExternalName`: a Service that is a DNS alias can name another team's Service, and an Ingress to it makes the
 *   ingress controller, which every team's NetworkPolicies admit, forward to that Service (ingress-nginx does unless
 *   started with `--disable-svc-external-name`).
 * - `externalIPs`: kube-proxy captures traffic to any address listed there, cluster-wide (CVE-2020-8554).
 *
 * The API server defaults `spec.type` before admission, but each expression still tests for the field first: an
 * expression that reads a missing field is an error, which `failurePolicy: Fail` turns into a refusal of every Service.
 */
export const TEAM_SERVICE_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: "!has(object.spec.type) || object.spec.type != 'ExternalName'",
    message: 'a team namespace may not create a Service of type ExternalName: it could alias another team\'s Service behind the shared ingress controller',
  },
  {
    expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
    message: 'a team namespace may not set a Service\'s spec.externalIPs: kube-proxy would capture that address\'s traffic cluster-wide (CVE-2020-8554)',
  },
];

/**
 * A ValidatingAdmissionPolicy and its binding that refuse, in every namespace labelled `dockyard.dev/team` (each
 * team's app, build and pull-request namespaces, of every `TeamPlatform` in the cluster), the two Services a team could
 * reach past its isolation with: `TEAM_SERVICE_CHECKS`. Needs Kubernetes 1.30 or later
 * (`admissionregistration.k8s.io/v1`). A team cannot lift it: its Roles cannot relabel its Namespace, a cluster-scoped
 * object. Made by `TeamPlatform` with `admissionPolicy: true`.
 */
export class TeamAdmissionPolicy extends Construct {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    const labels = componentLabels({ name: 'dockyard', instance: TEAM_SERVICE_POLICY, component: 'team-admission' });
    kube(this, 'Policy', 'ValidatingAdmissionPolicy', {
      metadata: { name: TEAM_SERVICE_POLICY, labels },
      spec: {
        // a check that cannot be evaluated refuses the Service rather than letting it through
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }],
        },
        validations: TEAM_SERVICE_CHECKS.map((c) => ({ expression: c.expression, message: c.message, reason: 'Forbidden' })),
      },
    });
    kube(this, 'Binding', 'ValidatingAdmissionPolicyBinding', {
      metadata: { name: TEAM_SERVICE_POLICY, labels },
      spec: {
        policyName: TEAM_SERVICE_POLICY,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: 'Exists' }] } },
      },
    });
  }
}
