import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DroneServer, ExternalPostgres, ExternalRedis, GitProvider, Harbor, HarborStorage, IPostgresDatabase, Secret, SslMode, sqlLiteral,
} from '../../lib';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { testChart } from '../util';
import { github } from '../woodpecker/fixtures';
import { cleanEnv } from './datasource-harness';
import { PostgresServer } from './postgres-server';
import { makeTestPki } from './redis-server';
import { containerOf, localCopy, objectOf, providedSecret, render, Rendered, resolveEnv } from './rendered';

/**
 * Each client of an `ExternalPostgres` with `verify-full` and a CA, as rendered, against a real PostgreSQL 15 serving
 * TLS: the CA file its pod mounts and the settings its driver reads, with psql (libpq) standing in for the driver, as
 * each reads them alike. Drone's lib/pq v1.1.0 and Woodpecker's v1.12.3 take `sslmode` and `sslrootcert` from the
 * datasource URL and check the host name under verify-full (v1.1.0 ssl.go:45-46 and :132-140, v1.12.3 ssl.go
 * `ssl`); Harbor's pgconn v1.14.3 takes `sslmode` from its DSN (POSTGRESQL_SSLMODE, goharbor/harbor v2.15.1
 * src/common/dao/pgsql.go:95-96) and the root certificate from PGSSLROOTCERT (config.go:429 parseEnvSettings, :687-688
 * configTLS). Only the mount's directory is swapped for a local one, and the Secret host for the test server's port.
 */

const SUPERUSER = 'superuser-password';
const PASSWORD = 'client-password-7e2d';

describe('ExternalPostgres with verify-full and a CA, as each client renders it, against a server serving TLS', () => {
  let server: PostgresServer;
  let dir: string;
  let pki: ReturnType<typeof makeTestPki>;
  let otherCa: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-datasource-tls-'));
    pki = makeTestPki(dir);
    otherCa = fs.readFileSync(makeTestPki(fs.mkdtempSync(path.join(dir, 'other-'))).caCertPath, 'utf8');
    server = await PostgresServer.start(SUPERUSER, { tls: pki });
    for (const sql of [`CREATE ROLE app LOGIN PASSWORD ${sqlLiteral(PASSWORD)}`, 'CREATE DATABASE app OWNER app']) {
      expect(server.psql('postgres', SUPERUSER, 'postgres', sql).stderr).toBe('');
    }
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The database every client is given: the test server's certificate names localhost. */
  const database = (chart: ReturnType<typeof testChart>, namespace: string): IPostgresDatabase => new ExternalPostgres(chart, 'Db', {
    host: 'localhost', port: server.port, databaseName: 'app', user: 'app', sslMode: SslMode.VERIFY_FULL, connectionLimit: 20,
    password: Secret.fromSecretName(chart, 'Pw', 'app-db', { namespace }).key('password'),
    caCertificate: Secret.fromSecretName(chart, 'Ca', 'app-db-ca', { namespace }).key('root.pem'),
  });
  /** The CA file the container reads at `inPod`, written to a local directory, and that local path. */
  const localCa = (rendered: Rendered, workload: any, container: string, inPod: string): string => localCopy(rendered, workload, container, inPod, dir);
  /** psql with `dbname` (a URL or key/value settings) and `env`, an empty HOME, as in the pod: what it prints or its error. */
  const psql = (dbname: string, env: Record<string, string>) => {
    const r = spawnSync('psql', ['--no-psqlrc', '-XAt', '--dbname', dbname, '-c', 'SELECT current_user || \'@\' || current_database()'], {
      encoding: 'utf8', timeout: 30_000, env: { ...cleanEnv(), HOME: fs.mkdtempSync(path.join(dir, 'home-')), ...env },
    });
    return r.status === 0 ? r.stdout.trim() : r.stderr.trim();
  };
  const secrets = (namespace: string, ca: string) => [providedSecret(namespace, 'app-db', { password: PASSWORD }),
    providedSecret(namespace, 'app-db-ca', { 'root.pem': ca })];

  describe.each([
    ['Drone', 'drone', 'DRONE_DATABASE_DATASOURCE', '/etc/drone/database-ca/ca.crt'],
    ['Woodpecker', 'woodpecker', 'WOODPECKER_DATABASE_DATASOURCE', '/etc/woodpecker/database-ca/ca.crt'],
  ])('%s', (engine, deployment, variable, caPath) => {
    const run = (ca: string) => {
      const chart = testChart('ci');
      const db = database(chart, 'ci');
      if (engine === 'Drone') {
        new DroneServer(chart, 'Drone', {
          host: 'drone.example.com', database: db, admin: 'octocat',
          gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
        });
      } else {
        new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
      }
      const rendered = render(chart, [...secrets('ci', ca), providedSecret('ci', `${deployment}-oauth`, { 'client-secret': 'x' })]);
      const workload = objectOf(rendered, 'Deployment', deployment, 'ci');
      const env = resolveEnv(rendered, workload, 'server');
      const url = env[variable];
      expect(url).toBe(`postgres://app@localhost:${server.port}/app?sslmode=verify-full&sslrootcert=${encodeURIComponent(caPath)}`);
      const local = localCa(rendered, workload, 'server', caPath);
      return psql(url.replace(encodeURIComponent(caPath), encodeURIComponent(local)), { PGPASSWORD: env.PGPASSWORD });
    };

    test('verifies the server against the CA its pod mounts, at the path its URL names', () => {
      expect(run(fs.readFileSync(pki.caCertPath, 'utf8'))).toBe('app@app');
    });

    test('refuses a server another CA vouches for', () => {
      expect(run(otherCa)).toMatch(/certificate verify failed/);
    });
  });

  describe('Harbor core', () => {
    const run = (ca: string) => {
      const chart = testChart('harbor');
      new Harbor(chart, 'Harbor', {
        externalUrl: 'https://registry.example.com', database: database(chart, 'harbor'),
        redis: new ExternalRedis(chart, 'Cache', {
          host: 'valkey.example.com', port: 25061, username: 'default', password: Secret.fromSecretName(chart, 'Valkey', 'valkey').key('password'),
        }),
        storage: HarborStorage.filesystem({ size: '10Gi' }),
      });
      const rendered = render(chart, [...secrets('harbor', ca), providedSecret('harbor', 'valkey', { password: 'v' })]);
      const core = objectOf(rendered, 'Deployment', 'harbor-core', 'harbor');
      expect(containerOf(core, 'core')).toBeDefined();
      const env = resolveEnv(rendered, core, 'core');
      expect([env.POSTGRESQL_HOST, env.POSTGRESQL_SSLMODE, env.PGSSLROOTCERT]).toEqual(['localhost', 'verify-full', '/etc/postgresql-ca/ca.crt']);
      // Harbor's DSN (pgsql.go:95-96), the root certificate from the environment
      const dsn = `host=${env.POSTGRESQL_HOST} port=${env.POSTGRESQL_PORT} user=${env.POSTGRESQL_USERNAME} password=${env.POSTGRESQL_PASSWORD} ` +
        `dbname=${env.POSTGRESQL_DATABASE} sslmode=${env.POSTGRESQL_SSLMODE}`;
      return psql(dsn, { PGSSLROOTCERT: localCa(rendered, core, 'core', env.PGSSLROOTCERT) });
    };

    test('verifies the server against the CA its pod mounts, which PGSSLROOTCERT names', () => {
      expect(run(fs.readFileSync(pki.caCertPath, 'utf8'))).toBe('app@app');
    });

    test('refuses a server another CA vouches for', () => {
      expect(run(otherCa)).toMatch(/certificate verify failed/);
    });
  });
});
