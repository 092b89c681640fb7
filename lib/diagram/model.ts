import { POD_TEMPLATE_KINDS, podTemplateOf } from '../core/pod-template-of';
import { compare } from '../core/text';
import { LabelSelector, NAMESPACE_NAME_LABEL, pinnedNamespaces, selectorMatches, selectorText } from './selector';

/** What a node of the diagram stands for. */
export type DiagramNodeKind =
  /** a Deployment, StatefulSet, DaemonSet, Job or CronJob of the manifests */
  | 'workload'
  /** any pod of a namespace of the stack (a NetworkPolicy peer without a pod selector) */
  | 'any-pod'
  /** pods of a namespace of the stack that a selector matches but no workload of the manifests runs */
  | 'pods'
  /** a namespace outside the stack (such as the ingress controller's), or pods in one */
  | 'external'
  /** an `ipBlock` peer */
  | 'ip-block'
  /** any source at all: an ingress rule without `from` */
  | 'anywhere'
  /** a Secret a workload reads, by name */
  | 'secret'
  /** stands in for a namespace of the stack that holds nothing drawn */
  | 'empty';

/** A node of the platform diagram. */
export interface DiagramNode {
  /** Unique and stable, such as `workload/dockyard/Deployment/drone`, `namespace/ingress-nginx` or `secret/harbor/redis-config`. */
  readonly id: string;
  /** What it stands for. */
  readonly kind: DiagramNodeKind;
  /** The lines of its label. */
  readonly label: readonly string[];
  /**
   * The namespace (cluster) it is drawn in.
   * @default none: the node is outside the stack's namespaces
   */
  readonly namespace?: string;
}

/** An edge of the platform diagram. */
export interface DiagramEdge {
  /** The id of the node it starts at: the peer, or the Secret. */
  readonly from: string;
  /** The id of the node it ends at: the workload (or pods) admitting traffic, or reading the Secret. */
  readonly to: string;
  /** `network`: a NetworkPolicy admits `from` to `to`; `secret`: workload `to` reads Secret `from`. */
  readonly kind: 'network' | 'secret';
  /** The ports (network) or how the Secret is read (secret). */
  readonly label: string;
}

/** The picture of a platform, sorted: the same objects always give the same graph. */
export interface PlatformGraph {
  /** The namespaces of the stack, drawn as clusters. */
  readonly namespaces: readonly string[];
  /** Every node, sorted by id. */
  readonly nodes: readonly DiagramNode[];
  /** Every edge, sorted by its ends; one per (peer, pods) network path and one per (Secret, workload). */
  readonly edges: readonly DiagramEdge[];
}

interface Workload {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly podSpec: any;
}

/** The id of the node of a workload. */
export function workloadId(namespace: string, kind: string, name: string): string {
  return `workload/${namespace}/${kind}/${name}`;
}

/**
 * The diagram of a stack's objects: namespaces, workloads, the ingress paths NetworkPolicies admit, and the Secrets
 * each workload reads (by name; Secret data is never read).
 */
