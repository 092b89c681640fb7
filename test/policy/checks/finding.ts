import type { K8sObject } from './types';

/** One policy violation, addressed so a test failure names the offending object. */
export interface Finding {
  readonly rule: string;
  /** "Kind namespace/name", or "Kind name" for cluster-scoped kinds. */
  readonly object: string;
  readonly message: string;
}

/** A finding before it is attached to an object. */
export type Issue = [rule: string, message: string];

/** Kinds that live outside any namespace, so references to them ignore the referrer's namespace. */
const CLUSTER_SCOPED = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding', 'CSIDriver', 'CSINode',
  'CustomResourceDefinition', 'FlowSchema', 'IngressClass', 'MutatingWebhookConfiguration', 'Namespace', 'Node',
  'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration', 'RuntimeClass', 'StorageClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment',
]);

export function isClusterScoped(kind: string | undefined): boolean {
  return CLUSTER_SCOPED.has(kind ?? '');
}

/** The namespace an object lands in when applied: unset means "default"; cluster-scoped kinds have none. */
export function namespaceOf(obj: K8sObject): string | undefined {
  return isClusterScoped(obj.kind) ? undefined : obj.metadata?.namespace ?? 'default';
}

export function objectId(obj: K8sObject): string {
  const ns = namespaceOf(obj);
  const name = obj.metadata?.name ?? '<unnamed>';
  return `${obj.kind ?? '<no kind>'} ${ns === undefined ? name : `${ns}/${name}`}`;
}

export function finding(rule: string, obj: K8sObject, message: string): Finding {
  return { rule, object: objectId(obj), message };
}
