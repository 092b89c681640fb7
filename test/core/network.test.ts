import { DroneSecretsExtension, NetworkPeer, Redis } from '../../lib';
import { cidrContains, parseCidr, PodFirewall } from '../../lib/core/network';
import { find, synth, testChart, thrown } from '../util';
import { woodpeckerServer } from '../woodpecker/fixtures';
import fc from 'fast-check';
import { isIPv4, isIPv6 } from 'net';

describe('NetworkPeer', () => {
  test('renders pods, a namespace, namespaces by label and an ipBlock as Kubernetes peers', () => {
    expect(NetworkPeer.pods('apps', { app: 'x' })._toKube()).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'x' } },
    });
    expect(NetworkPeer.namespace('apps')._toKube()).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } });
    expect(NetworkPeer.namespaces({ team: 'a' })._toKube()).toEqual({ namespaceSelector: { matchLabels: { team: 'a' } } });
    expect(NetworkPeer.ipBlock('0.0.0.0/0', ['10.0.0.0/8'])._toKube()).toEqual({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } });
    expect(NetworkPeer.ipBlock('2001:db8::/32')._toKube()).toEqual({ ipBlock: { cidr: '2001:db8::/32' } });
    expect([NetworkPeer.pods('apps', { app: 'x' }).namespace, NetworkPeer.namespaces({ team: 'a' }).namespace]).toEqual(['apps', undefined]);
  });

  test('hands out a frozen peer, so a caller cannot change it for every rule that names it', () => {
    const peer = NetworkPeer.namespaces({ team: 'a' });
    expect(() => { (peer._toKube().namespaceSelector!.matchLabels as any).team = 'b'; }).toThrow(TypeError);
    expect(peer._toKube()).toEqual({ namespaceSelector: { matchLabels: { team: 'a' } } });
  });

  test('refuses bad selectors and blocks', () => {
    expect(() => NetworkPeer.namespaces({})).toThrow('invalid labels {}: must not be empty: an empty namespace selector matches every namespace');
    expect(() => NetworkPeer.namespaces({ 'a b': 'c' })).toThrow(/invalid labels \{"a b":"c"\}: "a b" must be a label key/);
    expect(() => NetworkPeer.ipBlock('10.0.0.0/33')).toThrow('invalid cidr "10.0.0.0/33": must be a CIDR such as "203.0.113.0/24"');
    expect(() => NetworkPeer.ipBlock('10.0.0.1/8')).toThrow('invalid cidr "10.0.0.1/8": has address bits set after /8 (its block is 10.0.0.0/8); must be a CIDR');
    expect(() => NetworkPeer.ipBlock('010.0.0.0/8')).toThrow('invalid cidr "010.0.0.0/8": must be a CIDR');
    expect(() => NetworkPeer.ipBlock('fe80::/10%eth0')).toThrow(/invalid cidr "fe80::\/10%eth0"/);
    expect(() => NetworkPeer.ipBlock('::ffff:10.0.0.0/104')).toThrow(/invalid cidr "::ffff:10.0.0.0\/104"/);
    // the same IPv4-mapped block in hex: KEP-4858 (kubernetes/enhancements keps/sig-network/4858-ip-cidr-validation)
    // refuses IPv4-mapped addresses in either spelling
    expect(() => NetworkPeer.ipBlock('::ffff:a00:0/104')).toThrow(/invalid cidr "::ffff:a00:0\/104"/);
    expect(NetworkPeer.ipBlock('::fffe:a00:0/104')._toKube()).toEqual({ ipBlock: { cidr: '::fffe:a00:0/104' } });
    expect(() => NetworkPeer.ipBlock('10.0.0.0/08')).toThrow(/invalid cidr "10.0.0.0\/08"/);
    // kubernetes/kubernetes pkg/apis/networking/validation/validation.go ValidateIPBlock: an except must be a strict subset
    expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/16']))
      .toThrow('invalid except "192.168.0.0/16": must lie strictly inside the cidr "10.0.0.0/8"');
    expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8'])).toThrow('invalid except "10.0.0.0/8": must lie strictly inside');
    expect(() => NetworkPeer.ipBlock('0.0.0.0/0', ['fc00::/7'])).toThrow('invalid except "fc00::/7": must lie strictly inside');
  });
});

describe('CIDRs', () => {
  test('parse IPv4 and IPv6 and compare by containment', () => {
    expect(parseCidr('c', '10.0.0.0/8')).toEqual({ family: 4, base: 10n << 24n, prefix: 8 });
    expect(parseCidr('c', '::/0')).toEqual({ family: 6, base: 0n, prefix: 0 });
    expect(parseCidr('c', 'fe80::/10')).toEqual({ family: 6, base: 0xfe80n << 112n, prefix: 10 });
    expect(parseCidr('c', '2001:db8::1/128').base).toBe((0x20010db8n << 96n) + 1n);
    const inside = (a: string, b: string) => cidrContains(parseCidr('a', a), parseCidr('b', b));
    expect(inside('0.0.0.0/0', '169.254.0.0/16')).toBe(true);
    expect(inside('172.16.0.0/12', '172.31.255.0/24')).toBe(true);
    expect(inside('172.16.0.0/12', '172.32.0.0/24')).toBe(false);
    expect(inside('10.0.0.0/24', '10.0.0.0/8')).toBe(false);
    expect(inside('::/0', '0.0.0.0/0')).toBe(false);
  });
});

