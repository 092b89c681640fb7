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
 *   ipBlock the addresses in `cidr` minus `except` (IPv4 only here);
 * - a port without `protocol` is TCP; a named port is the destination pod's container port of that name and protocol
 *   (the pod the policy selects for ingress, the peer for egress), `endPort` closes a range (`NetworkPolicyPort`);
 * - selectors take `matchExpressions` too (../policy/checks/selectors.ts).
 */
import { selects } from '../policy/checks/selectors';

/** A port a pod's container declares, which a policy's named port resolves to. */
export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: string;
}

/** One end of a connection: a pod (namespace, labels and, for named ports, its container ports) or an outside address. */
export interface Endpoint {
  readonly ip: string;
  readonly namespace?: string;
  readonly podLabels?: Record<string, string>;
  readonly ports?: readonly ContainerPort[];
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

function portMatches(ports: any[] | undefined, port: number, protocol: string, destination: Endpoint): boolean {
  const admits = (p: any) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      // a named port means what the destination pod calls it: a test must give that pod's ports
      if (destination.ports === undefined) throw new Error(`named port ${JSON.stringify(p)} needs the destination pod's container ports`);
      return destination.ports.some((c) => c.name === p.port && (c.protocol ?? 'TCP') === protocol && c.containerPort === port);
    }
    return p.endPort === undefined ? p.port === port : p.port <= port && port <= p.endPort;
  };
  return !ports || ports.length === 0 || ports.some(admits);
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
  const destination = direction === 'Ingress' ? self : other;
  return governing.some((p) => (p.spec[field] ?? []).some((rule: any) =>
    portMatches(rule.ports, port, protocol, destination)
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
