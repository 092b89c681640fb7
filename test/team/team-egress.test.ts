// What a team's build and app pods can reach beyond their own namespaces: a dedicated runner's builds get the shared
// runner's build egress, and a public API server is reachable from the teams' build namespaces only. Evaluated with
// ./network-model.ts (Kubernetes NetworkPolicy semantics) on the rendered policies.
import { Image, NetworkPeer, PipelineEvent, PRIVATE_IPV4_RANGES, PRIVATE_IPV6_RANGES, Resources } from '../../lib';
import { find, stderrOf } from '../util';
import { Engine, platform, PlatformOptions } from './fixtures';
import { connectionAllowed, Endpoint } from './network-model';

/** A public API server endpoint, as a managed cluster's often is. */
const PUBLIC_API = '203.0.113.10';
const NODE_LOCAL_DNS = '169.254.20.10';

let podIp = 10;
const pod = (namespace: string, podLabels: Record<string, string> = { app: 'x' }): Endpoint => ({ namespace, podLabels, ip: `10.244.1.${podIp++}` });
/** Pods of namespaces without a NetworkPolicy: they admit every connection, so only the source's egress decides. */
const registry = { namespace: 'registry', labels: { app: 'registry' } };
const gitServer = { namespace: 'git', labels: { app: 'gitea' } };

