import type { k8s } from './k8s';

/** The numeric identity a pod runs as. */
export interface RunAs {
  /** The user ID; never 0. */
  readonly user: number;
  /** The primary group ID. */
  readonly group: number;
  /**
   * The group that owns mounted volumes.
   *
   * @default - the primary group
   */
  readonly fsGroup?: number;
}

const RUNTIME_DEFAULT = { type: 'RuntimeDefault' };

/**
 * The pod-level security context that passes Pod Security "restricted".
 *
 * cdk8s-plus-27 renders neither `seccompProfile` nor `drop: [ALL]`, so every Dockyard pod is built from here.
 */
export function podSecurityContext(runAs: RunAs): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.user,
    runAsGroup: runAs.group,
    fsGroup: runAs.fsGroup ?? runAs.group,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: RUNTIME_DEFAULT,
  };
}

/** The container-level security context that passes Pod Security "restricted". */
export function containerSecurityContext(readOnlyRootFilesystem: boolean): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: RUNTIME_DEFAULT,
  };
}
