import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration } from 'cdk8s';
import { DockyardChart, FinishedJobs, Image, LocalSecretStore, synthesize } from '../../lib';
import { templateNamedJob } from '../../lib/core/job';
import { podTemplate } from '../../lib/core/pod';
import { Resources } from '../../lib/core/resources';
import { EXAMPLE_STACKS } from '../stacks';
import { stderrOf, synth } from '../util';

// ttlSecondsAfterFinished: "If this field is unset, the Job won't be automatically deleted. If this field is set to
// zero, the Job becomes eligible to be deleted immediately after it finishes" (kubernetes/api v0.36.3
// batch/v1/types.go:405-417, an *int32); it may be changed on a Job that exists or has finished
// (kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished, "Updating TTL for finished Jobs"). A deleted
// Job is created again, and so run again, by Argo CD's self-heal and Flux's every reconciliation (README, GitOps with
// Argo CD or Flux: argo-cd v3.5.1 controller/appcontroller.go:2395-2418, fluxcd/pkg ssa manager_apply.go:294-305);
// kept, a failed one leaves its Argo CD Application Degraded (argo-cd v3.5.1
// gitops-engine/pkg/health/health_job.go:59-63) and counts for kube_job_failed.

/** A template-named Job in `chart`, its version label `version`. */
function addJob(chart: DockyardChart, version = '1'): void {
  const labels = { 'app.kubernetes.io/name': 'job', 'app.kubernetes.io/version': version };
  const template = podTemplate(chart, labels, {
    namespace: 'ci',
    runAs: { user: 1000, group: 1000 },
    containers: [{ name: 'run', image: Image.of('docker.io/library/busybox:1.37'), resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
  });
  templateNamedJob(chart, 'Job', {
    name: (hash) => `job-${hash.slice(0, 8)}`,
    namespace: 'ci',
    labels,
    spec: { template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } } },
  });
}

const jobOf = (finishedJobs?: FinishedJobs) => {
  const chart = new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace: 'ci', finishedJobs });
  addJob(chart);
  return synth(chart).find((o) => o.kind === 'Job');
};

describe('FinishedJobs', () => {
  // 'digitalocean' is the Pulumi program's charts, which ChartDeployment deploys as they render: unchanged there too
  test.each(['default', 'digitalocean'])('by default a finished Job is deleted after ten minutes, as every Job of the %s stack is', (name) => {
    expect(jobOf().spec.ttlSecondsAfterFinished).toBe(600);
    const jobs = EXAMPLE_STACKS.find((s) => s.name === name)!.synth().objects.filter((o) => o.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(1);
    expect(jobs.map((j) => j.spec.ttlSecondsAfterFinished)).toEqual(jobs.map(() => 600));
  });

  test('deleteAfter sets the seconds, zero included; keep sets none; the Job\'s name is the same in each, so a change of it runs nothing again', () => {
    const kept = jobOf(FinishedJobs.keep());
    expect('ttlSecondsAfterFinished' in kept.spec).toBe(false);
    expect(jobOf(FinishedJobs.deleteAfter(Duration.hours(1))).spec.ttlSecondsAfterFinished).toBe(3600);
    expect(jobOf(FinishedJobs.deleteAfter(Duration.seconds(0))).spec.ttlSecondsAfterFinished).toBe(0);
    expect(jobOf(FinishedJobs.deleteAfter(Duration.seconds(2147483647))).spec.ttlSecondsAfterFinished).toBe(2147483647);
    expect(kept.metadata.name).toBe(jobOf().metadata.name);
    expect(kept.spec.template).toEqual(jobOf().spec.template);
  });

  test('a duration a Job cannot hold, or a value of another type, fails naming the factory or prop', () => {
    const allowed = 'must be a whole number of seconds from 0 to 2147483647 (a Job\'s ttlSecondsAfterFinished)';
    expect(() => FinishedJobs.deleteAfter(Duration.millis(1500))).toThrow(`invalid FinishedJobs.deleteAfter "1.5 seconds": ${allowed}`);
    expect(() => FinishedJobs.deleteAfter(Duration.seconds(2147483648))).toThrow(`invalid FinishedJobs.deleteAfter "2147483648 seconds": ${allowed}`);
    // a negative one cdk8s refuses itself (Duration.seconds(-1): "Duration amounts cannot be negative")
    expect(() => FinishedJobs.deleteAfter(600 as any)).toThrow('invalid FinishedJobs.deleteAfter 600: must be a Duration, e.g. Duration.minutes(10)');
    expect(() => new DockyardChart(new App(), 'c', { finishedJobs: 'keep' as any }))
      .toThrow('invalid finishedJobs "keep": must be a FinishedJobs: FinishedJobs.deleteAfter(duration) or FinishedJobs.keep()');
  });
});

// the output's mark lists the objects a synth wrote but those the cluster deletes itself (lib/core/object-names.ts
// removesItself), and the next synth names those it no longer writes (lib/core/left-objects.ts)
describe('FinishedJobs and the objects a synth no longer writes', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const outputs = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-finished-'));
    dirs.push(dir);
    const outdir = path.join(dir, 'dist');
    return (finishedJobs: FinishedJobs | undefined, version: string) => {
      const app = new App({ outdir });
      addJob(new DockyardChart(app, 'test', { namespace: 'ci', finishedJobs }), version);
      const stderr = stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
      const job = synth(app.charts[0]).find((o) => o.kind === 'Job').metadata.name;
      return { stderr, job, mark: fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8') };
    };
  };

  test('kept Jobs are listed, and one renamed is named as left, with the command that deletes it', () => {
    const synthOf = outputs();
    const first = synthOf(FinishedJobs.keep(), '1');
    expect(first.mark).toContain(`batch\tJob\tci\t${first.job}\n`);
    const second = synthOf(FinishedJobs.keep(), '2');
    expect(second.job).not.toBe(first.job);
    expect(second.stderr).toContain(`which kubectl apply leaves in the cluster as it is: Job ci/${first.job};`);
    expect(second.stderr).toContain(`kubectl delete --ignore-not-found -n ci job.batch/${first.job}`);
  });

  test('Jobs deleted after a time are not listed, nor named when renamed', () => {
    const synthOf = outputs();
    const first = synthOf(FinishedJobs.deleteAfter(Duration.minutes(10)), '1');
    expect(first.mark).not.toContain(first.job);
    expect(synthOf(undefined, '2').stderr).not.toContain('no longer writes');
  });

  test('from kept to deleted: a kept Job no longer written is named, as nothing deletes it; one still written is not', () => {
    const synthOf = outputs();
    const kept = synthOf(FinishedJobs.keep(), '1');
    // the same Job, now with a TTL (which may be set on a Job that exists): the cluster deletes it
    expect(synthOf(undefined, '1').stderr).not.toContain('no longer writes');
    const renamed = outputs();
    renamed(FinishedJobs.keep(), '1');
    expect(renamed(undefined, '2').stderr).toContain(`as it is: Job ci/${kept.job};`);
  });

  test('from deleted to kept: nothing is named', () => {
    const synthOf = outputs();
    synthOf(undefined, '1');
    const second = synthOf(FinishedJobs.keep(), '2');
    expect(second.stderr).not.toContain('no longer writes');
    expect(second.mark).toContain(`batch\tJob\tci\t${second.job}\n`);
  });
});
