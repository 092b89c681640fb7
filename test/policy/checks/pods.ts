import { namespaceOf } from './finding';
import type { Container, K8sObject, ObjectMeta, PodSpec, StringMap } from './types';

/** Where each workload kind keeps its pod template; a Pod is its own template. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface PodTemplate {
  /** The workload (or Pod) that findings are reported against. */
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly spec: PodSpec;
}

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  return objects.flatMap((owner) => {
    const path = TEMPLATE_PATHS[owner.kind ?? ''];
    if (!path) return [];
    const template = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], owner) as
      | { metadata?: ObjectMeta; spec?: PodSpec }
      | undefined;
    if (!template?.spec) return [];
    return [{
      owner,
      namespace: namespaceOf(owner) ?? 'default',
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
      spec: template.spec,
    }];
  });
}

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';
export const ALL_CONTAINER_LISTS: readonly ContainerList[] = ['containers', 'initContainers', 'ephemeralContainers'];

export function containersOf(spec: PodSpec, lists: readonly ContainerList[] = ALL_CONTAINER_LISTS): Container[] {
  return lists.flatMap((list) => spec[list] ?? []);
}

/** Message prefix naming the container, so findings on multi-container pods stay unambiguous. */
export function inContainer(container: Container, message: string): string {
  return `container "${container.name}": ${message}`;
}
