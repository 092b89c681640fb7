/** Every image the documents name: pod containers, the runner's build images (annotation), and pipeline steps. */
export function imagesOf(docs: any[]): string[] {
  const images = docs.flatMap((d: any) => {
    const pod = d?.spec?.template?.spec ?? d?.spec?.jobTemplate?.spec?.template?.spec;
    const containers = pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => c.image) : [];
    const annotated = (d?.metadata?.annotations?.['dockyard.dev/images'] ?? '').split(',').filter(Boolean);
    const steps = d?.kind === 'pipeline' ? d.steps.map((s: any) => s.image) : [];
    return [...containers, ...annotated, ...steps];
  });
  return [...new Set<string>(images)].sort();
}
