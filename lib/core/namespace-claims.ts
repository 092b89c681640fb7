import { IConstruct } from 'constructs';
import { isInTree } from './in-tree';
import { describeValue } from './validation';

/**
 * The one owner of a namespace that nothing else of the app may build in: a team's app, build or pull-request
 * namespace (`TeamPlatform.addTeam`).
 */
export interface NamespaceOwner {
  /** What kind of owner it is, as errors name it, e.g. "team". */
  readonly kind: string;
  /** The owner's name, e.g. the team's. */
  readonly name: string;
  /** What the namespace is to its owner, e.g. "app namespace". */
  readonly role: string;
}

/** What the app says of one namespace: its owner, and the runners or agent sets that build in it. */
interface Claims {
  owner?: NamespaceOwner;
  /** The runners or agent sets that build there, in the order recorded (`recordBuildNamespace`). */
  readonly builders: IConstruct[];
}

/**
 * Per app root, by namespace. One registry for both directions: a team refuses a namespace something builds in, and
 * a runner or agent set refuses one a team owns, whichever comes first.
 */
const claimsByApp = new WeakMap<IConstruct, Map<string, Claims>>();

function claimsOf(scope: IConstruct, namespace: string): Claims | undefined {
  return claimsByApp.get(scope.node.root)?.get(namespace);
}

function claimsFor(scope: IConstruct, namespace: string): Claims {
  const root = scope.node.root;
  const byNamespace = claimsByApp.get(root) ?? new Map<string, Claims>();
  claimsByApp.set(root, byNamespace);
  const claims = byNamespace.get(namespace) ?? { builders: [] };
  byNamespace.set(namespace, claims);
  return claims;
}

/**
 * Record `owner` as the one owner of `namespace` in the app of `scope`. The owner's own builds are added before
 * (a team's build namespace and route): once it is claimed, only the owner's, never another's, may come.
 */
export function claimNamespace(scope: IConstruct, namespace: string, owner: NamespaceOwner): void {
  claimsFor(scope, namespace).owner = { ...owner };
}

/** The owner of `namespace` in the app of `scope`, if any (`claimNamespace`). */
export function namespaceOwner(scope: IConstruct, namespace: string): NamespaceOwner | undefined {
  return claimsOf(scope, namespace)?.owner;
}

/** An owned namespace as errors name it, e.g. `team "web"'s app namespace`. */
export function describeOwnedNamespace(owner: NamespaceOwner): string {
  return `${owner.kind} ${describeValue(owner.name)}'s ${owner.role}`;
}

/**
 * Record that the runner or agent set `builder` builds in `namespace` (its Role and pods go there), so that no team
 * takes it later as one of its own.
 */
export function recordBuildNamespace(builder: IConstruct, namespace: string): void {
  claimsFor(builder, namespace).builders.push(builder);
}

/**
 * The construct path of the first runner or agent set that builds in `namespace` in the app of `scope`, if any. One
 * taken out of the tree again (the dedicated runner of a team refused halfway, `TeamPlatform.addTeam`) builds nowhere.
 */
export function namespaceBuilder(scope: IConstruct, namespace: string): string | undefined {
  return claimsOf(scope, namespace)?.builders.find(isInTree)?.node.path;
}
