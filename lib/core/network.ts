import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { intOrString, kube } from './k8s';
import type { k8s } from './k8s';
import { compare } from './text';
import { checkDnsLabel, checkLabels, checkObject, describeValue, invalid } from './validation';

/**
 * A set of pods or addresses that a NetworkPolicy admits traffic from, or lets pods send traffic to.
 *
 * Kubernetes reads a peer with both a namespace and a pod selector as "these pods in these namespaces" (one
 * `NetworkPolicyPeer`, networking/v1 `types.go`); every peer here is rendered that way.
 */
export class NetworkPeer {
  /** The pods with `labels` in `namespace`. */
  public static pods(namespace: string, labels: Record<string, string>): NetworkPeer {
    const ns = checkDnsLabel('namespace', namespace);
    const pods = { ...checkLabels('labels', labels) };
    return new NetworkPeer(ns, pods, { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } }, podSelector: { matchLabels: { ...pods } } });
  }

  /** Every pod in `namespace`. */
  public static namespace(namespace: string): NetworkPeer {
    const ns = checkDnsLabel('namespace', namespace);
    return new NetworkPeer(ns, undefined, { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } });
  }

  /**
   * Every pod in every namespace that carries all of `labels`, e.g. the build namespaces of a Drone runner
   * (`DroneKubeRunner.buildPeer`). Whoever may label namespaces (a cluster-scoped permission) can join the set.
   */
  public static namespaces(labels: Record<string, string>): NetworkPeer {
    const matchLabels = { ...checkLabels('labels', labels) };
    if (Object.keys(matchLabels).length === 0) {
      invalid('labels', labels, 'must not be empty: an empty namespace selector matches every namespace');
    }
    return new NetworkPeer(undefined, undefined, { namespaceSelector: { matchLabels } });
  }

  /**
   * The addresses in `cidr` but not in any of `except`: for traffic to or from outside the cluster. Pod addresses
   * change, so select pods with `pods` or `namespace` instead; whether an ipBlock matches pod addresses at all is
   * up to the network plugin (networking/v1 `types.go`, `NetworkPolicyPeer.ipBlock`).
   *
   * @param cidr an IPv4 or IPv6 CIDR such as "203.0.113.0/24", with no bits set after the prefix
   * @param except CIDRs inside `cidr` and smaller than it, which Kubernetes requires of every except
   */
  public static ipBlock(cidr: string, except: readonly string[] = []): NetworkPeer {
    const outer = parseCidr('cidr', cidr);
    const excepts = except.map((e) => {
      const inner = parseCidr('except', e);
      if (!cidrContains(outer, inner) || inner.prefix === outer.prefix) {
        // kubernetes/kubernetes pkg/apis/networking/validation/validation.go ValidateIPBlock: "must be a strict subset of `cidr`"
        invalid('except', e, `must lie strictly inside the cidr ${describeValue(cidr)}: Kubernetes refuses an except outside it or equal to it`);
      }
      // rendered canonical: the API server stores ipBlock as sent but warns on a non-canonical IPv6 CIDR (KEP-4858,
      // "API Warnings"), and one spelling keeps diffs of the manifest quiet
      return formatCidr(inner);
    });
    // each once, as written canonically: two spellings of one block are one exception
    return new NetworkPeer(undefined, undefined, { ipBlock: { cidr: formatCidr(outer), ...(except.length > 0 ? { except: [...new Set(excepts)] } : {}) } });
  }

  private constructor(
    /** The namespace of the pods, when the peer is pods of one namespace (`pods`, `namespace`). */
    public readonly namespace: string | undefined,
    /** The labels of the pods, or undefined for all pods of the namespace or namespaces, and for an ipBlock. */
    public readonly labels: Readonly<Record<string, string>> | undefined,
    private readonly peer: k8s.NetworkPolicyPeer,
  ) {}

  private json?: string;

  /**
   * These pods less those whose label `key` has one of `values` (a `NotIn` requirement ANDed with the peer's own
   * selectors, in the same peer: a separate rule would admit them anyway, as rules add up). A pod without the label
   * stays in.
   *
   * @internal
   */
  public _excludingPods(key: string, values: readonly string[]): NetworkPeer {
    if (this.peer.ipBlock !== undefined || values.length === 0) {
      throw new Error(`NetworkPeer ${this._json()}: only a peer of pods excludes pods, by at least one value`);
    }
    const podSelector: k8s.LabelSelector = {
      ...this.peer.podSelector,
      matchExpressions: [...(this.peer.podSelector?.matchExpressions ?? []), { key, operator: 'NotIn', values: [...values] }],
    };
    return new NetworkPeer(this.namespace, this.labels, { ...this.peer, podSelector });
  }

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    // shared, not copied (a thousand teams' rules name the same few peers): frozen, so no rule can change another's
    return deepFreeze(this.peer);
  }

  /** `JSON.stringify(this._toKube())`, made once: a peer never changes. @internal */
  public _json(): string {
    return (this.json ??= JSON.stringify(this._toKube()));
  }
}

