/** The parts of the recommended `app.kubernetes.io/*` labels that identify one component. */
export interface ComponentIdentity {
  /** The application, e.g. `drone`. */
  readonly name: string;
  /** The instance, i.e. the object name prefix chosen by the user. */
  readonly instance: string;
  /** The component within the application, e.g. `server`. */
  readonly component: string;
}

/** The labels that select a component's pods; a stable subset of `componentLabels`. */
export function selectorLabels(id: ComponentIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': id.component,
  };
}

/** The full recommended label set of a component's objects. */
export function componentLabels(id: ComponentIdentity, version?: string): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/part-of': 'dockyard',
    'app.kubernetes.io/managed-by': 'dockyard',
    ...(version ? { 'app.kubernetes.io/version': version.slice(0, 63) } : {}),
  };
}
