/**
 * A small model of Kubernetes NetworkPolicy semantics (networking/v1 `types.go` and the NetworkPolicy concept page,
 * kubernetes.io/docs/concepts/services-networking/network-policies), for tests that ask whether a connection is
 * admitted by the rendered policies:
 * - a pod is isolated for a direction when at least one policy that selects it (same namespace, podSelector)
 *   lists that direction in `policyTypes`; an isolated pod admits the union of those policies' rules, an
 *   unisolated one everything;
 * - a connection needs the source's egress and the destination's ingress to admit it;
 * - a rule with no `from`/`to` admits every peer, with no `ports` every port; a peer with a namespaceSelector
 *   and a podSelector means those pods in those namespaces, a podSelector alone pods of the policy's namespace, an
 *   ipBlock the addresses in `cidr` minus `except` (IPv4 only here).
 */

/** One end of a connection: a pod (namespace and labels) or an outside address. */
export interface Endpoint {
  readonly ip: string;
  readonly namespace?: string;
  readonly podLabels?: Record<string, string>;
}

/** The labels of every namespace, from the rendered Namespace objects, with the name label the API server adds. */
export function namespaceLabels(objects: any[]): Map<string, Record<string, string>> {
  const labels = new Map<string, Record<string, string>>();
  for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
    labels.set(ns.metadata.name, { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name });
  }
  return labels;
}

function ipv4(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  if (cidr.includes(':') || ip.includes(':')) return false;
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}

function selects(selector: any, labels: Record<string, string>): boolean {
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not modelled');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function peerMatches(peer: any, policyNamespace: string, end: Endpoint, nsLabels: Map<string, Record<string, string>>): boolean {
  if (peer.ipBlock) {
    return inCidr(end.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(end.ip, e));
  }
  if (end.namespace === undefined) return false;
  const inNamespace = peer.namespaceSelector
    ? selects(peer.namespaceSelector, nsLabels.get(end.namespace) ?? { 'kubernetes.io/metadata.name': end.namespace })
    : end.namespace === policyNamespace;
  return inNamespace && (peer.podSelector === undefined || selects(peer.podSelector, end.podLabels ?? {}));
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
  for (const p of ports ?? []) {
    // named ports and ranges would need the pods' container ports: a test that meets one must model it first
    if (typeof p.port === 'string' || p.endPort !== undefined) throw new Error(`unmodelled port ${JSON.stringify(p)}`);
  }
  return !ports || ports.length === 0 || ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
}

/**
 * `policyTypes` as the API server defaults it: when absent or empty, Ingress, and Egress when the policy has at
 * least one egress rule (kubernetes/kubernetes pkg/apis/networking/v1/defaults.go, `SetDefaults_NetworkPolicy`:
 * `len(obj.Spec.PolicyTypes) == 0` and `len(obj.Spec.Egress) != 0`).
 */
export function policyTypes(policy: any): string[] {
  const types: string[] | undefined = policy.spec.policyTypes;
  if (types !== undefined && types.length > 0) return types;
  return ['Ingress', ...((policy.spec.egress ?? []).length > 0 ? ['Egress'] : [])];
}

function admits(
  policies: any[], direction: 'Ingress' | 'Egress', self: Endpoint, other: Endpoint, port: number, protocol: string,
  nsLabels: Map<string, Record<string, string>>,
): boolean {
  if (self.namespace === undefined) return true; // outside the cluster: not governed
  const governing = policies.filter((p) => p.metadata.namespace === self.namespace && selects(p.spec.podSelector, self.podLabels ?? {})
    && policyTypes(p).includes(direction));
  if (governing.length === 0) return true;
  const field = direction === 'Ingress' ? 'ingress' : 'egress';
  const peers = direction === 'Ingress' ? 'from' : 'to';
  return governing.some((p) => (p.spec[field] ?? []).some((rule: any) =>
    portMatches(rule.ports, port, protocol)
    && (!rule[peers] || rule[peers].length === 0 || rule[peers].some((peer: any) => peerMatches(peer, p.metadata.namespace, other, nsLabels)))));
}

/** Whether the policies that govern `from` let it open a connection to `to` on `port` (its egress alone). */
export function egressAdmits(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  return admits(objects.filter((o) => o.kind === 'NetworkPolicy'), 'Egress', from, to, port, protocol, namespaceLabels(objects));
}

/** Whether the policies that govern `to` admit a connection from `from` on `port` (its ingress alone). */
export function ingressAdmits(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  return admits(objects.filter((o) => o.kind === 'NetworkPolicy'), 'Ingress', to, from, port, protocol, namespaceLabels(objects));
}

/** Whether the policies among `objects` let `from` open a connection to `to` on `port`: both ends must admit it. */
export function connectionAllowed(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  return egressAdmits(objects, from, to, port, protocol) && ingressAdmits(objects, from, to, port, protocol);
}
