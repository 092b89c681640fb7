import { NetworkPeer, Postgres, Secret, SslMode } from '../../lib';
import { ExternalPostgres } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';

describe('Postgres', () => {
  const build = () => {
    const chart = testChart('data');
    const postgres = new Postgres(chart, 'Postgres', { storageSize: '20Gi', storageClassName: 'fast', maxConnections: 50 });
    return { chart, postgres };
  };

  test('renders a single-replica StatefulSet of the official image as UID 999 with a volume claim', () => {
    const { chart } = build();
    const sts = find(synth(chart), 'StatefulSet', 'postgres', 'data');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('postgres');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } },
    });
    const c = container(sts);
    expect(c.image).toBe('docker.io/library/postgres:17.9-bookworm');
    expect(c.args).toEqual(['postgres', '-c', 'max_connections=50']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp', '/docker-entrypoint-initdb.d']);
    expect(c.readinessProbe.exec.command).toEqual(['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=postgres']);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(300);
  });

  test('takes the superuser password from a generated Secret and keeps PGDATA below the mount root', () => {
    const { chart } = build();
    const env = envOf(container(find(synth(chart), 'StatefulSet', 'postgres')));
    expect(env.POSTGRES_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-superuser', key: 'password' });
    expect(env.PGDATA.value).toBe('/var/lib/postgresql/data/pgdata');
    expect(Secret.allIn(chart).map((s) => s.secretName)).toEqual(['postgres-superuser']);
  });

  test('addDatabase adds a role password Secret, an env var and a line of the init script, without secrets in the ConfigMap', () => {
    const { chart, postgres } = build();
    const db = postgres.addDatabase('drone', { connectionLimit: 10 });
    expect(db).toMatchObject({ host: 'postgres.data.svc', port: 5432, databaseName: 'drone', user: 'drone', sslMode: SslMode.DISABLE, connectionLimit: 10 });
    expect(db.password.toString()).toBe('data/postgres-drone#password');
    const objects = synth(chart);
    const env = envOf(container(find(objects, 'StatefulSet', 'postgres')));
    expect(env.DOCKYARD_DB_DRONE_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-drone', key: 'password' });
    const script = find(objects, 'ConfigMap', 'postgres-init').data['10-dockyard-databases.sh'];
    expect(script).toContain('create_database drone drone "$DOCKYARD_DB_DRONE_PASSWORD" 10');
    expect(script).toContain("psql_admin -c 'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC'");
    const init = find(objects, 'StatefulSet', 'postgres').spec.template.spec.volumes.find((v: any) => v.name === 'init');
    expect(init.configMap.defaultMode).toBe(0o555);
  });

  test('admits only granted clients and denies all egress', () => {
    const { chart, postgres } = build();
    const db = postgres.addDatabase('app');
    const policy = () => find(synth(chart), 'NetworkPolicy', 'postgres');
    expect(policy().spec.ingress).toEqual([]);
    expect(policy().spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy().spec.egress).toEqual([]);
    db.grantConnect(NetworkPeer.pods('apps', { app: 'x' }));
    db.grantConnect(NetworkPeer.pods('apps', { app: 'x' }));
    postgres.grantConnect(NetworkPeer.namespace('jobs'));
    expect(policy().spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'x' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'jobs' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('fails on duplicate or reserved databases and users', () => {
    const { postgres } = build();
    postgres.addDatabase('drone');
    expect(() => postgres.addDatabase('drone')).toThrow('invalid databaseName "drone": must be unique on postgres, and so must its user "drone"');
    expect(() => postgres.addDatabase('other', { user: 'drone' })).toThrow(/must be unique on postgres/);
    expect(() => postgres.addDatabase('postgres')).toThrow('invalid databaseName "postgres": must not be "postgres", which belongs to the superuser');
    expect(() => postgres.addDatabase('Bad-Name')).toThrow(/invalid databaseName "Bad-Name": must be a PostgreSQL identifier/);
    expect(() => postgres.addDatabase('x', { user: '1x' })).toThrow(/invalid user "1x"/);
  });

  test('fails when connection limits exceed what max_connections leaves for clients', () => {
    const { postgres } = build();
    postgres.addDatabase('a', { connectionLimit: 40 });
    expect(() => postgres.addDatabase('b', { connectionLimit: 8 }))
      .toThrow('invalid connectionLimit 8: the databases of postgres would need 48 connections, but maxConnections 50 leaves 47 for clients');
    expect(() => postgres.addDatabase('c', { connectionLimit: 0 })).toThrow('invalid connectionLimit 0: must be an integer of at least 1');
  });

  test('fails on bad props', () => {
    const chart = testChart();
    expect(() => new Postgres(chart, 'A', { name: 'Pg' })).toThrow(/invalid name "Pg"/);
    expect(() => new Postgres(chart, 'B', { storageSize: '10GB' })).toThrow(/invalid storageSize "10GB"/);
    expect(() => new Postgres(chart, 'C', { maxConnections: 2 })).toThrow('invalid maxConnections 2: must be an integer from 5 to 10000');
  });
});

describe('ExternalPostgres', () => {
  test('describes a managed database, defaulting to port 5432 and sslmode require', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const db = new ExternalPostgres(chart, 'Db', { host: 'db.example.com', databaseName: 'drone', user: 'drone', password, connectionLimit: 22 });
    expect(db).toMatchObject({ host: 'db.example.com', port: 5432, sslMode: SslMode.REQUIRE, connectionLimit: 22 });
    db.grantConnect(NetworkPeer.namespace('x'));
    expect(synth(chart)).toEqual([]);
  });

  test('fails on bad props', () => {
    const chart = testChart();
    const password = Secret.fromSecretName(chart, 'Pw', 'db').key('password');
    const base = { host: 'db.example.com', databaseName: 'drone', user: 'drone', password };
    expect(() => new ExternalPostgres(chart, 'A', { ...base, host: 'postgres://db' })).toThrow(/invalid host "postgres:\/\/db"/);
    expect(() => new ExternalPostgres(chart, 'B', { ...base, port: 70000 })).toThrow(/invalid port 70000/);
    expect(() => new ExternalPostgres(chart, 'C', { ...base, sslMode: SslMode.VERIFY_FULL }))
      .toThrow('invalid caCertificate undefined: must be set when sslMode is "verify-full"');
    expect(() => new ExternalPostgres(chart, 'D', { ...base, connectionLimit: 0 })).toThrow(/invalid connectionLimit 0/);
    expect(() => new ExternalPostgres(chart, 'E', { ...base, databaseName: 'a b' })).toThrow(/invalid databaseName "a b"/);
    expect(() => new ExternalPostgres(chart, 'F', { ...base, host: '$(DRONE_DATABASE_PASSWORD)' }))
      .toThrow('invalid host "$(DRONE_DATABASE_PASSWORD)": must be a lower-case DNS host name or an IP address, without scheme, port or path');
    expect(() => new ExternalPostgres(chart, 'G', { ...base, sslMode: 'prefer' as SslMode }))
      .toThrow('invalid sslMode "prefer": must be one of disable, require, verify-ca, verify-full');
    expect(() => new ExternalPostgres(chart, 'H', { ...base, user: 'drone password=x' })).toThrow(/^invalid user "drone password=x": must be a PostgreSQL identifier/);
    expect(new ExternalPostgres(chart, 'I', { ...base, host: '10.20.0.7' }).host).toBe('10.20.0.7');
  });
});
