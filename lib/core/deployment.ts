import { Construct } from 'constructs';
import { k8s } from './k8s';
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

/** A Deployment of one hardened pod template. */
export function deployment(scope: Construct, id: string, spec: DeploymentSpec): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      replicas: spec.replicas ?? 1,
      strategy: spec.recreate ? { type: 'Recreate' } : undefined,
      selector: { matchLabels: spec.selector },
      template: podTemplate(scope, spec.labels, spec),
    },
  });
}
