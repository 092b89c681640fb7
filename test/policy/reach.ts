/**
 * How the tests of this folder judge a connection against a stack's rendered NetworkPolicies: well-known ends
 * outside the stack (the ingress controller, cluster DNS, API server endpoints, a VPC and an internet address), the
 * gaps on the way from a pod to an address, in the cluster or outside it. Shared by ./needed-connections.test.ts
 * (what each pod is configured to dial) and ./runtime-connections.test.ts (what a program dials later, at an address
 * another component or the user hands it).
 */
import { connectionAllowed, egressAdmits, type Endpoint } from '../team/network-model';
import { configuredAddresses, landings, podsOf, serviceNamed, type Address, type Pod } from './connections';

/** The ingress-nginx controller pod (chart ingress-nginx 4.14.1 labels; ports http 80 and https 443). */
export const INGRESS_CONTROLLER: Endpoint = {
  ip: '10.244.250.1', namespace: 'ingress-nginx',
  podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
  ports: [{ name: 'http', containerPort: 80 }, { name: 'https', containerPort: 443 }],
};
/** A cluster DNS pod: CoreDNS keeps kube-dns's `k8s-app` label, and serves port 53 on UDP and TCP. */
export const KUBE_DNS: Endpoint = {
  ip: '10.244.250.2', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' },
  ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }],
};
/** An API server endpoint (`kubectl -n default get endpointslice kubernetes`): in the node network, or public as on DOKS. */
export const API_SERVERS: [Endpoint, number][] = [[{ ip: '10.0.0.10' }, 6443], [{ ip: '203.0.113.10' }, 443]];
/** An address in a DigitalOcean VPC (its managed databases' private hostnames), and one on the internet. */
export const VPC_ADDRESS: Endpoint = { ip: '10.110.0.5' };
export const PUBLIC_ADDRESS: Endpoint = { ip: '140.82.112.3' };

export const LOOPBACK = new Set(['localhost', '127.0.0.1']);

/** Why a connection is dropped, or undefined when it is admitted. */
export function blocked(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): string | undefined {
  return connectionAllowed(objects, from, to, port, protocol) ? undefined : `${protocol} ${port}`;
}

/** The stack's synthesized objects and pods, made once per stack. */
export function stackOf(synth: () => { objects: any[] }) {
  let made: { objects: any[]; pods: Pod[] } | undefined;
  return () => {
    if (!made) {
      const { objects } = synth();
      made = { objects, pods: podsOf(objects) };
    }
    return made;
  };
}

/** The configured address of `pod` written at `source` (e.g. `env DRONE_RPC_HOST`); throws when there is none. */
export function addressAt(objects: any[], pod: Pod, source: string): Address {
  const found = configuredAddresses(objects, pod).find((a) => a.source.endsWith(source));
  if (!found) throw new Error(`${pod.id} is configured with no address at ${source}`);
  return found;
}

/** The gaps on the way from `from` to the Service `address` names, at every pod and port it leads to. */
export function gapsTo(objects: any[], pods: Pod[], from: Endpoint, clientNamespace: string, address: Address): string[] {
  const service = serviceNamed(objects, clientNamespace, address.host);
  if (!service) return [`${address.host}:${address.port} (${address.source}) names no Service of the stack`];
  return landings(pods, service, address.port).flatMap((l) => {
    const why = blocked(objects, from, l.pod.endpoint, l.port, l.protocol);
    return why ? [`${address.host}:${address.port} (${address.source}) → ${l.pod.id} ${why}`] : [];
  });
}

/**
 * Whether `address`, configured in a pod of `namespace`, is in the cluster: it names a Service of the stack, or a
 * `.svc` name, or is a single label, which only the pod's DNS search path resolves (a Service's name, or a typo of
 * one, which then names no Service and is reported as a gap). Not loopback, nor Dockyard's placeholder for a URL the
 * program takes from env instead (jobservice's `redis_url`, overridden by JOB_SERVICE_POOL_REDIS_URL: harbor v2.15.1
 * src/jobservice/config/config.go `loadEnvs`).
 */
export function inCluster(objects: any[], namespace: string, address: Address): boolean {
  if (LOOPBACK.has(address.host) || address.host.startsWith('replaced-by-')) return false;
  return serviceNamed(objects, namespace, address.host) !== undefined || /\.svc(\.|$)/.test(address.host) || !address.host.includes('.');
}

/** The gaps on the way to every in-cluster address a pod of `pods` is configured with, and how many were checked. */
export function inClusterGaps(objects: any[], pods: Pod[]): { checked: number; gaps: string[] } {
  const gaps: string[] = [];
  let checked = 0;
  for (const pod of pods) {
    for (const address of configuredAddresses(objects, pod)) {
      if (!inCluster(objects, pod.template.namespace, address)) continue;
      checked++;
      gaps.push(...gapsTo(objects, pods, pod.endpoint, pod.template.namespace, address).map((g) => `${pod.id}: ${g}`));
    }
  }
  return { checked, gaps };
}

/**
 * The gaps on the way from `pod` to `address`, wherever it lies: in the cluster, each pod and port the Service it
 * names leads to (`gapsTo`); outside, the pod's egress at the port, both at an address in a VPC and on the internet,
 * since a policy cannot name the host and the name may resolve to either (a DigitalOcean private hostname, a public one).
 */
export function reachGaps(objects: any[], pods: Pod[], pod: Pod, address: Address): string[] {
  if (inCluster(objects, pod.template.namespace, address)) return gapsTo(objects, pods, pod.endpoint, pod.template.namespace, address);
  return [VPC_ADDRESS, PUBLIC_ADDRESS].filter((to) => !egressAdmits(objects, pod.endpoint, to, address.port))
    .map((to) => `${address.host}:${address.port} (${address.source}) at ${to.ip}`);
}
