import { describeValue, invalid } from '../core';
import { RoleSubject } from '../core/rbac';
import { CiEngineKind } from '../ci';
import { DeployPermission } from '../drone';

// Kubernetes reserves the prefix for its own users and groups ("The prefix system: is reserved for Kubernetes system
// use", kubernetes/website content/en/docs/reference/access-authn-authz/rbac.md, "Referring to subjects"): among them
// system:authenticated (every user who logs in), system:unauthenticated (everyone else), system:masters (past
// RBAC altogether) and system:serviceaccount:<ns>:<name> (a pod's identity), none of which is a team
const RESERVED_PREFIX = 'system:';

/**
 * A person or a group of the team's, by the name the identity provider gives: an OIDC token's username or groups
 * claim, or a client certificate's CN or O. The API server's prefix (`TeamPlatformProps.groupsPrefix`,
 * `usernamePrefix`) is put before it in the RoleBindings. A team's members get `TeamProps.memberPermissions` in its app namespaces and a read of its
 * builds in its build namespace (`TeamProps.members`).
 */
export class TeamMember {
  /**
   * What a team's members may do in its app namespaces unless `TeamProps.memberPermissions` says otherwise: read what
   * runs there and why it might not (workloads and their ReplicaSets, pods and their logs, Services, ConfigMaps,
   * ServiceAccounts, Ingresses and HTTPRoutes, autoscalers and disruption budgets, events, and the quota and policies that bound the
   * namespace): what the deploy identity's `DeployAccess.DEFAULT_PERMISSIONS` create, and what `kubectl describe` of
   * a stuck rollout shows. Not Secrets, and nothing that changes the cluster: deploys go
   * through the team's pipelines, as its deploy identity.
   */
  public static readonly DEFAULT_PERMISSIONS: readonly DeployPermission[] = [
    DeployPermission.read('', ['pods', 'pods/log', 'services', 'configmaps', 'serviceaccounts', 'events', 'persistentvolumeclaims', 'resourcequotas', 'limitranges']),
    DeployPermission.read('apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets']),
    DeployPermission.read('batch', ['jobs', 'cronjobs']),
    DeployPermission.read('networking.k8s.io', ['ingresses', 'networkpolicies']),
    DeployPermission.read('gateway.networking.k8s.io', ['httproutes']),
    DeployPermission.read('autoscaling', ['horizontalpodautoscalers']),
    DeployPermission.read('policy', ['poddisruptionbudgets']),
  ];

  /**
   * A group, e.g. `payments-developers`: everyone the API server authenticates with it among their groups.
   *
   * @param name the group as the identity provider names it (an OIDC groups claim's value, a certificate's O), case
   *   included; bound after `TeamPlatformProps.groupsPrefix`, the API server's prefix, which it must not repeat
   */
  public static group(name: string): TeamMember {
    return new TeamMember('Group', checkSubjectName('group', name));
  }

  /**
   * One user, e.g. `alice@acme.dev`.
   *
   * @param name the username as the identity provider gives it (an OIDC username claim's value, a certificate's CN),
   *   case included; bound after `TeamPlatformProps.usernamePrefix`, the API server's prefix, which it must not repeat
   */
  public static user(name: string): TeamMember {
    return new TeamMember('User', checkSubjectName('user', name));
  }

  private constructor(
    /** `Group` or `User`, as a RoleBinding's subject names it. */
    public readonly kind: 'Group' | 'User',
    /** The group's or user's name. */
    public readonly name: string,
  ) {}

  /** @internal The RoleBinding subject: the name as the API server sees it, after its prefix. */
  public _toSubject(prefixes: SubjectPrefixes): RoleSubject {
    return { kind: this.kind, name: `${this.kind === 'Group' ? prefixes.group : prefixes.user}${this.name}` };
  }

  /** @internal As a message shows it: `TeamMember.group("oidc:payments")`. */
  public _describe(): string {
    return `TeamMember.${this.kind === 'Group' ? 'group' : 'user'}(${describeValue(this.name)})`;
  }
}

/**
 * What members may do in the team's build namespace (and on a dedicated runner its pull-request namespace), on
 * `engine`: see why a pipeline failed. Those logs are not masked as the CI server masks secrets, but the members push
 * to the repositories whose pipelines run there, which see those secrets anyway.
 *
 * On Drone, read the build pods, their logs and events: drone-runner-kube puts the clone's login and every secret in
 * Secrets the pod references (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:793-807,
 * engine/convert.go:235-245), never in the pod itself. On Woodpecker, only their logs and events (a log is read by
 * the pod's name, which events give): its clone step carries the git login of the user who activated the repository
 * as a literal env value (woodpecker v3.17.0 pipeline/frontend/yaml/compiler/option.go:84-90, compiler.go:192-195,
 * pipeline/backend/kubernetes/pod.go:274-276), a token that may reach every repository that user can, other teams'
 * included, so members may not read the pods.
 */
