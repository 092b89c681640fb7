import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { intOrString, kube } from './k8s';

/** What a `ClusterService` exposes. */
export interface ClusterServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** Service ports by the name of the container port they target. */
  readonly ports: Readonly<Record<string, number>>;
}

/** A ClusterIP Service whose ports target named container ports. */
export function clusterService(scope: Construct, id: string, props: ClusterServiceProps): ApiObject {
  return kube(scope, id, 'Service', {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: {
      type: 'ClusterIP',
      selector: props.selector,
      ports: Object.entries(props.ports).map(([name, port]) => ({
        name, port, targetPort: intOrString(name), protocol: 'TCP',
      })),
    },
  });
}
