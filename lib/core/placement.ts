import { IConstruct } from 'constructs';
import { namespaceOf } from './chart';
import { componentLabels, selectorLabels } from './labels';
import { NetworkPeer } from './network';
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

/** Check and resolve a workload's name and namespace, and derive its labels. */
export function placement(scope: IConstruct, options: PlacementOptions): Placement {
  const name = checkDnsLabel('name', options.name ?? options.defaultName);
  const namespace = namespaceOf(scope, options.namespace);
  const ident = { name: options.app, instance: options.instance ?? name, component: options.component };
  const selector = selectorLabels(ident);
  return { name, namespace, labels: componentLabels(ident, options.version), selector, peer: NetworkPeer.pods(namespace, selector) };
}
