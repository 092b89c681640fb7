import type { Finding } from './finding';
import { checkNoPlaintextCredentials } from './plaintext';
import { checkPodSecurityRestricted } from './pod-security';
import { checkReferences, type ReferenceOptions } from './references';
import { validateSchema } from './schema';
import type { K8sObject } from './types';
import { checkImagesPinned, checkResourcesAndProbes } from './workload-hygiene';

export * from './finding';
export * from './plaintext';
export * from './pod-security';
export * from './references';
export * from './schema';
export * from './workload-hygiene';
export type { K8sObject } from './types';

export interface PolicyReport {
  readonly schema127: Finding[];
  readonly schema136: Finding[];
  readonly podSecurity: Finding[];
  readonly references: Finding[];
  readonly plaintext: Finding[];
  readonly images: Finding[];
  readonly resourcesProbes: Finding[];
}

/** Every check except read-only root filesystems, which callers run with their own allowlist. */
export function runAllChecks(objects: readonly K8sObject[], opts: ReferenceOptions = {}): PolicyReport {
  return {
    schema127: validateSchema(objects, '1.27.0'),
    schema136: validateSchema(objects, '1.36.0'),
    podSecurity: checkPodSecurityRestricted(objects),
    references: checkReferences(objects, opts),
    plaintext: checkNoPlaintextCredentials(objects),
    images: checkImagesPinned(objects),
    resourcesProbes: checkResourcesAndProbes(objects),
  };
}
