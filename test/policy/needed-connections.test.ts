// The converse of the isolation tests: every connection each component of each example stack needs is admitted by
// the rendered NetworkPolicies, evaluated with Kubernetes' semantics (../team/network-model.ts), at the port the
// server really listens on. A policy that drops a needed connection renders a valid manifest and fails only at run
// time, as a timeout; these tests fail at the first such gap instead.
//
// Not modelled: kubelet probes, which the common network plugins let through from the node whatever the policies
// (Calico and Cilium admit the pod's own host); NodeLocal DNSCache, which build pods reach only when
// `buildEgress.dns` names it (lib/ci/build-egress.ts).
import { App, Chart } from 'cdk8s';
import { NetworkPeer } from '../../lib';
import { droneServer } from '../drone/fixtures';
import { inClusterHarbor } from '../harbor/fixtures';
import { woodpeckerServer } from '../woodpecker/fixtures';
import { EXAMPLE_STACKS } from '../stacks';
import { egressAdmits, type Endpoint } from '../team/network-model';
import { listeners, misplaced } from './listeners';
import { configuredAddresses, landings, podOf, podsLabelled, serviceNamed, type Pod } from './connections';
import {
  addressAt, API_SERVERS, blocked, gapsTo, INGRESS_CONTROLLER, inCluster, inClusterGaps, KUBE_DNS, LOOPBACK, PUBLIC_ADDRESS, stackOf, VPC_ADDRESS,
} from './reach';

/** What each example stack runs, so that no check below passes because it found nothing to check. */
const COMPONENTS: Record<string, { ci?: 'drone' | 'woodpecker'; postgres: boolean; teams: number }> = {
  'default': { ci: 'drone', postgres: true, teams: 0 },
  'default-woodpecker': { ci: 'woodpecker', postgres: true, teams: 0 },
  'harbor-do': { postgres: false, teams: 0 },
  'digitalocean': { ci: 'drone', postgres: false, teams: 0 },
  'digitalocean-woodpecker': { ci: 'woodpecker', postgres: false, teams: 0 },
  'digitalocean-teams': { ci: 'drone', postgres: false, teams: 2 },
  'teams': { ci: 'drone', postgres: true, teams: 3 },
  'teams-woodpecker': { ci: 'woodpecker', postgres: true, teams: 3 },
};