/**
 * Check a peer given to a public method (`grantConnect`): a NetworkPeer, made by its factories, which a JavaScript
 * caller may not pass (`db.grantConnect("apps")` would otherwise fail with a TypeError when the rule is made).
 */
export function checkPeer(prop: string, value: NetworkPeer): NetworkPeer {
  return checkObject(prop, value, 'must be a NetworkPeer, e.g. NetworkPeer.namespace("apps") or NetworkPeer.pods("apps", { app: "web" })', NetworkPeer);
}

/**
 * Check the Prometheus pods a metrics port admits (`metrics.scrapers` of Harbor, Woodpecker and Drone, `checkMetrics`):
 * a non-empty list of NetworkPeer, none of them the whole address space, which would open the port to every pod and
 * node; `exposes` says what that port gives away, for the message.
 *
 * @returns a copy of the list
 */
export function checkScrapers(prop: string, scrapers: readonly NetworkPeer[], exposes = 'the metrics port asks for no token'): NetworkPeer[] {
  if (!Array.isArray(scrapers) || scrapers.length === 0 || !scrapers.every((p) => p instanceof NetworkPeer)) {
    invalid(prop, scrapers, 'must be a non-empty list of NetworkPeer, the Prometheus pods admitted, e.g. [NetworkPeer.namespace("monitoring")]');
  }
  const world = scrapers.find((p) => p._toKube().ipBlock?.cidr.endsWith('/0'));
  if (world !== undefined) {
    invalid(prop, world._toKube().ipBlock!.cidr, `must not be the whole address space: ${exposes}, so name the ` +
      'Prometheus pods (NetworkPeer.pods or .namespace) or the block of its hosts');
  }
  return [...scrapers];
}

/** The label the API server sets on every namespace to its name (Kubernetes 1.22+). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A port a NetworkPolicy rule admits. */
export interface NetworkPort {
  /** The protocol. */
  readonly protocol: 'TCP' | 'UDP';
  /** The port number, at the pod (a Service's target port). */
  readonly port: number;
}

/** Where a NetworkPolicy applies. */
export interface PodFirewallProps {
  readonly name: string;
  readonly namespace: string;
  /** The pods it protects. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Govern egress too: deny every connection the pods open except what `allowEgress` admits (nothing, for servers
   * that never open connections).
   *
   * @default false
   */
  readonly denyEgress?: boolean;
  /**
   * Govern ingress: deny all of it except what `allow` admits. False makes an egress-only policy (with
   * `denyEgress`), which leaves ingress to the namespace's other policies.
   *
   * @default true
   */
  readonly ingress?: boolean;
  /**
   * Render the ingress rules in a fixed order (their JSON's), not in the order granted: for a server whose clients
   * come and go with a list of the user's, such as Drone's with a runner per team, so that the list's order is no
   * input of the policy.
   *
   * @default false
   */
  readonly sortIngress?: boolean;
}

/**
 * A NetworkPolicy that denies all ingress to a set of pods except what `allow` admits, and with `denyEgress` all
 * egress except what `allowEgress` admits.
 *
 * Rules are rendered at synth time, so clients can be granted access after the server is defined. Kubernetes
 * admits the union of every rule of every policy that selects a pod (networking/v1 `types.go`, `NetworkPolicySpec`).
 */
export class PodFirewall extends Construct {
  private readonly rules = new Map<string, k8s.NetworkPolicyIngressRule>();
  private readonly egressRules = new Map<string, k8s.NetworkPolicyEgressRule>();
  private readonly governsIngress: boolean;
  private readonly governsEgress: boolean;