describe('a dedicated runner\'s builds', () => {
  /** A platform whose shared runner has its own build egress and declared rules, and one team on a runner of its own. */
  function dedicatedPlatform() {
    const p = platform({}, {
      buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`], excludedCidrs: ['198.51.100.0/24'], dns: [NetworkPeer.ipBlock(`${NODE_LOCAL_DNS}/32`)] },
    });
    // one rule for every build namespace before the team, one after, and one for the shared pool only
    p.runner.allowBuildEgress(NetworkPeer.pods(registry.namespace, registry.labels), [5000]);
    p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    p.runner.allowBuildEgress(NetworkPeer.pods(gitServer.namespace, gitServer.labels), [22]);
    p.runner.allowBuildEgress(NetworkPeer.namespace('cache'), [8080], { namespaces: ['ci-builds'] });
    return p;
  }

  // the team's pull-request namespace too, where its pull requests from forks run as they would in the shared pool
  test.each(['ci-builds', 'infra-builds', 'infra-pull-requests'])('%s: the shared runner\'s build egress and every rule it declares for all build namespaces', (ns) => {
    const objects = dedicatedPlatform().objects();
    const from = pod(ns);
    expect(connectionAllowed(objects, from, pod(registry.namespace, registry.labels), 5000)).toBe(true);
    expect(connectionAllowed(objects, from, pod(gitServer.namespace, gitServer.labels), 22)).toBe(true);
    expect(connectionAllowed(objects, from, { ip: NODE_LOCAL_DNS }, 53, 'UDP')).toBe(true);
    expect(connectionAllowed(objects, from, { ip: '140.82.112.3' }, 443)).toBe(true); // the internet
    // left out of the internet rule: the public API server, the excluded block, and the default DNS the runner replaced
    expect(connectionAllowed(objects, from, { ip: PUBLIC_API }, 443)).toBe(false);
    expect(connectionAllowed(objects, from, { ip: '198.51.100.7' }, 443)).toBe(false);
    expect(connectionAllowed(objects, from, pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(false);
  });

  test('egress the shared runner declares for named build namespaces stays with those', () => {
    const objects = dedicatedPlatform().objects();
    expect(connectionAllowed(objects, pod('ci-builds'), pod('cache'), 8080)).toBe(true);
    expect(connectionAllowed(objects, pod('infra-builds'), pod('cache'), 8080)).toBe(false);
    expect(connectionAllowed(objects, pod('infra-pull-requests'), pod('cache'), 8080)).toBe(false);
  });

  test('it runs pipelines as the shared runner does: its images, build limits, tmate and grace period', () => {
    const p = platform({}, { runner: {
      image: Image.of('mirror.example.com/drone/drone-runner-kube:1.0.0-rc.5'), cloneImage: Image.of('mirror.example.com/drone/git:1.2.0'),
      placeholderImage: Image.of('mirror.example.com/drone/placeholder:1'), buildMaxCpu: '6', buildMaxMemory: '12Gi',
      buildResources: Resources.of({ cpuRequest: '200m', cpuLimit: '3', memoryRequest: '256Mi', memoryLimit: '6Gi' }), tmate: true, gracePeriodSec: 600,
      limitEvents: [PipelineEvent.PUSH, PipelineEvent.TAG, PipelineEvent.PULL_REQUEST], limitTrusted: true,
    } });
    p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    const objects = p.objects();
    const runner = (name: string) => find(objects, 'Deployment', name, 'ci').spec.template.spec;
    const env = (name: string) => Object.fromEntries(runner(name).containers[0].env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const shared = env('drone-runner');
    const dedicated = env('drone-runner-infra');
    for (const key of ['DRONE_IMAGE_CLONE', 'DRONE_IMAGE_PLACEHOLDER', 'DRONE_TMATE_ENABLED', 'DRONE_RESOURCE_REQUEST_CPU', 'DRONE_RESOURCE_REQUEST_MEMORY',
      'DRONE_LIMIT_EVENTS', 'DRONE_LIMIT_TRUSTED']) {
      expect([key, dedicated[key]]).toEqual([key, shared[key]]);
    }
    expect(dedicated.DRONE_IMAGE_CLONE).toBe('mirror.example.com/drone/git:1.2.0');
    expect([dedicated.DRONE_LIMIT_TRUSTED, dedicated.DRONE_LIMIT_EVENTS]).toEqual(['true', 'push,tag,pull_request']);
    expect(runner('drone-runner-infra').containers[0].image).toBe('mirror.example.com/drone/drone-runner-kube:1.0.0-rc.5');
    expect(runner('drone-runner-infra').terminationGracePeriodSeconds).toBe(600);
    for (const ns of ['infra-builds', 'infra-pull-requests']) {
      expect(find(objects, 'LimitRange', 'drone-runner-infra-builds', ns).spec).toEqual(find(objects, 'LimitRange', 'drone-runner-builds', 'ci-builds').spec);
    }
  });

  test('a shared runner without the internet: the dedicated runner\'s builds have none either', () => {
    const p = platform({}, { buildEgress: { internet: false } });
    p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    const objects = p.objects();
    for (const ns of ['infra-builds', 'infra-pull-requests']) {
      expect([ns, connectionAllowed(objects, pod(ns), { ip: '140.82.112.3' }, 443)]).toEqual([ns, false]);
      expect([ns, connectionAllowed(objects, pod(ns), pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')]).toEqual([ns, true]);
    }
  });
});

/** What the internet rule of the app namespace `ns` leaves out, of IPv4 (or of IPv6). */
function appInternetExcept(objects: any[], ns: string, all = '0.0.0.0/0'): string[] {
  const rules = find(objects, 'NetworkPolicy', 'team-default-deny', ns).spec.egress;
  return rules.find((r: any) => r.to?.[0]?.ipBlock?.cidr === '0.0.0.0/0').to.find((t: any) => t.ipBlock.cidr === all).ipBlock.except;
}

describe('TeamPlatform apiServer', () => {
  const apiServer = NetworkPeer.ipBlock(`${PUBLIC_API}/32`);

  test('a public endpoint: the teams\' build namespaces reach it, and no app pod, shared build or other team\'s build does', () => {
    const p = platform({ apiServer, apiServerPort: 6443 }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    p.teams.addTeam({ name: 'b', repos: ['acme/b'], dedicatedRunner: true });
    const objects = p.objects();
    const api = { ip: PUBLIC_API };
    expect(connectionAllowed(objects, pod('a-builds'), api, 6443)).toBe(true);
    expect(connectionAllowed(objects, pod('b-builds'), api, 6443)).toBe(true);
    // team b's pull requests, forks' included, run on its dedicated runner in b-pull-requests
    expect(connectionAllowed(objects, pod('b-pull-requests'), api, 6443)).toBe(false);
    expect(connectionAllowed(objects, pod('a-builds'), api, 443)).toBe(false);
    expect(connectionAllowed(objects, pod('ci-builds'), api, 6443)).toBe(false);
    for (const ns of ['a', 'b']) {
      expect(connectionAllowed(objects, pod(ns), api, 6443)).toBe(false);
      expect(connectionAllowed(objects, pod(ns), { ip: '140.82.112.3' }, 443)).toBe(true); // the rest of the internet
    }
    // taken out of the app pods' internet rule, after the private ranges
    expect(appInternetExcept(objects, 'a')).toEqual([...PRIVATE_IPV4_RANGES, `${PUBLIC_API}/32`]);
  });

  // on an IPv6-only cluster with NAT64 (RFC 6052 section 2.2), 64:ff9b::cb00:710a is 203.0.113.10: it is left out of
  // the IPv6 internet rule too, of app pods and of builds, as the private ranges are
  test('a public IPv4 endpoint is left out of the IPv6 internet rules in its NAT64 form', () => {
    const p = platform({ apiServer }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    const objects = p.objects();
    expect(appInternetExcept(objects, 'a', '::/0')).toEqual([...PRIVATE_IPV6_RANGES, '64:ff9b::cb00:710a/128']);
    const builds = find(objects, 'NetworkPolicy', 'drone-runner-builds', 'a-builds').spec.egress;
    const v6 = builds.flatMap((r: any) => r.to ?? []).find((t: any) => t.ipBlock?.cidr === '::/0');
    expect(v6.ipBlock.except).toEqual([...PRIVATE_IPV6_RANGES, '64:ff9b::cb00:710a/128']);
  });

  test('a public IPv6 endpoint is left out of the app pods\' IPv6 internet rule', () => {
    const p = platform({ apiServer: NetworkPeer.ipBlock('2001:db8:1::10/128') }, { buildEgress: { apiServerCidrs: ['2001:db8:1::/64'] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    const objects = p.objects();
    expect(appInternetExcept(objects, 'a', '::/0')).toEqual([...PRIVATE_IPV6_RANGES, '2001:db8:1::10/128']);
    expect(appInternetExcept(objects, 'a')).toEqual(PRIVATE_IPV4_RANGES);
  });

  // EKS's endpoints are ENIs in two or more subnets of different zones (`kubectl -n default get endpointslice kubernetes`)
  test('apiServers: endpoints in several blocks, each reached from every team\'s build namespace, and checked', () => {
    const p = platform({ apiServers: [NetworkPeer.ipBlock('10.0.1.20/32'), NetworkPeer.ipBlock('10.0.2.30/32'), apiServer] },
      { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    const objects = p.objects();
    for (const ip of ['10.0.1.20', '10.0.2.30', PUBLIC_API]) {
      expect([ip, connectionAllowed(objects, pod('a-builds'), { ip }, 443)]).toEqual([ip, true]);
      expect([ip, connectionAllowed(objects, pod('a'), { ip }, 443)]).toEqual([ip, false]);
      expect([ip, connectionAllowed(objects, pod('ci-builds'), { ip }, 443)]).toEqual([ip, false]);
    }
    expect(connectionAllowed(objects, pod('a-builds'), { ip: '10.0.1.21' }, 443)).toBe(false);
    expect(appInternetExcept(objects, 'a')).toEqual([...PRIVATE_IPV4_RANGES, `${PUBLIC_API}/32`]);
  });

  test('a private endpoint leaves the app pods\' egress as it was', () => {
    const p = platform({ apiServer: NetworkPeer.ipBlock('10.0.0.1/32') });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    expect(appInternetExcept(p.objects(), 'a')).toEqual(PRIVATE_IPV4_RANGES);
  });

  test.each<[string, Parameters<typeof platform>[0], Parameters<typeof platform>[1]]>([
    ['listed in the runner\'s excludedCidrs, in a larger block', { apiServer }, { buildEgress: { excludedCidrs: ['203.0.113.0/24'] } }],
    ['on a runner without the internet', { apiServer }, { buildEgress: { internet: false } }],
    ['in appEgress already', { apiServer, appEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }],
    ['on Woodpecker, excluded from its build egress', { apiServer }, { engine: 'woodpecker', buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }],
  ])('a public endpoint %s is accepted, and no app pod reaches it', (_, props, options) => {
    const p = platform(props, options!);
    p.teams.addTeam({ name: 'a', repos: [options!.engine === 'woodpecker' ? 'acme/a' : 'acme/a-*'] });
    expect(connectionAllowed(p.objects(), pod('a'), { ip: PUBLIC_API }, 443)).toBe(false);
  });

  test.each<[string, () => unknown, string]>([
    ['a public endpoint the Drone runner\'s builds reach', () => platform({ apiServer }),
      `invalid apiServer "${PUBLIC_API}/32": must be left out of the build pods' internet rule, or every build, pull requests from forks ` +
      'included, reaches the API server: add it to the Drone runner\'s buildEgress.apiServerCidrs'],
    ['a public endpoint Woodpecker\'s builds reach', () => platform({ apiServer }, { engine: 'woodpecker', buildEgress: { apiServerCidrs: ['203.0.113.11/32'] } }),
      `invalid apiServer "${PUBLIC_API}/32": must be left out of the build pods' internet rule, or every build, pull requests from forks ` +
      'included, reaches the API server: add it to WoodpeckerCi\'s buildEgress.apiServerCidrs'],
    ['the whole address space', () => platform({ apiServer: NetworkPeer.ipBlock('0.0.0.0/0') }),
      'invalid apiServer "0.0.0.0/0": must be the API server\'s endpoints, not the whole address space'],
    // every team's builds would reach the whole block on the API server's port: half of 10/8, all of it, the metadata
    // endpoint's range
    ['a block inside a private range, over 16 addresses', () => platform({ apiServer: NetworkPeer.ipBlock('10.0.0.0/9') }),
      'invalid apiServer "10.0.0.0/9": must be the API server\'s endpoints, at most 16 addresses (/28, or /124 for IPv6): every team\'s builds reach the whole block'],
    ['a block that holds a private range', () => platform({ apiServer: NetworkPeer.ipBlock('8.0.0.0/5') }, { buildEgress: { apiServerCidrs: ['8.0.0.0/5'] } }),
      'invalid apiServer "8.0.0.0/5": must be the API server\'s endpoints, at most 16 addresses'],
    ['an IPv6 block of 32 addresses', () => platform({ apiServer: NetworkPeer.ipBlock('fd00::/123') }),
      'invalid apiServer "fd00::/123": must be the API server\'s endpoints, at most 16 addresses (/28, or /124 for IPv6)'],
    ['apiServer and apiServers both', () => platform({ apiServer, apiServers: [NetworkPeer.ipBlock('10.0.0.1/32')] }),
      'invalid apiServers [{"ipBlock":{"cidr":"10.0.0.1/32"}}]: must not be set together with apiServer: list every endpoint in apiServers'],
    ['the same endpoint twice', () => platform({ apiServers: [NetworkPeer.ipBlock('10.0.0.1/32'), NetworkPeer.ipBlock('10.0.0.1/32')] }),
      'invalid apiServers ["10.0.0.1/32","10.0.0.1/32"]: must not repeat "10.0.0.1/32"'],
    ['apiServers that is no list (from JavaScript)', () => platform({ apiServers: '10.0.0.1/32' as any }),
      'invalid apiServers "10.0.0.1/32": must be a list of NetworkPeer.ipBlock'],
    // the API server is no pod a selector finds (a host-network static pod, or outside the cluster), and such a peer
    // would open those pods to every team's builds
    ['a peer of pods', () => platform({ apiServers: [NetworkPeer.pods('kube-system', { component: 'kube-apiserver' })] }),
      'invalid apiServers {"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"component":"kube-apiserver"}}}: '
      + 'must be a NetworkPeer.ipBlock of the API server\'s endpoints'],
    // no Endpoints address is loopback or link-local (kubernetes/kubernetes pkg/apis/core/validation/validation.go,
    // ValidateEndpointIP): such a block would open the metadata endpoint
    ['the metadata endpoint', () => platform({ apiServer: NetworkPeer.ipBlock('169.254.169.254/32'), apiServerPort: 80 }),
      'invalid apiServer "169.254.169.254/32": must be the API server\'s endpoints: it overlaps 169.254.0.0/16 (unspecified, loopback, link-local, multicast or a cloud\'s metadata or host services)'],
    ['loopback over IPv6', () => platform({ apiServer: NetworkPeer.ipBlock('::1/128') }), 'invalid apiServer "::1/128": must be the API server\'s endpoints: it overlaps ::1/128'],
    ['the metadata endpoint through NAT64', () => platform({ apiServer: NetworkPeer.ipBlock('64:ff9b::a9fe:a9fe/128') }),
      'invalid apiServer "64:ff9b::a9fe:a9fe/128": must be the API server\'s endpoints: it overlaps 64:ff9b::a9fe:0/112'],
    ['one of apiServers that the build egress lets through', () => platform({ apiServers: [NetworkPeer.ipBlock('10.0.0.1/32'), apiServer] }),
      `invalid apiServers "${PUBLIC_API}/32": must be left out of the build pods' internet rule`],
    ['one of apiServers that is no NetworkPeer (from JavaScript)', () => platform({ apiServers: ['10.0.0.1/32' as any] }),
      'invalid apiServers "10.0.0.1/32": must be a NetworkPeer'],
    // a /28 that holds Azure's WireServer, a private /32
    ['a small block that holds a private address', () => platform({ apiServer: NetworkPeer.ipBlock('168.63.129.16/28') }),
      'invalid apiServer "168.63.129.16/28": must be the API server\'s endpoints: it overlaps 168.63.129.16/32 (unspecified, loopback, link-local, multicast or a cloud\'s metadata or host services), where no API server lies and no build may reach'],
  ])('refuses %s', (_, make, message) => {
    expect(make).toThrow(message);
    expect(() => make()).toThrow(/^[^\n]*$/);
  });
});

