import { Construct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, checkKnownProps, describeValue, invalid } from '../core';
import { exposedHosts } from '../core/exposure-hosts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../core/labels';
import { instancesIn, recordInstance } from '../core/instances';
import { AdmissionCheck, admissionPolicy, admissionRule } from '../core/admission-policy';
import { TEAM_DEPLOYER, TEAM_LABEL, TEAM_PLATFORM_LABEL } from './team';

/**
 * The name of the ValidatingAdmissionPolicy and of its binding: one for every team namespace of the cluster
 * (`<name>-<platformName>` with `TeamAdmissionPolicyProps.platformName`, for that platform's).
 */
export const TEAM_SERVICE_POLICY = 'dockyard-team-services';

/** One check of `TeamAdmissionPolicy`: a CEL expression over the admitted object, and its refusal. */
export type TeamServiceCheck = AdmissionCheck;

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

/** The name of the policy, and of its binding, that keeps the shared ingress controller from requests a team aims. */
export const TEAM_INGRESS_POLICY = 'dockyard-team-ingresses';

/**
 * The checks of every Ingress of a team namespace, with or without `hostsDomain`: ingress-nginx annotations that make
 * the shared controller, which every team namespace admits on every port, send requests to an address the Ingress
 * names: `auth-url` (a subrequest per request, whose status and chosen headers come back), `mirror-target` and
 * `mirror-host` (a copy of every request, method and body included), and snippets (raw configuration, `proxy_pass`
 * anywhere). The controller has no egress policy of Dockyard's, so they reach another team's Services that have no
 * Ingress of their own, the platform's, and the cloud metadata endpoint. ingress-nginx controller-v1.14.5 rates the
 * first three High risk, which its default `annotations-risk-level` (High) accepts
 * (internal/ingress/annotations/mirror/main.go, authreq/main.go, controller/config/config.go). Matched by the
 * annotation's name after any prefix, as `--annotation-prefix` can change it.
 */
export const TEAM_INGRESS_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: "!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.endsWith('/auth-url') || " +
      "k.endsWith('/mirror-target') || k.endsWith('/mirror-host') || k.endsWith('-snippet'))",
    message: 'an Ingress of a team namespace may not set ingress-nginx\'s auth-url, mirror-target, mirror-host or a snippet annotation: the shared ' +
      'controller would send requests where the Ingress says, another team\'s Services and the cloud metadata endpoint included',
  },
];

/** The name of the policy, and of its binding, that keeps each team's Ingresses to its own hosts. */
export const TEAM_INGRESS_HOSTS_POLICY = 'dockyard-team-ingress-hosts';
/** The name of the policy, and of its binding, that keeps each team's Gateway API routes to its own hosts. */
export const TEAM_ROUTE_HOSTS_POLICY = 'dockyard-team-route-hosts';

/** CEL: whether host `h` (an expression) is the team's domain, `variables.teamDomain` (`<team>.<hostsDomain>`), or below it. */
const ownHost = (h: string) => `(${h} == variables.teamDomain || ${h}.endsWith('.' + variables.teamDomain))`;

/**
 * ingress-nginx's Ingress annotation that adds a host: `server-alias` adds names to the server's `server_name`
 * (ingress-nginx annotations docs, "Server Alias"). Snippets, which can add any, are refused in every team namespace
 * whatever the hosts (`TEAM_INGRESS_CHECKS`), a policy every `hostsDomain` comes with.
 */
const HOST_ANNOTATIONS = "k == 'nginx.ingress.kubernetes.io/server-alias'";

/**
 * The host checks of `TeamAdmissionPolicyProps.hostsDomain` for Ingresses, each a CEL expression over the admitted
 * Ingress as `object`, with `variables.teamDomain` the team's own domain, `<team>.<hostsDomain>` (the team from its
 * namespace's `dockyard.dev/team` label): every host an Ingress routes or holds a certificate for is that domain or
 * below it (`*.pay.apps.example.com` included). A rule without a host and a `defaultBackend` answer for every host,
 * and ingress-nginx's `server-alias` and snippet annotations can add any, so they are refused. ingress-nginx merges
 * the Ingresses of one host across namespaces, so without this a team could claim paths under another team's host.
 */
