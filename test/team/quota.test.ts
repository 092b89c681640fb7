import fc from 'fast-check';
import { Resources } from '../../lib';
import { checkTeamQuota } from '../../lib/team/quota';
import { find, refusal } from '../util';
import { platform } from './fixtures';


describe('team quota below the default container resources', () => {
  // Without containerDefaults the defaults are Dockyard's (100m/500m CPU, 128Mi/512Mi memory): the quota the user
  // set is named, with its value, not the containerDefaults they never set.
  test.each<[string, { cpu?: string; memory?: string }, string]>([
    ['memory as a bare number, meant in Mi', { cpu: '4', memory: '8192' },
      'invalid quota.memory "8192": 8192 bytes is below the default container request of 128Mi (quota.containerDefaults); '
      + 'a quantity without a suffix is bytes: did you mean "8192Mi"?'],
    // 8Mi would not hold the defaults either: the form suggested is one that does
    ['memory as a bare number, meant in Gi', { memory: '8' },
      'invalid quota.memory "8": 8 bytes is below the default container request of 128Mi (quota.containerDefaults); '
      + 'a quantity without a suffix is bytes: did you mean "8Gi"?'],
    // a megabyte and more of bytes may be meant: no unit is guessed
    ['memory as a bare number of bytes', { memory: '100000000' },
      'invalid quota.memory "100000000": 100000000 bytes is below the default container request of 128Mi (quota.containerDefaults); '
      + 'a quantity without a suffix is bytes'],
    ['memory whose limits fall below the default limit', { memory: '200Mi' },
      'invalid quota.memory "200Mi": twice it, 400Mi (the namespace\'s limits.memory), is below the default container limit of 512Mi (quota.containerDefaults)'],
    ['CPU below the default request', { cpu: '50m' },
      'invalid quota.cpu "50m": 50m is below the default container request of 100m (quota.containerDefaults)'],
    ['CPU whose limits fall below the default limit', { cpu: '0.2' },
      'invalid quota.cpu "0.2": twice it, 0.4 cores (the namespace\'s limits.cpu), is below the default container limit of 500m (quota.containerDefaults)'],
  ])('names the quota: %s', (_what, quota, message) => {
    // among many teams, the refusal names whose quota it is
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { ...quota, pods: 50 } }))).toBe(`${message} (team "a")`);
  });

  test('containerDefaults set by the user are named, as before', () => {
    const containerDefaults = Resources.of({ cpuRequest: '50m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi' });
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { memory: '8192', containerDefaults } })))
      .toBe('invalid quota.containerDefaults.memoryRequest "64Mi": must fit the namespace\'s quota of 8192 (team "a")');
  });

  test('the smallest quota that holds the defaults is accepted, and rendered as given', () => {
    // 100m requested and 500m limited fit 250m (limits 500m); 128Mi and 512Mi fit 256Mi (limits 512Mi)
    const p = platform();
    p.teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { cpu: '250m', memory: '256Mi' } });
    const hard = find(p.objects(), 'ResourceQuota', 'team-quota', 'a').spec.hard;
    expect([hard['requests.cpu'], hard['limits.cpu'], hard['requests.memory'], hard['limits.memory']]).toEqual(['250m', '500m', '256Mi', '512Mi']);
  });

  test('a bare memory number under 1Mi is refused naming quota.memory, and the form suggested is accepted', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 20 - 1 }), (n) => {
      const message = refusal(() => checkTeamQuota({ memory: String(n) }));
      const suggested = /^invalid quota\.memory "\d+": .*did you mean "(\d+(?:Mi|Gi))"\?$/.exec(message)?.[1];
      expect(suggested).toMatch(new RegExp(`^${n}(Mi|Gi)$`));
      expect(checkTeamQuota({ memory: suggested }).memory).toBe(suggested);
    }));
  });
});

