import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { kube } from './k8s';
import { isNamespaceDefined } from './namespace';
import { PullAccess } from './pull-access';
import { invalid } from './validation';

/**
 * One RBAC rule. Wildcards are refused: Dockyard grants only named resources and verbs.
 *
 * A rule whose `resourceNames` is empty at synth time is dropped, because Kubernetes reads an empty list as "all".
 */
export interface PolicyRule {
  /** The API groups, `""` for the core group. */
  readonly apiGroups: readonly string[];
  /** The resources, a subresource as `<resource>/<subresource>`. */
  readonly resources: readonly string[];
  /** The verbs granted on them. */
  readonly verbs: readonly string[];
  /**
   * The objects the rule is limited to, by name.
   *
   * @default - every object of the resources
   */
  readonly resourceNames?: readonly string[];
}

// RBAC reads `*/<subresource>` in `resources` as that subresource of every resource, so `*/exec` is `pods/exec`
// (kubernetes/kubernetes pkg/apis/rbac/v1/evaluation_helpers.go, `ResourceMatches`)
/**
 * Whether an item of a rule's `field` is a wildcard Dockyard refuses: `*` anywhere (RBAC reads it as "all" in API
 * groups, resources and verbs, and compares it literally in resource names, where it is refused as well), and in
 * `resources` also a star followed by a slash and a subresource, which grants that subresource of every resource.
 */
export function isWildcard(field: 'apiGroups' | 'resources' | 'verbs' | 'resourceNames', item: string): boolean {
  return item === '*' || (field === 'resources' && item.startsWith('*/'));
}

/**
 * Who a RoleBinding grants its Role to: a ServiceAccount, possibly of another namespace, or a user or group as the
 * API server's authenticator names them (an OIDC token's claims, a client certificate's CN and O).
 */
export type RoleSubject =
  | { readonly kind: 'ServiceAccount'; readonly name: string; readonly namespace: string }
  | { readonly kind: 'User' | 'Group'; readonly name: string };

/** What a `NamespacedAccess` grants, and to whom. */
export interface NamespacedAccessProps {
  /** The Role's and RoleBinding's name. */
  readonly name: string;
  /** Where the Role applies. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly PolicyRule[];
  /** Who the Role is bound to. */
  readonly subjects: readonly RoleSubject[];
}

/** The subject of one ServiceAccount. */
export function serviceAccountSubject(account: { readonly name: string; readonly namespace: string }): RoleSubject {
  return { kind: 'ServiceAccount', name: account.name, namespace: account.namespace };
}

/** A Role and the RoleBinding that grants it to its subjects: ServiceAccounts, possibly of other namespaces, users or groups. */
export class NamespacedAccess extends Construct {
  public constructor(scope: Construct, id: string, props: NamespacedAccessProps) {
    super(scope, id);
    for (const rule of props.rules) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
        if (rule[field]?.some((item) => isWildcard(field, item))) {
          invalid(`rules.${field}`, rule[field], 'must name each item; wildcards are refused');
        }
      }
    }
    const metadata = { name: props.name, namespace: props.namespace, labels: props.labels };
    kube(this, 'Role', 'Role', {
      metadata,
      rules: Lazy.any({
        produce: () => props.rules
          .filter((r) => r.resourceNames === undefined || r.resourceNames.length > 0)
          .map((r) => ({ ...r, resourceNames: r.resourceNames && [...r.resourceNames].sort() })),
      }),
    });
    kube(this, 'RoleBinding', 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      // users and groups are RBAC's (their apiGroup); a ServiceAccount is the core group's, which the API reads as ""
      subjects: props.subjects.map((s) => (s.kind === 'ServiceAccount'
        ? { kind: s.kind, name: s.name, namespace: s.namespace }
        : { apiGroup: 'rbac.authorization.k8s.io', kind: s.kind, name: s.name })),
    });
  }
}

/**
 * A ServiceAccount that mounts no token unless its pods ask for one, or `automountToken` is set. It lists no pull
 * secrets, so its pods pull with their own (`PullAccess`): in a namespace the app creates it has none; in one made
 * elsewhere an account of that name may be there already, with some.
 */
export function serviceAccount(
  scope: Construct, id: string, metadata: { name: string; namespace: string; labels: Record<string, string> }, automountToken = false,
): ApiObject {
  const account = kube(scope, id, 'ServiceAccount', { metadata, automountServiceAccountToken: automountToken });
  PullAccess.recordAccount(account, metadata.namespace, metadata.name, () => (isNamespaceDefined(scope, metadata.namespace) ? [] : undefined));
  return account;
}
