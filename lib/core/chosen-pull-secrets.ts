import { podTemplateOf } from './pod-template-of';

// Which rendered workloads' pods have the pull secrets Dockyard chose for them (`podTemplate`, through
// `Images.pullSecretsFor`), for `checkWorkloadPulls`'s fix: an app-wide pull secret reaches those pods only, never a
// user's own workload, whose pods pull with what they list or their ServiceAccount's. Not exported from lib/core.

/** The values `podTemplate` renders a pod's `imagePullSecrets` from: kept as they are when a template is spread. */
const chosenLists = new WeakSet<object>();
/** The rendered workloads (the objects `toJson` returns) whose pod template has such a value. */
const rendered = new WeakSet<object>();

/** Mark `value` as the `imagePullSecrets` of a pod whose pull secrets Dockyard chooses; returns it. */
export function choosesPullSecrets<T extends object>(value: T): T {
  chosenLists.add(value);
  return value;
}

/**
 * A function that marks an object as it renders (see `kube`'s `finish`) when `props`, an object's props, hold a pod
 * template whose pull secrets Dockyard chooses; undefined for any other object.
 */
export function markerFor(props: any): ((out: object) => void) | undefined {
  const list = podTemplateOf(props)?.spec?.imagePullSecrets;
  return list !== null && typeof list === 'object' && chosenLists.has(list) ? (out) => rendered.add(out) : undefined;
}

/** Whether `o`, a rendered object, is a workload whose pods have the pull secrets Dockyard chose for them. */
export function hasChosenPullSecrets(o: object): boolean {
  return rendered.has(o);
}
