import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { sha256 } from './hash';
import { k8s, kube } from './k8s';

/** What a Job named by its pod template is made of. */
export interface TemplateNamedJobProps {
  /**
   * The Job's name, from the SHA-256 (64 hex digits) of its pod template as it renders. Called as the Job renders,
   * while the charts resolve, so it may add a digest of secrets (`secretDigestNow`), which the template only names.
   */
  readonly name: (templateHash: string) => string;
  /** The Job's namespace. */
  readonly namespace: string;
  /** The Job's own labels (its pod template has its own). */
  readonly labels: Record<string, string>;
  /**
   * The Job's spec, its pod template included. Without `ttlSecondsAfterFinished`, a finished Job is deleted after ten
   * minutes (600), so that applying an earlier state again (a reverted change, a restored secret state) makes its Job
   * anew instead of finding it completed; a re-run of the same state must change nothing.
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
 * and put a digest of the Secrets in `name`.
 *
 * The name is set on the rendered object; the ApiObject's own `name` is a placeholder.
 */
export function templateNamedJob(scope: Construct, id: string, props: TemplateNamedJobProps): ApiObject {
  const { namespace, labels, spec } = props;
  return kube(scope, id, 'Job', { metadata: { name: UNRENDERED, namespace, labels }, spec: { ttlSecondsAfterFinished: 600, ...spec } }, (job) => {
    job.metadata.name = props.name(sha256(JSON.stringify(job.spec.template)).toString('hex'));
  });
}
