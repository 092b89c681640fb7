import { CI_SERVER_INGRESS_ANNOTATIONS } from '../../lib/ci/server-ingress';
import {
  CHECKSUM_ANNOTATION, DroneServer, ExternalPostgres, GitProvider, Image, IngressTls, IPostgresDatabase, NetworkPeer, Secret, ServerProtocol,
  SslMode,
} from '../../lib';
import { container, envOf, find, repeatedSynths, stderrOf, synth, testChart } from '../util';
import { mostDuringRollout } from '../core/rollout-model';
import { ingressAdmits } from '../team/network-model';
import { droneServer } from './fixtures';

describe('DroneServer', () => {
  test('runs one non-root replica on 8080 with the Recreate strategy and /healthz probes', () => {
    const chart = testChart('ci');
    droneServer(chart);
    const objects = synth(chart);
    const deploy = find(objects, 'Deployment', 'drone', 'ci');
    expect(deploy.spec.replicas).toBe(1);
    expect(deploy.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deploy.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(deploy.spec.template.spec.enableServiceLinks).toBe(false);
    expect(deploy.spec.template.spec.automountServiceAccountToken).toBe(false);
    const c = container(deploy);
    expect(c.image).toBe('docker.io/drone/drone:2.28.2');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(find(objects, 'Service', 'drone').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('never runs two servers over its one database while it rolls, and runners wait out the restart', () => {
    // every Drone server runs the cron scheduler and the zombie reaper (harness v2.28.2 cmd/drone-server/main.go:109-128)
    // and, without Redis, keeps the runners waiting for stages and for cancellations in memory (scheduler/queue/queue.go,
    // canceller.go): two at once would both trigger each cron, and a cancel on one would not reach a runner of the
    // other. Recreate stops the old pod first. Meanwhile a runner retries every call every 10 s on a refused connection or a
    // 502-504 (drone/runner-go v1.12.0 client/http.go:212-249), so the stages it runs go on and report once it is back
    const chart = testChart('ci');
    droneServer(chart);
    const deploy = find(synth(chart), 'Deployment', 'drone', 'ci');
    expect(mostDuringRollout(deploy)).toBe(1);
  });

  test('gives the image\'s one writable path a volume under a read-only root', () => {
    // harness/harness v2.28.2 docker/Dockerfile.server.linux.amd64: no USER, `ENV XDG_CACHE_HOME /data` (the cache
    // the server writes) and `VOLUME /data`; with the root read-only, /data must be a volume or those writes fail
    const chart = testChart('ci');
    droneServer(chart);
    const deploy = find(synth(chart), 'Deployment', 'drone', 'ci');
    const pod = deploy.spec.template.spec;
    const c = container(deploy);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const data = c.volumeMounts.find((m: any) => m.mountPath === '/data');
    expect(data).toBeDefined();
    expect(data.readOnly).toBeUndefined();
    expect(pod.volumes.find((v: any) => v.name === data.name).emptyDir).toBeDefined();
  });

  test('sets the server, security and telemetry environment', () => {
    const chart = testChart('ci');
    droneServer(chart, { userFilter: ['acme', 'alice'], repositoryFilter: ['acme'], admin: 'alice' });
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone')));
    expect(env.DRONE_SERVER_HOST.value).toBe('drone.example.com');
    expect(env.DRONE_SERVER_PROTO.value).toBe('https');
    expect(env.DRONE_SERVER_PORT.value).toBe(':8080');
    expect(env.DRONE_DATADOG_ENABLED.value).toBe('false');
    expect(env.DRONE_COOKIE_SECURE.value).toBe('true');
    expect(env.DRONE_USER_FILTER.value).toBe('acme,alice');
    expect(env.DRONE_REPOSITORY_FILTER.value).toBe('acme');
    // the filter gates registration: closed registration would refuse its members too
    expect(env.DRONE_REGISTRATION_CLOSED.value).toBe('false');
    expect(env.DRONE_USER_CREATE.value).toBe('username:alice,admin:true');
  });

  test('reads every credential from a Secret, generating the internal ones', () => {
    const chart = testChart('ci');
    droneServer(chart);
    const env = envOf(container(find(synth(chart), 'Deployment', 'drone')));
    expect(env.DRONE_RPC_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'drone-credentials', key: 'rpc-secret' });
    expect(env.DRONE_COOKIE_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'drone-credentials', key: 'cookie-secret' });
    expect(env.DRONE_DATABASE_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'drone-credentials', key: 'database-secret' });
    expect(env.DRONE_GITHUB_CLIENT_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'drone-oauth', key: 'client-secret' });
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-drone', key: 'password' });
    const generated = Secret.allIn(chart).find((s) => s.secretName === 'drone-credentials')!;
    expect(Object.entries(generated.values).map(([k, v]) => `${k}:${v.length}`)).toEqual(['rpc-secret:32', 'cookie-secret:32', 'database-secret:32']);
  });

  test('encrypts the secret store only: no user-table encryption, no mixed mode', () => {
    // harness/harness v2.28.2: cmd/drone-server/inject_store.go:157-180 gives the user store the DRONE_DATABASE_SECRET
    // encrypter only with DRONE_DATABASE_ENCRYPT_USER_TABLE, so the users' OAuth tokens stay in clear
    // (store/user/scan.go:27-53). Turned on over rows stored in clear, each fails to decrypt (scan.go:81-88,
    // store/shared/encrypt/aesgcm.go:54-79) and nobody logs in; DRONE_DATABASE_ENCRYPT_MIXED_MODE avoids that but sets
    // Compat on the encrypter the secret store shares (inject_store.go:81-86), which then returns any value that fails
    // to decrypt as it is (aesgcm.go:71-78): under a wrong database-secret, ciphertext passed to pipelines as secrets.
    const chart = testChart('ci');
    droneServer(chart);
    const c = container(find(synth(chart), 'Deployment', 'drone'));
    expect(c.image).toMatch(/^docker\.io\/drone\/drone:2\.28\.2(@|$)/);
    const names = (c.env as any[]).map((e) => e.name);
    expect(names).toContain('DRONE_DATABASE_SECRET');
    expect(names.filter((n) => n.startsWith('DRONE_DATABASE_ENCRYPT'))).toEqual([]);
    expect(c.envFrom).toBeUndefined();
  });

  test('the datasource is a postgres:// URL without the password, which Drone reads from PGPASSWORD', () => {
    // Drone 2.28.2 opens DRONE_DATABASE_DATASOURCE with lib/pq v1.1.0 (harness v2.28.2 store/shared/db/conn.go:22-23,
    // go.mod:44), which reads PGPASSWORD below the DSN's settings (lib/pq v1.1.0 conn.go:1828, connector.go:56-69) but
    // loses a password with white space other than " " from a URL (url.go:43-47, conn.go:453-465): see
    // test/postgres/datasource.test.ts, which runs the URL through a port of that lib/pq
    const chart = testChart('ci');
    droneServer(chart);
    const c = container(find(synth(chart), 'Deployment', 'drone'));
    const env = envOf(c);
    expect(env.DRONE_DATABASE_DRIVER.value).toBe('postgres');
    expect(env.DRONE_DATABASE_DATASOURCE).toEqual({
      name: 'DRONE_DATABASE_DATASOURCE', value: 'postgres://drone@postgres.ci.svc:5432/drone?sslmode=disable',
    });
    expect(env.PGPASSWORD).toEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'postgres-drone', key: 'password' } } });
    // no credential is a literal, none is spliced into another value by $(NAME), and PGPASSWORD is the only PG*
    // variable: lib/pq v1.1.0 panics on some others (conn.go:1807-1809)
    for (const e of c.env) {
      expect({ name: e.name, reference: /\$\(/.test(e.value ?? '') }).toEqual({ name: e.name, reference: false });
      if (/SECRET|PASSWORD|TOKEN/.test(e.name)) expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
    }
    expect(c.env.map((e: any) => e.name).filter((n: string) => n.startsWith('PG'))).toEqual(['PGPASSWORD']);
    expect(env.DRONE_DATABASE_PASSWORD).toBeUndefined();
    // the URL holds no credential, so no Secret holds it
    expect(Secret.allIn(chart).map((s) => s.secretName)).not.toContain('drone-database');
  });

  test('rolls the server when a generated database password changes: the pod reads it from the Secret', () => {
    // the inputs checksum covers every secretKeyRef of the pod (lib/core/checksum.ts, test/core/checksum.test.ts),
    // with a digest of a generated value; of an existing Secret only the name, so its rotation needs a restart
    const synths = repeatedSynths((chart) => droneServer(chart));
    try {
      const checksum = (rotate: string[] = []) =>
        find(synths.run(rotate), 'Deployment', 'drone').spec.template.metadata.annotations[CHECKSUM_ANNOTATION];
      const before = checksum();
      expect(checksum()).toBe(before);
      expect(checksum(['ci/postgres-drone/password'])).not.toBe(before);
    } finally {
      synths.done();
    }
  });

  test('uses an external database with TLS, a CA bundle and a connection limit', () => {
    const chart = testChart('ci');
    const creds = Secret.fromSecretName(chart, 'Db', 'managed-db');
    const database = new ExternalPostgres(chart, 'Managed', {
      host: 'db.example.com', port: 25060, databaseName: 'drone', user: 'drone', password: creds.key('password'),
      sslMode: SslMode.VERIFY_FULL, caCertificate: creds.key('ca.crt'), connectionLimit: 10,
    });
    droneServer(chart, { database });
    const deploy = find(synth(chart), 'Deployment', 'drone');
    const env = envOf(container(deploy));
    expect(env.DRONE_DATABASE_DATASOURCE.value)
      .toBe('postgres://drone@db.example.com:25060/drone?sslmode=verify-full&sslrootcert=%2Fetc%2Fdrone%2Fdatabase-ca%2Fca.crt');
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'managed-db', key: 'password' });
    expect(env.DRONE_DATABASE_MAX_CONNECTIONS.value).toBe('10');
    expect(container(deploy).volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/drone/database-ca', readOnly: true });
    expect(deploy.spec.template.spec.volumes).toContainEqual({
      name: 'database-ca', secret: { secretName: 'managed-db', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
  });

  test('refuses, in one line, a database host that a URL cannot carry', () => {
    // IPostgresDatabase may come from anywhere; ExternalPostgres checks the host itself
    const chart = testChart('ci');
    const database: IPostgresDatabase = {
      host: 'db$(PGPASSWORD).example.com', port: 5432, databaseName: 'drone', user: 'drone',
      password: Secret.fromSecretName(chart, 'Db', 'db').key('password'), sslMode: SslMode.REQUIRE, grantConnect: () => undefined,
    };
    expect(() => droneServer(chart, { database })).toThrow(/^invalid database\.host "db\$\(PGPASSWORD\)\.example\.com": must be a lower-case DNS host name/);
  });

  test('refuses, in one line naming the prop, a database user or name that Drone\'s lib/pq v1.1.0 cannot read from the URL', () => {
    // lib/pq v1.1.0 url.go:43-47 escapes only " ", "'" and "\\", and conn.go:453-465 ends a value at other white space;
    // an IPostgresDatabase implemented elsewhere is not held to checkIdentifier as ExternalPostgres is
    const db = (chart: ReturnType<typeof testChart>, user: string, databaseName: string): IPostgresDatabase => ({
      host: 'db.example.com', port: 5432, databaseName, user,
      password: Secret.fromSecretName(chart, 'Db', 'db').key('password'), sslMode: SslMode.REQUIRE, grantConnect: () => undefined,
    });
    const userChart = testChart('ci');
    expect(() => droneServer(userChart, { database: db(userChart, 'drone\tci', 'drone') }))
      .toThrow(/^invalid database\.user "drone\\tci": must be a non-empty string of valid Unicode without NUL or white space other than " ": /);
    const nameChart = testChart('ci');
    expect(() => droneServer(nameChart, { database: db(nameChart, 'drone', 'drone\u00a0db') }))
      .toThrow(/^invalid database\.databaseName "drone\u00a0db": must be a non-empty string of valid Unicode without NUL/);
  });

  test('wires each git provider', () => {
    const cases: [GitProvider, Record<string, string>][] = [];
    const chart = testChart('ci');
    const secret = Secret.fromSecretName(chart, 'OAuth', 'oauth').key('s');
    cases.push([GitProvider.gitlab({ clientId: 'id', clientSecret: secret, server: 'https://gitlab.example.com' }),
      { DRONE_GITLAB_SERVER: 'https://gitlab.example.com', DRONE_GITLAB_CLIENT_ID: 'id' }]);
    cases.push([GitProvider.gitea({ clientId: 'id', clientSecret: secret, server: 'https://gitea.example.com' }),
      { DRONE_GITEA_SERVER: 'https://gitea.example.com', DRONE_GITEA_CLIENT_ID: 'id' }]);
    cases.push([GitProvider.bitbucketCloud({ clientId: 'id', clientSecret: secret }), { DRONE_BITBUCKET_CLIENT_ID: 'id' }]);
    cases.push([GitProvider.github({ clientId: 'id', clientSecret: secret }), { DRONE_GITHUB_SERVER: 'https://github.com' }]);
    for (const [provider, expected] of cases) {
      const c = testChart('ci');
      droneServer(c, { gitProvider: provider });
      const env = envOf(container(find(synth(c), 'Deployment', 'drone')));
      for (const [k, v] of Object.entries(expected)) {
        expect(env[k].value).toBe(v);
      }
      expect(env[`DRONE_${provider.kind}_CLIENT_SECRET`].valueFrom.secretKeyRef).toEqual({ name: 'oauth', key: 's' });
    }
  });

  test('exposes the UI through an Ingress with cert-manager TLS and admits the ingress controller', () => {
    const chart = testChart('ci');
    const server = droneServer(chart, { ingress: { className: 'nginx', tls: IngressTls.certManager('letsencrypt'), controllerNamespace: 'ingress' } });
    const objects = synth(chart);
    const ingress = find(objects, 'Ingress', 'drone');
    // with what a CI server's webhooks and log streams need from ingress-nginx: GitHub's webhook payloads reach 25 MB
    // (its docs: "Payloads are capped at 25 MB"), and Drone's log stream may stay silent past nginx's 60 s read timeout
    // (harness v2.28.2 handler/api/events/logs.go writes its keep-alive without flushing)
    expect(ingress.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/proxy-body-size': '25m', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
    });
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['drone.example.com'], secretName: 'drone-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'drone', port: { name: 'http' } } });
    expect(server.tlsSecretName).toBe('drone-tls');
    expect(find(objects, 'NetworkPolicy', 'drone').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }], ports: [{ protocol: 'TCP', port: 8080 }],
    });
  });

  test('uses an existing TLS Secret or a namespaced issuer', () => {
    const a = testChart('ci');
    droneServer(a, { ingress: { tls: IngressTls.secret('wildcard-tls') } });
    expect(find(synth(a), 'Ingress', 'drone').spec.tls[0].secretName).toBe('wildcard-tls');
    const b = testChart('ci');
    droneServer(b, { ingress: { tls: IngressTls.certManager('ca', { namespacedIssuer: true, secretName: 'ci-cert' }) } });
    const ingress = find(synth(b), 'Ingress', 'drone');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'ca', ...CI_SERVER_INGRESS_ANNOTATIONS });
    expect(ingress.spec.tls[0].secretName).toBe('ci-cert');
    // an issuer given by hand beside the TLS's would reach cert-manager as two issuers, one of them ignored
    expect(() => droneServer(testChart('ci'), { ingress: { tls: IngressTls.certManager('letsencrypt'), annotations: { 'cert-manager.io/issuer': 'ca' } } }))
      .toThrow(new Error('invalid annotations "cert-manager.io/issuer": must not set a cert-manager annotation with tls: IngressTls.certManager, ' +
        'which sets cert-manager.io/cluster-issuer; give the issuer there'));
    // other annotations, and cert-manager's without certManager TLS, are the user's
    const c = testChart('ci');
    droneServer(c, { ingress: { tls: IngressTls.secret('wildcard-tls'), annotations: { 'cert-manager.io/issuer': 'ca' } } });
    expect(find(synth(c), 'Ingress', 'drone').metadata.annotations['cert-manager.io/issuer']).toBe('ca');
  });

  test('grants the database to the server and exposes RPC details derived from its Service', () => {
    const chart = testChart('ci');
    const server = droneServer(chart, { name: 'drone-main', protocol: ServerProtocol.HTTP, image: Image.of('drone/drone:2.24.0') });
    expect(server.rpcHost).toBe('drone-main.ci.svc:8080');
    expect(server.rpcProtocol).toBe('http');
    expect(server.url).toBe('http://drone.example.com');
    server.grantRpc(NetworkPeer.namespace('elsewhere'));
    const objects = synth(chart);
    expect(container(find(objects, 'Deployment', 'drone-main')).image).toBe('docker.io/drone/drone:2.24.0');
    expect(envOf(container(find(objects, 'Deployment', 'drone-main'))).DRONE_COOKIE_SECURE.value).toBe('false');
    const admitted = find(objects, 'NetworkPolicy', 'postgres').spec.ingress.flatMap((r: any) => r.from)
      .map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/instance']);
    expect(admitted).toContain('drone-main');
    expect(find(objects, 'NetworkPolicy', 'drone-main').spec.ingress).toHaveLength(1);
  });

  test('warns of a single-label host, which a forge cannot send webhooks or logins back to', () => {
    // harness v2.28.2 cmd/drone-server/config/config.go:536-537 builds Server.Addr from the host alone, unchecked; the
    // OAuth callback is Addr + "/login" (inject_login.go:73) and the webhook target Proxy.Addr + "/hook"
    // (inject_service.go:88, service/hook/hook.go:55): "drone" resolves only through a resolver's search domains
    const warned = (host: string) => stderrOf(() => droneServer(testChart('ci'), { host }));
    expect(warned('drone')).toBe('dockyard: warning: DroneServer host "drone" is a single DNS label: the forge sends webhooks to ' +
      'https://drone/hook and users\' browsers back to /login there, a name that resolves only through a resolver\'s search domains and never ' +
      'from a public forge (github.com, gitlab.com); give the fully qualified name, such as "drone.example.com"\n');
    expect(warned('localhost:8080')).toMatch(/^dockyard: warning: DroneServer host "localhost:8080" is a single DNS label: the forge sends webhooks to https:\/\/localhost:8080\/hook /);
    expect(warned('drone.example.com')).toBe('');
    expect(warned('drone.example.com:8443')).toBe('');
  });

  test('fails on bad props', () => {
    const chart = () => testChart('ci');
    expect(() => droneServer(chart(), { host: 'https://drone.example.com' })).toThrow(/invalid host "https:\/\/drone.example.com"/);
    expect(() => droneServer(chart(), { userFilter: [] })).toThrow('invalid userFilter []: must not be empty');
    // one account as a string, not a list of one
    expect(() => droneServer(chart(), { userFilter: 'acme' as unknown as string[] }))
      .toThrow(new Error('invalid userFilter "acme": must be a list of git provider users or organisations'));
    expect(() => droneServer(chart(), { userFilter: ['a,b'] })).toThrow('invalid userFilter ["a,b"]: "a,b" must be a git provider user or organisation');
    expect(() => droneServer(chart(), { userFilter: ['https://u:ghp_TOKEN@github.com/acme'] })).toThrow(new Error('invalid userFilter ' +
      '["https://<redacted>@github.com/acme"]: "https://<redacted>@github.com/acme" must be a git provider user or organisation'));
    expect(() => droneServer(chart(), { repositoryFilter: ['x', 'x'] })).toThrow(/invalid repositoryFilter \["x","x"\]: must not repeat "x"/);
    expect(() => droneServer(chart(), { admin: 'a b' })).toThrow('invalid admin "a b": must be a git provider login: letters, digits, ".", "_" ' +
      'and "-", starting with a letter or digit (each forge\'s own rule is narrower: the README\'s DOCKYARD_ADMIN row gives them)');
    // DRONE_SERVER_PROTO is the scheme of the server URL (harness v2.28.2 cmd/drone-server/config/config.go:256), http or https
    expect(() => droneServer(chart(), { protocol: 'ftp' as ServerProtocol })).toThrow(/^invalid protocol "ftp": must be one of https, http/);
    expect(() => droneServer(chart(), { name: 'Drone' })).toThrow(/invalid name "Drone"/);
    expect(() => droneServer(chart(), { ingress: { tls: IngressTls.certManager('Bad Issuer') } })).toThrow(/invalid issuer "Bad Issuer"/);
    const secret = Secret.fromSecretName(testChart(), 'S', 's').key('k');
    expect(() => GitProvider.github({ clientId: '', clientSecret: secret })).toThrow('invalid clientId "": must be an OAuth client ID: 1 to 255 letters, digits, ".", "_", "~" or "-"');
    expect(() => GitProvider.gitea({ clientId: 'x', clientSecret: secret, server: 'gitea.example.com' })).toThrow(/invalid server "gitea.example.com"/);
  });

  test('DroneServer.IMAGE is pinned', () => {
    expect(DroneServer.IMAGE.tag).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('DroneServer: someone can always log in', () => {
  // harness v2.28.2: the only user Drone creates itself is DRONE_USER_CREATE's (cmd/drone-server/bootstrap/bootstrap.go),
  // and closed registration admits no new user (plugin/admission/open.go:41-46)
  test('refuses closed registration without an admin, naming admin and what would do', () => {
    const chart = testChart('ci');
    expect(() => droneServer(chart, { admin: undefined })).toThrow(new Error('missing admin: must be set when registration is closed ' +
      '(no userFilter): without it nobody can log in; give the first admin\'s login, a userFilter, or registrationClosed: false to let any ' +
      'account of the forge register'));
  });

  test('accepts no admin when registration is open: by a filter, or on purpose', () => {
    const filtered = values(find(synth(withServer({ admin: undefined, userFilter: ['acme'] })), 'Deployment', 'drone'));
    expect([filtered.DRONE_REGISTRATION_CLOSED, filtered.DRONE_USER_CREATE]).toEqual(['false', undefined]);
    const open = values(find(synth(withServer({ admin: undefined, registrationClosed: false })), 'Deployment', 'drone'));
    expect(open.DRONE_REGISTRATION_CLOSED).toBe('false');
  });
});

function withServer(props: Parameters<typeof droneServer>[1]) {
  const chart = testChart('ci');
  droneServer(chart, props);
  return chart;
}

function values(workload: any): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(envOf(container(workload))).map(([k, v]: [string, any]) => [k, v.value]));
}