describe.each(EXAMPLE_STACKS.map((s) => ({ ...s, expected: COMPONENTS[s.name] })))('needed connections: $name stack', ({ synth, expected }) => {
  const stack = stackOf(synth);
  const pods = () => stack().pods;
  const labelled = (labels: Record<string, string>, least = 1) => {
    const found = podsLabelled(pods(), labels);
    expect(found.length).toBeGreaterThanOrEqual(least);
    return found;
  };

  test('its components are the ones this file expects', () => {
    expect(expected).toBeDefined();
    const has = (labels: Record<string, string>) => podsLabelled(pods(), labels).length > 0;
    expect(has({ 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'server' })).toBe(expected.ci === 'drone');
    expect(has({ 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'server' })).toBe(expected.ci === 'woodpecker');
    expect(has({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'database' })).toBe(expected.postgres);
    expect(has({ 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'core' })).toBe(true);
    const teamNamespaces = new Set(stack().objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['dockyard.dev/team']).map((o) => o.metadata.labels['dockyard.dev/team']));
    expect(teamNamespaces.size).toBe(expected.teams);
  });

  test('each server\'s container port is where its program listens', () => {
    const { objects } = stack();
    const found = listeners(objects, pods());
    // core, portal, registry and registryctl, jobservice, trivy; the CI engine's server, runner or agent (and
    // Drone's extension); PostgreSQL and Valkey where the stack runs them
    expect(found.length).toBeGreaterThanOrEqual(6 + (expected.ci ? 3 : 0) + (expected.postgres ? 2 : 0));
    expect(misplaced(found)).toEqual([]);
  });

  // every address a pod is given is one it dials: Harbor's components read theirs from env (harbor v2.15.1
  // src/lib/config/metadata/metadatalist.go:75-120 CORE_URL, JOBSERVICE_URL, REGISTRY_URL, REGISTRY_CONTROLLER_URL,
  // TRIVY_ADAPTER_URL; src/lib/redis/client.go:42,69 _REDIS_URL_REG and _REDIS_URL_CORE; src/jobservice/config/config.go:40,44
  // JOB_SERVICE_POOL_REDIS_URL and CORE_URL), Trivy its SCANNER_REDIS_URL (harbor-scanner-trivy pkg/etc/config.go:73),
  // the registry its `redis.addr` (distribution configuration), Drone's runner DRONE_RPC_HOST and
  // DRONE_SECRET_PLUGIN_ENDPOINT (drone-runner-kube v1.0.0-rc.5 command/daemon/config.go:28,86), the servers their
  // DRONE_DATABASE_DATASOURCE (harness/harness v2.28.2 cmd/drone-server/config/config.go:119) and
  // WOODPECKER_DATABASE_DATASOURCE, Woodpecker's agents WOODPECKER_SERVER (v3.17.0 cmd/agent/core/flags.go:28), the
  // PostgreSQL Jobs PGHOST and PGPORT (libpq), Harbor's configuration Job HARBOR_URL (lib/harbor/configure.js)
  test('every in-cluster address a pod is configured with is admitted, at the port the Service leads to', () => {
    const { objects } = stack();
    const { checked, gaps } = inClusterGaps(objects, pods());
    expect(gaps).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(expected.postgres ? 10 : 6);
  });

  test('the addresses named above include each component\'s own (the discovery finds them)', () => {
    const { objects } = stack();
    const core = podOf(pods(), 'Deployment', 'harbor-core');
    const must: [Pod, string][] = [
      [core, 'env REGISTRY_URL'], [core, 'env REGISTRY_CONTROLLER_URL'], [core, 'env JOBSERVICE_URL'], [core, 'env TRIVY_ADAPTER_URL'],
      [core, 'env PORTAL_URL'], [podOf(pods(), 'Deployment', 'harbor-jobservice'), 'env CORE_URL'],
      ...labelled({ 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'configure' }).map((p): [Pod, string] => [p, 'env HARBOR_URL']),
      ...(expected.ci === 'drone' ? labelled({ 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'runner' })
        .flatMap((p): [Pod, string][] => [[p, 'env DRONE_RPC_HOST'], [p, 'env DRONE_SECRET_PLUGIN_ENDPOINT']]) : []),
      ...(expected.ci === 'woodpecker' ? labelled({ 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'agent' })
        .map((p): [Pod, string] => [p, 'env WOODPECKER_SERVER']) : []),
      ...(expected.postgres ? [
        [core, 'env POSTGRESQL_HOST, POSTGRESQL_PORT'] as [Pod, string],
        ...labelled({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'reconcile' }).map((p): [Pod, string] => [p, 'env PGHOST, PGPORT']),
      ] : []),
    ];
    for (const [pod, source] of must) {
      const address = addressAt(objects, pod, source);
      expect(gapsTo(objects, pods(), pod.endpoint, pod.template.namespace, address)).toEqual([]);
    }
  });

  test('every pod that dials a host name reaches the cluster DNS on UDP and TCP 53', () => {
    const { objects } = stack();
    const dialing = pods().filter((p) => configuredAddresses(objects, p).some((a) => !LOOPBACK.has(a.host) && !/^[\d.]+$/.test(a.host)));
    expect(dialing.length).toBeGreaterThanOrEqual(5);
    const gaps = dialing.flatMap((p) => (['UDP', 'TCP'] as const).flatMap((proto) => {
      const why = blocked(objects, p.endpoint, KUBE_DNS, 53, proto);
      return why ? [`${p.id} → kube-dns ${why}`] : [];
    }));
    expect(gaps).toEqual([]);
  });

  // managed PostgreSQL (25060), Valkey (25061) and Spaces (443) are reached by host name: a policy cannot name
  // hosts, so the client's egress must admit the port at the address the name resolves to, in the VPC for a
  // DigitalOcean private hostname, on the internet for a public one
  test('every address outside the stack a pod is configured with is admitted by its egress, in the VPC and on the internet', () => {
    const { objects } = stack();
    const gaps: string[] = [];
    let checked = 0;
    for (const pod of pods()) {
      for (const a of configuredAddresses(objects, pod)) {
        if (LOOPBACK.has(a.host) || a.host.startsWith('replaced-by-') || inCluster(objects, pod.template.namespace, a)) continue;
        checked++;
        for (const to of [VPC_ADDRESS, PUBLIC_ADDRESS]) {
          if (!egressAdmits(objects, pod.endpoint, to, a.port)) gaps.push(`${pod.id}: ${a.host}:${a.port} (${a.source}) at ${to.ip}`);
        }
      }
    }
    expect(gaps).toEqual([]);
    // the forge, Harbor's external URL and Docker Hub everywhere; managed PostgreSQL, Valkey and Spaces without in-cluster PostgreSQL
    expect(checked).toBeGreaterThanOrEqual(expected.postgres ? 3 : 7);
  });

  // ingress-nginx proxies to the Service's endpoints, pod address and target port, not to its cluster IP
  // (ingress-nginx internal/ingress/controller/endpointslices.go, getEndpointsFromSlices)
  test('the ingress controller reaches every Ingress backend at the pod port its Service targets', () => {
    const { objects } = stack();
    const gaps: string[] = [];
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.length).toBeGreaterThan(0);
    for (const ingress of ingresses) {
      for (const path of ingress.spec.rules.flatMap((r: any) => r.http.paths)) {
        const service = serviceNamed(objects, ingress.metadata.namespace, path.backend.service.name);
        const port = path.backend.service.port.number ?? path.backend.service.port.name;
        gaps.push(...landings(pods(), service, port).flatMap((l) => {
          const why = blocked(objects, INGRESS_CONTROLLER, l.pod.endpoint, l.port, l.protocol);
          return why ? [`${ingress.metadata.namespace}/${ingress.metadata.name} ${path.path} → ${l.pod.id} ${why}`] : [];
        }));
      }
    }
    expect(gaps).toEqual([]);
  });

  // cert-manager answers an HTTP-01 challenge from a solver pod it creates in the Ingress's namespace, which the
  // ingress controller proxies to on port 8089 (cert-manager pkg/issuer/acme/http/pod.go, buildPod:
  // `--listen-port=<acmeSolverListenPort>`, container port `http`; labelled with hashes of the domain and token
  // only, so only a policy that selects every pod of the namespace governs it)
  test('the ingress controller reaches cert-manager\'s HTTP-01 solver pods in every namespace whose Ingress asks for a certificate', () => {
    const { objects } = stack();
    const namespaces = [...new Set(objects.filter((o) => o.kind === 'Ingress' && o.metadata.annotations?.['cert-manager.io/cluster-issuer'])
      .map((o) => o.metadata.namespace))];
    expect(namespaces.length).toBeGreaterThan(0);
    const gaps = namespaces.filter((ns) => blocked(objects, INGRESS_CONTROLLER, {
      ip: '10.244.250.3', namespace: ns,
      podLabels: { 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '1', 'acme.cert-manager.io/http-token': '2' },
      ports: [{ name: 'http', containerPort: 8089 }],
    }, 8089));
    expect(gaps).toEqual([]);
  });

  // a scan runs in jobservice, which submits it to the scanner registered at core's TRIVY_ADAPTER_URL (harbor v2.15.1
  // src/pkg/scan/job.go:211, client.SubmitScan); the scanner then pulls the artifact from core's internal URL, since
  // Harbor registers Trivy with UseInternalAddr (src/core/main.go:344; src/controller/scan/base_controller.go:903-910)
  test('Harbor scans: jobservice reaches Trivy, and Trivy reaches core', () => {
    const { objects } = stack();
    const core = podOf(pods(), 'Deployment', 'harbor-core');
    const jobservice = podOf(pods(), 'Deployment', 'harbor-jobservice');
    const trivy = podOf(pods(), 'StatefulSet', 'harbor-trivy');
    expect(gapsTo(objects, pods(), jobservice.endpoint, 'harbor', addressAt(objects, core, 'env TRIVY_ADAPTER_URL'))).toEqual([]);
    expect(gapsTo(objects, pods(), trivy.endpoint, 'harbor', addressAt(objects, core, 'env CORE_URL'))).toEqual([]);
  });

  // Harbor's proxy cache (core), replication and webhooks (jobservice), Trivy's database downloads
  // (SCANNER_TRIVY_DB_REPOSITORY: mirror.gcr.io, ghcr.io) and object storage all go to the internet on 443
  test('Harbor\'s components reach the internet on 443', () => {
    const { objects } = stack();
    for (const component of ['core', 'jobservice', 'registry', 'trivy']) {
      for (const p of labelled({ 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': component })) {
        expect([component, egressAdmits(objects, p.endpoint, PUBLIC_ADDRESS, 443)]).toEqual([component, true]);
      }
    }
  });

  // the runner and agents start build pods, and the secrets extension reads Secrets, through the API server with
  // their in-cluster credentials (drone-runner-kube v1.0.0-rc.5 internal/kube/kube.go:63, woodpecker v3.17.0
  // pipeline/backend/kubernetes/utils.go:151, rest.InClusterConfig; drone-kubernetes-secrets
  // cmd/drone-kubernetes-secrets/main.go:50,66, k8s.NewInClusterClient)
  test('the CI engine\'s controllers reach the Kubernetes API server', () => {
    if (expected.ci === undefined) return;
    const { objects } = stack();
    const controllers = expected.ci === 'drone'
      ? [...labelled({ 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'runner' }),
        ...labelled({ 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/component': 'secrets-extension' })]
      : labelled({ 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/component': 'agent' });
    const gaps = controllers.flatMap((p) => API_SERVERS.filter(([to, port]) => !egressAdmits(objects, p.endpoint, to, port)).map(([to]) => `${p.id} → ${to.ip}`));
    expect(gaps).toEqual([]);
  });

  // a build pod resolves names, clones from the forge (drone/drone-git, woodpeckerci/plugin-git: the repository's
  // clone URL, github.com here) and pushes to Harbor by its Ingress host, which the cluster routes to the ingress
  // controller's pods on 443 (kube-proxy sends a LoadBalancer address from inside the cluster to the Service's pods)
  test('build pods reach DNS, the forge and Harbor through the ingress controller', () => {
    if (expected.ci === undefined) return;
    const { objects } = stack();
    const label = expected.ci === 'drone' ? 'dockyard.dev/drone-runner' : 'dockyard.dev/woodpecker-agent';
    const buildNamespaces = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.[label]).map((o) => o.metadata.name);
    expect(buildNamespaces.length).toBeGreaterThanOrEqual(1 + expected.teams);
    const gaps = buildNamespaces.flatMap((ns) => {
      const step: Endpoint = { ip: '10.244.251.1', namespace: ns, podLabels: { 'woodpecker-ci.org/step': 'build' } };
      return [
        blocked(objects, step, KUBE_DNS, 53, 'UDP'), blocked(objects, step, KUBE_DNS, 53, 'TCP'),
        blocked(objects, step, PUBLIC_ADDRESS, 443), blocked(objects, step, INGRESS_CONTROLLER, 443),
      ].flatMap((why, i) => (why ? [`${ns}: ${['dns udp', 'dns tcp', 'forge', 'harbor'][i]} ${why}`] : []));
    });
    expect(gaps).toEqual([]);
  });

  // Woodpecker runs each step and each `services:` entry as a pod of its own; steps reach a service by name, through
  // the Service the backend makes for it, which selects the pod by its `service` label (v3.17.0
  // pipeline/backend/kubernetes/pod.go:140-142, service.go:29)
  test('Woodpecker steps reach their pipeline\'s services', () => {
    if (expected.ci !== 'woodpecker') return;
    const { objects } = stack();
    const buildNamespaces = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['dockyard.dev/woodpecker-agent']).map((o) => o.metadata.name);
    expect(buildNamespaces.length).toBeGreaterThanOrEqual(1 + expected.teams);
    const gaps = buildNamespaces.filter((ns) => blocked(objects,
      { ip: '10.244.251.1', namespace: ns, podLabels: { 'woodpecker-ci.org/step': 'test' } },
      { ip: '10.244.251.2', namespace: ns, podLabels: { 'woodpecker-ci.org/step': 'database', service: 'wp-svc-01-database' }, ports: [{ containerPort: 5432 }] },
      5432));
    expect(gaps).toEqual([]);
  });

  // apps/default/stack.ts grants the demo's deploy namespace its database, for the deploy pipeline's migrations
  test('deploy pipelines reach the demo\'s database', () => {
    if (!expected.postgres) return;
    const { objects } = stack();
    const database = labelled({ 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'database' })[0];
    expect(blocked(objects, { ip: '10.244.251.1', namespace: 'dockyard-deploy', podLabels: {} }, database.endpoint, 5432)).toBeUndefined();
  });

  test('team app pods are reached by the ingress controller and reach DNS', () => {
    const { objects } = stack();
    const appNamespaces = objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['dockyard.dev/team-namespace'] === 'app').map((o) => o.metadata.name);
    expect(appNamespaces.length).toBeGreaterThanOrEqual(expected.teams);
    const gaps = appNamespaces.flatMap((ns) => {
      const app: Endpoint = { ip: '10.244.252.1', namespace: ns, podLabels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080 }] };
      return [blocked(objects, INGRESS_CONTROLLER, app, 8080), blocked(objects, app, KUBE_DNS, 53, 'UDP'), blocked(objects, app, KUBE_DNS, 53, 'TCP')]
        .flatMap((why) => (why ? [`${ns}: ${why}`] : []));
    });
    expect(gaps).toEqual([]);
  });
});