  public constructor(scope: Construct, id: string, props: PodFirewallProps) {
    super(scope, id);
    const ingress = props.ingress ?? true;
    this.governsIngress = ingress;
    this.governsEgress = props.denyEgress ?? false;
    if (!ingress && !this.governsEgress) {
      throw new Error(`PodFirewall ${props.namespace}/${props.name}: a policy that governs neither ingress nor egress does nothing`);
    }
    kube(this, 'Resource', 'NetworkPolicy', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: props.podLabels },
        policyTypes: [...(ingress ? ['Ingress'] : []), ...(this.governsEgress ? ['Egress'] : [])],
        ingress: ingress ? Lazy.any({ produce: () => (props.sortIngress ? [...this.rules.keys()].sort(compare).map((k) => this.rules.get(k)!) : [...this.rules.values()]) }) : undefined,
        egress: this.governsEgress ? Lazy.any({ produce: () => [...this.egressRules.values()] }) : undefined,
      },
    });
  }

  /** Admit TCP traffic from `peer` to `port`. */
  public allow(peer: NetworkPeer, port: number): void {
    this.allowFrom([peer], [{ protocol: 'TCP', port }]);
  }

  /** Admit traffic from `peers` to `ports`; no ports means every port and protocol. */
  public allowFrom(peers: readonly NetworkPeer[], ports: readonly NetworkPort[]): void {
    if (!this.governsIngress) {
      throw new Error(`PodFirewall ${this.node.path}: allowFrom needs a policy that governs ingress`);
    }
    // every public grant (grantConnect, grantAccess) ends here: a JavaScript caller's string is refused in one line
    const rule: k8s.NetworkPolicyIngressRule = { from: peers.map((p) => checkPeer('peer', p)._toKube()), ...portsOf(ports) };
    this.rules.set(ruleKey('from', peers, rule), rule);
  }

  /**
   * Put the rule that admits `replacement` to `port` where the rule admitting `peer` to `port` is, keeping the order
   * of the rules (a rule added later would move every rule after it in the output).
   *
   * @internal
   */
  public _replaceFrom(peer: NetworkPeer, replacement: NetworkPeer, port: number): void {
    const ports = portsOf([{ protocol: 'TCP', port }]);
    const key = ruleKey('from', [peer], ports);
    if (!this.rules.has(key)) {
      throw new Error(`PodFirewall ${this.node.path}: no rule admits ${peer._json()} to port ${port}`);
    }
    const rule: k8s.NetworkPolicyIngressRule = { from: [replacement._toKube()], ...ports };
    const entries = [...this.rules].map(([k, r]): [string, k8s.NetworkPolicyIngressRule] => k === key ? [ruleKey('from', [replacement], ports), rule] : [k, r]);
    this.rules.clear();
    entries.forEach(([k, r]) => this.rules.set(k, r));
  }

  /** Let the pods open connections to `peers` on `ports`; no ports means every port and protocol. */
  public allowEgress(peers: readonly NetworkPeer[], ports: readonly NetworkPort[]): void {
    if (!this.governsEgress) {
      throw new Error(`PodFirewall ${this.node.path}: allowEgress needs denyEgress, or the policy leaves egress open anyway`);
    }
    const { key, rule } = egressRule(peers, ports);
    this.egressRules.set(key, rule);
  }
}

/**
 * Egress rules made, by their frozen peers and ports lists: a runner's build egress is the same few lists for every
 * build namespace (a thousand at a thousand teams), so each rule is made once and shared, frozen as its peers are.
 */
const EGRESS_RULES = new WeakMap<readonly NetworkPeer[], WeakMap<readonly NetworkPort[], { key: string; rule: k8s.NetworkPolicyEgressRule }>>();

/**
 * The egress rule to `peers` on `ports`, and its key: made once for the same two lists if both, and every port, are
 * frozen (a peer never changes).
 */
function egressRule(peers: readonly NetworkPeer[], ports: readonly NetworkPort[]): { key: string; rule: k8s.NetworkPolicyEgressRule } {
  const make = () => {
    const rule: k8s.NetworkPolicyEgressRule = { to: peers.map((p) => p._toKube()), ...portsOf(ports) };
    return { key: ruleKey('to', peers, rule), rule };
  };
  if (!Object.isFrozen(peers) || !Object.isFrozen(ports) || !ports.every((p) => Object.isFrozen(p))) {
    return make();
  }
  let byPorts = EGRESS_RULES.get(peers);
  if (byPorts === undefined) {
    EGRESS_RULES.set(peers, byPorts = new WeakMap());
  }
  let made = byPorts.get(ports);
  if (made === undefined) {
    made = make();
    deepFreeze(made.rule);
    byPorts.set(ports, made);
  }
  return made;
}

/**
 * `JSON.stringify(rule)`, which tells identical rules apart, from each peer's JSON made once: the peers, `field`,
 * come first in a rule and `ports`, if any, after them.
 */
function ruleKey(field: 'from' | 'to', peers: readonly NetworkPeer[], rule: { ports?: k8s.NetworkPolicyPort[] }): string {
  const ports = rule.ports === undefined ? '' : `,"ports":${JSON.stringify(rule.ports)}`;
  return `{"${field}":[${peers.map((p) => p._json()).join(',')}]${ports}}`;
}

/** A rule's `ports`, left out for every port and protocol. */
function portsOf(ports: readonly NetworkPort[]): { ports?: k8s.NetworkPolicyPort[] } {
  return ports.length > 0 ? { ports: ports.map((p) => ({ protocol: p.protocol, port: intOrString(p.port) })) } : {};
}