export function platformGraph(objects: readonly any[]): PlatformGraph {
  const k8s = objects.filter((o) => o !== null && typeof o === 'object' && typeof o.kind === 'string' && typeof o.metadata?.name === 'string');
  const nsOf = (o: any): string => (typeof o.metadata.namespace === 'string' ? o.metadata.namespace : 'default');

  // the kinds with a pod template are drawn as workload nodes
  const workloads: Workload[] = k8s.filter((o) => POD_TEMPLATE_KINDS.includes(o.kind)).map((o) => {
    const template = podTemplateOf(o) ?? {};
    const namespace = nsOf(o);
    return {
      id: workloadId(namespace, o.kind, o.metadata.name),
      kind: o.kind,
      name: o.metadata.name,
      namespace,
      podLabels: { ...(template.metadata?.labels ?? {}) },
      podSpec: template.spec ?? {},
    };
  }).sort((a, b) => compare(a.id, b.id));
  const policies = k8s.filter((o) => o.kind === 'NetworkPolicy')
    .sort((a, b) => compare(nsOf(a), nsOf(b)) || compare(a.metadata.name, b.metadata.name));

  // the stack's namespaces, with the labels namespace selectors see
  const nsLabels = new Map<string, Record<string, string>>();
  for (const o of k8s.filter((x) => x.kind === 'Namespace')) {
    nsLabels.set(o.metadata.name, { ...(o.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: o.metadata.name });
  }
  for (const ns of [...workloads.map((w) => w.namespace), ...policies.map(nsOf)]) {
    if (!nsLabels.has(ns)) nsLabels.set(ns, { [NAMESPACE_NAME_LABEL]: ns });
  }
  const known = [...nsLabels.keys()].sort(compare);

  const nodes = new Map<string, DiagramNode>();
  const node = (n: DiagramNode): string => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const anyPod = (ns: string) => node({ id: `pods/${ns}/*`, kind: 'any-pod', label: ['any pod'], namespace: ns });

  /** The nodes of the pods `podSelector` (undefined: all) matches in `ns`. */
  const podsIn = (ns: string, podSelector: LabelSelector | undefined): string[] => {
    const everyPod = podSelector === undefined || selectorText(podSelector) === 'all';
    if (!nsLabels.has(ns)) {
      return everyPod
        ? [node({ id: `namespace/${ns}`, kind: 'external', label: [`namespace ${ns}`, 'any pod (not in the stack)'] })]
        : [node({ id: `pods/${ns}/${selectorText(podSelector)}`, kind: 'external', label: [`pods ${selectorText(podSelector)}`, `in namespace ${ns} (not in the stack)`] })];
    }
    if (everyPod) return [anyPod(ns)];
    const matched = workloads.filter((w) => w.namespace === ns && selectorMatches(podSelector, w.podLabels)).map((w) => w.id);
    return matched.length > 0 ? matched
      : [node({ id: `pods/${ns}/${selectorText(podSelector)}`, kind: 'pods', label: ['pods', selectorText(podSelector)], namespace: ns })];
  };

  /** The nodes of one NetworkPolicy peer of a policy in `policyNs`. */
  const peerNodes = (peer: any, policyNs: string): string[] => {
    if (peer.ipBlock) {
      const except = [...(peer.ipBlock.except ?? [])].sort(compare);
      const text = `${peer.ipBlock.cidr}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`;
      return [node({ id: `ip-block/${text}`, kind: 'ip-block', label: ['ipBlock', text] })];
    }
    const nsSelector: LabelSelector | undefined = peer.namespaceSelector ?? undefined;
    const podSelector: LabelSelector | undefined = peer.podSelector ?? undefined;
    if (nsSelector === undefined) return podsIn(policyNs, podSelector);
    const pinned = pinnedNamespaces(nsSelector);
    if (pinned) {
      // a namespace outside the stack has only its name label as far as we know, so trust the pin
      return pinned.filter((ns) => !nsLabels.has(ns) || selectorMatches(nsSelector, nsLabels.get(ns)!)).flatMap((ns) => podsIn(ns, podSelector));
    }
    // selected by other labels: the stack's namespaces that match, and any namespace elsewhere that does
    const pods = podSelector === undefined ? 'any pod' : `pods ${selectorText(podSelector)}`;
    return [
      ...known.filter((ns) => selectorMatches(nsSelector, nsLabels.get(ns)!)).flatMap((ns) => podsIn(ns, podSelector)),
      node({
        id: `namespaces/${selectorText(nsSelector)}/${podSelector === undefined ? '*' : selectorText(podSelector)}`,
        kind: 'external',
        label: [pods, `in namespaces ${selectorText(nsSelector)}`, '(outside the stack)'],
      }),
    ];
  };

  // network paths: for each ingress rule, from each peer to each pod the policy protects
  const paths = new Map<string, { from: string; to: string; ports: Set<string>; anyPort: boolean }>();
  const guarded = new Set<string>();
  for (const policy of policies) {
    const ns = nsOf(policy);
    const spec = policy.spec ?? {};
    const types: string[] = spec.policyTypes ?? ['Ingress'];
    if (!types.includes('Ingress')) continue;
    const podSelector: LabelSelector = spec.podSelector ?? {};
    workloads.filter((w) => w.namespace === ns && selectorMatches(podSelector, w.podLabels)).forEach((w) => guarded.add(w.id));
    const targets = podsIn(ns, podSelector);
    for (const rule of spec.ingress ?? []) {
      const from: any[] = rule.from ?? [];
      const sources = from.length > 0 ? from.flatMap((peer) => peerNodes(peer, ns))
        : [node({ id: 'anywhere', kind: 'anywhere', label: ['anywhere'] })];
      const ports: any[] = rule.ports ?? [];
      for (const source of sources) {
        for (const target of targets) {
          const key = `${source}\u0000${target}`;
          const path = paths.get(key) ?? { from: source, to: target, ports: new Set<string>(), anyPort: false };
          paths.set(key, path);
          if (ports.length === 0) path.anyPort = true;
          ports.forEach((p) => path.ports.add(portText(p)));
        }
      }
    }
  }
  const edges: DiagramEdge[] = [...paths.values()].map((p) => ({
    from: p.from, to: p.to, kind: 'network' as const, label: p.anyPort ? 'any port' : [...p.ports].sort(comparePorts).join(', '),
  }));

  // workloads, and the Secrets they read
  for (const w of workloads) {
    node({ id: w.id, kind: 'workload', label: [w.name, guarded.has(w.id) ? w.kind : `${w.kind}, no ingress policy`], namespace: w.namespace });
    for (const [secret, how] of secretsRead(w.podSpec)) {
      const id = node({ id: `secret/${w.namespace}/${secret}`, kind: 'secret', label: ['Secret', secret], namespace: w.namespace });
      edges.push({ from: id, to: w.id, kind: 'secret', label: [...how].sort(compare).join(', ') });
    }
  }
  for (const ns of known) {
    if (![...nodes.values()].some((n) => n.namespace === ns)) node({ id: `empty/${ns}`, kind: 'empty', label: ['no workloads'], namespace: ns });
  }

  return {
    namespaces: known,
    nodes: [...nodes.values()].sort((a, b) => compare(a.id, b.id)),
    edges: edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to) || compare(a.kind, b.kind)),
  };
}

