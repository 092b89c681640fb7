// Where build pods may open connections to (issue 11): the rendered NetworkPolicies of a runner, evaluated with a
// small model of Kubernetes' NetworkPolicy egress semantics, so the test checks what the cluster would admit rather
// than the YAML's shape.
import fc from 'fast-check';
import { BlockList, isIPv4 } from 'net';
import { BuildEgressProps, DroneKubeRunner, DroneKubeRunnerProps, NetworkPeer } from '../../lib';
import { internetRuleReaches } from '../../lib/ci/build-egress';
import { parseCidr } from '../../lib/core/network';
import { find, synth, testChart } from '../util';
import { droneServer } from './fixtures';

/** A pod that opens a connection. */
interface Source {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** Where a connection goes, after any Service address has been translated to an endpoint. */
interface Destination {
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** Set when the endpoint is a pod: its namespace, that namespace's labels, and its own labels. */
  readonly pod?: { readonly namespace: string; readonly namespaceLabels: Record<string, string>; readonly labels: Record<string, string> };
}

/** `matchLabels` only: the runner renders no `matchExpressions`, and the model refuses to guess at them. */
function selects(selector: any, labels: Record<string, string>): boolean {
  if (selector.matchExpressions !== undefined) {
    throw new Error('matchExpressions are not modelled');
  }
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function inCidr(ip: string, cidr: string): boolean {
  const [address, prefix] = cidr.split('/');
  const family = isIPv4(address) ? 'ipv4' : 'ipv6';
  if ((isIPv4(ip) ? 'ipv4' : 'ipv6') !== family) {
    return false;
  }
  const block = new BlockList();
  block.addSubnet(address, Number(prefix), family);
  return block.check(ip, family);
}

/**
 * Whether the NetworkPolicies `policies` let `source` open a connection to `destination`, per the Kubernetes
 * NetworkPolicy spec (k8s.io/api networking/v1 types.go, and kubernetes.io/docs/concepts/services-networking/network-policies):
 *
 * - a pod is isolated for egress when a policy in its namespace selects it (`podSelector`) with "Egress" in
 *   `policyTypes` (which defaults to "Ingress", plus "Egress" when the policy has egress rules); a pod that no
 *   such policy selects may send anywhere;
 * - an isolated pod may send what the union of those policies' egress rules admits; an empty list admits nothing;
 * - a rule admits a destination when one of its `to` peers matches (no `to`: every destination) and one of its
 *   `ports` matches (no `ports`: every port and protocol; a port's protocol defaults to TCP, `endPort` makes a range);
 * - a peer with `namespaceSelector` and `podSelector` matches those pods in those namespaces; with only
 *   `namespaceSelector`, every pod of those namespaces; with only `podSelector`, those pods of the policy's own
 *   namespace; an `ipBlock` matches the addresses in `cidr` but not in any `except`. Whether an ipBlock also matches
 *   pod addresses is left to the network plugin, so the model assumes the worst: it does.
 */
function egressAllowed(policies: any[], source: Source, destination: Destination): boolean {
  const isolating = policies.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === source.namespace
    && (p.spec.policyTypes ?? ['Ingress', ...(p.spec.egress ? ['Egress'] : [])]).includes('Egress')
    && selects(p.spec.podSelector ?? {}, source.labels));
  if (isolating.length === 0) {
    return true;
  }
  const peerMatches = (peer: any, policyNamespace: string): boolean => {
    if (peer.ipBlock) {
      return inCidr(destination.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(destination.ip, e));
    }
    const pod = destination.pod;
    if (!pod) {
      return false;
    }
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, pod.namespaceLabels) : pod.namespace === policyNamespace;
    return namespaceOk && (peer.podSelector ? selects(peer.podSelector, pod.labels) : true);
  };
  const portMatches = (port: any): boolean => (port.protocol ?? 'TCP') === destination.protocol
    && (port.port === undefined || (port.endPort === undefined ? port.port === destination.port
      : destination.port >= port.port && destination.port <= port.endPort));
  return isolating.some((p) => (p.spec.egress ?? []).some((rule: any) =>
    (rule.to === undefined || rule.to.length === 0 || rule.to.some((peer: any) => peerMatches(peer, p.metadata.namespace)))
    && (rule.ports === undefined || rule.ports.length === 0 || rule.ports.some(portMatches))));
}

