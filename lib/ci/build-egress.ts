import { checkUniqueList, invalid, NetworkPeer } from '../core';
import { Cidr, cidrContains, formatCidr, NetworkPort, parseCidr } from '../core/network';

/**
 * Where build pods may open connections to, beside what `DroneKubeRunner.allowBuildEgress` declares.
 *
 * Build pods run untrusted code from pull requests. Each build namespace gets an egress NetworkPolicy that admits
 * DNS and the internet, and nothing of the cluster: the internet rule excludes the private, shared and link-local
 * ranges in which pods, Services, nodes and the cloud's metadata endpoint live. NetworkPolicies match a connection
 * after a Service's address has been translated to an endpoint (for most network plugins), so what counts is where
 * the traffic ends up: the API server's endpoints, not its Service's ClusterIP.
 */
export interface BuildEgressProps {
  /**
   * The DNS servers build pods query, admitted on UDP and TCP port 53. With NodeLocal DNSCache, add its address,
   * e.g. `NetworkPeer.ipBlock('169.254.20.10/32')`, which lies in the link-local range the internet rule excludes.
   *
   * An empty list admits no DNS server.
   *
   * @default [CLUSTER_DNS]: the cluster DNS pods in kube-system
   */
  readonly dns?: readonly NetworkPeer[];
  /**
   * Public addresses of the Kubernetes API server, taken out of the internet rule. A managed cluster's API
   * endpoint is often a public address (and Service DNAT sends in-cluster traffic for `kubernetes.default` there),
   * so without this build pods could reach it; declare it. A block inside a private range is accepted and changes
   * nothing, as those ranges are excluded already: a stack may declare its endpoint without knowing which it is.
   *
   * @default - none
   */
  readonly apiServerCidrs?: readonly string[];
  /**
   * Further public addresses of the cluster taken out of the internet rule: nodes' public addresses (their NodePorts
   * and kubelets), or the global pod and Service ranges of an IPv6 cluster.
   *
   * @default - none
   */
  readonly excludedCidrs?: readonly string[];
  /**
   * Whether build pods may reach the internet at all; false leaves DNS and what is declared, e.g. for an
   * air-gapped cluster whose builds reach only its mirror.
   *
   * @default true
   */
  readonly internet?: boolean;
}

/** Options of `DroneKubeRunner.allowBuildEgress`. */
export interface BuildEgressOptions {
  /**
   * The build namespaces whose pods may open these connections, e.g. a team's namespace that reaches its own
   * service. Each must be a build namespace of the runner when the call is made.
   *
   * @default - every build namespace, including those added later
   */
  readonly namespaces?: readonly string[];
}

/**
 * The ranges no build pod may reach through the IPv4 internet rule: where a cluster keeps its pods, Services and
 * nodes, and the cloud metadata endpoint.
 */
export const PRIVATE_IPV4_RANGES: readonly string[] = [
  // RFC 1918: pod, Service and node networks, and with them the API server's ClusterIP and the platform's databases
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16',
  // RFC 6598 shared address space, which some clusters use for pods (e.g. EKS custom networking on a secondary CIDR)
  '100.64.0.0/10',
  // RFC 3927 link-local: the cloud metadata endpoint 169.254.169.254, which hands out node credentials
  '169.254.0.0/16',
  // loopback
  '127.0.0.0/8',
  // Azure's WireServer, a public address on every Azure VM's host that serves the VM's goal state, extension settings
  // and certificates (Alibaba's metadata endpoint 100.100.100.200 lies in the shared range above)
  '168.63.129.16/32',
];

/** The NAT64 well-known prefix, 64:ff9b::/96 (RFC 6052 section 2.1). */
const NAT64_PREFIX = 0x64ff9bn << 96n;

/**
 * An IPv4 block as the NAT64 well-known prefix embeds it (RFC 6052 section 2.2), in the canonical form every CIDR
 * is written in (`formatCidr`: `0.0.1.0/24` is `64:ff9b::100/120`).
 */
function nat64(cidr: string): string {
  const v4 = parseCidr('buildEgress', cidr);
  return formatCidr({ family: 6, base: NAT64_PREFIX + v4.base, prefix: 96 + v4.prefix });
}