/** The Secrets a pod spec reads, by name, each with how: env, envFrom, volume, projected volume, imagePullSecrets. */
export function secretsRead(podSpec: any): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  const add = (name: unknown, how: string) => {
    if (typeof name !== 'string' || name === '') return;
    read.set(name, (read.get(name) ?? new Set()).add(how));
  };
  const list = (v: unknown): any[] => (Array.isArray(v) ? v.filter((x) => x !== null && typeof x === 'object') : []);
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of list(podSpec?.[key])) {
      for (const env of list(container.env)) add(env.valueFrom?.secretKeyRef?.name, 'env');
      for (const from of list(container.envFrom)) add(from.secretRef?.name, 'envFrom');
    }
  }
  for (const volume of list(podSpec?.volumes)) {
    add(volume.secret?.secretName, 'volume');
    for (const source of list(volume.projected?.sources)) add(source.secret?.name, 'projected volume');
  }
  for (const pull of list(podSpec?.imagePullSecrets)) add(pull.name, 'imagePullSecrets');
  return read;
}

/** `5432`, `8000-8080`, `53/UDP`, `http` (a named port) or `all UDP`. */
function portText(p: any): string {
  const protocol = typeof p?.protocol === 'string' ? p.protocol : 'TCP';
  const suffix = protocol === 'TCP' ? '' : `/${protocol}`;
  if (p?.port === undefined || p?.port === null) return `all ${protocol}`;
  return `${p.port}${p.endPort !== undefined && p.endPort !== null ? `-${p.endPort}` : ''}${suffix}`;
}

/**
 * Numbers in numeric order, then names: not `compare`'s code-unit order, which would put `8080` before `80` and `9`
 * after `53`, as a reader of the diagram would not expect.
 */
function comparePorts(a: string, b: string): number {
  const na = parseInt(a, 10);
  const nb = parseInt(b, 10);
  if (!isNaN(na) && !isNaN(nb) && na !== nb) return na - nb;
  if (isNaN(na) !== isNaN(nb)) return isNaN(na) ? 1 : -1;
  return compare(a, b);
}