describe('DroneServer metrics', () => {
  // harness v2.28.2: /metrics is mounted on the one router of port 8080, beside /api, /rpc and the web UI
  // (cmd/drone-server/inject_server.go:63-77, DRONE_SERVER_PORT); metric/handler.go:43-52 serves it to anyone with
  // DRONE_PROMETHEUS_ANONYMOUS_ACCESS (config.go:173, default false), else 401 without a user and 403 unless the user
  // is an admin or a machine user. The user comes from the `Authorization: Bearer <token>` header or `access_token`
  // (session/session.go:70-79,99-113), looked up by the token (FindToken). A machine user cannot log in through the
  // forge (handler/web/login.go:134-135); an admin creates one with a token of its choice (handler/api/users/create.go:
  // 47-58, `drone user add --machine --token`, drone-cli drone/user/user_add.go).
  const PROM = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
  const prometheus = { ip: '10.1.0.9', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };
  const serverLabels = { 'app.kubernetes.io/name': 'drone', 'app.kubernetes.io/instance': 'drone', 'app.kubernetes.io/component': 'server' };
  const serverPod = { ip: '10.1.0.2', namespace: 'ci', podLabels: serverLabels };

  test('off by default: the scrapers reach nothing, and no token or ServiceMonitor is made', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const objects = synth(chart);
    expect(ingressAdmits(objects, prometheus, serverPod, 8080)).toBe(false);
    expect(server.metricsToken).toBeUndefined();
    expect(Secret.allIn(chart).map((s) => s.secretName)).not.toContain('drone-metrics-token');
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
  });

  test('admits the scrapers to port 8080 alone, keeps anonymous access off and rolls no pod', () => {
    const chart = testChart('ci');
    droneServer(chart, { metrics: { scrapers: [PROM] } });
    const objects = synth(chart);
    // the only port Drone listens on: it serves the API too, which asks the scrapers for a token like anyone
    expect(ingressAdmits(objects, prometheus, serverPod, 8080)).toBe(true);
    expect(ingressAdmits(objects, prometheus, serverPod, 8081)).toBe(false);
    expect(ingressAdmits(objects, { ip: '10.1.0.4', namespace: 'monitoring', podLabels: { app: 'grafana' } }, serverPod, 8080)).toBe(false);
    const deploy = find(objects, 'Deployment', 'drone', 'ci');
    const env = envOf(container(deploy));
    // anonymous access would open /metrics to everyone the Ingress serves
    expect(env.DRONE_PROMETHEUS_ANONYMOUS_ACCESS).toBeUndefined();
    // the token is Drone's to look up in its database, not the server's to read: the pod is the same as without metrics
    const plain = testChart('ci');
    droneServer(plain);
    expect(deploy).toEqual(find(synth(plain), 'Deployment', 'drone', 'ci'));
  });

  test('generates the machine user\'s token in a Secret, which the ServiceMonitor references and never holds', () => {
    const chart = testChart('ci');
    const server = droneServer(chart, { metrics: { scrapers: [PROM], serviceMonitor: true, interval: '30s', serviceMonitorLabels: { release: 'kube-prometheus-stack' } } });
    const objects = synth(chart);
    const generated = Secret.allIn(chart).find((s) => s.secretName === 'drone-metrics-token')!;
    expect(generated.namespace).toBe('ci');
    expect(Object.entries(generated.values).map(([k, v]) => `${k}:${v.length}`)).toEqual(['token:32']);
    expect(server.metricsToken?.toString()).toBe('ci/drone-metrics-token#token');
    const monitor = find(objects, 'ServiceMonitor', 'drone');
    expect(monitor).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'drone', namespace: 'ci', labels: { release: 'kube-prometheus-stack', ...serverLabels } },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        // prometheus-operator v0.93.0 pkg/apis/monitoring/v1/prometheus_types.go:2576-2588 (SafeAuthorization: the
        // Secret in the monitor's namespace, "Bearer" the default type); http_config.go:92-102 deprecates bearerTokenSecret
        endpoints: [{
          port: 'http', path: '/metrics', interval: '30s',
          authorization: { type: 'Bearer', credentials: { name: 'drone-metrics-token', key: 'token' } },
        }],
        selector: { matchLabels: serverLabels },
      },
    });
    // the Service it selects is the server's, with the port it names
    expect(find(objects, 'Service', 'drone').metadata.labels).toMatchObject(serverLabels);
    expect(find(objects, 'Service', 'drone').spec.ports.map((p: any) => p.name)).toEqual(['http']);
  });

  test('takes the token from an existing Secret of the server\'s namespace, and refuses one elsewhere', () => {
    const chart = testChart('ci');
    const token = Secret.fromSecretName(chart, 'PromToken', 'prometheus-drone', { namespace: 'ci' }).key('token');
    const server = droneServer(chart, { metrics: { scrapers: [PROM], serviceMonitor: true, token } });
    const objects = synth(chart);
    expect(server.metricsToken).toBe(token);
    expect(Secret.allIn(chart).map((s) => s.secretName)).not.toContain('drone-metrics-token');
    expect(find(objects, 'ServiceMonitor', 'drone').spec.endpoints[0].authorization).toEqual({ type: 'Bearer', credentials: { name: 'prometheus-drone', key: 'token' } });
    // the operator reads the credentials from the monitor's namespace only
    const elsewhere = testChart('ci');
    const far = Secret.fromSecretName(elsewhere, 'PromToken', 'prometheus-drone', { namespace: 'monitoring' }).key('token');
    expect(() => droneServer(elsewhere, { metrics: { scrapers: [PROM], serviceMonitor: true, token: far } })).toThrow(/^invalid secret "monitoring\/prometheus-drone": .*namespace "ci"/);
  });

  test.each([
    ['no scrapers', { scrapers: [] }, /^invalid metrics\.scrapers \[\]: must be a non-empty list of NetworkPeer/],
    ['the whole address space', { scrapers: [NetworkPeer.ipBlock('0.0.0.0/0')] },
      /^invalid metrics\.scrapers "0\.0\.0\.0\/0": must not be the whole address space: port 8080 serves the whole API and the web UI, so name the Prometheus pods/],
    ['a bad interval', { scrapers: [PROM], serviceMonitor: true, interval: '30' }, /^invalid metrics\.interval "30": must be a Prometheus duration such as "30s" or "1m"$/],
    ['an interval without a ServiceMonitor', { scrapers: [PROM], interval: '30s' }, /^invalid metrics\.serviceMonitor false: must be true to set interval or serviceMonitorLabels$/],
    ['a token that is not a SecretKey', { scrapers: [PROM], token: 'hunter2' }, /^invalid metrics\.token <redacted>: must be a SecretKey, e\.g\. Secret\.fromSecretName/],
  ])('refuses %s in one line', (_, metrics, message) => {
    expect(() => droneServer(testChart('ci'), { metrics: metrics as any })).toThrow(message);
  });

  test('never prints a plaintext token in its message', () => {
    expect(() => droneServer(testChart('ci'), { metrics: { scrapers: [PROM], token: 'hunter2-secret-token' as any } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2-secret-token') }));
  });
});
