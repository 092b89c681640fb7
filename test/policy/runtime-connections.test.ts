// Connections a program opens only at some later moment, to an address that is not in its own configuration, so the
// discovery of ./needed-connections.test.ts (every address a pod is configured with) cannot see them: an address
// another component hands it at run time (the database core's configuration names, the registry's Redis core passes
// to a garbage collection), one the user enters in Harbor later (a webhook, a replication endpoint, a proxy-cache
// registry, an OIDC provider), or one a scan reaches (Trivy's databases, the bucket a blob pull is redirected to). A
// policy that drops one of them fails silently until then: a weekly garbage collection, the first scan after a day,
// the first webhook. Each test names the upstream line that opens the connection and checks both the source's egress
// and, in the cluster, the target's ingress (./reach.ts).
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { Redis } from '../../lib';
import { inClusterHarbor } from '../harbor/fixtures';
import { EXAMPLE_STACKS } from '../stacks';
import { egressAdmits } from '../team/network-model';
import { addressesIn, configuredAddresses, podOf, podsLabelled, type Address, type Pod } from './connections';
import { addressAt, inCluster, PUBLIC_ADDRESS, reachGaps, stackOf } from './reach';

/** Ports a user may give a webhook, a replication endpoint or a proxy-cache registry, beside https' 443. */
const USER_GIVEN_PORTS = [443, 80, 5000, 8443];

/** The `host:port` of each OCI repository in a comma-separated list such as Trivy's `--db-repository` (443 unless given). */
function repositoryAddresses(list: string, source: string): Address[] {
  return list.split(',').map((repo) => {
    const [host, port] = repo.trim().split('/')[0].split(':');
    return { host: host.toLowerCase(), port: port === undefined ? 443 : Number(port), source };
  });
}

/** The literal value of env `name` in `pod`'s containers; throws when none sets it. */
function envValue(pod: Pod, name: string): string {
  const value = (pod.template.spec.containers ?? []).flatMap((c: any) => c.env ?? []).find((e: any) => e.name === name)?.value;
  if (typeof value !== 'string') throw new Error(`${pod.id} sets no env ${name}`);
  return value;
}

