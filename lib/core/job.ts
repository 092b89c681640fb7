import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CHECKSUM_ANNOTATION, deferredSecretChecksum, secretDigestNow } from './checksum';
import { DEFAULT_FINISHED_JOBS, FinishedJobs } from './finished-jobs';
import { sha256 } from './hash';
import { k8s, kube } from './k8s';
import { SecretKey } from './secret';

/** What a Job named by its pod template is made of. */
export interface TemplateNamedJobProps {
  /**
   * The Job's name, from the SHA-256 (64 hex digits) of its pod template as it renders and the digest of `secrets`
   * (`secretDigestNow`), whose values the template only names. Called as the Job renders, while the charts resolve.
   */
  readonly name: (templateHash: string, secretsDigest: string) => string;
  /**
   * The Secret keys whose values the Job sets or logs in with, so that a new value runs it again: their digest goes
   * to `name`, and where it waits for deploy time (Pulumi, where it cannot name the Job) a deferred checksum of them
   * goes to the pod template's `dockyard.dev/inputs-checksum`, which `ChartDeployment` finishes.
   *
   * @default - none
   */
  readonly secrets?: () => readonly SecretKey[];
  /** The Job's namespace. */
  readonly namespace: string;
  /** The Job's own labels (its pod template has its own). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The Job's spec, its pod template included. Without `ttlSecondsAfterFinished`, a finished Job is deleted as its
   * chart's `finishedJobs` says (by default after ten minutes, 600), so that applying an earlier state again (a
   * reverted change, a restored secret state) makes its Job anew instead of finding it completed; or kept, for a
   * GitOps tool that would otherwise re-create it. A re-run of the same state must change nothing.
   */
  readonly spec: k8s.JobSpec;
}

/** The name a template-named Job has until it renders: nothing should read it. */
const UNRENDERED = 'unrendered-template-named-job';

/**
 * A Job whose name hashes its pod template as it renders: relocated images, pull secrets, labels (the version among
 * them), environment, volumes, every field, after every `Lazy` is produced.
 *
 * Kubernetes refuses a change to a Job's pod template (kubernetes/kubernetes pkg/apis/batch/validation/validation.go
 * `validatePodTemplateUpdate`: `ValidateImmutableField(spec.Template, ...)`, bar the scheduling directives of a
 * suspended Job that never started, pkg/registry/batch/job/strategy.go), so `kubectl apply` of a changed template
 * under the same name fails. Named by the rendered template, whatever changes in it names a new Job, and no input
 * can be left out of the name by a list of inputs that missed one. What the pod reads by name (a ConfigMap, a
 * Secret) changes the template only if the name changes with the content: name such ConfigMaps by their content,
 * and list the Secret keys in `secrets`.
 *
 * The name is set on the rendered object; the ApiObject's own `name` is a placeholder.
 */
export function templateNamedJob(scope: Construct, id: string, props: TemplateNamedJobProps): ApiObject {
  const { namespace, labels, spec } = props;
  // a DockyardChart's setting; not `instanceof`, which cdk8s answers for every Chart (its static Symbol.hasInstance)
  const ttl = ((Chart.of(scope) as { finishedJobs?: FinishedJobs }).finishedJobs ?? DEFAULT_FINISHED_JOBS).ttlSeconds;
  const withTtl = ttl === undefined ? spec : { ttlSecondsAfterFinished: ttl, ...spec };
  return kube(scope, id, 'Job', { metadata: { name: UNRENDERED, namespace, labels }, spec: withTtl }, (job) => {
    const secrets = props.secrets?.() ?? [];
    job.metadata.name = props.name(sha256(JSON.stringify(job.spec.template)), secretDigestNow(scope, secrets));
    // under Pulumi a new value cannot rename the Job: it changes the template, and the provider replaces the Job
    // (pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go: `.spec.template` of a Job forces a new one, deleted
    // first as its name stays, provider.go Diff), which runs it again; at synth there is none, the name carrying it
    const deferred = deferredSecretChecksum(scope, secrets);
    if (deferred !== undefined) {
      const metadata = job.spec.template.metadata ?? {};
      job.spec.template.metadata = { ...metadata, annotations: { ...metadata.annotations, [CHECKSUM_ANNOTATION]: deferred } };
    }
  });
}
