import { isIP } from 'net';
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
 * endpoint) is written here, and `reachedServer`, which tells servers apart for Harbor's Redis and for PostgreSQL's
 * connection budget, writes a one-label or two-label host, and one with the cluster domain `cluster.local`, the same
 * way, so that the spellings of one server compare equal.
 */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc`;
}

/** The default cluster domain, the one `reachedServer` strips. */
const CLUSTER_DOMAIN = '.cluster.local';

/**
 * The server a pod of `namespace` reaches at `host` and `port`, as `<host>:<port>` with the host written so that the
 * spellings of one server compare equal: the one rule that tells servers apart (Harbor's Redis, `serverKey`; the
 * PostgreSQL connection budget, `ExternalPostgres` and `Postgres`). A pod's resolver tries a name of fewer than 5
 * dots with each entry of its search list before the name itself: `<namespace>.svc.<cluster domain>`,
 * `svc.<cluster domain>`, `<cluster domain>` (kubernetes/kubernetes pkg/kubelet/network/dns/dns.go
 * `generateSearchesForDNSClusterFirst`, `defaultDNSOptions` `ndots:5`), so every host is written as `serviceHost`
 * writes a `Redis`'s or a `Postgres`'s (`<name>.<namespace>.svc`), the cluster domain left out:
 *
 * - `<...>.svc.cluster.local` without its `.cluster.local`, the default cluster domain. Dockyard has no prop for
 *   another domain (it writes `.svc` so as not to need one), so a host under another is compared as written;
 * - one label (`db`): `db.<namespace>.svc`, the Service in the connecting pod's own namespace, the first name tried.
 *   So the server depends on the namespace of the pod that connects (Harbor's, Drone's...), not on where the host
 *   was written: where that is not known, `namespace` is left out and such a host gives undefined;
 * - two labels (`db.other`): `db.other.svc`, the Service `db` of namespace `other`, which `svc.<cluster domain>`
 *   finds before the name itself is tried; where there is no such Service nobody writes its `.svc` form, so the two
 *   spellings cannot name two servers. One exception the synth cannot see: a pod of a headless Service in the
 *   connecting pod's namespace (`db-0.db` is first `db-0.db.<namespace>.svc`); write such a pod in full to name it;
 * - three labels or more as written: `db.example.com` is a server outside the cluster (a pod of a headless Service
 *   named `db-0.db.other` is not completed: write it as `db-0.db.other.svc`);
 * - an IP address, v4 or v6, as written: the Service or host it belongs to is not known at synth, so a Service's
 *   ClusterIP and its name are two servers here.
 *
 * Letter case and a trailing dot need no rule: every host reaching here was checked as lower-case labels without
 * one (`checkHostname`, `checkHost`).
 */
export function reachedServer(host: string, port: number, namespace: string): string;
export function reachedServer(host: string, port: number, namespace?: string): string | undefined;
export function reachedServer(host: string, port: number, namespace?: string): string | undefined {
  const reached = reachedHost(host, namespace);
  return reached === undefined ? undefined : `${reached}:${port}`;
}

/** `reachedServer`'s host: the name a pod in `namespace` reaches `host` under (undefined for a one-label host without a namespace). */
export function reachedHost(host: string, namespace: string | undefined): string | undefined {
  if (isIP(host) !== 0) return host;
  if (host.endsWith(`.svc${CLUSTER_DOMAIN}`)) return host.slice(0, -CLUSTER_DOMAIN.length);
  const labels = host.split('.').length;
  if (labels === 1) return namespace === undefined ? undefined : serviceHost(host, namespace);
  return labels === 2 ? `${host}.svc` : host;
}