// a garbage collection runs in jobservice: it first asks registryctl for its health, at jobservice's own
// REGISTRY_CONTROLLER_URL, upstream default `http://registryctl:8080` when unset (goharbor/harbor v2.15.1
// src/jobservice/job/impl/gc/garbage_collection.go:100-115, src/common/registryctl/client.go:37,
// src/lib/config/metadata/metadatalist.go:120), deletes blobs through it (:432), and at the end empties the
// registry's blob cache in the Redis whose URL core passes as the job's `redis_url_reg`, core's _REDIS_URL_REG
// (src/server/v2.0/handler/gc.go:87; garbage_collection.go:123, 499-523 cleanCache)
function garbageCollectionGaps(objects: any[], pods: Pod[]): string[] {
  const jobservice = podsLabelled(pods, { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'jobservice' })[0];
  const registryctl = addressAt(objects, jobservice, 'env REGISTRY_CONTROLLER_URL');
  const core = podsLabelled(pods, { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': 'core' })[0];
  const [registryRedis] = addressesIn(envValue(core, '_REDIS_URL_REG'), 'harbor-core env _REDIS_URL_REG');
  return [
    ...(inCluster(objects, jobservice.template.namespace, registryctl) ? [] : [`${registryctl.host}: registryctl outside the cluster`]),
    ...reachGaps(objects, pods, jobservice, registryctl),
    ...reachGaps(objects, pods, jobservice, registryRedis),
  ];
}

describe.each(EXAMPLE_STACKS)('connections made later, at addresses handed over at run time: $name stack', ({ synth }) => {
  const stack = stackOf(synth);
  const harbor = (component: string) => {
    const found = podsLabelled(stack().pods, { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/component': component });
    expect(found).toHaveLength(1);
    return found[0];
  };

  // jobservice is given no database: it loads Harbor's configuration from core (CORE_URL + /api/v2.0/internalconfig,
  // goharbor/harbor v2.15.1 src/pkg/config/rest/manager.go:35-46, src/common/const.go:150), and opens the database
  // that configuration names, core's POSTGRESQL_HOST and POSTGRESQL_PORT, when its job context starts
  // (src/jobservice/job/impl/context.go:88-90, src/pkg/config/manager.go:159-168); its `DB` job logger writes there
  // too. Without it every job (scan, garbage collection, replication, webhook) fails to start.
  test('jobservice reaches the database core\'s configuration names', () => {
    const { objects, pods } = stack();
    const database = addressAt(objects, podOf(pods, 'Deployment', 'harbor-core'), 'env POSTGRESQL_HOST, POSTGRESQL_PORT');
    const jobservice = harbor('jobservice');
    // the reason for this test: jobservice's own configuration does not name it
    expect(configuredAddresses(objects, jobservice).filter((a) => a.host === database.host && a.port === database.port)).toEqual([]);
    expect(reachGaps(objects, pods, jobservice, database)).toEqual([]);
  });

  test('jobservice\'s garbage collection reaches registryctl and the registry\'s Redis', () => {
    const { objects, pods } = stack();
    expect(garbageCollectionGaps(objects, pods)).toEqual([]);
  });

  // addresses a user enters in Harbor after the install, at any port: a webhook policy's address, which jobservice
  // POSTs to (v2.15.1 src/jobservice/job/impl/notification/webhook_job.go:103-120), a replication endpoint's URL,
  // which jobservice's replication job dials through its adapter (src/jobservice/job/impl/replication/replication.go),
  // a proxy-cache project's registry, which core pulls from on a cache miss (src/controller/proxy/remote.go:51-87),
  // and an OIDC provider's endpoint, whose discovery document core fetches at each login (src/pkg/oidc/helper.go:93)
  test('jobservice and core reach the internet at the ports a user may give them', () => {
    const { objects } = stack();
    const gaps = [harbor('jobservice'), harbor('core')].flatMap((pod) => USER_GIVEN_PORTS
      .filter((port) => !egressAdmits(objects, pod.endpoint, PUBLIC_ADDRESS, port)).map((port) => `${pod.id} → ${PUBLIC_ADDRESS.ip}:${port}`));
    expect(gaps).toEqual([]);
  });

  // the adapter runs Trivy once per scan with `--db-repository` and `--java-db-repository` (goharbor/harbor-scanner-trivy
  // v0.36.0 pkg/trivy/wrapper.go:164-212, from SCANNER_TRIVY_DB_REPOSITORY and SCANNER_TRIVY_JAVA_DB_REPOSITORY,
  // pkg/etc/config.go:36-38): Trivy downloads its vulnerability database when the cached one is older than its
  // NextUpdate, and the Java database only when a scan first meets a JAR, days after the install; both are OCI
  // artifacts, pulled over https from the first repository that answers
  test('Trivy reaches every repository it downloads its databases from', () => {
    const { objects, pods } = stack();
    const trivy = harbor('trivy');
    const repositories = ['SCANNER_TRIVY_DB_REPOSITORY', 'SCANNER_TRIVY_JAVA_DB_REPOSITORY']
      .flatMap((name) => repositoryAddresses(envValue(trivy, name), `env ${name}`));
    expect(repositories.length).toBeGreaterThanOrEqual(2);
    expect(repositories.filter((a) => inCluster(objects, 'harbor', a))).toEqual([]);
    expect(repositories.flatMap((a) => reachGaps(objects, pods, trivy, a))).toEqual([]);
  });

  // with S3 storage and redirects on, the registry answers a blob GET with a 307 to a presigned URL at the bucket's
  // endpoint (distribution v2.8.3 registry/storage/blobserver.go:37-42; path-style at `regionendpoint`,
  // registry/storage/driver/s3-aws/s3.go:427-428, 877-913): the client, not the registry, then reaches the bucket.
  // In the cluster those clients are Trivy, pulling the artifact it scans through core, and build pods pulling base
  // images from Harbor; both must reach the endpoint, on the internet for Spaces
  test('the clients a blob pull is redirected to the bucket reach its endpoint', () => {
    const { objects } = stack();
    const config = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'harbor' && o.metadata.name === 'harbor-registry')
      .data['config.yml']);
    const endpoint: string | undefined = config.storage.s3?.regionendpoint;
    if (endpoint === undefined) {
      expect(config.storage.filesystem).toBeDefined();
      return;
    }
    expect(config.storage.redirect?.disable).not.toBe(true);
    const url = new URL(endpoint);
    const port = url.port === '' ? 443 : Number(url.port);
    const buildNamespaces = objects.filter((o) => o.kind === 'Namespace'
      && (o.metadata.labels?.['dockyard.dev/drone-runner'] || o.metadata.labels?.['dockyard.dev/woodpecker-agent'])).map((o) => o.metadata.name);
    const clients = [harbor('trivy').endpoint, ...buildNamespaces.map((ns) => ({ ip: '10.244.251.1', namespace: ns, podLabels: {} }))];
    expect(clients.filter((c) => !egressAdmits(objects, c, PUBLIC_ADDRESS, port)).map((c) => c.namespace)).toEqual([]);
  });
});

// no example stack gives the registry a cache server of its own: then core's _REDIS_URL_REG names that server, which
// only core, the registry and jobservice are granted (lib/harbor/harbor.ts)
describe('connections made later: a Harbor whose registry cache is a Redis of its own', () => {
  const made = stackOf(() => {
    const chart = new Chart(new App(), 'harbor', { namespace: 'harbor' });
    inClusterHarbor(chart, { registryCache: new Redis(chart, 'RegistryCache', { name: 'registry-cache' }) });
    return { objects: chart.toJson() };
  });

  test('jobservice\'s garbage collection reaches registryctl and the cache server', () => {
    const { objects, pods } = made();
    const core = podOf(pods, 'Deployment', 'harbor-core');
    expect(addressesIn(envValue(core, '_REDIS_URL_REG'), 'env')[0]).toMatchObject({ host: 'registry-cache.harbor.svc', port: 6379 });
    expect(garbageCollectionGaps(objects, pods)).toEqual([]);
  });
});