describe('PodFirewall', () => {
  test('an egress-only policy admits exactly the declared egress, deduplicated', () => {
    const chart = testChart('ci');
    const firewall = new PodFirewall(chart, 'Egress', { name: 'out', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    firewall.allowEgress([NetworkPeer.namespace('db')], [{ protocol: 'TCP', port: 5432 }]);
    firewall.allowEgress([NetworkPeer.namespace('db')], [{ protocol: 'TCP', port: 5432 }]);
    firewall.allowEgress([NetworkPeer.ipBlock('0.0.0.0/0', ['10.0.0.0/8'])], []);
    expect(find(synth(chart), 'NetworkPolicy', 'out').spec).toEqual({
      podSelector: { matchLabels: {} },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] },
      ],
    });
  });

  test('keeps the policies of existing callers as they were', () => {
    const chart = testChart('ci');
    new PodFirewall(chart, 'Db', { name: 'db', namespace: 'ci', podLabels: { app: 'db' }, denyEgress: true }).allow(NetworkPeer.namespace('apps'), 5432);
    new PodFirewall(chart, 'Web', { name: 'web', namespace: 'ci', podLabels: { app: 'web' } });
    const objects = synth(chart);
    expect(find(objects, 'NetworkPolicy', 'db').spec).toEqual({
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
      egress: [],
    });
    expect(find(objects, 'NetworkPolicy', 'web').spec).toEqual({ podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [] });
  });

  test('admits several peers on every port with allowFrom', () => {
    const chart = testChart('ci');
    new PodFirewall(chart, 'Team', { name: 'team', namespace: 'ci', podLabels: {} })
      .allowFrom([NetworkPeer.namespaces({ team: 'a' }), NetworkPeer.namespace('ingress-nginx')], []);
    expect(find(synth(chart), 'NetworkPolicy', 'team').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    }]);
  });

  test('shares the rule of the same frozen lists between policies, and reads lists that may change at each call', () => {
    const chart = testChart('ci');
    const a = new PodFirewall(chart, 'A', { name: 'a', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    const b = new PodFirewall(chart, 'B', { name: 'b', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    // a runner's build egress: the same frozen rule for every build namespace
    const peers = Object.freeze([NetworkPeer.namespace('git')]);
    const ports = Object.freeze([Object.freeze({ protocol: 'TCP' as const, port: 443 })]);
    a.allowEgress(peers, ports);
    b.allowEgress(peers, ports);
    const ruleOf = (firewall: PodFirewall) => [...(firewall as any).egressRules.values()][0];
    expect(ruleOf(b)).toBe(ruleOf(a));
    // a frozen list of ports that are not frozen themselves is read at each call, as a list that may change
    const port = { protocol: 'TCP' as const, port: 9000 };
    const c = new PodFirewall(chart, 'C', { name: 'c', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    c.allowEgress(peers, Object.freeze([port]));
    port.port = 9001;
    const d = new PodFirewall(chart, 'D', { name: 'd', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    d.allowEgress(peers, Object.freeze([port]));
    expect(ruleOf(c)).not.toBe(ruleOf(d));
    // a caller's own array, changed between two calls: each policy gets what the array held when it was called
    const mutable = [{ protocol: 'TCP' as const, port: 80 }];
    a.allowEgress([NetworkPeer.namespace('web')], mutable);
    mutable[0] = { protocol: 'TCP', port: 8080 };
    b.allowEgress([NetworkPeer.namespace('web')], mutable);
    const git = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'git' } } }], ports: [{ protocol: 'TCP', port: 443 }] };
    const web = (port: number) => ({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }], ports: [{ protocol: 'TCP', port }] });
    const objects = synth(chart);
    expect(find(objects, 'NetworkPolicy', 'a').spec.egress).toEqual([git, web(80)]);
    expect(find(objects, 'NetworkPolicy', 'b').spec.egress).toEqual([git, web(8080)]);
    expect(find(objects, 'NetworkPolicy', 'd').spec.egress).toEqual([{ ...git, ports: [{ protocol: 'TCP', port: 9001 }] }]);
    // the rendered rules are the policy's own: changing one leaves the other policy's as it was
    find(objects, 'NetworkPolicy', 'a').spec.egress[0].ports[0].port = 1;
    expect(find(synth(chart), 'NetworkPolicy', 'b').spec.egress[0]).toEqual(git);
  });

  test('refuses rules in a direction the policy does not govern', () => {
    const chart = testChart('ci');
    expect(() => new PodFirewall(chart, 'None', { name: 'none', namespace: 'ci', podLabels: {}, ingress: false }))
      .toThrow('PodFirewall ci/none: a policy that governs neither ingress nor egress does nothing');
    const open = new PodFirewall(chart, 'Open', { name: 'open', namespace: 'ci', podLabels: {} });
    expect(() => open.allowEgress([NetworkPeer.namespace('db')], [])).toThrow('allowEgress needs denyEgress');
    const out = new PodFirewall(chart, 'Out', { name: 'out', namespace: 'ci', podLabels: {}, ingress: false, denyEgress: true });
    expect(() => out.allow(NetworkPeer.namespace('db'), 80)).toThrow('allowFrom needs a policy that governs ingress');
  });
});

