import { Resources } from '../../lib';
import { checkTeamQuota, TeamQuota, TeamQuotaObjects } from '../../lib/team/quota';
import { admit, ADMISSION_ORDER, Pod, resourceQuota, VALIDATION_SET } from '../admission-model';
import { find, testChart } from '../util';

/**
 * A team's app namespace has a ResourceQuota on requests and limits of CPU and memory, which refuses a pod whose
 * containers do not set them all, and a LimitRange whose defaults set them. A pod that sets nothing is admitted
 * only because LimitRanger fills the defaults in before ResourceQuota checks them. This file encodes that: it
 * reads the rendered objects (lib/team/quota.ts) and runs a pod through the model of the two admission plugins
 * (test/admission-model.ts), in the API server's order.
 */

/** A pod that sets no resources, as most application manifests do. */
const BARE: Pod = {
  annotations: {},
  containers: [{ name: 'app', resources: {} }, { name: 'sidecar', resources: {} }],
  initContainers: [{ name: 'migrate', resources: {} }],
};

/** The team namespace's rendered ResourceQuota and LimitRange. */
function rendered(quota?: TeamQuota): { quota: any; limitRange: any } {
  const chart = testChart('payments');
  new TeamQuotaObjects(chart, 'Quota', 'payments', { 'dockyard.dev/team': 'payments' }, checkTeamQuota(quota));
  const objects = chart.toJson();
  return { quota: find(objects, 'ResourceQuota', 'team-quota', 'payments'), limitRange: find(objects, 'LimitRange', 'team-defaults', 'payments') };
}

describe('team namespaces admit pods that set no resources: LimitRanger fills what ResourceQuota demands', () => {
  test.each<[string, TeamQuota | undefined]>([
    ['the default quota', undefined],
    ['a small quota in decimals', { cpu: '0.5', memory: '1.25Gi', containerDefaults: Resources.of({ cpuRequest: '10m', cpuLimit: '50m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
    // the bare pod's two containers take the whole quota, requests and limits: equal is within it
    ['defaults that two containers fill the quota with', { cpu: '500m', memory: '512Mi',
      containerDefaults: Resources.of({ cpuRequest: '250m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' }) }],
  ])('%s', (_, props) => {
    const { quota, limitRange } = rendered(props);
    // the premise: the quota tracks requests and limits of CPU and memory, so a bare pod is refused without defaults
    expect(Object.keys(quota.spec.hard).filter((r) => VALIDATION_SET.includes(r)).sort())
      .toEqual(['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
    expect(resourceQuota(structuredClone(BARE), quota.spec.hard)).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar; ' +
      'requests.cpu for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);

    const { errors, pod } = admit(BARE, limitRange, quota);
    expect(errors).toEqual([]);
    const item = limitRange.spec.limits[0];
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.resources).toEqual({ requests: item.defaultRequest, limits: item.default });
    }
    expect(pod.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container app; ' +
      'cpu, memory limit for container app; cpu, memory request for container sidecar; cpu, memory limit for container sidecar; ' +
      'cpu, memory request for init container migrate; cpu, memory limit for init container migrate');
  });

  test('a pod may set some resources itself: the defaults fill the rest, and a limit alone is also its request', () => {
    const { quota, limitRange } = rendered();
    const { errors, pod } = admit({ annotations: {}, containers: [{ name: 'app', resources: { limits: { cpu: '1' } } }], initContainers: [] }, limitRange, quota);
    expect(errors).toEqual([]);
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });
});

describe('what would refuse them: the model can fail', () => {
  test('ResourceQuota before LimitRanger refuses the bare pod', () => {
    const { quota, limitRange } = rendered();
    expect(admit(BARE, limitRange, quota, [...ADMISSION_ORDER].reverse()).errors).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar; ' +
      'requests.cpu for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);
  });

  test('a LimitRange that defaults no memory leaves what the quota tracks unset', () => {
    const { quota, limitRange } = rendered();
    const item = limitRange.spec.limits[0];
    const cpuOnly = { spec: { limits: [{ type: 'Container', default: { cpu: item.default.cpu }, defaultRequest: { cpu: item.defaultRequest.cpu } }] } };
    expect(admit(BARE, cpuOnly, quota).errors).toEqual([
      'must specify limits.memory for: app,migrate,sidecar; requests.memory for: app,migrate,sidecar',
    ]);
  });

  test('a quota that tracks what the LimitRange does not default: refused for CPU and memory, not for other resources', () => {
    const { quota, limitRange } = rendered();
    const withoutLimits = { spec: { limits: [{ type: 'Container', defaultRequest: limitRange.spec.limits[0].defaultRequest }] } };
    expect(admit(BARE, withoutLimits, quota).errors).toEqual([
      'must specify limits.cpu for: app,migrate,sidecar; limits.memory for: app,migrate,sidecar',
    ]);
    // a quota on ephemeral storage counts it, but demands it of no container (pods.go: "do not add more resources
    // to this list!" of validationSet)
    const storage = { spec: { hard: { ...quota.spec.hard, 'requests.ephemeral-storage': '10Gi' } } };
    expect(admit(BARE, limitRange, storage).errors).toEqual([]);
  });

  test('a default limit alone is also the default request (the stored LimitRange), so it is no gap', () => {
    const { quota, limitRange } = rendered();
    const limitsOnly = { spec: { limits: [{ type: 'Container', default: limitRange.spec.limits[0].default }] } };
    const { errors, pod } = admit(BARE, limitsOnly, quota);
    expect(errors).toEqual([]);
    expect(pod.containers[0].resources.requests).toEqual(limitRange.spec.limits[0].default);
  });

  test('defaults above the quota, or a default request above its limit, refuse the pod', () => {
    const { quota, limitRange } = rendered();
    const item = limitRange.spec.limits[0];
    const big = { spec: { limits: [{ ...item, defaultRequest: { ...item.defaultRequest, memory: '9Gi' }, default: { ...item.default, memory: '10Gi' } }] } };
    expect(admit(BARE, big, quota).errors).toEqual(['exceeded quota: limits.memory=16Gi', 'exceeded quota: requests.memory=8Gi']);
    const inverted = { spec: { limits: [{ ...item, defaultRequest: { ...item.defaultRequest, cpu: '1' } }] } };
    expect(admit(BARE, inverted, quota).errors).toEqual([
      'app: cpu request must be less than or equal to its limit', 'sidecar: cpu request must be less than or equal to its limit',
      'migrate: cpu request must be less than or equal to its limit',
    ]);
  });

  test('a LimitRange max below the defaults refuses the pod in LimitRanger', () => {
    const { quota, limitRange } = rendered();
    const capped = { spec: { limits: [{ ...limitRange.spec.limits[0], max: { memory: '256Mi' } }] } };
    expect(admit({ ...BARE, containers: [BARE.containers[0]], initContainers: [] }, capped, quota).errors).toEqual(['maximum memory usage per Container is 256Mi']);
  });
});