export const TEAM_INGRESS_HOST_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: '!has(object.spec.defaultBackend)',
    message: 'an Ingress of a team namespace may not set spec.defaultBackend: it would answer for every host',
  },
  {
    expression: `!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ${ownHost('r.host')})`,
    message: 'an Ingress of a team namespace may route only hosts of its team\'s domain, <team>.<hostsDomain>, each rule naming one',
  },
  {
    expression: `!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, ${ownHost('h')}))`,
    message: 'an Ingress of a team namespace may hold certificates only for hosts of its team\'s domain, <team>.<hostsDomain>',
  },
  {
    expression: `!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, ${HOST_ANNOTATIONS})`,
    message: 'an Ingress of a team namespace may not set nginx.ingress.kubernetes.io/server-alias: it can add another host',
  },
];

/**
 * The host checks of `TeamAdmissionPolicyProps.hostsDomain` for Gateway API routes (HTTPRoute, GRPCRoute and
 * TLSRoute, which name hosts in `spec.hostnames`; TCPRoute and UDPRoute, which name none, are refused): a route must
 * name hostnames, each of its team's domain or below it. A route without hostnames takes every host of the listeners
 * it attaches to.
 */
export const TEAM_ROUTE_HOST_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: `has(object.spec.hostnames) && size(object.spec.hostnames) > 0 && object.spec.hostnames.all(h, ${ownHost('h')})`,
    message: 'a Gateway API route of a team namespace must name hostnames, each of its team\'s domain, <team>.<hostsDomain> (TCPRoutes and ' +
      'UDPRoutes, which name none, are refused)',
  },
];

/** The name of the policy, and of its binding, that keeps legacy ServiceAccount token Secrets out of team namespaces. */
export const TEAM_SECRET_POLICY = 'dockyard-team-secrets';

/**
 * The check of every Secret created or updated in a team namespace: none of type `kubernetes.io/service-account-token`.
 * The token controller fills such a Secret, made by anyone who may create Secrets (a deploy with
 * `DeployPermission.helmReleases()`), with a token of the account its `kubernetes.io/service-account.name`
 * annotation names, any account of the namespace, that never expires: kube-controller-manager's tokens controller
 * (kubernetes/kubernetes pkg/controller/serviceaccount/tokens_controller.go, `syncSecret` and
 * `generateTokenIfNeeded`, which signs `serviceaccount.LegacyClaims`, claims without an expiry, pkg/serviceaccount/
 * legacy.go) still does so on every version from 1.27 to 1.36: 1.24 stopped only its making one for every account
 * (LegacyServiceAccountTokenNoAutoGeneration), and the cleaner of unused legacy tokens (LegacyServiceAccountTokenCleanUp,
 * on by default from 1.29) deletes only a Secret its account lists in `secrets`, which a Secret made by hand is not
 * (`legacy_serviceaccount_token_cleaner.go`, `hasSecretReference`). Nothing of the platform makes one in a team
 * namespace. A Secret's type cannot change after its create (`ValidateSecretUpdate`, pkg/apis/core/validation), and
 * the API server defaults a missing type to `Opaque` before admission, but the expression tests for it all the same.
 * Updates are refused whoever asks, kube-controller-manager's included: the cleaner labels an unused token it made
 * `kubernetes.io/legacy-token-invalid-since` (a patch) before it deletes it on a later pass (`evaluateSATokens`), so in
 * a team namespace it removes none. Delete the token Secrets there before applying the policy (README).
 */
export const TEAM_SECRET_CHECKS: readonly TeamServiceCheck[] = [
  {
    expression: "!has(object.type) || object.type != 'kubernetes.io/service-account-token'",
    message: 'a team namespace may not hold a Secret of type kubernetes.io/service-account-token: the token controller would fill it with a ' +
      'token that never expires for the account it names; pods get short-lived tokens of their own account without it',
  },
];

/**
 * The name of the policy, and of its binding, that keeps a team's deploy identity from the ServiceAccounts and Secrets
 * the platform made in the team's namespaces.
 */
export const TEAM_PLATFORM_OBJECTS_POLICY = 'dockyard-team-platform-objects';

/**
 * CEL: whether the request comes from a team's deploy identity, `system:serviceaccount:<buildNamespace>:deployer`
 * (`TEAM_DEPLOYER`, `Team.deployer`), the username the API server gives a ServiceAccount's token
 * (k8s.io/apiserver pkg/authentication/serviceaccount/util.go `MakeUsername`). Neither a namespace nor an account name
 * holds a colon, so the suffix is the account's whole name. The policy cannot tell a team's build namespace from
 * another namespace, so an account named `deployer` in any namespace counts; the binding limits the check to requests
 * in team namespaces.
 */
