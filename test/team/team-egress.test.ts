// What a team's build and app pods can reach beyond their own namespaces: a dedicated runner's builds get the shared
// runner's build egress, and a public API server is reachable from the teams' build namespaces only. Evaluated with
// ./network-model.ts (Kubernetes NetworkPolicy semantics) on the rendered policies.
import { NetworkPeer, PRIVATE_IPV4_RANGES } from '../../lib';
import { find } from '../util';
import { platform } from './fixtures';
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

  test.each(['ci-builds', 'infra-builds'])('%s: the shared runner\'s build egress and every rule it declares for all build namespaces', (ns) => {
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
  });

  test('a shared runner without the internet: the dedicated runner\'s builds have none either', () => {
    const p = platform({}, { buildEgress: { internet: false } });
    p.teams.addTeam({ name: 'infra', repos: ['acme/infra'], dedicatedRunner: true });
    const objects = p.objects();
    expect(connectionAllowed(objects, pod('infra-builds'), { ip: '140.82.112.3' }, 443)).toBe(false);
    expect(connectionAllowed(objects, pod('infra-builds'), pod('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP')).toBe(true);
  });
});

/** What the IPv4 internet rule of the app namespace `ns` leaves out. */
function appInternetExcept(objects: any[], ns: string): string[] {
  const rules = find(objects, 'NetworkPolicy', 'team-default-deny', ns).spec.egress;
  return rules.find((r: any) => r.to?.[0]?.ipBlock?.cidr === '0.0.0.0/0').to[0].ipBlock.except;
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
    expect(connectionAllowed(objects, pod('a-builds'), api, 443)).toBe(false);
    expect(connectionAllowed(objects, pod('ci-builds'), api, 6443)).toBe(false);
    for (const ns of ['a', 'b']) {
      expect(connectionAllowed(objects, pod(ns), api, 6443)).toBe(false);
      expect(connectionAllowed(objects, pod(ns), { ip: '140.82.112.3' }, 443)).toBe(true); // the rest of the internet
    }
    // taken out of the app pods' internet rule, after the private ranges
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
  ])('refuses %s', (_, make, message) => {
    expect(make).toThrow(message);
    expect(() => make()).toThrow(/^[^\n]*$/);
  });
});
