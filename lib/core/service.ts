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

/**
 * The host name of the Service `name` in `namespace`, as pods of any namespace reach it: `<name>.<namespace>.svc`,
 * which their DNS search list completes with the cluster's domain (`svc.<cluster domain>`, `<cluster domain>`, with
 * `ndots:5`: kubernetes/website content/en/docs/concepts/services-networking/dns-pod-service.md, a pod's
 * `resolv.conf`), so it works whatever that domain is. Every in-cluster address
 * Dockyard gives out (a `Redis`'s and a `Postgres`'s host, a CI server's RPC address, the secrets extension's
 * endpoint) is written here, and Harbor's check that two Harbors share no Redis (`serverKey`) writes a one-label or
 * two-label host, and one with the cluster domain `cluster.local`, the same way, so that the spellings of one server
 * compare equal.
 */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc`;
}