const FROM_DEPLOYER = `(request.userInfo.username.startsWith(${JSON.stringify('system:serviceaccount:')}) && ` +
  // as CEL string literals, as the label below: JSON's escapes are CEL's
  `request.userInfo.username.endsWith(${JSON.stringify(`:${TEAM_DEPLOYER}`)}))`;

/**
 * The kinds of `TEAM_PLATFORM_OBJECT_CHECKS`: those of the platform's objects in a team namespace that a deploy
 * identity may be granted to write. The platform places there, labelled `app.kubernetes.io/managed-by: dockyard`,
 * ServiceAccounts (the `default` account of each namespace, which holds the team's pull secret in the app namespaces,
 * and the deploy identity's own in the build namespace) and Secrets (the team's pull secret `<team>-pull` in each app
 * namespace and the build namespace; on Woodpecker the build namespace's `<team>-harbor-push` and `<team>-harbor-pull`;
 * on a Drone runner of the team's own, its pull-request namespace's `registry-credentials`).
 * `DeployAccess.DEFAULT_PERMISSIONS` manage ServiceAccounts, and `DeployPermission.helmReleases()` adds update and
 * delete of Secrets. Its other kinds there need no admission check: `DeployPermission` refuses RBAC to every deploy,
 * and `Team` refuses `deployPermissions` (and `memberPermissions`) that grant any verb but get, list and watch on
 * ResourceQuotas, LimitRanges and NetworkPolicies (`team-quota`, `team-defaults`, `team-default-deny` and the others),
 * a custom `DeployPermission.allow()` with create alone included (lib/team/team.ts, `TEAM_BOUNDARIES`), so RBAC keeps
 * the deploy from creating, changing or deleting any of them, its own allow-all NetworkPolicy included, before
 * admission is asked.
 */
const PLATFORM_OBJECT_RESOURCES = ['serviceaccounts', 'secrets'];

/**
 * The check of every update and delete of a ServiceAccount or Secret in a team namespace: the team's deploy identity,
 * which manages the team's own accounts (`DeployAccess.DEFAULT_PERMISSIONS`) and with
 * `DeployPermission.helmReleases()` its Secrets, may neither delete nor change one the platform made, labelled
 * `app.kubernetes.io/managed-by: dockyard`: the `default` account of each app namespace, with the team's pull secret,
 * and that pull secret `<team>-pull` itself. `kubectl apply --prune --all` as the deploy identity would delete either
 * (each carries the last-applied annotation the platform's client-side apply left), the serviceaccounts controller
 * makes the account again without the pull secret, and without the Secret the app's pods cannot pull until the
 * platform's next apply; an update could drop the label first and then delete. For a delete the API server admits the old object, `object`
 * being null (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go,
 * `AdmissionToValidateObjectDeleteFunc`; a `deletecollection` admits each object so). Everyone else is let through:
 * the platform's own applies, and the namespace controller deleting a namespace's contents, which runs as
 * `system:serviceaccount:kube-system:namespace-controller` or as kube-controller-manager itself
 * (cmd/kube-controller-manager/app/core.go, `startNamespaceController`). The expression reads only the request and
 * the old object's labels, which both kinds have, so one policy serves both.
 */
export const TEAM_PLATFORM_OBJECT_CHECKS: readonly TeamServiceCheck[] = [
  {
    // the label and its value as CEL string literals: JSON's escapes are CEL's
    expression: `!${FROM_DEPLOYER} || !has(oldObject.metadata.labels) || !(${JSON.stringify(MANAGED_BY_LABEL)} in oldObject.metadata.labels) || ` +
      `oldObject.metadata.labels[${JSON.stringify(MANAGED_BY_LABEL)}] != ${JSON.stringify(MANAGED_BY_VALUE)}`,
    message: 'a team\'s deploy identity may not delete or change a ServiceAccount or Secret the platform made (app.kubernetes.io/managed-by: dockyard), ' +
      'such as the namespace\'s default account and the team\'s pull secret: leave them out of the deploy\'s manifests and prune with a label selector',
  },
];

