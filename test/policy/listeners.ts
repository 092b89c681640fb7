/**
 * Where each server of the example stacks listens, read from its pod as the program reads its configuration, for
 * ./needed-connections.test.ts: the container port a Service targets and a NetworkPolicy admits must be that one.
 */
import { containersOf } from './checks/pods';
import type { Pod } from './connections';

/** The value of env `name` in `pod`'s container `container`, if set as a literal. */
function envOf(pod: Pod, container: string, name: string): string | undefined {
  return containerOf(pod, container).env?.find((e: any) => e.name === name)?.value;
}

/** `pod`'s container `name`. */
function containerOf(pod: Pod, name: string): any {
  const container = containersOf(pod.template.spec, ['containers']).find((c) => c.name === name);
  if (!container) throw new Error(`${pod.id} has no container ${name}`);
  return container;
}

/** The text of `key` in a ConfigMap `pod` mounts. */
function mountedText(objects: any[], pod: Pod, key: string): string {
  for (const v of pod.template.spec.volumes ?? []) {
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === pod.template.namespace && o.metadata.name === v.configMap?.name);
    if (map?.data?.[key] !== undefined) return map.data[key];
  }
  throw new Error(`${pod.id} mounts no ConfigMap with ${key}`);
}

/** The port of a Go listen address such as ":8080" (all interfaces). */
function listenPort(address: string): number {
  const match = /^:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a listen address on all interfaces: ${address}`);
  return Number(match[1]);
}

/** The value after `--flag` in a command line. */
function flagOf(args: readonly string[] | undefined, flag: string): string | undefined {
  const at = (args ?? []).indexOf(flag);
  return at < 0 ? undefined : args![at + 1];
}

/**
 * Where each server listens, read from its pod as the program reads its configuration, beside the container port
 * its Service targets and the policies admit: a container port that is not where the program listens leaves the
 * Service, and the policy's port, pointing at nothing.
 */
const LISTENERS: {
  readonly labels: Record<string, string>; readonly container: string; readonly portName: string;
  readonly listens: (objects: any[], pod: Pod) => number;
  /** Checked only where the pod declares the port (Harbor's metrics ports, with `metrics` on). */
  readonly optional?: boolean;
}[] = [
  // harness/harness v2.28.2 cmd/drone-server/config/config.go:255, DRONE_SERVER_PORT default ":8080"
  { labels: { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'server' }, container: 'server', portName: 'http',
    listens: (_, p) => listenPort(envOf(p, 'server', 'DRONE_SERVER_PORT') ?? ':8080') },
  // drone-runner-kube v1.0.0-rc.5 command/daemon/config.go:45, the runner's own DRONE_SERVER_PORT default ":3000"
  { labels: { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'runner' }, container: 'runner', portName: 'http',
    listens: (_, p) => listenPort(envOf(p, 'runner', 'DRONE_SERVER_PORT') ?? ':3000') },
  // drone-kubernetes-secrets cmd/drone-kubernetes-secrets/main.go:24,43-45, SERVER_ADDRESS default ":3000"
  { labels: { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'secrets-extension' }, container: 'extension', portName: 'http',
    listens: (_, p) => listenPort(envOf(p, 'extension', 'SERVER_ADDRESS') ?? ':3000') },
  // woodpecker v3.17.0 cmd/server/flags.go:72-75 and 120-123: WOODPECKER_SERVER_ADDR ":8000", WOODPECKER_GRPC_ADDR ":9000"
  { labels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'server' }, container: 'server', portName: 'http',
    listens: (_, p) => listenPort(envOf(p, 'server', 'WOODPECKER_SERVER_ADDR') ?? ':8000') },
  { labels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'server' }, container: 'server', portName: 'grpc',
    listens: (_, p) => listenPort(envOf(p, 'server', 'WOODPECKER_GRPC_ADDR') ?? ':9000') },
  // with metrics on: woodpecker v3.17.0 cmd/server/flags.go:137-142, WOODPECKER_METRICS_SERVER_ADDR, no default (off)
  { labels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'server' }, container: 'server', portName: 'metrics', optional: true,
    listens: (_, p) => listenPort(envOf(p, 'server', 'WOODPECKER_METRICS_SERVER_ADDR') ?? '') },
  // woodpecker v3.17.0 cmd/agent/core/flags.go:106-109, WOODPECKER_HEALTHCHECK_ADDR default ":3000"
  { labels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'agent' }, container: 'agent', portName: 'http',
    listens: (_, p) => listenPort(envOf(p, 'agent', 'WOODPECKER_HEALTHCHECK_ADDR') ?? ':3000') },
  // Harbor core is a beego app: it listens on its app.conf's `httpport` (harbor v2.15.1
  // make/photon/prepare/templates/core/app.conf.jinja:9 writes 8080), the file CONFIG_PATH names
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'core' }, container: 'core', portName: 'http',
    listens: (o, p) => Number(/^httpport\s*=\s*(\d+)$/m.exec(mountedText(o, p, 'app.conf'))![1]) },
  // the portal is nginx with the conf Dockyard mounts: `listen <port>;`
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'portal' }, container: 'portal', portName: 'http',
    listens: (o, p) => Number(/^\s*listen (\d+);$/m.exec(mountedText(o, p, 'nginx.conf'))![1]) },
  // distribution's configuration `http.addr`
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'registry' }, container: 'registry', portName: 'registry',
    listens: (o, p) => listenPort(/^http:\n(?: .*\n)*? {2}addr: "?([^"\n]*)"?$/m.exec(mountedText(o, p, 'config.yml'))![1]) },
  // harbor v2.15.1 src/registryctl/config/config.go:35 (`port`) and 111-113 (env PORT overrides it)
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'registry' }, container: 'registryctl', portName: 'controller',
    listens: (o, p) => Number(envOf(p, 'registryctl', 'PORT') ?? /^port: (\d+)$/m.exec(mountedText(o, p, 'ctl-config.yml'))![1]) },
  // harbor v2.15.1 src/jobservice/config/config.go:71 (`port`) and 35, 226 (env JOB_SERVICE_PORT overrides it)
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'jobservice' }, container: 'jobservice', portName: 'http',
    listens: (o, p) => Number(envOf(p, 'jobservice', 'JOB_SERVICE_PORT') ?? /^port: (\d+)$/m.exec(mountedText(o, p, 'config.yml'))![1]) },
  // harbor-scanner-trivy pkg/etc/config.go:48, SCANNER_API_SERVER_ADDR default ":8080"
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'trivy' }, container: 'trivy', portName: 'api-server',
    listens: (_, p) => listenPort(envOf(p, 'trivy', 'SCANNER_API_SERVER_ADDR') ?? ':8080') },
  // PostgreSQL's `port` setting, 5432 unless a `-c port=` or `-p` says otherwise
  { labels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'database' }, container: 'postgres', portName: 'postgres',
    listens: (_, p) => {
      const args: string[] = containerOf(p, 'postgres').args ?? [];
      const set = args.find((a) => a.startsWith('port=')) ?? (flagOf(args, '-p') && `port=${flagOf(args, '-p')}`);
      return Number(set ? set.slice('port='.length) : 5432);
    } },
  // with metrics on: core's METRIC_PORT (harbor v2.15.1 src/lib/config/metadata/metadatalist.go:160, default 9090),
  // jobservice's `metric.port` (src/jobservice/config/config.go:123), the registry's debug server, which serves
  // Prometheus' /metrics (distribution configuration `http.debug.addr`), the exporter's HARBOR_EXPORTER_PORT
  // (src/cmd/exporter/main.go:79, `exporter.port` under viper's HARBOR prefix)
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'core' }, container: 'core', portName: 'http-metrics', optional: true,
    listens: (_, p) => Number(envOf(p, 'core', 'METRIC_PORT') ?? 9090) },
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'jobservice' }, container: 'jobservice', portName: 'http-metrics', optional: true,
    listens: (o, p) => Number(/^metric:\n(?: .*\n)*? {2}port: (\d+)$/m.exec(mountedText(o, p, 'config.yml'))![1]) },
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'registry' }, container: 'registry', portName: 'http-metrics', optional: true,
    listens: (o, p) => listenPort(/^ {2}debug:\n(?: {4}.*\n)*? {4}addr: "?([^"\n]*)"?$/m.exec(mountedText(o, p, 'config.yml'))![1]) },
  { labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'exporter' }, container: 'exporter', portName: 'http-metrics',
    listens: (_, p) => Number(envOf(p, 'exporter', 'HARBOR_EXPORTER_PORT')) },
  // Valkey's `--port`, 6379 by default
  { labels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'cache' }, container: 'redis', portName: 'redis',
    listens: (_, p) => Number(flagOf(containerOf(p, 'redis').args, '--port') ?? 6379) },
];

/**
 * Each listener of `pods` that the table knows, as `<pod> <container> <port name>: declared <container port>, listens
 * <port>`: the two numbers differ where the container port is not where the program listens.
 */
export function listeners(objects: any[], pods: Pod[]): string[] {
  return LISTENERS.flatMap((l) => pods.filter((p) => Object.entries(l.labels).every(([k, v]) => p.template.labels[k] === v)).flatMap((pod) => {
    const declared = pod.endpoint.ports!.find((c) => c.name === l.portName)?.containerPort;
    return l.optional && declared === undefined ? [] : [`${pod.id} ${l.container} ${l.portName}: declared ${declared}, listens ${l.listens(objects, pod)}`];
  }));
}

/** The lines of `listeners` whose two ports differ. */
export function misplaced(lines: readonly string[]): string[] {
  return lines.filter((f) => !/declared (\d+), listens \1$/.test(f));
}
