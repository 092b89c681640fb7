import { finding, namespaceOf, type Finding, type Issue } from './finding';
import { Inventory, type Ref, type ReferenceOptions } from './inventory';
import { containersOf, podTemplates, type PodTemplate } from './pods';
import { isEmptySelector, selects } from './selectors';
import type { ItemsRef, K8sObject, LabelSelector, NameRef, StringMap } from './types';

export type { ReferenceOptions } from './inventory';

const keysOf = (items: ItemsRef['items']) => (items ?? []).map((i) => i.key);

function ref(kind: string, where: string, source: NameRef, keys: readonly string[] = []): Ref {
  return { kind, where, name: source.name, optional: source.optional, keys };
}

/** Everything a pod template points at: Secrets, ConfigMaps, claims, its ServiceAccount, pull secrets. */
function podRefs({ owner, spec }: PodTemplate): Ref[] {
  const claimTemplates = new Set(volumeClaimTemplates(owner));
  const refs: Ref[] = [];
  for (const c of containersOf(spec)) {
    const at = `container "${c.name}"`;
    for (const { name, valueFrom } of c.env ?? []) {
      const { secretKeyRef: s, configMapKeyRef: m } = valueFrom ?? {};
      if (s) refs.push(ref('Secret', `${at} env ${name}`, s, [s.key ?? '']));
      if (m) refs.push(ref('ConfigMap', `${at} env ${name}`, m, [m.key ?? '']));
    }
    for (const { secretRef, configMapRef } of c.envFrom ?? []) {
      if (secretRef) refs.push(ref('Secret', `${at} envFrom`, secretRef));
      if (configMapRef) refs.push(ref('ConfigMap', `${at} envFrom`, configMapRef));
    }
  }
  for (const v of spec.volumes ?? []) {
    const at = `volume "${v.name}"`;
    if (v.secret) refs.push(ref('Secret', at, { ...v.secret, name: v.secret.secretName }, keysOf(v.secret.items)));
    if (v.configMap) refs.push(ref('ConfigMap', at, v.configMap, keysOf(v.configMap.items)));
    for (const { secret, configMap } of v.projected?.sources ?? []) {
      if (secret) refs.push(ref('Secret', at, secret, keysOf(secret.items)));
      if (configMap) refs.push(ref('ConfigMap', at, configMap, keysOf(configMap.items)));
    }
    const claim = v.persistentVolumeClaim?.claimName;
    if (v.persistentVolumeClaim && !claimTemplates.has(claim ?? '')) refs.push(ref('PersistentVolumeClaim', at, { name: claim }));
  }
  const serviceAccount = spec.serviceAccountName ?? spec.serviceAccount;
  if (serviceAccount) refs.push(ref('ServiceAccount', 'serviceAccountName', { name: serviceAccount }));
  for (const s of spec.imagePullSecrets ?? []) refs.push(ref('Secret', 'imagePullSecrets', s));
  return refs;
}

function volumeClaimTemplates(owner: K8sObject): string[] {
  const spec = owner.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] } | undefined;
  return owner.kind === 'StatefulSet' ? (spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? '') : [];
}

/** Mounts of undeclared volumes are rejected by the API server only at pod creation, long after apply. */
function unknownMounts({ owner, spec }: PodTemplate): string[] {
  const volumes = new Set([...(spec.volumes ?? []).map((v) => v.name), ...volumeClaimTemplates(owner)]);
  return containersOf(spec).flatMap((c) => (c.volumeMounts ?? [])
    .filter((m) => !volumes.has(m.name))
    .map((m) => `container "${c.name}" mounts undeclared volume "${m.name}"`));
}

interface ServicePort { readonly name?: string; readonly port?: number; readonly targetPort?: number | string }
interface ServiceSpec { readonly type?: string; readonly selector?: StringMap; readonly ports?: readonly ServicePort[] }
interface IngressBackend {
  readonly service?: { readonly name?: string; readonly port?: { readonly number?: number; readonly name?: string } };
}
interface IngressSpec {
  readonly defaultBackend?: IngressBackend;
  readonly rules?: readonly { readonly http?: { readonly paths?: readonly { readonly backend?: IngressBackend }[] } }[];
  readonly tls?: readonly { readonly secretName?: string }[];
}
interface RbacBinding {
  readonly roleRef?: { readonly kind?: string; readonly name?: string };
  readonly subjects?: readonly { readonly kind?: string; readonly name?: string; readonly namespace?: string }[];
}

