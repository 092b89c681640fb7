import { IConstruct } from 'constructs';
import { namespaceOf } from './chart';
import { isInTree } from './in-tree';
import { componentLabels, selectorLabels } from './labels';
import { NetworkPeer } from './network';
import { namedBy } from './object-names';
import { checkDnsLabel } from './validation';

/** What a workload construct is told about where it lives. */
export interface PlacementOptions {
  /** The application, e.g. `drone`: the `app.kubernetes.io/name` label. */
  readonly app: string;
  /** The component, e.g. `server`. */
  readonly component: string;
  /** The user's name for the objects, if any. */
  readonly name: string | undefined;
  /** The name when the user gives none. */
  readonly defaultName: string;
  /** The user's namespace, if any. */
  readonly namespace: string | undefined;
  /**
   * The `app.kubernetes.io/instance` label, when several components of one instance are named apart.
   *
   * @default - the name
   */
  readonly instance?: string;
  /** The image version, for the `app.kubernetes.io/version` label. */
  readonly version?: string;
}

/** Where a workload lives and how its objects are labelled and selected. */
export interface Placement {
  /** The name of its objects. */
  readonly name: string;
  readonly namespace: string;
  /** The labels of every object. */
  readonly labels: Record<string, string>;
  /** The labels that select its pods. */
  readonly selector: Record<string, string>;
  /** Its pods, as a NetworkPolicy peer. */
  readonly peer: NetworkPeer;
}

/**
 * The labels that select every pod of one instance of `app`, whatever its component (all of one Harbor's, say):
 * `selectorLabels`, the one writer of a selector, without the component.
 */
export function instanceSelector(app: string, instance: string): Record<string, string> {
  const selector = selectorLabels({ name: app, instance, component: '' });
  delete selector['app.kubernetes.io/component'];
  return selector;
}

/** Per app root: the constructs placed in each namespace (`placement`), in the order placed. */
const placed = new WeakMap<IConstruct, Map<string, IConstruct[]>>();

/**
 * The constructs of `scope`'s app that `placement` put in `namespace`: Dockyard's workloads (Harbor, PostgreSQL, a CI
 * engine's server, runner or agents, a reconciler), whose pods, Secrets and data live there. A team's namespace must
 * hold none but the team's own (`TeamPlatform.addTeam`).
 */
export function placedIn(scope: IConstruct, namespace: string): readonly IConstruct[] {
  // one taken out of the tree again (a team refused halfway) renders nothing there
  return (placed.get(scope.node.root)?.get(namespace) ?? []).filter(isInTree);
}

/** Every namespace of `scope`'s app that `placement` put a construct still in the tree in, with those constructs. */
export function placements(scope: IConstruct): ReadonlyMap<string, readonly IConstruct[]> {
  const all = placed.get(scope.node.root) ?? new Map<string, IConstruct[]>();
  return new Map([...all].map(([ns, constructs]) => [ns, constructs.filter(isInTree)]));
}

/** Check and resolve a workload's name and namespace, and derive its labels; the namespace is recorded (`placedIn`). */
export function placement(scope: IConstruct, options: PlacementOptions): Placement {
  const name = checkDnsLabel('name', options.name ?? options.defaultName);
  const namespace = namespaceOf(scope, options.namespace);
  const root = scope.node.root;
  const byNamespace = placed.get(root) ?? new Map<string, IConstruct[]>();
  placed.set(root, byNamespace);
  byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), scope]);
  namedBy(scope, name, options.name === undefined);
  const ident = { name: options.app, instance: options.instance ?? name, component: options.component };
  const selector = selectorLabels(ident);
  return { name, namespace, labels: componentLabels(ident, options.version), selector, peer: NetworkPeer.pods(namespace, selector) };
}
