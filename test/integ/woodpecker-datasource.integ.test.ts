import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ExternalPostgres, Postgres, PostgresReconciler, Secret, SecretValue, SslMode, sqlLiteral,
} from '../../lib';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { testChart } from '../util';
import { github } from '../woodpecker/fixtures';
import { PostgresServer } from './postgres-server';
import { mountedFile, objectOf, providedSecret, render, Rendered, resolveCommand, resolveEnv } from './rendered';

/**
 * The Woodpecker server's database settings, as rendered and as its pod would expand them, against a real
 * PostgreSQL: the reconciler Job creates the `woodpecker` role and database as it runs in the cluster, then psql
 * connects with exactly the server's `WOODPECKER_DATABASE_DATASOURCE` (and `PGPASSWORD`, where the password Secret
 * is not generated), the Service host swapped for the test server's.
 *
 * Upstream: woodpecker v3.17.0 opens the datasource with xorm and lib/pq (server/store/datastore/engine.go:35,
 * init.go:21). lib/pq v1.12.3 parses a postgres:// URL with Go's net/url, percent-decoding the password
 * (connector.go:1115-1155), and reads PGPASSWORD below the URL's settings (connector.go:286,552-555); libpq, which psql
 * uses, decodes the URI's userinfo alike (PostgreSQL docs, "Connection URIs": percent-encoding may be used in any part
 * of the URI) and reads PGPASSWORD too. Both default differently without sslmode (lib/pq "require", libpq "prefer"),
 * so the URL always carries it.
 */

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
/** A password with every character that ends or changes a URL's userinfo, and quotes, "$(" and a non-ASCII letter. */
const SPECIAL = 'p@ss:w/rd?#[]%&=+ ;$(HOME)\'"\\é~!*()';
const INPUT = 'DOCKYARD_TEST_WOODPECKER_DB_PASSWORD';

