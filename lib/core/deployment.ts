import { Construct } from 'constructs';
import { intOrString, kube } from './k8s';
import type { k8s } from './k8s';
import { podTemplate, PodSpec } from './pod';

/** What a `deployment` runs. */
export interface DeploymentSpec extends PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas?: number;
  /** Stop the old pod before starting the new one, for singletons that must never run twice. */
  readonly recreate?: boolean;
}

/**
 * A Deployment of one hardened pod template. With several replicas, they are spread over nodes and a
 * PodDisruptionBudget keeps all but one running through node drains.
 */
export function deployment(scope: Construct, id: string, spec: DeploymentSpec): k8s.KubeDeployment {
  const replicas = spec.replicas ?? 1;
  if (replicas > 1) {
    disruptionBudget(scope, spec);
  }
  return kube(scope, id, 'Deployment', {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      replicas,
      strategy: spec.recreate ? { type: 'Recreate' } : undefined,
      selector: { matchLabels: spec.selector },
      template: podTemplate(scope, spec.labels, { ...spec, spreadSelector: replicas > 1 ? spec.selector : undefined }),
    },
  });
}

/** A PodDisruptionBudget that lets one pod of a replicated workload go at a time. */
export function disruptionBudget(scope: Construct, spec: Pick<DeploymentSpec, 'name' | 'namespace' | 'labels' | 'selector'>): k8s.KubePodDisruptionBudget {
  return kube(scope, 'DisruptionBudget', 'PodDisruptionBudget', {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: { maxUnavailable: intOrString(1), selector: { matchLabels: spec.selector } },
  });
}
