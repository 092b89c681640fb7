// Every example stack's workloads through a node drain (`kubectl drain`, and a DigitalOcean node upgrade, which drains
// each node through the same Eviction API), run through ./disruption-model.ts: the disruption controller's arithmetic,
// the eviction API's decision and kubectl's retries, cited there line by line.
import { EXAMPLE_STACKS } from '../stacks';
import { budgetsOf, budgetStatus, drain, drainRefusal, evict, ModelBudget, ModelPod, ModelWorkload, podsOn, renderedWorkloads, workloadKey } from './disruption-model';

const stacks = EXAMPLE_STACKS.map((s) => {
  const { objects } = s.synth();
  return { name: s.name, objects, ...renderedWorkloads(objects) };
});

const replicated = (workloads: readonly ModelWorkload[]) =>
  workloads.filter((w) => (w.kind === 'Deployment' || w.kind === 'StatefulSet') && w.replicas > 1);

describe('the disruption model against upstream cases', () => {
  const web: ModelWorkload = { kind: 'Deployment', name: 'web', namespace: 'ns', replicas: 2, podLabels: { app: 'web' } };
  const budget = (policy?: string): ModelBudget => ({ name: 'web', namespace: 'ns', selector: { app: 'web' }, maxUnavailable: 1, unhealthyPodEvictionPolicy: policy });
  const pods = (ready: boolean[]): ModelPod[] => ready.map((r, i) => ({ name: `web-${i}`, owner: web, node: 'a', phase: 'Running', ready: r, deleting: false }));

  test('maxUnavailable 1 over 2 ready pods allows one disruption; a second is refused until the first is replaced', () => {
    const all = pods([true, true]);
    expect(budgetStatus(budget(), all)).toEqual({ expectedCount: 2, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
    expect(evict(all[0], [budget()], all)).toBe(201);
    all[0].deleting = true;
    expect(evict(all[1], [budget()], all)).toBe(429);
  });

  test('with every pod unready, IfHealthyBudget refuses each eviction and AlwaysAllow lets each go', () => {
    const all = pods([false, false]);
    expect(evict(all[0], [budget()], all)).toBe(429);
    expect(evict(all[0], [budget('IfHealthyBudget')], all)).toBe(429);
    expect(evict(all[0], [budget('AlwaysAllow')], all)).toBe(201);
    // one unready beside one ready: the default lets the unready one go too, as the healthy one suffices
    const mixed = pods([true, false]);
    expect(evict(mixed[1], [budget()], mixed)).toBe(201);
  });

  test('a budget that also selects a Job\'s pods fails to sync and allows nothing; two budgets over a pod answer 500', () => {
    const job: ModelWorkload = { kind: 'Job', name: 'migrate', namespace: 'ns', replicas: 1, podLabels: { app: 'web' } };
    const all = [...pods([true, true]), { name: 'migrate', owner: job, node: 'b', phase: 'Running' as const, ready: true, deleting: false }];
    expect(budgetStatus(budget(), all)).toMatchObject({ disruptionsAllowed: 0, error: 'jobs does not implement the scale subresource' });
    expect(evict(all[0], [budget()], all)).toBe(429);
    expect(evict(all[0], [budget(), { ...budget(), name: 'other' }], all)).toBe(500);
  });

  test('a pending pod goes without asking its budget', () => {
    const all = pods([false, false]);
    all[0].phase = 'Pending';
    expect(evict(all[0], [budget()], all)).toBe(201);
  });
});

describe.each(stacks)('$name: budgets and a drain', ({ objects, workloads, budgets }) => {
  test('each workload with several replicas spreads them over nodes, so one drain rarely holds them all', () => {
    for (const w of replicated(workloads)) {
      const o = objects.find((x) => x.kind === w.kind && x.metadata.name === w.name && x.metadata.namespace === w.namespace);
      expect([workloadKey(w), o.spec.template.spec.topologySpreadConstraints]).toEqual([workloadKey(w), [expect.objectContaining({
        topologyKey: 'kubernetes.io/hostname', maxSkew: 1, labelSelector: { matchLabels: o.spec.selector.matchLabels },
      })]]);
    }
  });


  test('each budget selects the pods of exactly one Deployment or StatefulSet, so the controller can count them', () => {
    for (const b of budgets) {
      const owners = workloads.filter((w) => w.namespace === b.namespace && Object.entries(b.selector).every(([k, v]) => w.podLabels[k] === v));
      expect([b.name, owners.map((w) => `${w.kind}/${w.name}`)]).toEqual([b.name, [expect.stringMatching(/^(Deployment|StatefulSet)\//)]]);
      const status = budgetStatus(b, podsOn('a', owners, true));
      expect(status.error).toBeUndefined();
      expect(status.disruptionsAllowed).toBeGreaterThanOrEqual(1);
    }
  });

  test('each workload with several replicas has exactly one budget, and a single replica has none', () => {
    for (const w of workloads.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
      const pod: ModelPod = { name: w.name, owner: w, node: 'a', phase: 'Running', ready: true, deleting: false };
      expect([workloadKey(w), budgetsOf(pod, budgets).length]).toEqual([workloadKey(w), w.replicas > 1 ? 1 : 0]);
    }
  });

  test('draining the node that holds every pod keeps all but one replica of each replicated workload ready', () => {
    const result = drain(podsOn('a', workloads, true), budgets, { node: 'a', otherNodes: ['b'], replacementsReady: true });
    expect(result.stuck).toEqual([]);
    for (const w of replicated(workloads)) {
      expect([workloadKey(w), result.fewestReady.get(workloadKey(w))]).toEqual([workloadKey(w), w.replicas - 1]);
    }
  });

  test('a drain finishes while every pod is running but never ready (a database down, a bucket refused)', () => {
    // the default policy would refuse every eviction of a replicated workload here, and kubectl drain retry forever
    const result = drain(podsOn('a', workloads, false), budgets, { node: 'a', otherNodes: ['b'], replacementsReady: false });
    expect(result.stuck).toEqual([]);
  });
});

/**
 * What each `emptyDir` of the example stacks holds, by mount path: a drain (`--delete-emptydir-data`, below) deletes
 * it, so none may hold anything that must survive a move to another node.
 */
const SCRATCH_PATHS: Record<string, { readonly holds: string; readonly image?: RegExp }> = {
  '/tmp': { holds: 'scratch files under a read-only root' },
  // XDG_CACHE_HOME of the drone/drone image (lib/drone/server.ts)
  '/data': { holds: 'the Drone server\'s autocert and template cache', image: /\/drone\/drone[:@]/ },
  '/var/run/postgresql': { holds: 'PostgreSQL\'s socket and lock file, made again at start', image: /\/postgres[:@]/ },
  // PostgreSQL's dynamic shared memory for parallel queries (lib/postgres/postgres.ts): gone with the server's
  // processes, at every restart, wherever the volume lives
  '/dev/shm': { holds: 'PostgreSQL\'s parallel-query shared memory, of running queries only', image: /\/postgres[:@]/ },
};

describe('what kubectl drain refuses without its flags', () => {
  const templates = stacks.flatMap((s) => s.objects.flatMap((o) => {
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) ? o.spec.template : undefined;
    return template ? [{ stack: s.name, kind: (o.kind === 'CronJob' ? 'Job' : o.kind), name: o.metadata.name, template }] : [];
  }));

  test('a plain drain refuses a node running Harbor, PostgreSQL, Valkey or the Drone server; --delete-emptydir-data takes them', () => {
    const refused = new Set(templates.filter((t) => drainRefusal(t.kind, t.template, {})).map((t) => `${t.kind}/${t.name}`));
    expect([...refused]).toEqual(expect.arrayContaining(['Deployment/harbor-core', 'Deployment/harbor-registry', 'StatefulSet/postgres', 'StatefulSet/redis', 'Deployment/drone']));
    expect(templates.filter((t) => drainRefusal(t.kind, t.template, { ignoreDaemonsets: true, deleteEmptydirData: true }))).toEqual([]);
  });

  test('every emptyDir a drain deletes holds only what may be lost', () => {
    for (const t of templates) {
      const scratch = new Set((t.template.spec.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name));
      for (const c of [...(t.template.spec.initContainers ?? []), ...t.template.spec.containers]) {
        for (const m of (c.volumeMounts ?? []).filter((x: any) => scratch.has(x.name))) {
          const known = SCRATCH_PATHS[m.mountPath];
          const scratchHere = known !== undefined && (known.image === undefined || known.image.test(c.image));
          expect([t.stack, t.name, c.name, scratchHere ? m.mountPath : 'not scratch']).toEqual([t.stack, t.name, c.name, m.mountPath]);
        }
      }
    }
  });
});

test('on a one-node cluster a drain never finishes while a budgeted workload runs: its replacement has nowhere to go', () => {
  const { workloads, budgets } = stacks.find((s) => s.name === 'harbor-do')!;
  const result = drain(podsOn('a', workloads, true), budgets, { node: 'a', otherNodes: [], replacementsReady: true });
  expect(result.finished).toBe(false);
  // one pod of each budgeted workload stays: the budget allows one disruption, and the replacement stays pending
  expect(result.stuck.sort()).toEqual(['harbor-portal-1', 'harbor-registry-1']);
});

test('some example stack renders a budget, so the drain tests above test one', () => {
  const names = stacks.flatMap((s) => s.budgets.map((b) => `${s.name}:${b.namespace}/${b.name}`));
  expect(names).toEqual(expect.arrayContaining(['default:dockyard/drone-secrets', 'harbor-do:harbor/harbor-portal', 'harbor-do:harbor/harbor-registry']));
});
