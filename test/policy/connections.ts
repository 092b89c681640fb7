/**
 * The connections a stack's pods are configured to open, and where they land: for tests that ask whether the
 * rendered NetworkPolicies admit what each component needs (./needed-connections.test.ts).
 *
 * A pod's configuration names what it dials: an address in an env value or in a ConfigMap it mounts, as a URL
 * (`redis://:$(REDIS_PASSWORD)@redis.harbor.svc:6379/0`), a bare `host:port` (`DRONE_RPC_HOST`), or a `*HOST` and
 * `*PORT` env pair (`PGHOST`, `PGPORT`). A host that names a Service of the stack (`<svc>`, `<svc>.<ns>`,
 * `<svc>.<ns>.svc[.cluster.local]`, as the pod's DNS search path resolves it) is reached, after the Service's address
 * is translated, at the container port its `targetPort` names on a pod the Service selects: that pod and port are
 * what the policies are matched against (the NetworkPolicy concept page: policies see pod addresses and ports).
 */
import { containersOf, podTemplates, type PodTemplate } from './checks/pods';
import type { Endpoint } from '../team/network-model';

/** A workload's pod, as an end of a connection. */
export interface Pod {
  /** `<Kind>/<namespace>/<name>` of the workload. */
  readonly id: string;
  readonly template: PodTemplate;
  readonly endpoint: Endpoint;
}

/** An address a pod's configuration names. */
export interface Address {
  readonly host: string;
  readonly port: number;
  /** Where it is written: `env DRONE_RPC_HOST`, `ConfigMap harbor-registry key config.yml`. */
  readonly source: string;
}

/** Where a connection to a Service port lands: a pod it selects and the container port. */
export interface Landing {
  readonly pod: Pod;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, redis: 6379, rediss: 6379, postgres: 5432, postgresql: 5432 };

const URL = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s@/"']*@)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d+))?/gi;
// `host:port` on its own: not after "/", "@" or ":" (the host of a URL, an image name's repository path)
const HOST_PORT = /(?<![\w./@:-])([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):(\d{2,5})(?![\w.])/gi;

/** Every workload's pod of the stack, with the address it is given in `ip`'s place. */
export function podsOf(objects: any[]): Pod[] {
  let n = 0;
  return podTemplates(objects).map((template) => ({
    id: `${template.owner.kind}/${template.namespace}/${template.owner.metadata?.name}`,
    template,
    endpoint: {
      ip: `10.244.${Math.floor(++n / 250)}.${(n % 250) + 1}`,
      namespace: template.namespace,
      podLabels: { ...template.labels },
      ports: containersOf(template.spec, ['containers', 'initContainers'])
        .flatMap((c) => (c.ports ?? []).map((p: any) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }))),
    },
  }));
}

/** The pod of the workload `kind`/`name` (in `namespace`, if given); throws when the stack has none. */
export function podOf(pods: Pod[], kind: string, name: string, namespace?: string): Pod {
  const pod = pods.find((p) => p.template.owner.kind === kind && p.template.owner.metadata?.name === name
    && (namespace === undefined || p.template.namespace === namespace));
  if (!pod) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}`);
  return pod;
}

/** The pods whose labels include all of `labels`. */
export function podsLabelled(pods: Pod[], labels: Record<string, string>): Pod[] {
  return pods.filter((p) => Object.entries(labels).every(([k, v]) => p.template.labels[k] === v));
}

/** The addresses `text` names: URLs and bare `host:port`s, each with `source` as where it is written. */
export function addressesIn(text: string, source: string): Address[] {
  const found: Address[] = [];
  for (const m of text.matchAll(URL)) {
    const scheme = m[1].toLowerCase();
    const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORTS[scheme];
    if (port === undefined) throw new Error(`${source}: no default port known for ${scheme}:// in ${m[0]}`);
    found.push({ host: m[2].toLowerCase(), port, source });
  }
  for (const m of text.matchAll(HOST_PORT)) found.push({ host: m[1].toLowerCase(), port: Number(m[2]), source });
  return found;
}