/** What `TeamAdmissionPolicy`'s props (`TeamPlatformProps.admissionPolicy`) must be, as a refusal says it. @internal */
export const ADMISSION_POLICY_PROPS_SHAPE = 'must be the policy\'s props, e.g. {} or { hostsDomain: "apps.example.com" }';

/** Props of `TeamAdmissionPolicy`. */
export interface TeamAdmissionPolicyProps {
  /**
   * The domain under which each team owns the hosts `<team>.<hostsDomain>` and below, e.g. `apps.example.com`: with
   * it, two more policies keep every Ingress (`TEAM_INGRESS_HOSTS_POLICY`) and Gateway API route
   * (`TEAM_ROUTE_HOSTS_POLICY`) of a team namespace to its team's hosts. It must hold none of the platform's own hosts
   * (refused at synth). Point a wildcard DNS record (`*.apps.example.com`) at the ingress controller or Gateway.
   *
   * @default - hosts are not checked: a team may claim paths under another team's host
   */
  readonly hostsDomain?: string;
  /**
   * The platform's name among others in the same cluster, e.g. `staging` (`TeamPlatformProps.platformName`, which
   * `TeamPlatform` passes here): each policy and binding is then named `<name>-<platformName>`
   * (`dockyard-team-services-staging`) and binds only the team namespaces labelled `dockyard.dev/platform:
   * <platformName>`, so that two platforms' policies, their `hostsDomain` above all, neither overwrite each other nor
   * judge each other's teams. A DNS label.
   *
   * @default - the policies are named as the constants say and bind every team namespace of the cluster, of every
   *   platform: one platform per cluster
   */
  readonly platformName?: string;
}

/**
 * ValidatingAdmissionPolicies and their bindings for every namespace labelled `dockyard.dev/team` (each team's app,
 * build and pull-request namespaces, of every `TeamPlatform` in the cluster): one that refuses the two Services a team
 * could reach past its isolation with (`TEAM_SERVICE_CHECKS`), one that refuses the Ingress annotations that aim the
 * shared ingress controller's requests (`TEAM_INGRESS_CHECKS`), one that refuses legacy ServiceAccount token Secrets
 * (`TEAM_SECRET_CHECKS`), one that keeps the team's deploy identity from deleting or changing the ServiceAccounts and
 * Secrets the platform made (`TEAM_PLATFORM_OBJECT_CHECKS`), and with `hostsDomain` two that keep its Ingresses and
 * Gateway API routes to its own hosts (`TEAM_INGRESS_HOST_CHECKS`, `TEAM_ROUTE_HOST_CHECKS`). Needs Kubernetes 1.30 or later
 * (`admissionregistration.k8s.io/v1`). A team cannot lift them: its Roles cannot relabel its Namespace, a
 * cluster-scoped object. Made by `TeamPlatform` with `admissionPolicy`, once in an app; with `platformName`, named
 * after the platform and bound to its team namespaces only, once per platform (README, Two platforms in one cluster).
 *
 * The checks match creates and updates, so a Service, Ingress, route or token Secret that breaks one and was made
 * before the policy can no longer be updated, its finalizers included (deleting it still works): delete or fix such
 * objects before applying it. The platform objects' check alone matches updates and deletes, of the deploy identity only.
 */
export class TeamAdmissionPolicy extends Construct {
  /**
   * The platform whose team namespaces the policies bind (`TeamAdmissionPolicyProps.platformName`).
   *
   * @default - every team namespace of the cluster
   */
  public readonly platformName?: string;

