import { CURRENT_JOBS_DIR } from '../../lib/core/current-jobs';
import { EXAMPLE_STACKS } from '../stacks';

// A fenced Job (lib/core/current-jobs.ts) learns that a newer state superseded it only through its copy of the list of
// the current Jobs, which the kubelet refreshes in its running pod. The kubelet writes none of a projected volume's
// files while any required source of it is missing (kubernetes pkg/volume/projected/projected.go: `SetUpAt` returns
// `collectData`'s error before `AtomicWriter.Write`), and a Job's content-named script and state ConfigMaps go once a
// newer state replaces them (a pruning apply, `pulumi up`): a list projected beside them would stop reaching exactly
// the runs it must stop. So every fenced Job mounts the list in a volume of its own, from that ConfigMap alone.
describe.each(EXAMPLE_STACKS.map((s) => [s.name, s] as const))('the fenced Jobs of %s', (_name, stack) => {
  const jobs = stack.synth().objects.filter((o) => o.kind === 'Job'
    && o.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.name === 'CURRENT_JOBS_FILE')));

  test('mount the list of the current Jobs from a volume holding it alone, at the path CURRENT_JOBS_FILE names', () => {
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      const spec = job.spec.template.spec;
      for (const c of spec.containers.filter((x: any) => (x.env ?? []).some((e: any) => e.name === 'CURRENT_JOBS_FILE'))) {
        const file = c.env.find((e: any) => e.name === 'CURRENT_JOBS_FILE').value;
        expect(file).toBe(`${CURRENT_JOBS_DIR}/current-jobs`);
        const mount = c.volumeMounts.find((m: any) => m.mountPath === CURRENT_JOBS_DIR);
        expect(mount).toMatchObject({ readOnly: true });
        expect(mount.subPath).toBeUndefined();
        const volume = spec.volumes.find((v: any) => v.name === mount.name);
        expect(Object.keys(volume).sort()).toEqual(['configMap', 'name']);
        expect(volume.configMap).toEqual({ name: expect.stringMatching(/-jobs$/), optional: true });
      }
      // and no projected volume holds a list beside required sources
      for (const v of spec.volumes.filter((x: any) => x.projected)) {
        expect(v.projected.sources.filter((s: any) => s.configMap?.optional)).toEqual([]);
      }
    }
  });
});