export function buildMemberPermissions(engine: CiEngineKind): readonly DeployPermission[] {
  return engine === CiEngineKind.WOODPECKER ? WOODPECKER_BUILD_MEMBER_PERMISSIONS : DRONE_BUILD_MEMBER_PERMISSIONS;
}

const DRONE_BUILD_MEMBER_PERMISSIONS: readonly DeployPermission[] = [DeployPermission.read('', ['pods', 'pods/log', 'events'])];
const WOODPECKER_BUILD_MEMBER_PERMISSIONS: readonly DeployPermission[] = [DeployPermission.read('', ['pods/log', 'events'])];

/** The API server's prefixes of OIDC groups and usernames (`TeamPlatformProps.groupsPrefix`, `usernamePrefix`). */
export interface SubjectPrefixes {
  /** Put before each group's name: the API server's `--oidc-groups-prefix`. */
  readonly group: string;
  /** Put before each username: the API server's `--oidc-username-prefix`. */
  readonly user: string;
}

/**
 * Check an API server prefix of OIDC subjects, given as `prop`: what it prefixes must stay a name of the team's,
 * never one of Kubernetes' own, and match as the API server writes it.
 */
export function checkSubjectPrefix(prop: 'groupsPrefix' | 'usernamePrefix', prefix: string | undefined): string {
  // the API server's "-" means no prefix at all (kubernetes/kubernetes pkg/kubeapiserver/options/authentication.go,
  // `ToAuthenticationConfig`), for usernames, where leaving the flag out prefixes most claims with the issuer
  if (prefix === undefined || (prop === 'usernamePrefix' && prefix === '-')) {
    return '';
  }
  // eslint-disable-next-line no-control-regex
  if (typeof prefix !== 'string' || /[\s\u0000-\u001f\u007f]/.test(prefix) || prefix.startsWith(RESERVED_PREFIX)) {
    invalid(prop, prefix, `must be the API server's --oidc-${prop === 'groupsPrefix' ? 'groups' : 'username'}-prefix, e.g. "oidc:", without blanks or ` +
      `control characters, and not under Kubernetes' own "${RESERVED_PREFIX}"`);
  }
  return prefix;
}

/**
 * Refuse a member whose name, after the API server's prefix, is one of Kubernetes' own (`TeamMember`'s factories
 * check the name alone): a prefix "sys" and a group "tem:masters" would bind `system:masters`.
 */
export function checkPrefixedMember(member: TeamMember, prefixes: SubjectPrefixes): void {
  const subject = member._toSubject(prefixes);
  // the name the provider gives, which the API server prefixes: given prefixed, it would be bound prefixed twice
  const [prop, prefix] = member.kind === 'Group' ? ['groupsPrefix', prefixes.group] : ['usernamePrefix', prefixes.user];
  if (prefix !== '' && member.name.startsWith(prefix)) {
    invalid('members', member._describe(), `must be the name the identity provider gives, without the API server's ${prop} ` +
      `${describeValue(prefix)}, which is put before it (it would be bound as ${describeValue(subject.name)})`);
  }
  if (subject.name.startsWith(RESERVED_PREFIX)) {
    invalid('members', member._describe(), `must not be bound as ${describeValue(subject.name)}: after the API server's prefix it starts with ` +
      `"${RESERVED_PREFIX}", which Kubernetes reserves for its own users and groups`);
  }
}

/**
 * Check a subject's name, given to `TeamMember.<prop>`: a name RBAC can match, and none of Kubernetes' own. One
 * with blanks around it or a control character would be bound as written and match nobody.
 */
function checkSubjectName(prop: 'group' | 'user', name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    invalid(prop, name, `must be a ${prop} name as the API server authenticates it, e.g. "${prop === 'group' ? 'payments-developers' : 'alice@acme.dev'}"`);
  }
  // eslint-disable-next-line no-control-regex
  if (name.trim() !== name || /[\u0000-\u001f\u007f]/.test(name)) {
    invalid(prop, name, 'must have no blanks around it and no control characters: RBAC compares names literally, so it would match nobody');
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    invalid(prop, name, `must not start with "${RESERVED_PREFIX}": Kubernetes reserves it for its own ${prop}s (system:authenticated is ` +
      'every user who logs in, system:masters bypasses RBAC), never a team\'s');
  }
  return name;
}