describe('the Woodpecker datasource against a real PostgreSQL', () => {
  let server: PostgresServer;
  let dir: string;
  const superuser = 'superuser-password';

  beforeAll(async () => {
    server = await PostgresServer.start(superuser);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-woodpecker-'));
  });

  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    delete process.env[INPUT];
  });

  /** Run a rendered reconciler Job's script the way its container runs it, against the test server. */
  const reconcile = (rendered: Rendered, job: any, host: string) => {
    const [shell, script] = resolveCommand(rendered, job, 'reconcile');
    const file = path.join(dir, 'reconcile.sh');
    fs.writeFileSync(file, mountedFile(rendered, job, 'reconcile', script));
    const env = resolveEnv(rendered, job, 'reconcile');
    expect(env.PGHOST).toBe(host);
    const result = spawnSync(shell, [file], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env, PGHOST: '127.0.0.1', PGPORT: String(server.port) },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  };

  /** The server container's environment, as the kubelet builds it. */
  const serverEnv = (rendered: Rendered) => resolveEnv(rendered, objectOf(rendered, 'Deployment', 'woodpecker', 'ci'), 'server');

  /** psql connecting with `url` (its host:port swapped for the test server's) and `env`; what it prints. */
  const connect = (url: string, hostPort: string, env: Record<string, string> = {}) => {
    expect(url).toContain(`@${hostPort}/`);
    const local = url.replace(`@${hostPort}/`, `@127.0.0.1:${server.port}/`);
    const r = spawnSync('psql', ['--no-psqlrc', '-XAt', '-v', 'ON_ERROR_STOP=1', '--dbname', local, '-c',
      'CREATE TABLE IF NOT EXISTS probe (id int); SELECT current_user || \'@\' || current_database()'], {
      encoding: 'utf8', timeout: 30_000, env: { ...cleanEnv(), ...env },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim().split('\n').pop();
  };

  test('the in-cluster database: the reconciler creates it, and the datasource logs in to it', () => {
    const chart = testChart('ci');
    const postgres = new Postgres(chart, 'Postgres');
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: postgres.addDatabase('woodpecker') });
    const rendered = render(chart, [
      providedSecret('ci', 'woodpecker-oauth', { 'client-secret': 'oauth-secret' }),
    ]);
    const job = rendered.objects.find((o) => o.kind === 'Job');
    // the reconciler logs in as the superuser whose password the rendered Secret holds: the test server's
    const admin = resolveEnv(rendered, job, 'reconcile');
    expect(server.psql('postgres', superuser, 'postgres', `ALTER ROLE postgres PASSWORD ${sqlLiteral(admin.PGPASSWORD)}`).status).toBe(0);
    try {
      reconcile(rendered, job, 'postgres.ci.svc');
    } finally {
      expect(server.psql('postgres', admin.PGPASSWORD, 'postgres', `ALTER ROLE postgres PASSWORD ${sqlLiteral(superuser)}`).status).toBe(0);
    }
    const env = serverEnv(rendered);
    expect(env.WOODPECKER_DATABASE_DRIVER).toBe('postgres');
    expect(env.WOODPECKER_DATABASE_DATASOURCE).toMatch(/^postgres:\/\/woodpecker:[A-Za-z0-9]{32}@postgres\.ci\.svc:5432\/woodpecker\?sslmode=disable$/);
    expect(connect(env.WOODPECKER_DATABASE_DATASOURCE, 'postgres.ci.svc:5432')).toBe('woodpecker@woodpecker');
  });

  test('a generated password with URL-special characters: percent-encoded in the Secret, decoded by the client', () => {
    process.env[INPUT] = SPECIAL;
    const chart = testChart('ci');
    const password = new Secret(chart, 'Password', {
      name: 'wp-special-password', values: { password: SecretValue.input(INPUT, 'a test password') },
    }).key('password');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'db.example.com', port: 5432, databaseName: 'wp_special', user: 'wp_special', password, sslMode: SslMode.DISABLE,
    });
    new PostgresReconciler(chart, 'Reconciler', {
      name: 'pg-reconcile', host: 'db.example.com', port: 5432, sslMode: 'disable',
      adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'),
    }).addDatabase(db);
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    const rendered = render(chart, [
      providedSecret('ci', 'woodpecker-oauth', { 'client-secret': 'oauth-secret' }),
      providedSecret('ci', 'pg-admin', { password: superuser }),
    ]);
    reconcile(rendered, rendered.objects.find((o) => o.kind === 'Job'), 'db.example.com');
    const url = serverEnv(rendered).WOODPECKER_DATABASE_DATASOURCE;
    // the userinfo holds no raw "@", ":" or "/" of the password: the host stays the database's
    expect(new URL(url).host).toBe('db.example.com:5432');
    expect(decodeURIComponent(new URL(url).password)).toBe(SPECIAL);
    expect(url).not.toContain(SPECIAL);
    expect(connect(url, 'db.example.com:5432')).toBe('wp_special@wp_special');
    // and the raw password in the URL would not have worked
    const raw = spawnSync('psql', ['--no-psqlrc', '-XAt', '--dbname',
      `postgres://wp_special:${SPECIAL}@127.0.0.1:${server.port}/wp_special?sslmode=disable`, '-c', 'SELECT 1'], { encoding: 'utf8', env: cleanEnv() });
    expect(raw.status).not.toBe(0);
  });

  test('an existing password Secret: the URL carries no password, PGPASSWORD does, unescaped', () => {
    expect(server.psql('postgres', superuser, 'postgres', `CREATE ROLE wp_existing LOGIN PASSWORD ${sqlLiteral(SPECIAL)}`).status).toBe(0);
    expect(server.psql('postgres', superuser, 'postgres', 'CREATE DATABASE wp_existing OWNER wp_existing').status).toBe(0);
    const chart = testChart('ci');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'db.example.com', port: 25060, databaseName: 'wp_existing', user: 'wp_existing',
      password: Secret.fromSecretName(chart, 'Password', 'wp-existing').key('password'), sslMode: SslMode.DISABLE,
    });
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    const rendered = render(chart, [
      providedSecret('ci', 'woodpecker-oauth', { 'client-secret': 'oauth-secret' }),
      providedSecret('ci', 'wp-existing', { password: SPECIAL }),
    ]);
    const env = serverEnv(rendered);
    expect(env.WOODPECKER_DATABASE_DATASOURCE).toBe('postgres://wp_existing@db.example.com:25060/wp_existing?sslmode=disable');
    expect(env.PGPASSWORD).toBe(SPECIAL);
    expect(connect(env.WOODPECKER_DATABASE_DATASOURCE, 'db.example.com:25060', { PGPASSWORD: env.PGPASSWORD })).toBe('wp_existing@wp_existing');
  });
});