// no example stack turns Harbor's metrics on: the exporter, which reads the database, jobservice's queue in Redis and
// core's API (harbor v2.15.1 src/cmd/exporter/main.go:48,63-76: HARBOR_DATABASE_*, HARBOR_REDIS_URL,
// HARBOR_SERVICE_*), and the metrics ports are checked on the Harbor of the tests' fixtures
describe('needed connections: a Harbor with metrics on in-cluster PostgreSQL and Redis', () => {
  const PROMETHEUS: Endpoint = { ip: '10.244.253.1', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };
  const made = stackOf(() => {
    const chart = new Chart(new App(), 'harbor', { namespace: 'harbor' });
    inClusterHarbor(chart, { metrics: { scrapers: [NetworkPeer.namespace('monitoring')] } });
    return { objects: chart.toJson() };
  });

  test('the exporter, like every component, reaches what it is configured with', () => {
    const { objects, pods } = made();
    const exporter = podOf(pods, 'Deployment', 'harbor-exporter');
    for (const source of ['env HARBOR_DATABASE_HOST, HARBOR_DATABASE_PORT', 'env HARBOR_REDIS_URL', 'env HARBOR_SERVICE_HOST, HARBOR_SERVICE_PORT']) {
      expect(gapsTo(objects, pods, exporter.endpoint, 'harbor', addressAt(objects, exporter, source))).toEqual([]);
    }
    expect(inClusterGaps(objects, pods).gaps).toEqual([]);
  });

  test('the scrapers reach the metrics port of core, jobservice, the registry and the exporter, where each listens', () => {
    const { objects, pods } = made();
    const metrics = listeners(objects, pods).filter((l) => l.includes(' http-metrics: '));
    expect(metrics).toHaveLength(4);
    expect(misplaced(metrics)).toEqual([]);
    const gaps = pods.flatMap((p) => p.endpoint.ports!.filter((c) => c.name === 'http-metrics')
      .filter((c) => blocked(objects, PROMETHEUS, p.endpoint, c.containerPort)).map(() => p.id));
    expect(gaps).toEqual([]);
  });
});