const NAME = 'kubernetes.io/metadata.name';
/** A pod `labels` in `namespace`, at `ip`, which the API server labels with its name (and maybe more). */
function pod(namespace: string, labels: Record<string, string>, ip: string, namespaceLabels: Record<string, string> = {}) {
  return { ip, pod: { namespace, labels, namespaceLabels: { ...namespaceLabels, [NAME]: namespace } } };
}

/** The rendered objects of a runner in `ci` with the build namespaces `ci-builds` and `deploy`. */
function twoNamespaces(props: Partial<DroneKubeRunnerProps> = {}, declare: (runner: DroneKubeRunner) => void = () => {}) {
  const chart = testChart('ci');
  const runner = new DroneKubeRunner(chart, 'Runner', { server: droneServer(chart), extraBuildNamespaces: ['deploy'], ...props });
  declare(runner);
  const objects = synth(chart);
  const labelsOf = (ns: string) => find(objects, 'Namespace', ns).metadata.labels;
  return { runner, objects, labelsOf };
}

const BUILD_POD = { labels: { 'io.drone': 'true' } };
const BUILD_NAMESPACES = ['ci-builds', 'deploy'];
const DRONE = { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/instance': 'drone', 'app.kubernetes.io/component': 'server' };
const POSTGRES = { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'postgres', 'app.kubernetes.io/component': 'database' };
const KUBE_DNS = { 'k8s-app': 'kube-dns' };

/** The ranges no build pod may reach, written out here rather than imported, so the test checks the library. */
const PRIVATE_V4: [string, number][] = [
  ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], // RFC 1918
  ['100.64.0.0', 10], // RFC 6598
  ['169.254.0.0', 16], // link-local: cloud metadata
  ['127.0.0.0', 8],
  ['168.63.129.16', 32], // Azure's WireServer
];
const PRIVATE_V6: [bigint, number][] = [[0xfcn << 120n, 7], [0xfe80n << 112n, 10]];
/** The NAT64 prefixes: the well-known one (RFC 6052), in which each IPv4 range above is embedded, and local use (RFC 8215). */
const NAT64_WELL_KNOWN = 0x64ff9bn << 96n;
const NAT64_LOCAL: [bigint, number] = [0x64ff9b0001n << 80n, 48];

const v4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const v4Number = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const v6 = (n: bigint) => Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
const anyPort = fc.record({ port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom<'TCP' | 'UDP'>('TCP', 'UDP') });