describe('CPU quantities with a multiplier above one', () => {
  test.each([
    ['500M', 'invalid quota.cpu "500M": "M" multiplies by a million, so this is 500 million cores; '
      + 'CPU is given in cores ("2", "0.5") or millicores ("250m"): did you mean "500m" (millicores)?'],
    // only "M" is taken for "m" in the wrong case
    ['2k', 'invalid quota.cpu "2k": "k" multiplies by a thousand, so this is 2 thousand cores; '
      + 'CPU is given in cores ("2", "0.5") or millicores ("250m")'],
    ['1.5G', 'invalid quota.cpu "1.5G": "G" multiplies by a billion, so this is 1.5 billion cores; '
      + 'CPU is given in cores ("2", "0.5") or millicores ("250m")'],
    ['1Ki', 'invalid quota.cpu "1Ki": "Ki" multiplies by 1024, so this is 1 × 1024 cores; '
      + 'CPU is given in cores ("2", "0.5") or millicores ("250m")'],
  ])('refuses quota.cpu %s', (cpu, message) => {
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { cpu } }))).toBe(`${message} (team "a")`);
  });

  test('refuses them in containerDefaults, where the Resources are made', () => {
    expect(refusal(() => Resources.of({ cpuRequest: '100M', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '128Mi' })))
      .toBe('invalid cpuRequest "100M": "M" multiplies by a million, so this is 100 million cores; '
        + 'CPU is given in cores ("2", "0.5") or millicores ("250m"): did you mean "100m" (millicores)?');
  });

  test('memory keeps them: 8G is 8 gigabytes', () => {
    expect(checkTeamQuota({ memory: '8G' }).memory).toBe('8G');
  });

  test('a decimal exponent is a quantity too, and its limit twice it', () => {
    const p = platform();
    p.teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { memory: '1e9', cpu: '15e-1' } });
    const hard = find(p.objects(), 'ResourceQuota', 'team-quota', 'a').spec.hard;
    expect([hard['requests.memory'], hard['limits.memory'], hard['requests.cpu'], hard['limits.cpu']]).toEqual(['1e9', '2e9', '15e-1', '30e-1']);
  });
});

