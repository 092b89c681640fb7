import { isClusterScoped, namespaceOf } from './finding';
import type { K8sObject, StringMap } from './types';

export interface ReferenceOptions {
  /** Secrets created outside the manifests (e.g. by an operator or by hand); matched by name only. */
  readonly externalSecrets?: readonly { readonly namespace: string; readonly name: string }[];
  /** Namespaces that exist in the cluster without a Namespace object in the manifests. */
  readonly externalNamespaces?: readonly string[];
}

/** ClusterRoles every cluster ships, so bindings to them need no ClusterRole in the manifests. */
const BUILTIN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

/** A pointer from one object to another, described for the finding it becomes when unresolved. */
export interface Ref {
  readonly kind: string;
  readonly name?: string;
  /** Where the reference sits, e.g. `container "app" env DB_PASSWORD`. */
  readonly where: string;
  /** Target namespace when it is not the referrer's (RBAC subjects). */
  readonly namespace?: string;
  /** Keys that must exist in the target Secret or ConfigMap. */
  readonly keys?: readonly string[];
  readonly optional?: boolean;
}

/** The objects being checked, indexed by kind, namespace and name, plus what is known to exist outside them. */
export class Inventory {
  private readonly byKey = new Map<string, K8sObject>();
  private readonly externalSecrets: Set<string>;
  private readonly externalNamespaces: Set<string>;

  constructor(readonly objects: readonly K8sObject[], options: ReferenceOptions) {
    for (const obj of objects) this.byKey.set(Inventory.key(obj.kind, namespaceOf(obj), obj.metadata?.name), obj);
    this.externalSecrets = new Set((options.externalSecrets ?? []).map((s) => `${s.namespace}/${s.name}`));
    this.externalNamespaces = new Set(options.externalNamespaces ?? []);
  }

  private static key(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
    return `${kind}/${isClusterScoped(kind) ? '' : namespace}/${name}`;
  }

  get(kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.byKey.get(Inventory.key(kind, namespace, name));
  }

  namespaceExists(namespace: string): boolean {
    return namespace === 'default' || this.externalNamespaces.has(namespace) || !!this.get('Namespace', '', namespace);
  }

  /** Targets that legitimately live outside the manifests. */
  private isExternal(kind: string, namespace: string, name: string): boolean {
    switch (kind) {
      case 'Secret': return this.externalSecrets.has(`${namespace}/${name}`);
      case 'ServiceAccount': return name === 'default';
      case 'ClusterRole': return BUILTIN_CLUSTER_ROLES.has(name) || name.startsWith('system:');
      default: return false;
    }
  }

  /** Why `ref` (made from namespace `from`) does not resolve, or undefined when it does. */
  unresolved(ref: Ref, from: string): string | undefined {
    const namespace = ref.namespace ?? from;
    if (!ref.name) return `${ref.where}: ${ref.kind} reference without a name`;
    if (ref.optional || this.isExternal(ref.kind, namespace, ref.name)) return undefined;
    const target = this.get(ref.kind, namespace, ref.name);
    const scope = isClusterScoped(ref.kind) ? '' : ` in namespace ${namespace}`;
    if (!target) return `${ref.where}: ${ref.kind} "${ref.name}" not found${scope}`;
    const present = dataKeys(target);
    const missing = (ref.keys ?? []).filter((k) => !present.has(k));
    return missing.length ? `${ref.where}: ${ref.kind} "${ref.name}" has no key ${missing.join(', ')}` : undefined;
  }
}

/** The keys a Secret or ConfigMap serves, whichever of its maps they are written in. */
function dataKeys(obj: K8sObject): Set<string> {
  const maps = ['data', 'stringData', 'binaryData'].map((f) => (obj[f] ?? {}) as StringMap);
  return new Set(maps.flatMap((m) => Object.keys(m)));
}