describe('build pods reach nothing of the cluster unless declared', () => {
  const { objects, labelsOf } = twoNamespaces();

  test.each(BUILD_NAMESPACES)('from %s: not the cloud metadata endpoint, the API server, the platform or the other namespace', (ns) => {
    const source = { namespace: ns, ...BUILD_POD };
    const other = BUILD_NAMESPACES.find((n) => n !== ns)!;
    const denied: [string, Destination][] = [
      ['the metadata endpoint', { ip: '169.254.169.254', port: 80, protocol: 'TCP' }],
      ['the metadata endpoint over IPv6 (AWS)', { ip: 'fd00:ec2::254', port: 80, protocol: 'TCP' }],
      ['the metadata endpoint through NAT64', { ip: '64:ff9b::a9fe:a9fe', port: 80, protocol: 'TCP' }],
      ['Azure\'s WireServer', { ip: '168.63.129.16', port: 80, protocol: 'TCP' }],
      ['the API server Service, before translation', { ip: '10.96.0.1', port: 443, protocol: 'TCP' }],
      ['a private API server endpoint', { ip: '172.16.0.10', port: 6443, protocol: 'TCP' }],
      ['a node\'s kubelet', { ip: '192.168.1.10', port: 10250, protocol: 'TCP' }],
      ['a pod in a CGNAT pod range', { ip: '100.64.12.3', port: 8080, protocol: 'TCP' }],
      ['the Drone server', { ...pod('ci', DRONE, '10.244.1.2'), port: 8080, protocol: 'TCP' }],
      ['the platform database', { ...pod('ci', POSTGRES, '10.244.3.7'), port: 5432, protocol: 'TCP' }],
      ['a pod of the other build namespace', { ...pod(other, BUILD_POD.labels, '10.244.2.9', labelsOf(other)), port: 8080, protocol: 'TCP' }],
      ['a pod of its own namespace', { ...pod(ns, BUILD_POD.labels, '10.244.2.10', labelsOf(ns)), port: 8080, protocol: 'TCP' }],
      ['the DNS pods on another port', { ...pod('kube-system', KUBE_DNS, '10.244.0.3'), port: 9153, protocol: 'TCP' }],
      ['another kube-system pod on 53', { ...pod('kube-system', { app: 'other' }, '10.244.0.4'), port: 53, protocol: 'UDP' }],
    ];
    for (const [what, destination] of denied) {
      expect([what, egressAllowed(objects, source, destination)]).toEqual([what, false]);
    }
  });

  test.each(BUILD_NAMESPACES)('from %s: DNS and the internet, on any port', (ns) => {
    const source = { namespace: ns, ...BUILD_POD };
    const allowed: [string, Destination][] = [
      ['cluster DNS over UDP', { ...pod('kube-system', KUBE_DNS, '10.244.0.3'), port: 53, protocol: 'UDP' }],
      ['cluster DNS over TCP', { ...pod('kube-system', KUBE_DNS, '10.244.0.3'), port: 53, protocol: 'TCP' }],
      ['a public git server over https', { ip: '140.82.121.4', port: 443, protocol: 'TCP' }],
      ['a public git server over ssh', { ip: '140.82.121.4', port: 22, protocol: 'TCP' }],
      ['a public IPv6 registry', { ip: '2606:4700::6810:84e5', port: 443, protocol: 'TCP' }],
      ['a public IPv4 git server through NAT64', { ip: '64:ff9b::8c52:7904', port: 443, protocol: 'TCP' }],
    ];
    for (const [what, destination] of allowed) {
      expect([what, egressAllowed(objects, source, destination)]).toEqual([what, true]);
    }
  });

  test('no address in the private, shared, link-local or loopback IPv4 ranges, on any port', () => {
    const inRange = fc.constantFrom(...PRIVATE_V4).chain(([base, prefix]) =>
      fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => v4(v4Number(base) + offset)));
    fc.assert(fc.property(fc.constantFrom(...BUILD_NAMESPACES), inRange, anyPort, (ns, ip, port) =>
      !egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip, ...port })));
  });

  test('no unique-local or link-local IPv6 address, on any port', () => {
    const inRange = fc.constantFrom(...PRIVATE_V6).chain(([base, prefix]) =>
      fc.bigInt({ min: 0n, max: (1n << BigInt(128 - prefix)) - 1n }).map((offset) => v6(base + offset)));
    fc.assert(fc.property(fc.constantFrom(...BUILD_NAMESPACES), inRange, anyPort, (ns, ip, port) =>
      !egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip, ...port })));
  });

  test('no private IPv4 range embedded in a NAT64 prefix, on any port: an IPv6-only cluster reaches IPv4 through it', () => {
    const embedded = fc.constantFrom(...PRIVATE_V4).chain(([base, prefix]) =>
      fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => v6(NAT64_WELL_KNOWN + BigInt(v4Number(base) + offset))));
    const local = fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }).map((offset) => v6(NAT64_LOCAL[0] + offset));
    fc.assert(fc.property(fc.constantFrom(...BUILD_NAMESPACES), fc.oneof(embedded, local), anyPort, (ns, ip, port) =>
      !egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip, ...port })));
  });

  test('every other IPv4 address, on any port', () => {
    const isPrivate = (n: number) => PRIVATE_V4.some(([base, prefix]) => Math.floor(n / 2 ** (32 - prefix)) === Math.floor(v4Number(base) / 2 ** (32 - prefix)));
    const publicIp = fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((n) => !isPrivate(n)).map(v4);
    fc.assert(fc.property(fc.constantFrom(...BUILD_NAMESPACES), publicIp, anyPort, (ns, ip, port) =>
      egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip, ...port })));
  });

  test('every except lies strictly inside its cidr, as the API server requires', () => {
    // kubernetes/kubernetes pkg/apis/networking/validation/validation.go ValidateIPBlock: "must be a strict subset of `cidr`"
    const blocks = objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((p) => (p.spec.egress ?? []).flatMap((r: any) => r.to ?? []))
      .filter((peer: any) => peer.ipBlock).map((peer: any) => peer.ipBlock);
    expect(blocks.length).toBe(4);
    for (const { cidr, except } of blocks) {
      for (const e of except) {
        expect([cidr, e, inCidr(e.split('/')[0], cidr) && Number(e.split('/')[1]) > Number(cidr.split('/')[1])]).toEqual([cidr, e, true]);
      }
    }
  });
});

