/**
 * The Kubernetes objects Dockyard renders, typed by cdk8s-plus-27's generated 1.27 bindings.
 *
 * cdk8s-plus-27 is pinned and past upstream support: only its *types* are used, and only through this module, so
 * moving to a newer binding is a one-file change and none of its types appear in Dockyard's API. At run time every
 * object is a plain cdk8s `ApiObject`, which spares each synth from loading the 2.5 MB binding module.
 */
import { ApiObject, ApiObjectProps, App, Lazy } from 'cdk8s';
import type * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { markerFor } from './chosen-pull-secrets';
import { FLUX_SUBSTITUTE_ANNOTATION, FLUX_SUBSTITUTE_DISABLED, holdsFluxVariable } from './flux-substitution';
import { isUserError } from './validation';

export type { k8s };

/** The props of each kind Dockyard renders, and its apiVersion. */
interface Kinds {
  ClusterRole: k8s.KubeClusterRoleProps;
  ConfigMap: k8s.KubeConfigMapProps;
  Deployment: k8s.KubeDeploymentProps;
  Ingress: k8s.KubeIngressProps;
  Job: k8s.KubeJobProps;
  LimitRange: k8s.KubeLimitRangeProps;
  Namespace: k8s.KubeNamespaceProps;
  NetworkPolicy: k8s.KubeNetworkPolicyProps;
  PersistentVolumeClaim: k8s.KubePersistentVolumeClaimProps;
  PodDisruptionBudget: k8s.KubePodDisruptionBudgetProps;
  ResourceQuota: k8s.KubeResourceQuotaProps;
  Role: k8s.KubeRoleProps;
  RoleBinding: k8s.KubeRoleBindingProps;
  Service: k8s.KubeServiceProps;
  ServiceAccount: k8s.KubeServiceAccountProps;
  StatefulSet: k8s.KubeStatefulSetProps;
  // admissionregistration.k8s.io/v1 (Kubernetes 1.30+), typed by the 1.27 binding's v1alpha1 kinds: the fields
  // Dockyard sets are the same in both, and the strict 1.36 schema checks the rendered objects
  ValidatingAdmissionPolicy: k8s.KubeValidatingAdmissionPolicyV1Alpha1Props;
  ValidatingAdmissionPolicyBinding: k8s.KubeValidatingAdmissionPolicyBindingV1Alpha1Props;
}

const API_VERSIONS: { [K in keyof Kinds]: string } = {
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ConfigMap: 'v1',
  Deployment: 'apps/v1',
  Ingress: 'networking.k8s.io/v1',
  Job: 'batch/v1',
  LimitRange: 'v1',
  Namespace: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PersistentVolumeClaim: 'v1',
  PodDisruptionBudget: 'policy/v1',
  ResourceQuota: 'v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  StatefulSet: 'apps/v1',
  ValidatingAdmissionPolicy: 'admissionregistration.k8s.io/v1',
  ValidatingAdmissionPolicyBinding: 'admissionregistration.k8s.io/v1',
};

/**
 * Define a Kubernetes object of `kind`; the props are the object's fields beside apiVersion and kind.
 *
 * @param finish called with the object as it renders, before anything reads it, for what depends on the rendered
 * object: a Job's name on its pod template (`templateNamedJob`, lib/core/job.ts). Then an object that holds `${` or `$$` is
 * marked for Flux to leave alone (lib/core/flux-substitution.ts).
 */
export function kube<K extends keyof Kinds>(scope: Construct, id: string, kind: K, props: Kinds[K], finish?: (rendered: any) => void): ApiObject {
  const all = { apiVersion: API_VERSIONS[kind], kind, ...(props as object) };
  const mark = markerFor(all);
  return new KubeObject(scope, id, all, (out) => {
    mark?.(out);
    finish?.(out);
    // last, on the object as written: a Job's name, which hashes its pod template, is already set
    if (holdsFluxVariable(out)) disableFluxSubstitution(out);
  });
}

