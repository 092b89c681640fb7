import { createHash } from 'crypto';
import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { DockyardChart, Image, ImageRelocation, Images, Secret, SecretValue } from '../../lib';
import { templateNamedJob } from '../../lib/core/job';
import { podTemplate } from '../../lib/core/pod';
import { Resources } from '../../lib/core/resources';
import { synth, testChart } from '../util';

// Kubernetes refuses a change to a Job's pod template (kubernetes/kubernetes pkg/apis/batch/validation/validation.go
// validatePodTemplateUpdate, ValidateImmutableField(spec.Template, ...)): whatever changes in the rendered template
// must change the Job's name, or `kubectl apply` of the new output fails.

/** A Job named `job-<8 hex of its template>`, its label `version` and its image set as given. */
function build(options: { version?: string; image?: Image; chart?: DockyardChart } = {}): { chart: DockyardChart; job: ApiObject } {
  const chart = options.chart ?? testChart('ci');
  const labels = { 'app.kubernetes.io/name': 'job', 'app.kubernetes.io/version': options.version ?? '1' };
  const template = podTemplate(chart, labels, {
    namespace: 'ci',
    runAs: { user: 1000, group: 1000 },
    containers: [{ name: 'run', image: options.image ?? Image.of('docker.io/library/busybox:1.37'), resources: Resources.of({ cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '16Mi', memoryLimit: '32Mi' }) }],
  });
  const job = templateNamedJob(chart, 'Job', {
    name: (hash) => `job-${hash.slice(0, 8)}`,
    namespace: 'ci',
    labels,
    spec: { ttlSecondsAfterFinished: 600, template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } } },
  });
  return { chart, job };
}

const jobOf = (chart: DockyardChart) => synth(chart).find((o) => o.kind === 'Job');

describe('templateNamedJob', () => {
  test('is named by the SHA-256 of its pod template as it renders, and nothing else of it', () => {
    const job = jobOf(build().chart);
    const hash = createHash('sha256').update(JSON.stringify(job.spec.template)).digest('hex');
    expect(job.metadata.name).toBe(`job-${hash.slice(0, 8)}`);
    expect(job.metadata).toEqual({ name: job.metadata.name, namespace: 'ci', labels: { 'app.kubernetes.io/name': 'job', 'app.kubernetes.io/version': '1' } });
    expect(job.spec.ttlSecondsAfterFinished).toBe(600);
    // the same declarations, the same name
    expect(jobOf(build().chart).metadata.name).toBe(job.metadata.name);
  });

  test('a label of the template, its image as relocated, or a pull secret its pod gets names a new Job', () => {
    const base = jobOf(build().chart).metadata.name;
    // Harbor's version is a label of its configure Job's pods
    expect(jobOf(build({ version: '2' }).chart).metadata.name).not.toBe(base);
    expect(jobOf(build({ image: Image.of('docker.io/library/busybox:1.38') }).chart).metadata.name).not.toBe(base);
    // a relocation resolves the image at synth, after the Job is declared
    const mirrors = ['mirror.example.com/a', 'mirror2.example.com/a'].map((mirror) => {
      const { chart } = build();
      Images.relocate(chart, ImageRelocation.registry(mirror));
      const job = jobOf(chart);
      expect(job.spec.template.spec.containers[0].image).toBe(`${mirror}/library/busybox:1.37`);
      return job.metadata.name;
    });
    expect(new Set([base, ...mirrors]).size).toBe(3);
    // a login for the image's registry: the pod gets it as an image pull secret
    const { chart } = build();
    Images.usePullSecret(chart, ['docker.io'], new Secret(chart, 'Hub', { name: 'hub', values: { '.dockerconfigjson': SecretValue.password(20) } }));
    const pulling = jobOf(chart);
    expect(pulling.spec.template.spec.imagePullSecrets).toEqual([{ name: 'hub' }]);
    expect(pulling.metadata.name).not.toBe(base);
  });

  test('a JSON patch of the template, applied as the object renders, names a new Job too', () => {
    const { chart, job } = build();
    const base = jobOf(build().chart).metadata.name;
    job.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'high'));
    const patched = jobOf(chart);
    expect(patched.spec.template.spec.priorityClassName).toBe('high');
    expect(patched.metadata.name).not.toBe(base);
    expect(patched.metadata.name).toBe(`job-${createHash('sha256').update(JSON.stringify(patched.spec.template)).digest('hex').slice(0, 8)}`);
  });

  test('a Lazy in the template is produced before the name is made', () => {
    const chart = testChart('ci');
    let value = 'a';
    const template = { metadata: { labels: { x: Lazy.any({ produce: () => value }) as unknown as string } }, spec: { containers: [], restartPolicy: 'Never' } };
    templateNamedJob(chart, 'Job', { name: (hash) => `lazy-${hash.slice(0, 8)}`, namespace: 'ci', labels: {}, spec: { template } });
    const a = jobOf(chart).metadata.name;
    value = 'b';
    expect(jobOf(chart).metadata.name).not.toBe(a);
  });
});