describe('declared egress', () => {
  test('a peer declared for one namespace is reachable from it alone, on the declared ports alone', () => {
    const { objects, labelsOf } = twoNamespaces({}, (runner) => {
      runner.allowBuildEgress(NetworkPeer.pods('ci', POSTGRES), [5432], { namespaces: ['deploy'] });
    });
    const db = (port: number): Destination => ({ ...pod('ci', POSTGRES, '10.244.3.7'), port, protocol: 'TCP' });
    expect(egressAllowed(objects, { namespace: 'deploy', ...BUILD_POD }, db(5432))).toBe(true);
    expect(egressAllowed(objects, { namespace: 'deploy', ...BUILD_POD }, db(5433))).toBe(false);
    expect(egressAllowed(objects, { namespace: 'ci-builds', ...BUILD_POD }, db(5432))).toBe(false);
    // the rest of the platform stays out of reach
    expect(egressAllowed(objects, { namespace: 'deploy', ...BUILD_POD }, { ...pod('ci', DRONE, '10.244.1.2'), port: 5432, protocol: 'TCP' })).toBe(false);
    expect(egressAllowed(objects, { namespace: 'deploy', ...BUILD_POD }, { ...pod('ci-builds', {}, '10.244.2.9', labelsOf('ci-builds')), port: 5432, protocol: 'TCP' })).toBe(false);
  });

  test('a peer declared for every namespace reaches namespaces added later too', () => {
    const { objects } = twoNamespaces({}, (runner) => {
      runner.allowBuildEgress(NetworkPeer.ipBlock('10.20.0.5/32'), [443]);
      runner.addBuildNamespace('team-a');
    });
    for (const ns of [...BUILD_NAMESPACES, 'team-a']) {
      expect(egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip: '10.20.0.5', port: 443, protocol: 'TCP' })).toBe(true);
      expect(egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip: '10.20.0.6', port: 443, protocol: 'TCP' })).toBe(false);
    }
  });

  test('a public API server endpoint is reachable until declared in apiServerCidrs', () => {
    // NetworkPolicies match after Service translation, so kubernetes.default reaches the endpoint's own address
    const endpoint: Destination = { ip: '203.0.113.10', port: 443, protocol: 'TCP' };
    const v6endpoint: Destination = { ip: '2001:db8::10', port: 443, protocol: 'TCP' };
    const open = twoNamespaces().objects;
    expect(egressAllowed(open, { namespace: 'ci-builds', ...BUILD_POD }, endpoint)).toBe(true);
    const closed = twoNamespaces({ buildEgress: { apiServerCidrs: ['203.0.113.10/32', '2001:db8::/64'] } }).objects;
    for (const ns of BUILD_NAMESPACES) {
      expect(egressAllowed(closed, { namespace: ns, ...BUILD_POD }, endpoint)).toBe(false);
      expect(egressAllowed(closed, { namespace: ns, ...BUILD_POD }, v6endpoint)).toBe(false);
      expect(egressAllowed(closed, { namespace: ns, ...BUILD_POD }, { ...endpoint, ip: '203.0.113.11' })).toBe(true);
      // on an IPv6-only cluster with NAT64 the IPv4 endpoint is 64:ff9b::cb00:710a (RFC 6052 section 2.2)
      expect(egressAllowed(closed, { namespace: ns, ...BUILD_POD }, { ...endpoint, ip: '64:ff9b::cb00:710a' })).toBe(false);
      expect(egressAllowed(closed, { namespace: ns, ...BUILD_POD }, { ...endpoint, ip: '64:ff9b::cb00:710b' })).toBe(true);
    }
  });

  test('a private API server endpoint declared in apiServerCidrs changes nothing: the private ranges are out already', () => {
    const policies = (objects: any[]) => objects.filter((o) => o.kind === 'NetworkPolicy');
    const without = policies(twoNamespaces().objects);
    // an endpoint in RFC 1918 space, one in the shared range, and one in a unique local IPv6 block (and its NAT64 form)
    const declared = policies(twoNamespaces({ buildEgress: { apiServerCidrs: ['10.0.0.1/32', '100.64.3.0/28', 'fd00::1/128', '64:ff9b::a00:1/128'] } }).objects);
    expect(declared).toEqual(without);
    // a block that holds a private range is not inside one: it is taken out as declared
    const wide = policies(twoNamespaces({ buildEgress: { apiServerCidrs: ['8.0.0.0/5'] } }).objects);
    const v4except = wide.flatMap((p) => (p.spec.egress ?? []).flatMap((r: any) => r.to ?? [])).find((peer: any) => peer.ipBlock?.cidr === '0.0.0.0/0').ipBlock.except;
    expect(v4except).toContain('8.0.0.0/5');
  });

  test('a declared IPv4 block takes its NAT64 form out of the IPv6 rule, written canonically (RFC 5952)', () => {
    const { objects } = twoNamespaces({ buildEgress: { excludedCidrs: ['198.51.100.0/24', '0.0.1.0/24'] } });
    const v6rule = objects.filter((o) => o.kind === 'NetworkPolicy').flatMap((p) => (p.spec.egress ?? []).flatMap((r: any) => r.to ?? []))
      .find((peer: any) => peer.ipBlock?.cidr === '::/0').ipBlock;
    expect(v6rule.except.slice(-2)).toEqual(['64:ff9b::c633:6400/120', '64:ff9b::100/120']);
    expect(internetRuleReaches({ excludedCidrs: ['198.51.100.0/24'] }, parseCidr('cidr', '64:ff9b::c633:6401/128'))).toBe(false);
    // a block declared in both forms, spelled otherwise, is one exception
    const twice = twoNamespaces({ buildEgress: { apiServerCidrs: ['203.0.113.10/32'], excludedCidrs: ['64:FF9B::CB00:710A/128'] } }).objects;
    const except = twice.filter((o) => o.kind === 'NetworkPolicy').flatMap((p) => (p.spec.egress ?? []).flatMap((r: any) => r.to ?? []))
      .find((peer: any) => peer.ipBlock?.cidr === '::/0').ipBlock.except;
    expect(except.filter((e: string) => e === '64:ff9b::cb00:710a/128')).toHaveLength(1);
    expect(internetRuleReaches({ excludedCidrs: ['198.51.100.0/24'] }, parseCidr('cidr', '64:ff9b::c633:6501/128'))).toBe(true);
  });

  test('excludedCidrs takes nodes\' public addresses out; internet: false leaves DNS and what is declared', () => {
    const nodes = twoNamespaces({ buildEgress: { excludedCidrs: ['198.51.100.0/24'] } }).objects;
    expect(egressAllowed(nodes, { namespace: 'deploy', ...BUILD_POD }, { ip: '198.51.100.7', port: 30080, protocol: 'TCP' })).toBe(false);
    const { objects } = twoNamespaces({ buildEgress: { internet: false } }, (runner) => {
      runner.allowBuildEgress(NetworkPeer.ipBlock('198.51.100.5/32'), [5000]);
    });
    const source = { namespace: 'ci-builds', ...BUILD_POD };
    expect(egressAllowed(objects, source, { ip: '140.82.121.4', port: 443, protocol: 'TCP' })).toBe(false);
    expect(egressAllowed(objects, source, { ip: '198.51.100.5', port: 5000, protocol: 'TCP' })).toBe(true);
    expect(egressAllowed(objects, source, { ...pod('kube-system', KUBE_DNS, '10.244.0.3'), port: 53, protocol: 'UDP' })).toBe(true);
  });

  test('dns replaces the cluster DNS peer, e.g. with NodeLocal DNSCache\'s link-local address', () => {
    const { objects } = twoNamespaces({ buildEgress: { dns: [DroneKubeRunner.CLUSTER_DNS, NetworkPeer.ipBlock('169.254.20.10/32')] } });
    const source = { namespace: 'deploy', ...BUILD_POD };
    expect(egressAllowed(objects, source, { ip: '169.254.20.10', port: 53, protocol: 'UDP' })).toBe(true);
    expect(egressAllowed(objects, source, { ip: '169.254.20.10', port: 80, protocol: 'TCP' })).toBe(false);
    expect(egressAllowed(objects, source, { ip: '169.254.169.254', port: 53, protocol: 'UDP' })).toBe(false);
    const none = twoNamespaces({ buildEgress: { dns: [] } }).objects;
    expect(egressAllowed(none, source, { ...pod('kube-system', KUBE_DNS, '10.244.0.3'), port: 53, protocol: 'UDP' })).toBe(false);
  });
});