  public constructor(scope: Construct, id: string, props: TeamAdmissionPolicyProps = {}) {
    super(scope, id);
    // the policies are cluster-wide objects of fixed names (per platform name), each covering every team namespace (of
    // that platform): a second set would name the same objects (a duplicate to Pulumi, and with other props one set
    // overwriting the other)
    checkKnownProps('a TeamAdmissionPolicy', props, ['hostsDomain', 'platformName'], ADMISSION_POLICY_PROPS_SHAPE);
    const platformName = props.platformName === undefined ? undefined : checkDnsLabel('platformName', props.platformName);
    const first = instancesIn(this.node.root, TeamAdmissionPolicy).find((p) => p.platformName === platformName);
    if (first !== undefined) {
      invalid('admissionPolicy', props, `must be set once in an app${platformName === undefined ? '' : ` for platform ${describeValue(platformName)}`}: ` +
        `${first.node.path} renders the cluster's team policies already, which cover every team namespace of every TeamPlatform` +
        `${platformName === undefined ? '' : ' of that platformName'}`);
    }
    this.platformName = platformName;
    recordInstance(TeamAdmissionPolicy, this);
    const hostsDomain = props.hostsDomain === undefined ? undefined : checkDnsSubdomain('hostsDomain', props.hostsDomain);
    const policy = (id: string, bindingId: string, name: string, match: object, checks: readonly TeamServiceCheck[],
      variables?: { name: string; expression: string }[]) => teamPolicy(this, id, bindingId, name, platformName, match, checks, variables);
    // one policy per API, so that every expression reads fields of the kinds it is checked against
    policy('Policy', 'Binding', TEAM_SERVICE_POLICY, admissionRule([''], ['v1'], ['services']), TEAM_SERVICE_CHECKS);
    policy('IngressPolicy', 'IngressBinding', TEAM_INGRESS_POLICY, admissionRule(['networking.k8s.io'], ['v1'], ['ingresses']), TEAM_INGRESS_CHECKS);
    policy('SecretPolicy', 'SecretBinding', TEAM_SECRET_POLICY, admissionRule([''], ['v1'], ['secrets']), TEAM_SECRET_CHECKS);
    policy('PlatformObjectsPolicy', 'PlatformObjectsBinding', TEAM_PLATFORM_OBJECTS_POLICY, admissionRule([''], ['v1'], PLATFORM_OBJECT_RESOURCES, ['UPDATE', 'DELETE']),
      TEAM_PLATFORM_OBJECT_CHECKS);
    if (hostsDomain !== undefined) {
      // the domain as a CEL string literal: JSON's escapes are CEL's, and a DNS name needs none
      const teamDomain = [{ name: 'teamDomain', expression: `namespaceObject.metadata.labels[${JSON.stringify(TEAM_LABEL)}] + ${JSON.stringify(`.${hostsDomain}`)}` }];
      policy('IngressHostsPolicy', 'IngressHostsBinding', TEAM_INGRESS_HOSTS_POLICY, admissionRule(['networking.k8s.io'], ['v1'], ['ingresses']),
        TEAM_INGRESS_HOST_CHECKS, teamDomain);
      policy('RouteHostsPolicy', 'RouteHostsBinding', TEAM_ROUTE_HOSTS_POLICY,
        admissionRule(['gateway.networking.k8s.io'], ['*'], ['httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'udproutes']), TEAM_ROUTE_HOST_CHECKS, teamDomain);
      // at synth, once every exposure of the app is made: a platform host in the teams' domain is one a team could take
      this.node.addValidation({ validate: () => { checkPlatformHosts(this, hostsDomain); return []; } });
    }
  }
}

/**
 * Refuse a `hostsDomain` that holds a host the app's own exposures serve (the CI server's, Harbor's): a team named
 * like its first label would be let to claim paths under it, which ingress-nginx merges into the platform's.
 */
function checkPlatformHosts(scope: Construct, hostsDomain: string): void {
  const taken = exposedHosts(scope).find((e) => e.host === hostsDomain || e.host.endsWith(`.${hostsDomain}`));
  if (taken !== undefined) {
    invalid('hostsDomain', hostsDomain, `must hold none of the platform's own hosts: ${taken.owner.node.path}'s ${taken.kind} serves ` +
      `${describeValue(taken.host)}, which a team's Ingress could then claim; give the teams a domain of their own, e.g. "apps.${hostsDomain}"`);
  }
}

/**
 * A policy of `checks` over `match`, bound to every team namespace (`admissionPolicy`, as the team admission
 * component); with a platform name, named `<name>-<platformName>` and bound to that platform's team namespaces only.
 * Without one, name and selector are as before platform names existed, so that existing clusters keep their objects.
 */
function teamPolicy(scope: Construct, id: string, bindingId: string, name: string, platformName: string | undefined, match: object,
  checks: readonly TeamServiceCheck[], variables?: { name: string; expression: string }[]): void {
  const teams = { key: TEAM_LABEL, operator: 'Exists' };
  admissionPolicy(scope, id, bindingId, {
    name: platformName === undefined ? name : `${name}-${platformName}`, component: 'team-admission', match, checks, variables,
    namespaceSelector: {
      matchExpressions: platformName === undefined ? [teams] : [teams, { key: TEAM_PLATFORM_LABEL, operator: 'In', values: [platformName] }],
    },
  });
}
