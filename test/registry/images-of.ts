/** Every image the documents name: pod containers, the runner's build images (annotation), and pipeline steps. */
export function imagesOf(docs: any[]): string[] {
  const images = docs.flatMap((d: any) => {
    const pod = d?.spec?.template?.spec ?? d?.spec?.jobTemplate?.spec?.template?.spec;
    const containers = pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => c.image) : [];
    const annotated = (d?.metadata?.annotations?.['dockyard.dev/images'] ?? '').split(',').filter(Boolean);
    // Drone pipelines have kind pipeline; Woodpecker workflows no kind, and steps as a list or a map
    const steps = d?.kind === 'pipeline' || (d && d.kind === undefined && d.steps) ? Object.values(d.steps).map((s: any) => s.image) : [];
    return [...containers, ...annotated, ...steps];
  });
  return [...new Set<string>(images)].sort();
}