// no example stack turns the CI engines' metrics on: each ServiceMonitor is followed to the Service port it names and
// the container port that port targets, where the server must listen (`listeners`) and the scrapers must be admitted
describe('needed connections: Drone and Woodpecker servers with metrics and ServiceMonitors', () => {
  const PROMETHEUS: Endpoint = { ip: '10.244.253.1', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };
  const made = stackOf(() => {
    const app = new App();
    const metrics = { scrapers: [NetworkPeer.namespace('monitoring')], serviceMonitor: true };
    const charts = [new Chart(app, 'drone', { namespace: 'drone' }), new Chart(app, 'woodpecker', { namespace: 'woodpecker' })];
    droneServer(charts[0], { metrics });
    woodpeckerServer(charts[1], { metrics });
    return { objects: charts.flatMap((c) => c.toJson()) };
  });

  test('each ServiceMonitor names a Service port whose pod listens there, and the scrapers reach it', () => {
    const { objects, pods } = made();
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['drone', 'woodpecker']);
    const reached = monitors.map((monitor) => {
      const services = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === monitor.metadata.namespace
        && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
      expect(services).toHaveLength(1);
      const servicePort = services[0].spec.ports.find((p: any) => p.name === monitor.spec.endpoints[0].port);
      const pod = pods.find((p) => Object.entries(services[0].spec.selector).every(([k, v]) => p.template.labels[k] === v))!;
      const target = pod.endpoint.ports!.find((c) => c.name === servicePort.targetPort)!;
      return `${monitor.metadata.name} ${servicePort.name} -> ${target.containerPort}: ${blocked(objects, PROMETHEUS, pod.endpoint, target.containerPort) ?? 'admitted'}`;
    });
    expect(reached).toEqual(['drone http -> 8080: admitted', 'woodpecker metrics -> 9001: admitted']);
    expect(misplaced(listeners(objects, pods))).toEqual([]);
    expect(listeners(objects, pods).filter((l) => l.includes(' metrics: '))).toEqual(['Deployment/woodpecker/woodpecker server metrics: declared 9001, listens 9001']);
  });
});