/**
 * The same for IPv6: unique local addresses (RFC 4193, also AWS's and GCP's metadata endpoints), link-local, the
 * local-use NAT64 prefix (RFC 8215), and every IPv4 range above as the well-known NAT64 prefix embeds it: on an
 * IPv6-only cluster with NAT64, 64:ff9b::a9fe:a9fe is the metadata endpoint 169.254.169.254.
 */
export const PRIVATE_IPV6_RANGES: readonly string[] = ['fc00::/7', 'fe80::/10', '64:ff9b:1::/48', ...PRIVATE_IPV4_RANGES.map(nat64)];

/**
 * Ranges where no API server's endpoint lies, and that a block declared as its endpoints must not open to builds:
 * what `ValidateEndpointIP` (kubernetes/kubernetes pkg/apis/core/validation/validation.go) refuses in Endpoints and
 * EndpointSlices (unspecified, loopback, link-local and link-local multicast addresses, here all multicast), the
 * clouds' instance metadata endpoints outside the link-local range (AWS's and GCP's over IPv6, Alibaba's) and
 * Azure's WireServer, the IPv4 ones as the well-known NAT64 prefix embeds them, and the local-use NAT64 prefix
 * (RFC 8215), whose embedding is the network's own.
 */
export const NON_ENDPOINT_RANGES: readonly string[] = (() => {
  const ipv4 = ['0.0.0.0/32', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '100.100.100.200/32', '168.63.129.16/32'];
  const ipv6 = ['::/128', '::1/128', 'fe80::/10', 'ff00::/8', 'fd00:ec2::254/128', 'fd20:ce::254/128', '64:ff9b:1::/48'];
  return [...ipv4, ...ipv6, ...ipv4.map(nat64)];
})();

/** The range of `NON_ENDPOINT_RANGES` that `cidr` overlaps (holds, or lies in, or is), if any. */
export function nonEndpointRangeOf(cidr: Cidr): string | undefined {
  return NON_ENDPOINT_RANGES.find((text) => {
    const range = parseCidr('range', text);
    return cidrContains(range, cidr) || cidrContains(cidr, range);
  });
}

/** The cluster DNS pods: CoreDNS keeps kube-dns's `k8s-app` label in kube-system. */
export const CLUSTER_DNS = NetworkPeer.pods('kube-system', { 'k8s-app': 'kube-dns' });

const UDP_TCP_53: readonly NetworkPort[] = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];

/**
 * An egress rule of the build namespaces' policy. Each is made frozen (`buildEgressRule`): it is shared by every build
 * namespace, whose policies then share the rule they render (`PodFirewall.allowEgress`).
 */
export interface BuildEgressRule {
  /** Where the rule admits connections to. */
  readonly peers: readonly NetworkPeer[];
  /** The ports it admits them on; none for every port and protocol. */
  readonly ports: readonly NetworkPort[];
}

/** A `BuildEgressRule`, frozen with its lists. */
export function buildEgressRule(peers: readonly NetworkPeer[], ports: readonly NetworkPort[]): BuildEgressRule {
  return Object.freeze({ peers: Object.freeze([...peers]), ports: Object.freeze(ports.map((p) => Object.freeze({ ...p }))) });
}

/** The rules every build namespace gets: DNS, then the internet without the cluster's ranges. */
export function baseEgressRules(props: BuildEgressProps, clusterDns: NetworkPeer = CLUSTER_DNS): BuildEgressRule[] {
  const excluded = [
    ...checkUniqueList('buildEgress.apiServerCidrs', props.apiServerCidrs ?? [], { allowEmpty: true }).map((c) => publicCidr('buildEgress.apiServerCidrs', c)),
    ...checkUniqueList('buildEgress.excludedCidrs', props.excludedCidrs ?? [], { allowEmpty: true }).map((c) => publicCidr('buildEgress.excludedCidrs', c)),
  ];
  const dns = props.dns ?? [clusterDns];
  const rules: BuildEgressRule[] = dns.length > 0 ? [buildEgressRule(dns, UDP_TCP_53)] : [];
  if (props.internet ?? true) {
    rules.push(buildEgressRule([
      NetworkPeer.ipBlock('0.0.0.0/0', excludedRanges(excluded, 4)),
      NetworkPeer.ipBlock('::/0', excludedRanges(excluded, 6)),
    // every port and protocol: builds fetch from anywhere on the internet (https, ssh, git, package registries)
    ], []));
  } else if (excluded.some((c) => !insidePrivateRange(c))) {
    // (a private block changes nothing here either)
    invalid('buildEgress.internet', false, 'must be true to set apiServerCidrs or excludedCidrs, which are taken out of the internet rule');
  }
  return rules;
}