/**
 * An ApiObject that renders as cdk8s renders it, faster. `ApiObject.toJson` resolves every value through the app's
 * resolvers, looking the app up from the object again for each value, then copies the result once more to sort its
 * keys; at a thousand teams (twenty thousand objects) that is most of a synth. With cdk8s's own three resolvers (an
 * app given none of its own), no JSON patches and sorting on, one pass does the same: `Lazy` values produced, then
 * implicit tokens (`resolve()`), then number-or-string unions (`{ value }`), `null` and `undefined` dropped, keys
 * sorted, and `apiVersion`, `kind`, `metadata` first (cdk8s 2.70 `api-object.ts`, `resolve.ts`, `_util.ts`).
 * Anything else falls back to cdk8s.
 */
/**
 * Whether `o` is an object a Dockyard construct made (`kube`), not one of the user's own (an `ApiObject`, a
 * cdk8s-plus workload).
 *
 * @internal
 */
export function isDockyardObject(o: ApiObject): boolean {
  // not `instanceof`: cdk8s's ApiObject answers it for every ApiObject (its static Symbol.hasInstance), subclasses too
  return Object.prototype.isPrototypeOf.call(KubeObject.prototype, o);
}

class KubeObject extends ApiObject {
  public constructor(scope: Construct, id: string, props: ApiObjectProps, private readonly finish?: (rendered: any) => void) {
    super(scope, id, props);
  }

  public toJson(): any {
    const out = this.renderObject();
    this.finish?.(out);
    return out;
  }

  private renderObject(): any {
    const self = this as unknown as { props: Record<string, unknown>; patches: unknown[] };
    // the app is the root (App.of walks up to it)
    if (self.patches.length > 0 || (this.node.root as App).resolvers.length !== 3 || process.env.CDK8S_DISABLE_SORT) {
      return super.toJson();
    }
    try {
      const metadata = renderMetadata(this.metadata as unknown as Record<string, any>);
      // apiVersion, kind and metadata first, then the other keys sorted; each value rendered in sorted key order
      // (as one render of the whole object would), so Lazy values are produced in the same order
      const props = self.props;
      const out: Record<string, unknown> = { apiVersion: undefined, kind: undefined };
      if (metadata !== undefined) out.metadata = metadata;
      for (const key of sortedKeys(props)) {
        if (key === 'metadata') continue;
        const v = render(props[key]);
        if (v !== undefined || key === 'apiVersion' || key === 'kind') out[key] = v;
      }
      return out;
    } catch (e) {
      // a bad prop found as the object renders (a relocation a guard refuses, say) is the user's, and its one line
      // says what to change: runSynth prints it as it is, where a wrapped Error would read as a bug
      if (isUserError(e)) {
        throw e;
      }
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
    }
  }
}

/**
 * Mark rendered object `o` for Flux to leave its `${…}` and `$$` alone (lib/core/flux-substitution.ts), its metadata's and
 * annotations' keys in the sorted order they render in. Its metadata only: a ConfigMap's name and the checksums of
 * its readers count its data alone (lib/core/checksum.ts), and a Job's name its pod template, so the mark renames
 * nothing and rolls no pod itself (under a Flux `postBuild` that had already rewritten a `$$`, the pod template Flux
 * applies changes once: README, the Flux mark's upgrade note).
 */
function disableFluxSubstitution(o: any): void {
  if (o.metadata === null || typeof o.metadata !== 'object') o.metadata = {};
  const metadata: Record<string, unknown> = o.metadata;
  const annotations: Record<string, unknown> = { ...(metadata.annotations as object), [FLUX_SUBSTITUTE_ANNOTATION]: FLUX_SUBSTITUTE_DISABLED };
  metadata.annotations = {};
  for (const key of sortedKeys(annotations)) (metadata.annotations as Record<string, unknown>)[key] = annotations[key];
  // re-added in sorted order, in place: what holds the object holds the same metadata
  for (const key of sortedKeys(metadata)) {
    const value = metadata[key];
    delete metadata[key];
    metadata[key] = value;
  }
}

