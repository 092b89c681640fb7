import { finding, type Finding, type Issue } from './finding';
import { containersOf, inContainer, podTemplates, type ContainerList } from './pods';
import type { Container, K8sObject } from './types';

/** Ephemeral (debug) containers are excluded: they cannot declare resources or probes. */
const RUNNABLE: readonly ContainerList[] = ['containers', 'initContainers'];

/** Workloads that run to completion, so no rollout or Service waits on their probes. */
const RUN_TO_COMPLETION = new Set(['Job', 'CronJob']);

type ContainerCheck = (container: Container, list: ContainerList, owner: K8sObject) => Issue[];

/** Applies a per-container check to every runnable container of every pod template. */
function eachContainer(objects: readonly K8sObject[], check: ContainerCheck): Finding[] {
  return podTemplates(objects).flatMap(({ owner, spec }) =>
    RUNNABLE.flatMap((list) =>
      containersOf(spec, [list]).flatMap((c) =>
        check(c, list, owner).map(([rule, m]) => finding(rule, owner, inContainer(c, m))))));
}

/** Requests and limits keep the scheduler honest; probes let rollouts and Services notice broken pods. */
export function checkResourcesAndProbes(objects: readonly K8sObject[]): Finding[] {
  return eachContainer(objects, (c, list, owner) => {
    const missing = (['requests', 'limits'] as const).flatMap((kind) =>
      ['cpu', 'memory'].filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `${kind}.${r}`));
    // Kubernetes forbids liveness/readiness probes on init containers.
    const probed = list === 'containers' && !RUN_TO_COMPLETION.has(owner.kind ?? '');
    const probes = probed ? (['livenessProbe', 'readinessProbe'] as const).filter((p) => !c[p]) : [];
    const issues: Issue[] = probes.map((p) => ['probes', `missing ${p}`]);
    return missing.length ? [['resources', `missing resources ${missing.join(', ')}`], ...issues] : issues;
  });
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** The tag of an image reference; a ':' before the last '/' is a registry port, not a tag. */
function imageTag(image: string): string | undefined {
  const name = image.replace(/@.*$/, '');
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  return colon < 0 ? undefined : name.slice(colon + 1);
}

/**
 * Images must be reproducible: a digest, or an explicit tag other than `latest`. `imagePullPolicy: Always` on
 * an unpinned image is called out on its own, because it makes every pod restart a silent upgrade.
 */
export function checkImagesPinned(objects: readonly K8sObject[]): Finding[] {
  return eachContainer(objects, (c) => {
    const image = c.image ?? '';
    const tag = imageTag(image);
    if (DIGEST.test(image) || (tag && tag !== 'latest')) return [];
    const issues: Issue[] = [['images/pinned', `image "${image}" needs a version tag or digest`]];
    if (c.imagePullPolicy === 'Always') {
      issues.push(['images/pull-policy', `imagePullPolicy Always re-pulls unpinned "${image}"`]);
    }
    return issues;
  });
}

/**
 * A writable root filesystem lets a compromised process persist tools. Some images cannot run read-only,
 * so callers filter the findings through their own allowlist.
 */
export function checkReadOnlyRootFs(objects: readonly K8sObject[]): Finding[] {
  return eachContainer(objects, (c) =>
    c.securityContext?.readOnlyRootFilesystem === true ? [] : [['read-only-root-fs', 'readOnlyRootFilesystem is not true']]);
}
