// The server, pinned to woodpecker-ci/woodpecker v3.17.0: every variable, port and probe cites the source that reads
// it. Paths below are in that repository unless they name another.
import {
  CHECKSUM_ANNOTATION, ExternalPostgres, GitProvider, Image, IngressTls, NetworkPeer, Secret, SecretValue, ServiceExposure, SslMode,
} from '../../lib';
import { ServerProtocol } from '../../lib/ci';
import { WoodpeckerProtocol, WoodpeckerServer } from '../../lib/woodpecker';
import { container, envOf, find, repeatedSynths, stderrOf, synth, testChart } from '../util';
import { ingressAdmits } from '../team/network-model';
import { github, woodpeckerCi, woodpeckerServer } from './fixtures';
import { literalEnv } from './upstream';

const deploymentOf = (objects: any[]) => find(objects, 'Deployment', 'woodpecker', 'ci');

describe('WoodpeckerServer', () => {
  test('runs one replica of the pinned rootless image, Recreate, on 8000 and 9000, ready on /healthz', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart);
    const objects = synth(chart);
    const deploy = deploymentOf(objects);
    expect(deploy.spec.replicas).toBe(1);
    // the queue is in memory (cmd/server/setup.go:109-114): a second server would never see the first one's tasks
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    const c = container(deploy);
    expect(c.image).toBe('docker.io/woodpeckerci/woodpecker-server:v3.17.0');
    // cmd/server/flags.go:71-76 (:8000) and :119-124 (:9000)
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }, { name: 'grpc', containerPort: 9000, protocol: 'TCP' }]);
    // server/router/router.go:69 base.GET("/healthz", api.Health); server/api/z.go:37-43 pings the database; alive
    // on /version, which does not (test/core/probe-behaviour.test.ts)
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/version', port: 'http' });
  });

  test('passes Pod Security restricted as UID/GID 1000, the rootless image\'s user, with a read-only root and no volume', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart);
    const pod = deploymentOf(synth(chart)).spec.template.spec;
    // docker/Dockerfile.server.multiarch.rootless:3-4 (useradd -u 1000 -g 1000 woodpecker) and :24 (USER woodpecker)
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    // with PostgreSQL and the database log store nothing is written: the sqlite file (cmd/server/setup.go:72-76)
    // and the file log store (server/services/log/file/file.go:46) are the server's only writes
    expect(pod.volumes).toBeUndefined();
    expect(c.volumeMounts).toBeUndefined();
  });

  test('sets the server, access and pipeline environment from its upstream flags', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart, { admins: ['alice', 'bob'], orgs: ['acme'] });
    const env = literalEnv(container(deploymentOf(synth(chart))));
    expect(env).toEqual({
      // the Go runtime's soft memory limit, 90% of the container's 512Mi (test/core/go-memory-limit.test.ts)
      GOMEMLIMIT: '460MiB',
      // cmd/server/flags.go:66-70; server.go:83-93 requires "<scheme>://"
      WOODPECKER_HOST: 'https://ci.example.com',
      WOODPECKER_SERVER_ADDR: ':8000',
      WOODPECKER_GRPC_ADDR: ':9000',
      // flags.go:360-366 (default sqlite3); server/store/datastore/init.go:27
      WOODPECKER_DATABASE_DRIVER: 'postgres',
      // flags.go:367-379: without the password, which lib/pq reads from PGPASSWORD (lib/pq v1.12.3 connector.go:286,552-555)
      WOODPECKER_DATABASE_DATASOURCE: 'postgres://woodpecker@postgres.data.svc:5432/woodpecker?sslmode=disable',
      // flags.go:42-47 (default 100): the database's connection limit, a quarter of 97
      WOODPECKER_DATABASE_MAX_CONNECTIONS: '24',
      // flags.go:561-565 and :478-507; server/services/setup.go:144-150
      WOODPECKER_GITHUB: 'true',
      WOODPECKER_GITHUB_URL: 'https://github.com',
      WOODPECKER_GITHUB_CLIENT: 'abc123',
      // flags.go:149-164: comma lists
      WOODPECKER_ADMIN: 'alice,bob',
      WOODPECKER_ORGS: 'acme',
      // flags.go:173-177; server/api/login.go:189-195
      WOODPECKER_OPEN: 'false',
      // flags.go:413-417; web/src/compositions/useVersion.ts:24 fetches https://woodpecker-ci.org/version.json
      WOODPECKER_DISABLE_VERSION_CHECK: 'true',
      // flags.go:290-294
      WOODPECKER_DISABLE_USER_AGENT_REGISTRATION: 'true',
      // flags.go:204-210 (constant.DefaultClonePlugin, shared/constant/constant.go:30)
      WOODPECKER_DEFAULT_CLONE_PLUGIN: 'docker.io/woodpeckerci/plugin-git:2.9.2',
    });
  });

  test('reads every credential from a Secret, generating the agent and gRPC secrets once', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart);
    const c = container(deploymentOf(synth(chart)));
    const env = envOf(c);
    // cmd/server/flags.go:279-289 and :125-136
    expect(env.WOODPECKER_AGENT_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'woodpecker-credentials', key: 'agent-secret' });
    expect(env.WOODPECKER_GRPC_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'woodpecker-credentials', key: 'grpc-secret' });
    // flags.go:508-532
    expect(env.WOODPECKER_GITHUB_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'woodpecker-oauth', key: 'client-secret' });
    // flags.go:367-379: the datasource holds no credential; lib/pq reads the password from PGPASSWORD
    // (lib/pq v1.12.3 connector.go:286,552-555)
    expect(env.WOODPECKER_DATABASE_DATASOURCE.value).toBe('postgres://woodpecker@postgres.data.svc:5432/woodpecker?sslmode=disable');
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-woodpecker', key: 'password' });
    const generated = Secret.allIn(chart).find((s) => s.secretName === 'woodpecker-credentials')!;
    expect(Object.entries(generated.values).map(([k, v]) => `${k}:${v.kind}:${v.length}`)).toEqual(['agent-secret:random:64', 'grpc-secret:random:64']);
    // nothing that looks like a credential is a literal
    for (const e of c.env) {
      if (/SECRET|PASSWORD|TOKEN/.test(e.name)) expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
    }
  });

  test('sets no WOODPECKER_ENCRYPTION_* variable: v3.17.0 parses them and encrypts nothing, so a key would guard no data', () => {
    // woodpecker-ci/woodpecker v3.17.0: cmd/server/flags.go:663-685 declares WOODPECKER_ENCRYPTION_KEY (and _KEY_FILE),
    // WOODPECKER_ENCRYPTION_TINK_KEYSET_FILE and WOODPECKER_ENCRYPTION_DISABLE, but server/services/setup.go:57-64 leaves
    // the encryption service commented out ("TODO(1544): fix encrypted store") and returns secret.NewDB(store), which
    // stores server/model/secret.go:52 `value` as it is. The dormant AES mode would refuse its second start: its key ID
    // is a freshly salted bcrypt hash (server/services/encryption/aes_encryption.go:34-38) compared as a string with
    // the one stored at the first (:61-63). A new pin must re-read setup.go: wired again, the key encrypts data, and
    // belongs in the state as `SecretValue...encrypting(...)` with a README backup row, as Drone's database-secret.
    const chart = testChart('ci');
    woodpeckerServer(chart);
    const c = container(deploymentOf(synth(chart)));
    expect(c.image).toBe('docker.io/woodpeckerci/woodpecker-server:v3.17.0');
    expect((c.env as any[]).map((e) => e.name).filter((n) => n.startsWith('WOODPECKER_ENCRYPTION'))).toEqual([]);
    expect(c.envFrom).toBeUndefined();
    const generated = Secret.allIn(chart).find((s) => s.secretName === 'woodpecker-credentials')!;
    expect(Object.values(generated.values).filter((v) => v.encrypts !== undefined)).toEqual([]);
  });

  test('keeps the gRPC secret fixed: without it the server makes a new one on every start and drops its agents', () => {
    // cmd/server/setup.go:133-139 setupGrpcSecret and grpc_server.go:37-43
    const chart = testChart('ci');
    const given = Secret.fromSecretName(chart, 'Grpc', 'grpc').key('secret');
    const agent = Secret.fromSecretName(chart, 'Agent', 'agent').key('secret');
    woodpeckerServer(chart, { grpcSecret: given, agentSecret: agent });
    const env = envOf(container(deploymentOf(synth(chart))));
    expect(env.WOODPECKER_GRPC_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'grpc', key: 'secret' });
    expect(env.WOODPECKER_AGENT_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'agent', key: 'secret' });
  });

  test('rolls the server when a generated database password changes: the pod reads it from the Secret', () => {
    // the inputs checksum covers every secretKeyRef of the pod, PGPASSWORD's included, with a digest of a generated
    // value (lib/core/checksum.ts keyDigest, test/core/checksum.test.ts); as DroneServer's (test/drone/server.test.ts)
    const synths = repeatedSynths((chart) => woodpeckerServer(chart));
    try {
      const checksum = (rotate: string[] = []) => {
        const deploy = deploymentOf(synths.run(rotate));
        expect(envOf(container(deploy)).PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-woodpecker', key: 'password' });
        return deploy.spec.template.metadata.annotations[CHECKSUM_ANNOTATION];
      };
      const before = checksum();
      expect(checksum()).toBe(before);
      expect(checksum(['data/postgres-woodpecker/password'])).not.toBe(before);
    } finally {
      synths.done();
    }
  });

  test('with an existing password Secret, leaves the password out of the URL and passes it as PGPASSWORD', () => {
    // lib/pq v1.12.3 connector.go:286 (Password env:"PGPASSWORD"), read by newConfig (:552) before the DSN (:555),
    // whose URL has no password (convertURL accrues only what is set, :1127-1137)
    const chart = testChart('ci');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'db.example.com', port: 25060, databaseName: 'woodpecker', user: 'woodpecker', password: Secret.fromSecretName(chart, 'Pw', 'db').key('password'),
      caCertificate: Secret.fromSecretName(chart, 'Ca', 'db-ca').key('ca.crt'), sslMode: SslMode.VERIFY_FULL, connectionLimit: 8,
    });
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    const deploy = deploymentOf(synth(chart));
    const c = container(deploy);
    const env = envOf(c);
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'db', key: 'password' });
    expect(env.WOODPECKER_DATABASE_DATASOURCE.value)
      .toBe('postgres://woodpecker@db.example.com:25060/woodpecker?sslmode=verify-full&sslrootcert=%2Fetc%2Fwoodpecker%2Fdatabase-ca%2Fca.crt');
    // PGPASSWORD precedes nothing that expands it, and is the only PG* variable: lib/pq fails on unsupported ones
    // (connector.go:667-686)
    expect(c.env.map((e: any) => e.name).filter((n: string) => n.startsWith('PG'))).toEqual(['PGPASSWORD']);
    expect(env.WOODPECKER_DATABASE_MAX_CONNECTIONS.value).toBe('8');
    expect(c.volumeMounts).toEqual([{ name: 'database-ca', mountPath: '/etc/woodpecker/database-ca', readOnly: true }]);
    expect(deploy.spec.template.spec.volumes).toEqual([{ name: 'database-ca', secret: { secretName: 'db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }]);
    expect(Secret.allIn(chart).some((s) => s.secretName === 'woodpecker-database')).toBe(false);
  });

  test('brackets an IPv6 database host in the URL', () => {
    const chart = testChart('ci');
    const password = new Secret(chart, 'Pw', { name: 'pw', values: { password: SecretValue.alphanumeric(32) } }).key('password');
    const db = new ExternalPostgres(chart, 'Db', { host: 'fd00::5', databaseName: 'woodpecker', user: 'woodpecker', password, sslMode: SslMode.DISABLE });
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    const url = envOf(container(deploymentOf(synth(chart)))).WOODPECKER_DATABASE_DATASOURCE.value;
    expect(url).toBe('postgres://woodpecker@[fd00::5]:5432/woodpecker?sslmode=disable');
    expect(new URL(url).hostname).toBe('[fd00::5]');
  });

  test('sets each forge\'s variables; Bitbucket Cloud has no URL', () => {
    const cases: [string, (s: any) => GitProvider, Record<string, string>][] = [
      ['gitlab', (s) => GitProvider.gitlab({ clientId: 'id', clientSecret: s, server: 'https://git.example.com' }),
        { WOODPECKER_GITLAB: 'true', WOODPECKER_GITLAB_URL: 'https://git.example.com', WOODPECKER_GITLAB_CLIENT: 'id' }],
      ['gitea', (s) => GitProvider.gitea({ clientId: 'id', clientSecret: s, server: 'https://gitea.example.com' }),
        { WOODPECKER_GITEA: 'true', WOODPECKER_GITEA_URL: 'https://gitea.example.com', WOODPECKER_GITEA_CLIENT: 'id' }],
      // server/services/setup.go:167-168 sets no URL for Bitbucket, and bitbucket.Opts has none (server/forge/setup/setup.go:56-68)
      ['bitbucket', (s) => GitProvider.bitbucketCloud({ clientId: 'id', clientSecret: s }),
        { WOODPECKER_BITBUCKET: 'true', WOODPECKER_BITBUCKET_CLIENT: 'id' }],
    ];
    for (const [kind, provider, expected] of cases) {
      const chart = testChart('ci');
      woodpeckerServer(chart, { gitProvider: provider(Secret.fromSecretName(chart, 'O', 'oauth').key('s')) });
      const c = container(deploymentOf(synth(chart)));
      const forge = Object.fromEntries(Object.entries(literalEnv(c)).filter(([k]) => k.startsWith(`WOODPECKER_${kind.toUpperCase()}`)));
      expect(forge).toEqual(expected);
      expect(envOf(c)[`WOODPECKER_${kind.toUpperCase()}_SECRET`].valueFrom.secretKeyRef).toEqual({ name: 'oauth', key: 's' });
    }
  });

  test('exposes port 8000 only; 9000 carries appProtocol h2c and admits only peers granted gRPC', () => {
    const chart = testChart('ci');
    const server = woodpeckerServer(chart, { exposure: ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }) });
    server.grantGrpc(NetworkPeer.pods('ci', { agent: 'a' }));
    server.grantConnect(NetworkPeer.pods('ops', { app: 'dashboard' }));
    const objects = synth(chart);
    expect(find(objects, 'Service', 'woodpecker').spec.ports).toEqual([
      { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' },
      // woodpecker-ci/helm 3.6.5 charts/woodpecker/charts/server/templates/service.yaml (helm#473)
      { name: 'grpc', port: 9000, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    ]);
    const ingress = find(objects, 'Ingress', 'woodpecker');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => p.backend.service.port)).toEqual([{ name: 'http' }]);
    // ingress-nginx's limits lifted for forges' webhooks (GitHub's reach 25 MB) and long, quiet log streams
    expect(ingress.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/proxy-body-size': '25m', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
    });
    const policy = find(objects, 'NetworkPolicy', 'woodpecker', 'ci');
    const byPort = (port: number) => policy.spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === port)).flatMap((r: any) => r.from);
    expect(byPort(9000)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } }, podSelector: { matchLabels: { agent: 'a' } } }]);
    expect(byPort(8000)).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { app: 'dashboard' } } },
    ]);
    expect(policy.spec.ingress.every((r: any) => r.ports.length === 1)).toBe(true);
    expect(server.grpcAddress).toBe('woodpecker.ci.svc:9000');
    expect(server.url).toBe('https://ci.example.com');
  });

  test('behind a Gateway: the HTTPRoute routes the web port only, and the proxies reach 8000, never the gRPC port', () => {
    const chart = testChart('ci');
    const envoy = NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'public' });
    woodpeckerServer(chart, { exposure: ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https', proxyPeer: envoy }) });
    const objects = synth(chart);
    const route = find(objects, 'HTTPRoute', 'woodpecker', 'ci');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['ci.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'woodpecker', port: 8000 }] }],
    });
    const policy = find(objects, 'NetworkPolicy', 'woodpecker', 'ci');
    const from = (port: number) => policy.spec.ingress.filter((r: any) => r.ports.some((p: any) => p.port === port)).flatMap((r: any) => r.from);
    expect(from(8000)).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
      podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public' } },
    }]);
    expect(from(9000)).toEqual([]);
  });

  describe('metrics', () => {
    // cmd/server/flags.go:137-141 (WOODPECKER_METRICS_SERVER_ADDR, empty by default) and server.go:301-325: set, it
    // starts a second HTTP server whose only route is GET /metrics, with no token; Woodpecker's Helm chart serves it
    // on 9001 (docs/docs/30-administration/05-installation/20-helm-chart.md). The web port's own /metrics
    // (server/router/router.go:67) answers 404 while WOODPECKER_PROMETHEUS_AUTH_TOKEN is unset
    // (server/api/metrics/prometheus.go:36-40), so it is left unset: it would make metrics as public as the web UI.
    const PROM = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
    const prometheus = { ip: '10.1.0.9', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };
    const serverPod = { ip: '10.1.0.2', namespace: 'ci', podLabels: { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/instance': 'woodpecker', 'app.kubernetes.io/component': 'server' } };

    test('off by default: no metrics server, port or rule, and no token that would open the web port\'s /metrics', () => {
      const chart = testChart('ci');
      woodpeckerServer(chart);
      const objects = synth(chart);
      const c = container(deploymentOf(objects));
      expect(envOf(c).WOODPECKER_METRICS_SERVER_ADDR).toBeUndefined();
      expect(envOf(c).WOODPECKER_PROMETHEUS_AUTH_TOKEN).toBeUndefined();
      expect(c.ports.map((p: any) => p.name)).toEqual(['http', 'grpc']);
      expect(ingressAdmits(objects, prometheus, serverPod, 9001)).toBe(false);
    });

    test('serves /metrics on 9001, which the scrapers reach and nothing else does', () => {
      const chart = testChart('ci');
      woodpeckerServer(chart, {
        metrics: { scrapers: [PROM] },
        exposure: ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }),
      });
      const objects = synth(chart);
      const deploy = deploymentOf(objects);
      const c = container(deploy);
      expect(literalEnv(c).WOODPECKER_METRICS_SERVER_ADDR).toBe(':9001');
      expect(envOf(c).WOODPECKER_PROMETHEUS_AUTH_TOKEN).toBeUndefined();
      expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 9001, protocol: 'TCP' });
      expect(find(objects, 'Service', 'woodpecker').spec.ports).toContainEqual({ name: 'metrics', port: 9001, targetPort: 'metrics', protocol: 'TCP' });
      // the pod's labels are the ones the policy selects
      expect(deploy.spec.template.metadata.labels).toMatchObject(serverPod.podLabels);
      expect(ingressAdmits(objects, prometheus, serverPod, 9001)).toBe(true);
      // the scrapers reach nothing else of the server, and nobody else reaches the metrics port
      expect(ingressAdmits(objects, prometheus, serverPod, 8000)).toBe(false);
      expect(ingressAdmits(objects, prometheus, serverPod, 9000)).toBe(false);
      expect(ingressAdmits(objects, { ip: '10.1.0.3', namespace: 'ingress-nginx', podLabels: {} }, serverPod, 9001)).toBe(false);
      expect(ingressAdmits(objects, { ip: '10.1.0.4', namespace: 'monitoring', podLabels: { app: 'grafana' } }, serverPod, 9001)).toBe(false);
      // the Ingress routes the web port only
      expect(find(objects, 'Ingress', 'woodpecker').spec.rules[0].http.paths.map((p: any) => p.backend.service.port)).toEqual([{ name: 'http' }]);
    });

    test('WoodpeckerCi passes the server\'s metrics on', () => {
      const chart = testChart('ci');
      woodpeckerCi(chart, { server: { metrics: { scrapers: [PROM] } } });
      expect(literalEnv(container(deploymentOf(synth(chart)))).WOODPECKER_METRICS_SERVER_ADDR).toBe(':9001');
    });

    test('renders a ServiceMonitor of the server\'s metrics port on request, without a token', () => {
      const chart = testChart('ci');
      woodpeckerCi(chart, { server: { metrics: { scrapers: [PROM], serviceMonitor: true, interval: '1m', serviceMonitorLabels: { release: 'kube-prometheus-stack' } } } });
      const objects = synth(chart);
      const monitor = find(objects, 'ServiceMonitor', 'woodpecker');
      const server = { 'app.kubernetes.io/name': 'woodpecker', 'app.kubernetes.io/instance': 'woodpecker', 'app.kubernetes.io/component': 'server' };
      expect(monitor).toEqual({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'woodpecker', namespace: 'ci', labels: { release: 'kube-prometheus-stack', ...server } },
        // server.go:301-304: the metrics server's one route, GET /metrics, asks for nothing
        spec: { jobLabel: 'app.kubernetes.io/name', endpoints: [{ port: 'metrics', path: '/metrics', interval: '1m' }], selector: { matchLabels: server } },
      });
      // it selects the server's Service alone, not the agents', and that Service has the port it names
      const selected = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === 'ci'
        && Object.entries(server).every(([k, v]) => o.metadata.labels?.[k] === v));
      expect(selected.map((o) => [o.metadata.name, o.spec.ports.some((p: any) => p.name === 'metrics')])).toEqual([['woodpecker', true]]);
    });

    test('renders no ServiceMonitor unless asked', () => {
      const chart = testChart('ci');
      woodpeckerServer(chart, { metrics: { scrapers: [PROM] } });
      expect(synth(chart).filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    });

    test('refuses ServiceMonitor settings it cannot deliver, in one line', () => {
      const bad = (metrics: any) => () => woodpeckerServer(testChart('ci'), { metrics });
      expect(bad({ scrapers: [PROM], serviceMonitor: true, interval: '1 minute' })).toThrow(
        /^invalid metrics\.interval "1 minute": must be a Prometheus duration such as "30s" or "1m"$/);
      expect(bad({ scrapers: [PROM], serviceMonitorLabels: { release: 'x' } })).toThrow(
        /^invalid metrics\.serviceMonitor false: must be true to set interval or serviceMonitorLabels$/);
      expect(bad({ scrapers: [PROM], serviceMonitor: true, serviceMonitorLabels: { 'bad key!': 'x' } })).toThrow(/^invalid metrics\.serviceMonitorLabels /);
    });

    test.each([
      ['no scrapers', { scrapers: [] }],
      ['a missing list', {}],
      ['a peer that is not a NetworkPeer', { scrapers: ['monitoring'] }],
    ])('refuses %s in one line', (_, metrics) => {
      expect(() => woodpeckerServer(testChart('ci'), { metrics: metrics as any })).toThrow(
        /^invalid metrics\.scrapers .*: must be a non-empty list of NetworkPeer, the Prometheus pods admitted, e\.g\. \[NetworkPeer\.namespace\("monitoring"\)\]$/);
    });
  });

  test('refuses scrapers that are the whole address space: the metrics port asks for no token', () => {
    expect(() => woodpeckerServer(testChart('ci'), { metrics: { scrapers: [NetworkPeer.ipBlock('0.0.0.0/0')] } })).toThrow(
      'invalid metrics.scrapers "0.0.0.0/0": must not be the whole address space: the metrics port asks for no token, so name the Prometheus pods ' +
      '(NetworkPeer.pods or .namespace) or the block of its hosts');
    // a host block is fine
    expect(() => woodpeckerServer(testChart('ci'), { metrics: { scrapers: [NetworkPeer.ipBlock('203.0.113.0/28')] } })).not.toThrow();
  });

  test('admits itself to its database', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart);
    const policy = find(synth(chart), 'NetworkPolicy', 'postgres', 'data');
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/instance': 'woodpecker', 'app.kubernetes.io/name': 'woodpecker' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  test('relocates the server and clone images, and lists the clone image on the Deployment', () => {
    const chart = testChart('ci');
    woodpeckerServer(chart, { cloneImage: Image.of('registry.example.com/ci/plugin-git:2.9.2'), image: Image.of('registry.example.com/ci/server:v3.17.0') });
    const deploy = deploymentOf(synth(chart));
    expect(container(deploy).image).toBe('registry.example.com/ci/server:v3.17.0');
    expect(literalEnv(container(deploy)).WOODPECKER_DEFAULT_CLONE_PLUGIN).toBe('registry.example.com/ci/plugin-git:2.9.2');
    expect(deploy.metadata.annotations['dockyard.dev/images']).toBe('registry.example.com/ci/plugin-git:2.9.2');
  });

  test('warns of a single-label host, which a forge cannot send webhooks or logins back to, in DroneServer\'s words', () => {
    // woodpecker v3.17.0 cmd/server/setup.go:246-253: WebhookHost (WOODPECKER_EXPERT_WEBHOOK_HOST unset, as Dockyard
    // leaves it) and OAuthHost are WOODPECKER_HOST; the webhook target is WebhookHost + "/api/hook?access_token=..."
    // (server/api/repo.go:173-177) and the OAuth callback OAuthHost + "/authorize" (server/forge/github/github.go:501,
    // gitlab/gitlab.go:107): "woodpecker" resolves only through a resolver's search domains
    const warned = (host: string) => stderrOf(() => woodpeckerServer(testChart('ci'), { host }));
    expect(warned('woodpecker')).toBe('dockyard: warning: WoodpeckerServer host "woodpecker" is a single DNS label: the forge sends webhooks to ' +
      'https://woodpecker/api/hook and users\' browsers back to /authorize there, a name that resolves only through a resolver\'s search domains and ' +
      'never from a public forge (github.com, gitlab.com); give the fully qualified name, such as "woodpecker.example.com"\n');
    expect(warned('localhost:8000')).toMatch(/^dockyard: warning: WoodpeckerServer host "localhost:8000" is a single DNS label: the forge sends webhooks to https:\/\/localhost:8000\/api\/hook /);
    expect(warned('ci.example.com')).toBe('');
    expect(warned('ci.example.com:8443')).toBe('');
  });

  test('uses the http scheme only when asked', () => {
    const chart = testChart('ci');
    const server = woodpeckerServer(chart, { protocol: ServerProtocol.HTTP, host: 'localhost:8000' });
    expect(server.url).toBe('http://localhost:8000');
    expect(literalEnv(container(deploymentOf(synth(chart)))).WOODPECKER_HOST).toBe('http://localhost:8000');
  });

  test('takes the deprecated WoodpeckerProtocol, which is ServerProtocol itself', () => {
    expect(WoodpeckerProtocol).toBe(ServerProtocol);
    // a value typed by the old name is the shared enum's, and renders the same
    const protocol: WoodpeckerProtocol = WoodpeckerProtocol.HTTP;
    const chart = testChart('ci');
    expect(woodpeckerServer(chart, { protocol, host: 'localhost:8000' }).url).toBe('http://localhost:8000');
  });

  test('accepts open registration gated by orgs, or by repoOwners alone', () => {
    expect(() => woodpeckerServer(testChart('ci'), { open: true, orgs: ['acme'] })).not.toThrow();
    expect(() => woodpeckerServer(testChart('ci'), { open: true, repoOwners: ['acme'] })).not.toThrow();
    expect(() => woodpeckerServer(testChart('ci'), { open: false })).not.toThrow();
  });

  describe('refuses bad input with one line naming the prop', () => {
    const cases: [string, (chart: any) => void, string][] = [
      ['host', (c) => woodpeckerServer(c, { host: 'https://ci.example.com' }), 'invalid host "https://ci.example.com"'],
      ['protocol', (c) => woodpeckerServer(c, { protocol: 'ftp' as ServerProtocol }), 'invalid protocol "ftp": must be one of https, http'],
      ['admins', (c) => woodpeckerServer(c, { admins: ['al ice'] }), 'invalid admins "al ice": must be a GitHub login'],
      ['admins twice', (c) => woodpeckerServer(c, { admins: ['alice', 'alice'] }), 'invalid admins'],
      ['orgs', (c) => woodpeckerServer(c, { orgs: ['acme,evil'] }), 'invalid orgs "acme,evil": must be a GitHub organisation'],
      ['open', (c) => woodpeckerServer(c, { open: 'yes' as unknown as boolean }), 'invalid open "yes": must be true or false'],
      // woodpecker v3.17.0 server/api/login.go:140,191 registers any forge user when open without orgs, and
      // server/api/repo.go:109-116 lets them activate their own repository when no repoOwners
      ['open without a gate', (c) => woodpeckerServer(c, { open: true }), 'invalid open true: must come with orgs or repoOwners: with neither, ' +
        'any user of the forge may register and activate a repository of their own, whose pipelines then run in the cluster; name who may ' +
        'register (orgs) or whose repositories may be activated (repoOwners), or keep open false and add users as an admin'],
      ['maxConnections', (c) => woodpeckerServer(c, { maxConnections: 25 }), 'invalid maxConnections 25: must be at most the database\'s connectionLimit 24'],
      ['maxConnections zero', (c) => woodpeckerServer(c, { maxConnections: 0 }), 'invalid maxConnections 0'],
      ['ingress with exposure', (c) => woodpeckerServer(c, { ingress: {}, exposure: ServiceExposure.ingress() }),
        'invalid ingress {}: must not be set together with exposure'],
      ['name', (c) => woodpeckerServer(c, { name: 'Woodpecker' }), 'invalid name "Woodpecker"'],
    ];
    test.each(cases)('%s', (_, make, message) => {
      let error: Error | undefined;
      try {
        make(testChart('ci'));
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message.split('\n')).toHaveLength(1);
    });
  });
});