describe('keys a quota does not have', () => {
  const SETTINGS = 'cpu, memory, pods, storage, persistentVolumeClaims, externalServices, externalPorts, services, configMaps, secrets, containerDefaults';

  test.each<[string, object, string]>([
    ['a misspelt key, with the key it is near', { memroy: '16Gi' },
      `invalid quota.memroy "16Gi": quota has no setting "memroy" (did you mean "memory"?); its settings are ${SETTINGS}`],
    ['a key in the wrong case', { PersistentVolumeClaims: 4 },
      `invalid quota.PersistentVolumeClaims 4: quota has no setting "PersistentVolumeClaims" (did you mean "persistentVolumeClaims"?); its settings are ${SETTINGS}`],
    ['a key near none', { gpus: 1 }, `invalid quota.gpus 1: quota has no setting "gpus"; its settings are ${SETTINGS}`],
  ])('are refused, not ignored: %s', (_what, quota, message) => {
    // the team's quota would otherwise fall back to the default without a word
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: quota as never }))).toBe(`${message} (team "a")`);
    expect(refusal(() => checkTeamQuota(quota as never))).toBe(message);
  });

  test('a quota that is no object is refused', () => {
    expect(refusal(() => checkTeamQuota('16Gi' as never))).toBe(`invalid quota "16Gi": must be an object of the settings ${SETTINGS}`);
  });

  test('every setting of TeamQuota is known', () => {
    const all = { cpu: '4', memory: '8Gi', pods: 50, storage: '50Gi', persistentVolumeClaims: 10, externalServices: 0, externalPorts: 0,
      containerDefaults: Resources.of({ cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' }) };
    expect(checkTeamQuota(all)).toMatchObject({ cpu: '4', memory: '8Gi', pods: 50, storage: '50Gi', persistentVolumeClaims: 10, externalServices: 0, externalPorts: 0 });
  });
});

// The API server charges a Service against `services.nodeports` by its ports, not by Service: every port of a NodePort
// Service, and of a LoadBalancer one unless allocateLoadBalancerNodePorts is false (then its explicit nodePorts only),
// and a LoadBalancer one against `services.loadbalancers` (kubernetes/kubernetes v1.36 pkg/quota/v1/evaluator/core/
// services.go, `Usage`). A model of that, over the rendered quota: `externalServices: 1` admits one load balancer on
// 80 and 443, which a `services.nodeports` of 1 refused.
describe('external Services against the quota, as the API server charges them', () => {
  type Svc = { type: 'ClusterIP' | 'NodePort' | 'LoadBalancer'; ports: { nodePort?: number }[]; allocateLoadBalancerNodePorts?: boolean };
  const usage = (svc: Svc) => {
    const nodePorts = svc.type === 'NodePort' || (svc.type === 'LoadBalancer' && svc.allocateLoadBalancerNodePorts !== false)
      ? svc.ports.length
      : svc.type === 'LoadBalancer' ? svc.ports.filter((p) => p.nodePort !== undefined).length : 0;
    return { 'services.nodeports': nodePorts, 'services.loadbalancers': svc.type === 'LoadBalancer' ? 1 : 0 };
  };
  const admits = (quota: object, services: Svc[]) => {
    const p = platform();
    p.teams.addTeam({ name: 'q', repos: ['acme/q'], quota });
    const hard = find(p.objects(), 'ResourceQuota', 'team-quota', 'q').spec.hard;
    const used = services.map(usage).reduce((a, b) => ({
      'services.nodeports': a['services.nodeports'] + b['services.nodeports'], 'services.loadbalancers': a['services.loadbalancers'] + b['services.loadbalancers'],
    }), { 'services.nodeports': 0, 'services.loadbalancers': 0 });
    return used['services.nodeports'] <= Number(hard['services.nodeports']) && used['services.loadbalancers'] <= Number(hard['services.loadbalancers']);
  };
  const web: Svc = { type: 'LoadBalancer', ports: [{}, {}] };

  test('externalServices: 1 admits a load balancer on two ports, and not a second one', () => {
    expect(admits({ externalServices: 1 }, [web])).toBe(true);
    expect(admits({ externalServices: 1 }, [web, web])).toBe(false);
  });

  test('by default, nothing external; a ClusterIP Service takes nothing', () => {
    expect(admits({}, [{ type: 'NodePort', ports: [{}] }])).toBe(false);
    expect(admits({}, [web])).toBe(false);
    expect(admits({}, [{ type: 'ClusterIP', ports: [{}, {}, {}] }])).toBe(true);
  });

  test('externalPorts bounds node ports, which a NodePort Service takes one per port', () => {
    expect(admits({ externalPorts: 3 }, [{ type: 'NodePort', ports: [{}, {}, {}] }])).toBe(true);
    expect(admits({ externalPorts: 3 }, [{ type: 'NodePort', ports: [{}, {}] }, { type: 'NodePort', ports: [{}, {}] }])).toBe(false);
    // a load balancer without node ports needs none
    expect(admits({ externalServices: 2, externalPorts: 0 }, [{ ...web, allocateLoadBalancerNodePorts: false }, { ...web, allocateLoadBalancerNodePorts: false }])).toBe(true);
    expect(admits({ externalServices: 1, externalPorts: 2 }, [{ type: 'LoadBalancer', ports: [{}, {}, {}] }])).toBe(false);
  });

  test('fails: a negative or fractional externalPorts, naming the prop and the team', () => {
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { externalPorts: -1 } })))
      .toMatch(/^invalid quota\.externalPorts -1: .* \(team "a"\)$/);
    expect(refusal(() => checkTeamQuota({ externalPorts: 1.5 }))).toMatch(/^invalid quota\.externalPorts 1\.5: /);
  });

  test('fails: object counts below what every team namespace holds, or fractional, naming the prop, the value and the bound', () => {
    // Kubernetes puts kube-root-ca.crt in every namespace (the root CA publisher, pkg/controller/certificates/rootcacertpublisher),
    // and a team's pull Secret goes to its namespaces: a quota of 0 would have the API server refuse them
    expect(refusal(() => checkTeamQuota({ configMaps: 0 }))).toBe('invalid quota.configMaps 0: must be an integer of at least 1');
    expect(refusal(() => checkTeamQuota({ secrets: 0 }))).toBe('invalid quota.secrets 0: must be an integer of at least 1');
    expect(refusal(() => checkTeamQuota({ services: -1 }))).toBe('invalid quota.services -1: must be an integer of at least 0');
    expect(refusal(() => platform().teams.addTeam({ name: 'a', repos: ['acme/a'], quota: { secrets: 2.5 } })))
      .toMatch(/^invalid quota\.secrets 2\.5: must be an integer of at least 1 \(team "a"\)$/);
    expect(checkTeamQuota({ services: 0, configMaps: 1, secrets: 1 })).toMatchObject({ services: 0, configMaps: 1, secrets: 1 });
  });

  test('Services are at least the load balancers: each is a Service too', () => {
    // kubernetes/kubernetes pkg/quota/v1/evaluator/core/services.go Usage charges every Service to "services", a
    // LoadBalancer one to "services.loadbalancers" as well: fewer Services would cap the load balancers below their quota
    expect(refusal(() => checkTeamQuota({ externalServices: 3, services: 2 })))
      .toBe('invalid quota.services 2: must be at least quota.externalServices (3): every load balancer is a Service too, counted by both');
    expect(checkTeamQuota({ externalServices: 3, services: 3 }).services).toBe(3);
    // the default follows a grant of more load balancers than it, so a team that set only externalServices keeps them
    expect(checkTeamQuota({ externalServices: 25 }).services).toBe(25);
    expect(checkTeamQuota({ externalServices: 2 }).services).toBe(20);
  });
});