// A stack on an engine whose build egress names the API server (the default stack sets buildEgress.apiServerCidrs from
// DOCKYARD_API_SERVER) that gives its TeamPlatform no apiServer: a block the engine lists is cut out of every build's
// internet rule (kubernetes/api v0.36.3 networking/v1/types.go:189-194, IPBlock `except`: "a slice of CIDRs that
// should not be included within an IPBlock"), and a private one lies outside it already, so without apiServer's rule
// no team's build namespace reaches the endpoint; the app pods' internet rule leaves out only what appEgress names.
describe('TeamPlatform without apiServer, on an engine whose build egress names the API server', () => {
  const warning = (owner: string, blocks: string, reached?: string) => `dockyard: warning: TeamPlatform platform/Teams has no apiServer (nor ` +
    `apiServers), but ${owner} buildEgress.apiServerCidrs names the API server at ${blocks}: the teams' build namespaces get no egress to it, so ` +
    `their deploy pipelines' connections to it time out${reached ? `, and the teams' app pods reach ${reached}, which apiServer would take out of ` +
    'their egress' : ''}` + '; pass its endpoints as apiServer (an ApiServerEndpoint\'s peer, with apiServerPort its port) or apiServers, or ' +
    'apiServers: [] if the teams are to have no API access\n';

  test.each<[Engine, string]>([['drone', 'the Drone runner\'s'], ['woodpecker', 'WoodpeckerCi\'s']])(
    '%s: one warning at synth, naming the blocks, and the rendered policies bear it out', (engine, owner) => {
      const p = platform({}, { engine, buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`, '10.0.0.1/32'] } });
      p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
      let objects: any[] = [];
      // two synths of one app print it once
      const warned = stderrOf(() => { objects = p.objects(); p.objects(); });
      expect(warned).toBe(warning(owner, `${PUBLIC_API}/32, 10.0.0.1/32`, `${PUBLIC_API}/32`));
      for (const ip of [PUBLIC_API, '10.0.0.1']) {
        expect([ip, connectionAllowed(objects, pod('a-builds'), { ip }, 443)]).toEqual([ip, false]);
      }
      expect(connectionAllowed(objects, pod('a'), { ip: PUBLIC_API }, 443)).toBe(true);
    });

  test('a private block alone, or a public one appEgress leaves out: the app pods reach none of them, and the warning does not say they do', () => {
    const privateOnly = platform({}, { buildEgress: { apiServerCidrs: ['10.0.0.1/32'] } });
    expect(stderrOf(() => privateOnly.objects())).toBe(warning('the Drone runner\'s', '10.0.0.1/32'));
    const p = platform({ appEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    let objects: any[] = [];
    expect(stderrOf(() => { objects = p.objects(); })).toBe(warning('the Drone runner\'s', `${PUBLIC_API}/32`));
    expect(connectionAllowed(objects, pod('a'), { ip: PUBLIC_API }, 443)).toBe(false);
  });

  test.each<[string, Parameters<typeof platform>[0], PlatformOptions]>([
    ['apiServer given, on Drone', { apiServer: NetworkPeer.ipBlock(`${PUBLIC_API}/32`) }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }],
    ['apiServer given, on Woodpecker', { apiServer: NetworkPeer.ipBlock(`${PUBLIC_API}/32`) }, { engine: 'woodpecker', buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }],
    ['apiServers given', { apiServers: [NetworkPeer.ipBlock('10.0.0.1/32')] }, { buildEgress: { apiServerCidrs: ['10.0.0.1/32'] } }],
    ['no blocks, on Drone', {}, {}],
    ['no blocks, on Woodpecker', {}, { engine: 'woodpecker' }],
    ['excludedCidrs only', {}, { buildEgress: { excludedCidrs: ['198.51.100.0/24'] } }],
    ['apiServers: [], no API access said on purpose', { apiServers: [] }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`] } }],
  ])('no warning with %s', (_, props, options) => {
    const p = platform(props, options);
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    expect(stderrOf(() => p.objects())).toBe('');
  });

  // without apiServer the app pods' internet rule still let a public endpoint through (the warning above says so):
  // `apiServers: []`, no API access said on purpose, silenced that too while the teams' app pods kept reaching it
  test('apiServers: [] gives the teams no API access: neither a build namespace nor an app pod reaches the blocks the engine names', () => {
    const p = platform({ apiServers: [] }, { buildEgress: { apiServerCidrs: [`${PUBLIC_API}/32`, '10.0.0.1/32'] } });
    p.teams.addTeam({ name: 'a', repos: ['acme/a'] });
    const objects = p.objects();
    for (const ip of [PUBLIC_API, '10.0.0.1']) {
      expect([ip, connectionAllowed(objects, pod('a-builds'), { ip }, 443)]).toEqual([ip, false]);
      expect([ip, connectionAllowed(objects, pod('a'), { ip }, 443)]).toEqual([ip, false]);
    }
    // the rest of the internet stays open to them
    expect(connectionAllowed(objects, pod('a'), { ip: '198.51.100.7' }, 443)).toBe(true);
  });
});
