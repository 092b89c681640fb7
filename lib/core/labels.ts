/**
 * The label every object the platform makes carries (with `MANAGED_BY_VALUE`): what the README's
 * `kubectl apply --prune -l` selects, and what the team admission policy that keeps a team's deploy identity from the
 * platform's ServiceAccounts and Secrets reads (lib/team/admission-policy.ts).
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** The value of `MANAGED_BY_LABEL` on the platform's objects. */
export const MANAGED_BY_VALUE = 'dockyard';

/**
 * The pod label that names a component's instance (`ComponentIdentity.instance`: the name `placement` gives a
 * workload, a Woodpecker agent's StatefulSet say), which every component's selector carries.
 */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

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
    [INSTANCE_LABEL]: id.instance,
    'app.kubernetes.io/component': id.component,
  };
}

/** The full recommended label set of a component's objects. */
export function componentLabels(id: ComponentIdentity, version?: string): Record<string, string> {
  return {
    ...selectorLabels(id),
    'app.kubernetes.io/part-of': 'dockyard',
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    ...(version ? { 'app.kubernetes.io/version': version.slice(0, 63) } : {}),
  };
}