describe('addresses', () => {
  // parseCidr reads addresses itself; its rule is Node's (net.isIPv4, net.isIPv6, themselves RFC 4291 section 2.2
  // and dotted decimal without leading zeros) minus what Kubernetes' strict validation refuses: IPv6 zones, dotted
  // tails and IPv4-mapped addresses (KEP-4858)
  // IPv4-mapped: ::ffff:0:0/96, told by the WHATWG URL serializer's canonical form (its own zero compression)
  const mapped = (text: string) => /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(new URL(`http://[${text}]`).hostname);
  const strictlyValid = (text: string) => isIPv4(text) || (isIPv6(text) && !text.includes('.') && !text.includes('%') && !mapped(text));
  const parses = (text: string) => {
    try {
      parseCidr('cidr', `${text}/${text.includes(':') ? 128 : 32}`);
      return true;
    } catch {
      return false;
    }
  };
  const group = fc.oneof(fc.constant('0'), fc.constant('ffff'), fc.stringMatching(/^[0-9a-fA-F]{1,5}$/));
  const ipv6ish = fc.array(fc.oneof(group, fc.constant(''), fc.constant('1.2.3.4'), fc.constant('1%eth0')), { minLength: 1, maxLength: 10 })
    .map((parts) => parts.join(':'));
  const ipv4ish = fc.array(fc.oneof(fc.nat(300).map(String), fc.constant('010'), fc.constant('')), { minLength: 3, maxLength: 5 })
    .map((parts) => parts.join('.'));

  test('accepts exactly what Node accepts, less zones, dotted tails and IPv4-mapped addresses', () => {
    fc.assert(fc.property(fc.oneof(ipv6ish, ipv4ish), (text) => {
      expect(parses(text)).toBe(strictlyValid(text));
    }), { numRuns: 5000 });
  });

  test('ipBlock renders its CIDRs canonical (RFC 5952, as KEP-4858 asks: the API server warns on other IPv6 spellings)', () => {
    expect(NetworkPeer.ipBlock('2001:0DB8:0:0::/32', ['2001:db8:0:0:0:0:0:0/48'])._toKube())
      .toEqual({ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8::/48'] } });
    expect(NetworkPeer.ipBlock('fd00:0:0:1:0:0:0:0/64')._toKube()).toEqual({ ipBlock: { cidr: 'fd00:0:0:1::/64' } });
    expect(NetworkPeer.ipBlock('10.0.0.0/8')._toKube()).toEqual({ ipBlock: { cidr: '10.0.0.0/8' } });
  });

  test('worked examples', () => {
    for (const ok of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '0.0.0.0', '255.255.255.255']) {
      expect([ok, parses(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['1:2:3:4:5:6:7', '1::2::3', ':1::', '1::2:', '00001::', '1:2:3:4:5:6:7:8:9', '256.0.0.1', '01.2.3.4', '1.2.3', '::ffff:a00:1']) {
      expect([bad, parses(bad)]).toEqual([bad, false]);
    }
  });
});

describe('every public grant refuses what is not a NetworkPeer', () => {
  // PodFirewall.allowFrom checks each peer, so every grant that admits a peer through a firewall refuses, in one line,
  // what untyped JavaScript may pass, rather than failing with a TypeError when the rule renders
  const rule = 'must be a NetworkPeer, e.g. NetworkPeer.namespace("apps") or NetworkPeer.pods("apps", { app: "web" })';
  const grants: [string, (peer: NetworkPeer) => void][] = [
    ['Redis.grantConnect', (peer) => new Redis(testChart(), 'Redis').grantConnect(peer)],
    ['DroneSecretsExtension.grantAccess', (peer) => new DroneSecretsExtension(testChart(), 'Secrets').grantAccess(peer)],
    ['WoodpeckerServer.grantConnect', (peer) => woodpeckerServer(testChart()).grantConnect(peer)],
  ];
  test.each(grants)('%s', (_name, grant) => {
    for (const bad of ['apps', undefined, { namespace: 'apps' }]) {
      expect(thrown(() => grant(bad as unknown as NetworkPeer)).message).toBe(`invalid peer ${JSON.stringify(bad) ?? 'undefined'}: ${rule}`);
    }
    expect(() => grant(NetworkPeer.namespace('apps'))).not.toThrow();
  });
});