/** The fields of ApiObjectMetadataDefinition that its toJson writes over the additional attributes. */
const METADATA_FIELDS = ['name', 'namespace', 'annotations', 'finalizers', 'ownerReferences', 'labels'];
const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The metadata as ApiObjectMetadataDefinition.toJson renders it, empty maps and lists dropped: `render` of
 * `{ ...meta._additionalAttributes, name: meta.name, namespace: ..., labels: meta.labels }`, without building
 * that object (the attributes are a dictionary-mode object, slow to copy): the same keys, sorted, and the same
 * value for each.
 */
function renderMetadata(meta: Record<string, any>): any {
  const extra: Record<string, unknown> = meta._additionalAttributes;
  if (hasOwn(extra, 'resolve') || hasOwn(extra, 'constructor')) {
    // a map that would itself read as a token or a class instance: as written
    const { name, namespace, annotations, finalizers, ownerReferences, labels } = meta;
    return render({ ...extra, name, namespace, annotations, finalizers, ownerReferences, labels }, true);
  }
  const keys = Object.keys(extra);
  for (const field of METADATA_FIELDS) {
    if (!keys.includes(field)) keys.push(field);
  }
  sortKeys(keys);
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of keys) {
    const v = render(METADATA_FIELDS.includes(key) ? meta[key] : extra[key], true);
    if (v !== undefined) {
      out[key] = v;
      empty = false;
    }
  }
  return empty ? undefined : out;
}

/**
 * cdk8s's `resolve` with its default resolvers, then `sanitizeValue` with sorted keys, in one pass; `dropEmpty`
 * is sanitizeValue's `filterEmptyArrays` and `filterEmptyObjects`, which the metadata is rendered with.
 */
function render(value: any, dropEmpty = false): any {
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  // no resolver applies to a string, number or boolean: none is a Lazy, and their prototypes have neither `resolve`
  // nor `value`; most values are one of these
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  if (value instanceof Lazy) return render(value.produce(), dropEmpty);
  if (typeof value.resolve === 'function') return render(value.resolve(), dropEmpty);
  if (value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string')) return render({ value: value.value }, dropEmpty);
  if (type !== 'object') return value;
  if (Array.isArray(value)) return dropEmpty && value.length === 0 ? undefined : value.map((v) => render(v, dropEmpty));
  if (value.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const key of sortedKeys(value)) {
    const item = value[key];
    // a string renders as itself: the commonest value, without a call
    const v = typeof item === 'string' ? item : render(item, dropEmpty);
    if (v !== undefined) {
      out[key] = v;
      empty = false;
    }
  }
  return dropEmpty && empty ? undefined : out;
}

/**
 * `Object.keys(value).sort()`: an insertion sort for the few keys most objects have, which beats the generic sort
 * there (the order is the same: keys are distinct strings, compared by UTF-16 code units either way).
 */
function sortedKeys(value: object): string[] {
  return sortKeys(Object.keys(value));
}

/** Sort `keys`, distinct strings, in place, as `keys.sort()` does. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** A resource quantity such as `512Mi`, rendered as written. */
export function quantity(value: string): k8s.Quantity {
  return value as unknown as k8s.Quantity;
}

/**
 * A quantity times a whole `factor`, in its own unit: "8Gi" twice gives "16Gi", "500m" "1000m", "0.5" "1"; for a
 * bound derived from another, such as a team's limits from its requests.
 */
export function scaleQuantity(value: string, factor: number): k8s.Quantity {
  const [, number, unit] = /^(\d*\.?\d+)(.*)$/.exec(value)!;
  // a whole factor keeps the digits after the point: no exponent notation below 1e21
  const scaled = (Number(number) * factor).toFixed(number.includes('.') ? number.split('.')[1].length : 0).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return quantity(`${scaled}${unit}`);
}

/** A port or percentage: a name or number, rendered as written. */
export function intOrString(value: string | number): k8s.IntOrString {
  return value as unknown as k8s.IntOrString;
}