/** Whether a build pod of `ns` may open a connection to `ip` on TCP port 443. */
const reaches = (objects: any[], ns: string, ip: string) => egressAllowed(objects, { namespace: ns, ...BUILD_POD }, { ip, port: 443, protocol: 'TCP' });

describe('build egress shared with another runner', () => {
  /** A shared runner (`ci-builds`, `deploy`) and a team's runner (`team-builds`) in one chart. */
  function twoRunners() {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const shared = new DroneKubeRunner(chart, 'Runner', { server, extraBuildNamespaces: ['deploy'] });
    const team = new DroneKubeRunner(chart, 'Team', { server, name: 'drone-runner-team', buildNamespace: 'team-builds' });
    return { chart, shared, team };
  }

  test('the other runner\'s namespaces get what is declared for every namespace, before and after, and not for named ones', () => {
    const { chart, shared, team } = twoRunners();
    shared.allowBuildEgress(NetworkPeer.ipBlock('10.20.0.5/32'), [443]);
    shared.shareBuildEgressWith(team);
    shared.allowBuildEgress(NetworkPeer.ipBlock('10.20.0.6/32'), [443]);
    shared.allowBuildEgress(NetworkPeer.ipBlock('10.20.0.7/32'), [443], { namespaces: ['deploy'] });
    team.addBuildNamespace('team-extra');
    team.allowBuildEgress(NetworkPeer.ipBlock('10.20.0.8/32'), [443]);
    const objects = synth(chart);
    for (const ns of ['team-builds', 'team-extra']) {
      expect([5, 6, 7, 8].map((n) => reaches(objects, ns, `10.20.0.${n}`))).toEqual([true, true, false, true]);
    }
    // nothing flows back: the team's own declarations stay with its runner
    expect([5, 6, 7, 8].map((n) => reaches(objects, 'ci-builds', `10.20.0.${n}`))).toEqual([true, true, false, false]);
    expect([5, 6, 7, 8].map((n) => reaches(objects, 'deploy', `10.20.0.${n}`))).toEqual([true, true, true, false]);
  });

  test('buildEgress is what the runner was given, a copy', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const given = { apiServerCidrs: ['203.0.113.10/32'], internet: true };
    const runner = new DroneKubeRunner(chart, 'Runner', { server, buildEgress: given });
    given.apiServerCidrs.push('203.0.113.11/32');
    expect(runner.buildEgress).toEqual({ apiServerCidrs: ['203.0.113.10/32'], internet: true });
    expect(new DroneKubeRunner(chart, 'Other', { server, name: 'other', buildNamespace: 'other-builds' }).buildEgress).toEqual({});
  });

  test('refuses to share in a circle', () => {
    const { shared, team } = twoRunners();
    expect(() => shared.shareBuildEgressWith(shared)).toThrow(/^invalid runner "drone-runner": must not be this runner, nor one that shares its build egress with this one/);
    shared.shareBuildEgressWith(team);
    expect(() => team.shareBuildEgressWith(shared)).toThrow(/^invalid runner "drone-runner": must not be this runner, nor one that shares its build egress with this one/);
  });
});