/** A parsed CIDR. */
export interface Cidr {
  readonly family: 4 | 6;
  /** The network address as a number. */
  readonly base: bigint;
  readonly prefix: number;
}

/** What a CIDR must be, as every refusal of `parseCidr` ends. */
export const CIDR_RULE = 'must be a CIDR such as "203.0.113.0/24" or "2001:db8::/32": an IPv4 or IPv6 address in plain notation ' +
  'and a prefix length, with no address bits set after the prefix';

/**
 * Check and parse a CIDR as Kubernetes' strict validation accepts it (no IPv4 leading zeros, no IPv6 zone or
 * dotted tail, no IPv4-mapped IPv6 address), and with the host bits zero, so the rendered block means exactly
 * what it says.
 */
export function parseCidr(prop: string, value: string): Cidr {
  const match = typeof value === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(value) : null;
  const address = match ? parseAddress(match[1]) : undefined;
  const prefix = match ? Number(match[2]) : NaN;
  if (!address || !(prefix <= (address.family === 4 ? 32 : 128)) || String(prefix) !== match![2]) {
    return invalid(prop, value, CIDR_RULE);
  }
  const bits = address.family === 4 ? 32 : 128;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((address.value & hostMask) !== 0n) {
    // an address of the block with the prefix behind it (a host's "10.0.0.15/24"): name the block it is in, which the
    // user may have meant, or the /32 (/128) of the address itself
    const block = formatCidr({ family: address.family, base: address.value & ~hostMask, prefix });
    invalid(prop, value, `has address bits set after /${prefix} (its block is ${block}); ${CIDR_RULE}`);
  }
  return { family: address.family, base: address.value, prefix };
}

/**
 * A CIDR in canonical text: IPv4 in dotted decimal; IPv6 as RFC 5952 section 4 has it, which is how Go's `net/netip`
 * prints it and the form Kubernetes asks for (KEP-4858, kubernetes/enhancements keps/sig-network/4858-ip-cidr-validation:
 * "should be in RFC 5952 canonical format"): lower-case hex without leading zeros, the longest run of two or more
 * zero groups (the first of equal runs) written `::`. (An IPv4-mapped address, which Go prints with a dotted tail,
 * never gets here: `parseCidr` refuses it in either spelling.)
 */
export function formatCidr(cidr: Cidr): string {
  if (cidr.family === 4) {
    return `${[24, 16, 8, 0].map((shift) => String(Number((cidr.base >> BigInt(shift)) & 0xffn))).join('.')}/${cidr.prefix}`;
  }
  const groups = [112, 96, 80, 64, 48, 32, 16, 0].map((shift) => Number((cidr.base >> BigInt(shift)) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return `${best.at < 0 ? hex(groups) : `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`}/${cidr.prefix}`;
}

/** Whether `inner` lies inside `outer` (or is it). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) {
    return false;
  }
  const bits = outer.family === 4 ? 32 : 128;
  return (inner.base >> BigInt(bits - outer.prefix)) === (outer.base >> BigInt(bits - outer.prefix));
}

// An IPv4 address without leading zeros, and an IPv6 address of hex groups in plain notation (no zone, no dotted
// tail): what Kubernetes' strict validation accepts. Checked here rather than with `net.isIPv4`/`isIPv6`, which take
// zones and dotted tails (refused afterwards anyway) and compile a large pattern on first use, a noticeable part of a
// synth that parses a runner's dozens of build egress blocks once.
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUPS = /^(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?$/;

/** Whether `text` is IPv6 in plain notation: eight groups, or fewer around one `::`. */
function isPlainIPv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2 || !halves.every((h) => IPV6_GROUPS.test(h))) {
    return false;
  }
  const groups = halves.reduce((n, h) => n + (h === '' ? 0 : h.split(':').length), 0);
  return halves.length === 1 ? groups === 8 : groups <= 7;
}

/**
 * An IPv4 or IPv6 address in plain notation, as `parseCidr` reads the address of a CIDR; undefined for anything
 * else (an IPv6 zone or dotted tail, an IPv4-mapped address, IPv4 leading zeros).
 */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (IPV4.test(text)) {
    return { family: 4, value: text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  }
  if (!isPlainIPv6(text)) {
    return undefined;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  // an IPv4-mapped address (::ffff:0:0/96) in hex, as refused in its dotted spelling above: Kubernetes' strict IP
  // validation refuses both (KEP-4858, keps/sig-network/4858-ip-cidr-validation), and a policy means IPv4 by them
  return value >> 32n === 0xffffn ? undefined : { family: 6, value };
}

/** `value`, with it and everything below it frozen. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    Object.values(value as object).forEach(deepFreeze);
  }
  return value;
}
