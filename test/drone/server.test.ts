import {
  DroneServer, ExternalPostgres, GitProvider, Image, IngressTls, NetworkPeer, Secret, ServerProtocol, SslMode,
} from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
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
    expect(env.DRONE_DATABASE_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-drone', key: 'password' });
    const generated = Secret.allIn(chart).find((s) => s.secretName === 'drone-credentials')!;
    expect(Object.entries(generated.values).map(([k, v]) => `${k}:${v.length}`)).toEqual(['rpc-secret:32', 'cookie-secret:32', 'database-secret:32']);
  });

  test('assembles the DSN from the database with the password expanded from a secret variable', () => {
    const chart = testChart('ci');
    droneServer(chart);
    const c = container(find(synth(chart), 'Deployment', 'drone'));
    const names = c.env.map((e: any) => e.name);
    expect(names.indexOf('DRONE_DATABASE_PASSWORD')).toBeLessThan(names.indexOf('DRONE_DATABASE_DATASOURCE'));
    expect(envOf(c).DRONE_DATABASE_DATASOURCE.value)
      .toBe('host=postgres.ci.svc port=5432 dbname=drone user=drone password=\'$(DRONE_DATABASE_PASSWORD)\' sslmode=disable');
    expect(envOf(c).DRONE_DATABASE_DRIVER.value).toBe('postgres');
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
    expect(env.DRONE_DATABASE_DATASOURCE.value).toBe('host=db.example.com port=25060 dbname=drone user=drone ' +
      'password=\'$(DRONE_DATABASE_PASSWORD)\' sslmode=verify-full sslrootcert=/etc/drone/database-ca/ca.crt');
    expect(env.DRONE_DATABASE_MAX_CONNECTIONS.value).toBe('10');
    expect(deploy.spec.template.spec.volumes).toContainEqual({
      name: 'database-ca', secret: { secretName: 'managed-db', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
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
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
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
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'ca' });
    expect(ingress.spec.tls[0].secretName).toBe('ci-cert');
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

  test('fails on bad props', () => {
    const chart = () => testChart('ci');
    expect(() => droneServer(chart(), { host: 'https://drone.example.com' })).toThrow(/invalid host "https:\/\/drone.example.com"/);
    expect(() => droneServer(chart(), { userFilter: [] })).toThrow('invalid userFilter []: must not be empty');
    expect(() => droneServer(chart(), { userFilter: ['a,b'] })).toThrow('invalid userFilter ["a,b"]: "a,b" must be a git provider user or organisation');
    expect(() => droneServer(chart(), { repositoryFilter: ['x', 'x'] })).toThrow(/invalid repositoryFilter \["x","x"\]: must not repeat "x"/);
    expect(() => droneServer(chart(), { admin: 'a b' })).toThrow('invalid admin "a b": must be a git provider login');
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