/** Every address in the env values and mounted ConfigMaps of `pod`'s containers. */
export function configuredAddresses(objects: any[], pod: Pod): Address[] {
  const { spec, namespace } = pod.template;
  const found: Address[] = [];
  for (const c of containersOf(spec, ['containers', 'initContainers'])) {
    const env = new Map<string, string>((c.env ?? []).filter((e: any) => typeof e.value === 'string').map((e: any) => [e.name, e.value]));
    for (const [name, value] of env) {
      found.push(...addressesIn(value, `container ${c.name} env ${name}`));
      // PGHOST and PGPORT, POSTGRESQL_HOST and POSTGRESQL_PORT, HARBOR_SERVICE_HOST and HARBOR_SERVICE_PORT
      const portName = name.replace(/HOST$/, 'PORT');
      if (portName !== name && /^\d+$/.test(env.get(portName) ?? '') && /^[a-z0-9.-]+$/i.test(value)) {
        found.push({ host: value.toLowerCase(), port: Number(env.get(portName)), source: `container ${c.name} env ${name}, ${portName}` });
      }
    }
  }
  const configMaps = [
    ...(spec.volumes ?? []).flatMap((v: any) => [v.configMap?.name, ...(v.projected?.sources ?? []).map((s: any) => s.configMap?.name)]),
    ...containersOf(spec, ['containers', 'initContainers']).flatMap((c) => (c.envFrom ?? []).map((e: any) => e.configMapRef?.name)),
  ].filter((n): n is string => typeof n === 'string');
  for (const name of new Set(configMaps)) {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === namespace && o.metadata.name === name);
    // configuration files only: a mounted script's comments cite source lines ("controller.go:118")
    const files = Object.entries<string>(map?.data ?? {}).filter(([key]) => /\.(ya?ml|json|conf|toml|ini)$/.test(key));
    for (const [key, text] of files) found.push(...addressesIn(text, `ConfigMap ${name} key ${key}`));
  }
  const seen = new Set<string>();
  return found.filter((a) => !seen.has(`${a.host}:${a.port}`) && seen.add(`${a.host}:${a.port}`));
}

/** The Service `host` names from a pod in `namespace`, or undefined when it names none of the stack's. */
export function serviceNamed(objects: any[], namespace: string, host: string): any | undefined {
  const labels = host.replace(/\.$/, '').split('.');
  const inCluster = labels.length === 1 || labels.length === 2 || (labels[2] === 'svc' && (labels.length === 3 || labels.slice(3).join('.') === 'cluster.local'));
  if (!inCluster) return undefined;
  const [name, ns = namespace] = labels;
  return objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === ns);
}

/**
 * Where a connection to `service` on its port `port` (number or name) lands: each pod it selects, at the container
 * port its `targetPort` names there (a number, or a container port's name). Throws when the Service has no such
 * port, or a selected pod lacks the target: the connection would fail before any policy.
 */
export function landings(pods: Pod[], service: any, port: number | string): Landing[] {
  const servicePort = (service.spec.ports ?? []).find((p: any) => (typeof port === 'number' ? p.port === port : p.name === port));
  const where = `Service ${service.metadata.namespace}/${service.metadata.name}`;
  if (!servicePort) throw new Error(`${where} has no port ${port}`);
  const protocol = servicePort.protocol ?? 'TCP';
  const target = servicePort.targetPort ?? servicePort.port;
  const selected = pods.filter((p) => p.template.namespace === service.metadata.namespace
    && Object.entries<string>(service.spec.selector ?? {}).every(([k, v]) => p.template.labels[k] === v));
  if (selected.length === 0) throw new Error(`${where} selects no pod of the stack`);
  return selected.map((pod) => {
    const container = typeof target === 'number' ? target
      : pod.endpoint.ports!.find((c) => c.name === target && c.protocol === protocol)?.containerPort;
    if (container === undefined) throw new Error(`${where} port ${port}: ${pod.id} has no container port ${target}`);
    return { pod, port: container, protocol };
  });
}
