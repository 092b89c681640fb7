// Kubernetes' RBAC authorizer, as a function of rendered objects, to run a deploy tool's requests against the Roles
// Dockyard renders. From kubernetes/kubernetes:
// - plugin/pkg/auth/authorizer/rbac/rbac.go@01aa0f3f6052c9866dcb69054d8924fa8c96e3cb `authorizingVisitor.visit`
//   (63-73) and `RuleAllows`: a request is allowed as soon as one rule bound to its user allows it, else denied; a
//   rule allows a resource request when its verbs, API groups, resources (`<resource>/<subresource>` for a
//   subresource) and resource names all match;
// - pkg/apis/rbac/v1/evaluation_helpers.go@03bf11a309fd1369f5c2dc7f3b31d63a97a14d66 `VerbMatches` (31-42),
//   `APIGroupMatches` (44-55), `ResourceMatches` (57-83: `*`, the exact combined name, or `*/<subresource>`) and
//   `ResourceNameMatches` (85-97: no names is every name);
// - pkg/registry/rbac/validation/rule.go `VisitRulesFor`: ClusterRoleBindings for every request, the RoleBindings of
//   the request's namespace only (a cluster-wide request has none); `appliesToUser`: a ServiceAccount subject by
//   namespace and name, and the groups every ServiceAccount token carries (system:serviceaccounts,
//   system:serviceaccounts:<namespace>, system:authenticated).

/** One API request, as the authorizer sees it (`authorizer.Attributes`). */
export interface ApiRequest {
  readonly verb: string;
  /** `""` for the core group. */
  readonly apiGroup: string;
  /** The plural resource, e.g. `deployments`. */
  readonly resource: string;
  readonly subresource?: string;
  /** Unset for a cluster-wide request (a cluster-scoped kind, or a list across namespaces). */
  readonly namespace?: string;
  /** Unset for a list, a watch or a create without a name. */
  readonly name?: string;
}

/** A rule as a rendered Role or ClusterRole holds it. */
export interface RenderedRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** `RuleAllows` of a resource request. */
export function ruleAllows(rule: RenderedRule, request: ApiRequest): boolean {
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const verb = rule.verbs.some((v) => v === '*' || v === request.verb);
  const group = (rule.apiGroups ?? []).some((g) => g === '*' || g === request.apiGroup);
  const resource = (rule.resources ?? []).some((r) => r === '*' || r === combined ||
    (!!request.subresource && r.length === request.subresource.length + 2 && r.startsWith('*/') && r.endsWith(request.subresource)));
  const name = !rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name));
  return verb && group && resource && name;
}

/** `RulesAllow`: some rule allows it. */
export function rulesAllow(rules: readonly RenderedRule[], request: ApiRequest): boolean {
  return rules.some((rule) => ruleAllows(rule, request));
}

/** A ServiceAccount, as a RoleBinding names it. */
export interface Account {
  readonly namespace: string;
  readonly name: string;
}

function appliesTo(subject: any, account: Account, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'ServiceAccount':
      // a ServiceAccount subject without a namespace is the binding's (`appliesToUser`)
      return subject.name === account.name && (subject.namespace || bindingNamespace) === account.namespace;
    case 'User':
      return subject.name === `system:serviceaccount:${account.namespace}:${account.name}`;
    case 'Group':
      return ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'].includes(subject.name);
    default:
      return false;
  }
}

/**
 * Whether `account` may make `request`, by the Roles and ClusterRoles among `objects` bound to it. A binding to a
 * ClusterRole that `objects` do not define fails the call: the model would not know what it grants.
 */
export function accountMay(objects: readonly any[], account: Account, request: ApiRequest): boolean {
  const bindings = objects.filter((o) => (o.kind === 'ClusterRoleBinding' ||
    (o.kind === 'RoleBinding' && request.namespace !== undefined && o.metadata.namespace === request.namespace)) &&
    (o.subjects ?? []).some((s: any) => appliesTo(s, account, o.metadata.namespace)));
  return bindings.some((binding) => {
    const role = objects.find((o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name &&
      (o.kind === 'ClusterRole' || o.metadata.namespace === binding.metadata.namespace));
    if (role === undefined) {
      throw new Error(`${binding.kind} ${binding.metadata.namespace ?? ''}/${binding.metadata.name} binds ${binding.roleRef.kind} ${binding.roleRef.name}, which is not rendered`);
    }
    return rulesAllow(role.rules ?? [], request);
  });
}

/** How a request reads in a message: `patch deployments.apps/scale "web" in payments`. */
export function describeRequest(request: ApiRequest): string {
  const resource = `${request.resource}${request.apiGroup ? `.${request.apiGroup}` : ''}${request.subresource ? `/${request.subresource}` : ''}`;
  return `${request.verb} ${resource}${request.name ? ` "${request.name}"` : ''} ${request.namespace ? `in ${request.namespace}` : 'cluster-wide'}`;
}