/** Checks one object's outgoing references against the inventory. */
class ReferenceChecker {
  private readonly pods: readonly PodTemplate[];
  private readonly podByOwner: ReadonlyMap<K8sObject, PodTemplate>;
  /**
   * The pods by namespace, and by namespace and each of their labels, in manifest order: a selector only looks at the
   * pods of its namespace that carry the rarest of its matchLabels pairs. The 1,000 teams' stack on Woodpecker has 5,000 pods,
   * Services and NetworkPolicies in one namespace, which a scan of every pod per selector took 15 s over.
   */
  private readonly podsByNamespace = new Map<string, PodTemplate[]>();
  private readonly podsByLabel = new Map<string, PodTemplate[]>();

  constructor(private readonly inventory: Inventory) {
    this.pods = podTemplates(inventory.objects);
    this.podByOwner = new Map(this.pods.map((p) => [p.owner, p]));
    const add = (index: Map<string, PodTemplate[]>, key: string, p: PodTemplate) => {
      const list = index.get(key);
      if (list) list.push(p);
      else index.set(key, [p]);
    };
    for (const p of this.pods) {
      add(this.podsByNamespace, p.namespace, p);
      for (const label of Object.entries(p.labels)) add(this.podsByLabel, JSON.stringify([p.namespace, ...label]), p);
    }
  }

  private podsSelectedBy(namespace: string, selector: LabelSelector): PodTemplate[] {
    // a pod the selector selects carries each of its matchLabels pairs, and so is in each pair's list: the shortest
    let candidates = this.podsByNamespace.get(namespace) ?? [];
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
      if (typeof value !== 'string') continue;
      const list = this.podsByLabel.get(JSON.stringify([namespace, key, value])) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates.filter((p) => selects(selector, p.labels));
  }

  private resolve(refs: readonly Ref[], from: string): Issue[] {
    return refs.flatMap((ref) => {
      const why = this.inventory.unresolved(ref, from);
      return why ? [[`refs/${ref.kind.toLowerCase()}`, why] as Issue] : [];
    });
  }

  check(obj: K8sObject): Issue[] {
    const pod = this.podByOwner.get(obj);
    const ns = namespaceOf(obj) ?? '';
    const out: Issue[] = [];
    if (ns && !this.inventory.namespaceExists(ns)) out.push(['refs/namespace', `Namespace "${ns}" is not in the manifests`]);
    if (pod) {
      out.push(...this.resolve(podRefs(pod), ns), ...unknownMounts(pod).map((m): Issue => ['refs/volume-mount', m]));
    }
    switch (obj.kind) {
      case 'Service': out.push(...this.service(obj.spec as ServiceSpec | undefined, ns)); break;
      case 'StatefulSet': {
        const serviceName = (obj.spec as { serviceName?: string } | undefined)?.serviceName;
        if (serviceName) out.push(...this.resolve([{ kind: 'Service', name: serviceName, where: 'serviceName' }], ns));
        break;
      }
      case 'Ingress': out.push(...this.ingress(obj.spec as IngressSpec | undefined, ns)); break;
      case 'RoleBinding':
      case 'ClusterRoleBinding': out.push(...this.binding(obj as RbacBinding, ns)); break;
      case 'NetworkPolicy':
      case 'PodDisruptionBudget': out.push(...this.selector(obj, ns)); break;
    }
    return out;
  }

