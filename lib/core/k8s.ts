/**
 * The Kubernetes objects Dockyard renders, typed by cdk8s-plus-27's generated 1.27 bindings.
 *
 * cdk8s-plus-27 is pinned and past upstream support: only its *types* are used, and only through this module, so
 * moving to a newer binding is a one-file change and none of its types appear in Dockyard's API. At run time every
 * object is a plain cdk8s `ApiObject`, which spares each synth from loading the 2.5 MB binding module.
 */
import { ApiObject } from 'cdk8s';
import type * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';

export type { k8s };

/** The props of each kind Dockyard renders, and its apiVersion. */
interface Kinds {
  ClusterRole: k8s.KubeClusterRoleProps;
  ConfigMap: k8s.KubeConfigMapProps;
  Deployment: k8s.KubeDeploymentProps;
  Ingress: k8s.KubeIngressProps;
  Job: k8s.KubeJobProps;
  LimitRange: k8s.KubeLimitRangeProps;
  Namespace: k8s.KubeNamespaceProps;
  NetworkPolicy: k8s.KubeNetworkPolicyProps;
  PersistentVolumeClaim: k8s.KubePersistentVolumeClaimProps;
  PodDisruptionBudget: k8s.KubePodDisruptionBudgetProps;
  ResourceQuota: k8s.KubeResourceQuotaProps;
  Role: k8s.KubeRoleProps;
  RoleBinding: k8s.KubeRoleBindingProps;
  Service: k8s.KubeServiceProps;
  ServiceAccount: k8s.KubeServiceAccountProps;
  StatefulSet: k8s.KubeStatefulSetProps;
}

const API_VERSIONS: { [K in keyof Kinds]: string } = {
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ConfigMap: 'v1',
  Deployment: 'apps/v1',
  Ingress: 'networking.k8s.io/v1',
  Job: 'batch/v1',
  LimitRange: 'v1',
  Namespace: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  PersistentVolumeClaim: 'v1',
  PodDisruptionBudget: 'policy/v1',
  ResourceQuota: 'v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  StatefulSet: 'apps/v1',
};

/** Define a Kubernetes object of `kind`; the props are the object's fields beside apiVersion and kind. */
export function kube<K extends keyof Kinds>(scope: Construct, id: string, kind: K, props: Kinds[K]): ApiObject {
  return new ApiObject(scope, id, { apiVersion: API_VERSIONS[kind], kind, ...(props as object) });
}

/** A resource quantity such as `512Mi`, rendered as written. */
export function quantity(value: string): k8s.Quantity {
  return value as unknown as k8s.Quantity;
}

/** A port or percentage: a name or number, rendered as written. */
export function intOrString(value: string | number): k8s.IntOrString {
  return value as unknown as k8s.IntOrString;
}