describe('internetRuleReaches', () => {
  // the property: for any IPv4 address, the check says what the rendered internet rule admits
  const edges = (cidr: string) => {
    const [base, prefix] = cidr.split('/');
    const first = v4Number(base);
    const last = first + 2 ** (32 - Number(prefix)) - 1;
    return [first - 1, first, last, last + 1].filter((n) => n >= 0 && n <= 0xffffffff);
  };
  test.each<[string, BuildEgressProps]>([
    ['the defaults', {}],
    ['apiServerCidrs and excludedCidrs', { apiServerCidrs: ['203.0.113.10/32'], excludedCidrs: ['198.51.100.0/24', '2001:db8::/64'] }],
    ['no internet', { internet: false }],
  ])('agrees with the rendered rule: %s', (_, buildEgress) => {
    const { objects } = twoNamespaces({ buildEgress });
    const listed = [...PRIVATE_V4.map(([a, p]) => `${a}/${p}`), ...(buildEgress.apiServerCidrs ?? []), ...(buildEgress.excludedCidrs ?? [])].filter((c) => !c.includes(':'));
    const address = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...listed.flatMap(edges)));
    fc.assert(fc.property(address, (n) => {
      const ip = v4(n);
      expect(internetRuleReaches(buildEgress, parseCidr('cidr', `${ip}/32`))).toBe(reaches(objects, 'ci-builds', ip));
    }));
  });

  test('a block counts as let through unless one excluded range holds all of it', () => {
    expect(internetRuleReaches({}, parseCidr('cidr', '10.0.0.0/7'))).toBe(true); // 11/8 is public
    expect(internetRuleReaches({}, parseCidr('cidr', '10.1.0.0/16'))).toBe(false);
    expect(internetRuleReaches({ excludedCidrs: ['203.0.113.0/24'] }, parseCidr('cidr', '203.0.113.8/29'))).toBe(false);
    expect(internetRuleReaches({}, parseCidr('cidr', 'fd00::1/128'))).toBe(false);
    expect(internetRuleReaches({}, parseCidr('cidr', '2001:db8::1/128'))).toBe(true);
  });
});