  /** A selector matching no pod, or a targetPort no selected container exposes, leaves the Service without endpoints. */
  private service(spec: ServiceSpec | undefined, ns: string): Issue[] {
    // Without a selector the endpoints are managed by hand (or the Service is an ExternalName alias).
    if (!spec?.selector || spec.type === 'ExternalName' || !Object.keys(spec.selector).length) return [];
    const pods = this.podsSelectedBy(ns, { matchLabels: spec.selector });
    if (!pods.length) return [['refs/service-selector', `selector ${JSON.stringify(spec.selector)} matches no pod template`]];
    // Native sidecars are init containers, and they may serve too.
    const ports = pods.flatMap((p) => containersOf(p.spec, ['containers', 'initContainers']).flatMap((c) => c.ports ?? []));
    return (spec.ports ?? []).flatMap((p): Issue[] => {
      const target = p.targetPort ?? p.port;
      const found = ports.some((c) => (typeof target === 'string' ? c.name === target : c.containerPort === target));
      const why = `port ${p.name ?? p.port}: targetPort ${target} is not a containerPort of the selected pods`;
      return found ? [] : [['refs/service-port', why]];
    });
  }

  private ingress(spec: IngressSpec | undefined, ns: string): Issue[] {
    const paths = (spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
    const backends = [spec?.defaultBackend, ...paths.map((p) => p.backend)];
    const out = backends.flatMap((b): Issue[] => {
      if (!b?.service) return []; // a `resource` backend points at a custom resource: nothing to resolve
      const { name, port } = b.service;
      const missing = this.resolve([{ kind: 'Service', name, where: 'backend' }], ns);
      if (missing.length) return missing;
      const ports = (this.inventory.get('Service', ns, name ?? '')?.spec as ServiceSpec | undefined)?.ports ?? [];
      const ok = ports.some((p) => (port?.number !== undefined ? p.port === port.number : p.name === port?.name));
      return ok ? [] : [['refs/service-port', `backend: Service "${name}" has no port ${port?.number ?? port?.name}`]];
    });
    return [...out, ...this.resolve((spec?.tls ?? []).map((t) => ({ kind: 'Secret', name: t.secretName, where: 'tls' })), ns)];
  }

  private binding({ roleRef, subjects }: RbacBinding, ns: string): Issue[] {
    const accounts = (subjects ?? []).filter((s) => s.kind === 'ServiceAccount');
    return this.resolve([
      { kind: roleRef?.kind ?? 'Role', name: roleRef?.name, where: 'roleRef' },
      ...accounts.map((s) => ({ kind: 'ServiceAccount', name: s.name, namespace: s.namespace ?? ns, where: 'subject' })),
    ], ns);
  }

  /** NetworkPolicies and PDBs that select nothing protect nothing, usually because of a label typo. */
  private selector(obj: K8sObject, ns: string): Issue[] {
    const spec = obj.spec as { podSelector?: LabelSelector; selector?: LabelSelector } | undefined;
    const selector = obj.kind === 'NetworkPolicy' ? spec?.podSelector : spec?.selector;
    if (obj.kind === 'NetworkPolicy' && (!selector || isEmptySelector(selector))) return []; // {} means every pod
    if (selector && this.podsSelectedBy(ns, selector).length) return [];
    // a CI engine's build namespace holds the pods its runner or agent creates at run time, which no manifest lists:
    // Woodpecker's pipeline services, for one (lib/woodpecker/builds.ts)
    if (obj.kind === 'NetworkPolicy' && isBuildNamespace(this.inventory.get('Namespace', '', ns))) return [];
    return [['refs/selector', `selector ${JSON.stringify(selector ?? null)} matches no pod template in namespace ${ns}`]];
  }
}

/** The labels that mark a CI engine's build namespace (`DroneKubeRunner.BUILD_NAMESPACE_LABEL`, `WoodpeckerBuildNamespaces.BUILD_NAMESPACE_LABEL`). */
const BUILD_NAMESPACE_LABELS = ['dockyard.dev/drone-runner', 'dockyard.dev/woodpecker-agent'];

function isBuildNamespace(namespace: K8sObject | undefined): boolean {
  const labels = namespace?.metadata?.labels ?? {};
  return BUILD_NAMESPACE_LABELS.some((l) => l in labels);
}

/** Every cross-object reference must resolve within `objects` (or to something declared external). */
export function checkReferences(objects: readonly K8sObject[], options: ReferenceOptions = {}): Finding[] {
  const checker = new ReferenceChecker(new Inventory(objects, options));
  return objects.flatMap((obj) => checker.check(obj).map(([rule, m]) => finding(rule, obj, m)));
}