/**
 * What the internet rule of one family leaves out: the private ranges and the declared blocks, and for IPv6 also the
 * declared IPv4 blocks in their NAT64 form, as the private ones are (on an IPv6-only cluster with NAT64, a public
 * IPv4 API server is reached at 64:ff9b::<address>).
 */
function excludedRanges(declared: readonly { family: 4 | 6; text: string }[], family: 4 | 6): string[] {
  // a declared block inside a private range is left out already: a stack may declare its API server's endpoint
  // whether it is public or private, and the rule reads the same as without it
  const of = (f: 4 | 6) => declared.filter((c) => c.family === f && !insidePrivateRange(c)).map((c) => c.text);
  // a block declared in both forms, or in both lists, is one exception: `NetworkPeer.ipBlock` writes each once
  return family === 4 ? [...PRIVATE_IPV4_RANGES, ...of(4)] : [...PRIVATE_IPV6_RANGES, ...of(6), ...of(4).map(nat64)];
}

/** The private ranges, parsed once: IPv4, then IPv6. */
let privateRanges: { 4: Cidr[]; 6: Cidr[] } | undefined;

/** Whether a private range of its family holds the whole of `block`. */
function insidePrivateRange(block: { family: 4 | 6; text: string }): boolean {
  privateRanges ??= {
    4: PRIVATE_IPV4_RANGES.map((r) => parseCidr('range', r)),
    6: PRIVATE_IPV6_RANGES.map((r) => parseCidr('range', r)),
  };
  const cidr = parseCidr('buildEgress', block.text);
  return privateRanges[block.family].some((range) => cidrContains(range, cidr));
}

/** `props` with its lists copied: what an engine keeps of its `buildEgress`, which the caller's object cannot change. */
export function copyBuildEgress(props: BuildEgressProps): BuildEgressProps {
  const { dns, apiServerCidrs, excludedCidrs } = props;
  return {
    ...props, ...(dns && { dns: [...dns] }), ...(apiServerCidrs && { apiServerCidrs: [...apiServerCidrs] }),
    ...(excludedCidrs && { excludedCidrs: [...excludedCidrs] }),
  };
}

/**
 * Whether the internet rule of `props` (`baseEgressRules`) lets through some address of `cidr`: there is one
 * (`internet` is not false), and no range it leaves out (the private ones, `apiServerCidrs`, `excludedCidrs`) holds
 * the whole block. A block that straddles ranges counts as let through. Checked by `TeamPlatform` for a public API
 * server endpoint; `props` must have passed `baseEgressRules`.
 */
export function internetRuleReaches(props: BuildEgressProps, cidr: Cidr): boolean {
  if (props.internet === false) {
    return false;
  }
  const declared = [...(props.apiServerCidrs ?? []), ...(props.excludedCidrs ?? [])].map((text) => ({ family: parseCidr('buildEgress', text).family, text }));
  return !excludedRanges(declared, cidr.family).some((range) => cidrContains(parseCidr('buildEgress', range), cidr));
}

/** A CIDR to take out of `0.0.0.0/0` or `::/0`, which Kubernetes allows only for a strictly smaller block. */
function publicCidr(prop: string, value: string): { family: 4 | 6; text: string } {
  const cidr = parseCidr(prop, value);
  if (cidr.prefix === 0) {
    invalid(prop, value, 'must be smaller than the whole address space: to cut builds off the internet, set internet: false');
  }
  return { family: cidr.family, text: value };
}
