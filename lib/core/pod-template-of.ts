/**
 * The kinds that hold a pod template (`podTemplateOf`): the workloads, Job and CronJob.
 *
 * @internal
 */
export const POD_TEMPLATE_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/**
 * The pod template of `o`, a rendered object or an object's props (both hold `kind` and `spec`): a CronJob keeps it
 * in its job template (`spec.jobTemplate.spec.template`), every other kind of `POD_TEMPLATE_KINDS` at
 * `spec.template`; undefined where there is none. Any kind is read, so a caller that handles only some kinds checks
 * the kind first.
 *
 * @internal
 */
export function podTemplateOf(o: any): any {
  return o?.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o?.spec?.template;
}

/**
 * The containers of a rendered pod spec, its init containers first: what pulls an image or reads a ConfigMap.
 *
 * @internal
 */
export function podContainers(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}