describe('the model itself', () => {
  test('a pod that no egress policy selects may send anywhere; an empty egress list admits nothing', () => {
    const policy = (spec: object) => ({ kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' }, spec: { podSelector: {}, ...spec } });
    const anywhere: Destination = { ip: '10.0.0.1', port: 1, protocol: 'TCP' };
    expect(egressAllowed([policy({ policyTypes: ['Ingress'], ingress: [] })], { namespace: 'a', labels: {} }, anywhere)).toBe(true);
    expect(egressAllowed([policy({ policyTypes: ['Egress'], egress: [] })], { namespace: 'b', labels: {} }, anywhere)).toBe(true);
    expect(egressAllowed([policy({ policyTypes: ['Egress'], egress: [] })], { namespace: 'a', labels: {} }, anywhere)).toBe(false);
    expect(egressAllowed([policy({ egress: [{}] })], { namespace: 'a', labels: {} }, anywhere)).toBe(true);
    expect(egressAllowed([policy({ egress: [{ ports: [{ port: 1, endPort: 5 }] }] })], { namespace: 'a', labels: {} }, { ...anywhere, port: 5 })).toBe(true);
    expect(() => selects({ matchExpressions: [] }, {})).toThrow('not modelled');
  });
});

describe('the cluster DNS peer', () => {
  test('selects the CoreDNS pods by the label CoreDNS keeps from kube-dns', () => {
    // kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base: the Deployment's pods and the kube-dns
    // Service's selector are `k8s-app: kube-dns`, in kube-system, on UDP and TCP port 53
    const { objects } = twoNamespaces();
    const dns = find(objects, 'NetworkPolicy', 'drone-runner-builds', 'deploy').spec.egress[0];
    expect(dns).toEqual({
      to: [{ namespaceSelector: { matchLabels: { [NAME]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    });
  });
});

describe('validation', () => {
  const make = (buildEgress: object) => () => twoNamespaces({ buildEgress });
  test('refuses bad CIDRs and contradictory settings', () => {
    expect(make({ apiServerCidrs: ['203.0.113.10'] })).toThrow('invalid buildEgress.apiServerCidrs "203.0.113.10": must be a CIDR such as');
    expect(make({ apiServerCidrs: ['203.0.113.10/24'] })).toThrow('invalid buildEgress.apiServerCidrs "203.0.113.10/24": has address bits set after /24 (its block is 203.0.113.0/24); must be a CIDR');
    expect(make({ apiServerCidrs: ['0.0.0.0/0'] })).toThrow('invalid buildEgress.apiServerCidrs "0.0.0.0/0": must be smaller than the whole address space');
    expect(make({ apiServerCidrs: ['203.0.113.0/24', '203.0.113.0/24'] })).toThrow('invalid buildEgress.apiServerCidrs ["203.0.113.0/24","203.0.113.0/24"]: must not repeat');
    expect(make({ excludedCidrs: ['2001:db8::1/64'] })).toThrow('invalid buildEgress.excludedCidrs "2001:db8::1/64": has address bits set after /64 (its block is 2001:db8::/64); must be a CIDR');
    expect(make({ internet: false, apiServerCidrs: ['203.0.113.0/24'] })).toThrow('invalid buildEgress.internet false: must be true to set apiServerCidrs or excludedCidrs');
    // a private block changes nothing, without an internet rule too
    expect(make({ internet: false, apiServerCidrs: ['10.0.0.1/32'] })).not.toThrow();
  });

  test('refuses bad declarations', () => {
    const { runner } = twoNamespaces();
    const peer = NetworkPeer.namespace('git');
    expect(() => runner.allowBuildEgress(peer, [])).toThrow('invalid ports []: must list at least one port');
    expect(() => runner.allowBuildEgress(peer, [0])).toThrow('invalid ports 0: must be an integer from 1 to 65535');
    expect(() => runner.allowBuildEgress(peer, [22, 22])).toThrow('invalid ports [22,22]: must not repeat 22');
    expect(() => runner.allowBuildEgress(peer, [22], { namespaces: [] })).toThrow('invalid namespaces []: must not be empty: leave it out for every build namespace');
    expect(() => runner.allowBuildEgress(peer, [22], { namespaces: ['prod'] }))
      .toThrow('invalid namespaces "prod": must be one of the runner\'s build namespaces: prod is not among ci-builds, deploy');
  });
});
