import { Construct } from 'constructs';
import { checkDnsSubdomain, checkKnownProps, componentLabels, invalid } from '../core';
import { instancesIn, recordInstance } from '../core/instances';
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

/** The name of the policy, and of its binding, that keeps each team's Ingresses and HTTPRoutes to its own hosts. */
export const TEAM_HOSTS_POLICY = 'dockyard-team-hosts';

/**
 * The host checks of `TeamAdmissionPolicyProps.hostsDomain`, each a CEL expression over the admitted Ingress or
 * HTTPRoute as `object`, with `variables.teamDomain` the team's own domain, `<team>.<hostsDomain>` (the team from
 * its namespace's `dockyard.dev/team` label): every host an Ingress routes or holds a certificate for, and every
 * hostname of an HTTPRoute, is that domain or below it (`*.pay.apps.example.com` included). An Ingress rule without a
 * host, an Ingress's `defaultBackend` and an HTTPRoute without hostnames answer for every host, so they are refused.
 * ingress-nginx merges the Ingresses of one host across namespaces, so without this a team could claim paths under
 * another team's host.
 */
export const TEAM_HOST_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: "object.kind != 'Ingress' || !has(object.spec.defaultBackend)",
    message: 'an Ingress of a team namespace may not set spec.defaultBackend: it would answer for every host',
  },
  {
    expression: "object.kind != 'Ingress' || !has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && " +
      "(r.host == variables.teamDomain || r.host.endsWith('.' + variables.teamDomain)))",
    message: 'an Ingress of a team namespace may route only hosts of its team\'s domain, <team>.<hostsDomain>, each rule naming one',
  },
  {
    expression: "object.kind != 'Ingress' || !has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || " +
      "t.hosts.all(h, h == variables.teamDomain || h.endsWith('.' + variables.teamDomain)))",
    message: 'an Ingress of a team namespace may hold certificates only for hosts of its team\'s domain, <team>.<hostsDomain>',
  },
  {
    expression: "object.kind != 'HTTPRoute' || (has(object.spec.hostnames) && size(object.spec.hostnames) > 0 && " +
      "object.spec.hostnames.all(h, h == variables.teamDomain || h.endsWith('.' + variables.teamDomain)))",
    message: 'an HTTPRoute of a team namespace must name hostnames, each of its team\'s domain, <team>.<hostsDomain>',
  },
];

/** Props of `TeamAdmissionPolicy`. */
export interface TeamAdmissionPolicyProps {
  /**
   * The domain under which each team owns the hosts `<team>.<hostsDomain>` and below, e.g. `apps.example.com`: with
   * it, a second policy (`TEAM_HOSTS_POLICY`) keeps every Ingress and HTTPRoute of a team namespace to its team's
   * hosts (`TEAM_HOST_CHECKS`). Point a wildcard DNS record (`*.apps.example.com`) at the ingress controller.
   *
   * @default - hosts are not checked: a team may claim paths under another team's host
   */
  readonly hostsDomain?: string;
}

/**
 * ValidatingAdmissionPolicies and their bindings for every namespace labelled `dockyard.dev/team` (each team's app,
 * build and pull-request namespaces, of every `TeamPlatform` in the cluster): one that refuses the two Services a team
 * could reach past its isolation with (`TEAM_SERVICE_CHECKS`), and with `hostsDomain` one that keeps its Ingresses
 * and HTTPRoutes to its own hosts (`TEAM_HOST_CHECKS`). Needs Kubernetes 1.30 or later
 * (`admissionregistration.k8s.io/v1`). A team cannot lift them: its Roles cannot relabel its Namespace, a
 * cluster-scoped object. Made by `TeamPlatform` with `admissionPolicy`, once in an app.
 *
 * The checks match updates too, so a Service, Ingress or HTTPRoute that breaks one and was made before the policy can
 * no longer be updated, its finalizers included: delete or fix such objects before applying it.
 */
export class TeamAdmissionPolicy extends Construct {
  public constructor(scope: Construct, id: string, props: TeamAdmissionPolicyProps = {}) {
    super(scope, id);
    // the policies are cluster-wide objects of fixed names, each covering every team namespace: a second set would
    // name the same objects (a duplicate to Pulumi, and with other props one set overwriting the other)
    const first = instancesIn(this.node.root, TeamAdmissionPolicy)[0];
    if (first !== undefined) {
      invalid('admissionPolicy', props, `must be set once in an app: ${first.node.path} renders the cluster's team policies already, which cover ` +
        'every team namespace of every TeamPlatform');
    }
    recordInstance(TeamAdmissionPolicy, this);
    checkKnownProps('a TeamAdmissionPolicy', props, ['hostsDomain'], 'must be the policy\'s props, e.g. {} or { hostsDomain: "apps.example.com" }');
    const hostsDomain = props.hostsDomain === undefined ? undefined : checkDnsSubdomain('hostsDomain', props.hostsDomain);
    const labels = componentLabels({ name: 'dockyard', instance: TEAM_SERVICE_POLICY, component: 'team-admission' });
    policy(this, 'Policy', 'Binding', TEAM_SERVICE_POLICY, labels, {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'] }],
    }, TEAM_SERVICE_CHECKS);
    if (hostsDomain !== undefined) {
      policy(this, 'HostsPolicy', 'HostsBinding', TEAM_HOSTS_POLICY, { ...labels, 'app.kubernetes.io/instance': TEAM_HOSTS_POLICY }, {
        resourceRules: [
          { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] },
          { apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['httproutes'] },
        ],
      }, TEAM_HOST_CHECKS, [{
        name: 'teamDomain',
        // the domain as a CEL string literal: JSON's escapes are CEL's, and a DNS name needs none
        expression: `namespaceObject.metadata.labels[${JSON.stringify(TEAM_LABEL)}] + ${JSON.stringify(`.${hostsDomain}`)}`,
      }]);
    }
  }
}

/** A ValidatingAdmissionPolicy of `checks` over `match`, and its binding to every team namespace, refusing. */
function policy(scope: Construct, id: string, bindingId: string, name: string, labels: Record<string, string>, match: object,
  checks: readonly TeamServiceCheck[], variables?: { name: string; expression: string }[]): void {
  kube(scope, id, 'ValidatingAdmissionPolicy', {
    metadata: { name, labels },
    spec: {
      // a check that cannot be evaluated refuses the object rather than letting it through
      failurePolicy: 'Fail',
      matchConstraints: match,
      ...(variables ? { variables } : {}),
      validations: checks.map((c) => ({ expression: c.expression, message: c.message, reason: 'Forbidden' })),
    } as any,
  });
  kube(scope, bindingId, 'ValidatingAdmissionPolicyBinding', {
    metadata: { name, labels },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: 'Exists' }] } },
    },
  });
}
