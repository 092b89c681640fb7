import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Postgres } from '../../lib';
import { inClusterHarbor } from '../harbor/fixtures';
import { testChart } from '../util';
import { PostgresServer } from './postgres-server';
import { mountedFile, objectOf, render, Rendered, resolveCommand, resolveEnv, secretKey, withMountedFiles } from './rendered';

/**
 * The in-cluster PostgreSQL of a Harbor, as rendered: its reconciler Job's command runs against a real server with
 * the Job's resolved environment, then Harbor core (and the exporter) connect exactly as they would from their own resolved
 * environment, only host and port swapped for the test server's.
 */

const NS = 'harbor';

/** The calling process's environment without libpq variables, so only what a test passes steers psql. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

/**
 * Harbor's DSN (src/common/dao/pgsql.go): `host=%s port=%s user=%s password=%s dbname=%s sslmode=%s timezone=UTC`,
 * unquoted, so every value must be free of spaces, quotes and backslashes.
 */
function harborDsn(c: { host: string; port: string; user: string; password: string; database: string; sslmode: string }): string {
  for (const [k, v] of Object.entries(c)) {
    if (!v || /[\s'"\\]/.test(v)) throw new Error(`${k} ${JSON.stringify(v)} would break Harbor's unquoted DSN`);
  }
  return `host=${c.host} port=${c.port} user=${c.user} password=${c.password} dbname=${c.database} sslmode=${c.sslmode} timezone=UTC`;
}

/**
 * Run `sql` through psql with a Harbor DSN. Harbor's driver (pgx) sends keys it does not know, such as `timezone`,
 * as run-time parameters; libpq rejects them, so `timezone` goes to libpq's equivalent, PGTZ.
 */
function psql(dsn: string, sql: string): SpawnSyncReturns<string> {
  const tz = / timezone=(\S+)$/.exec(dsn);
  const libpqDsn = tz ? dsn.slice(0, tz.index) : dsn;
  return spawnSync('psql', ['--no-psqlrc', '-XAt', '-v', 'ON_ERROR_STOP=1', '--dbname', libpqDsn, '-c', sql], {
    encoding: 'utf8', env: { ...cleanEnv(), ...(tz ? { PGTZ: tz[1] } : {}) }, timeout: 30_000,
  });
}

describe('Harbor on the in-cluster Postgres, as rendered, against a real PostgreSQL', () => {
  let rendered: Rendered;
  let server: PostgresServer | undefined;
  let superuser: string;
  let coreEnv: Record<string, string>;
  let exporterEnv: Record<string, string>;
  let dronePassword: string;
  let scratch: string;

  /** Core's DSN from its resolved environment, host and port swapped for the test server's. */
  const coreDsn = (overrides: { password?: string; database?: string } = {}) => harborDsn({
    host: '127.0.0.1', // POSTGRESQL_HOST is the Service's cluster DNS name
    port: String(server!.port), // POSTGRESQL_PORT is the Service's port
    user: coreEnv.POSTGRESQL_USERNAME,
    password: overrides.password ?? coreEnv.POSTGRESQL_PASSWORD,
    database: overrides.database ?? coreEnv.POSTGRESQL_DATABASE,
    sslmode: coreEnv.POSTGRESQL_SSLMODE,
  });

  beforeAll(async () => {
    const chart = testChart(NS);
    inClusterHarbor(chart, { exporter: true });
    // another client of the same server, as Drone is in the default stack
    (chart.node.findChild('Postgres') as Postgres).addDatabase('drone');
    rendered = render(chart);

    const sts = objectOf(rendered, 'StatefulSet', 'postgres', NS);
    superuser = resolveEnv(rendered, sts, 'postgres').POSTGRES_PASSWORD;
    const job = rendered.objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-reconcile-'));
    const jobEnv = resolveEnv(rendered, job, 'reconcile');
    dronePassword = secretKey(rendered, NS, 'postgres-drone', 'password');
    coreEnv = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-core', NS), 'core');
    exporterEnv = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-exporter', NS), 'exporter');

    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-pg-'));
    server = await PostgresServer.start(superuser);
    // the reconciler Job's command, with its mounted script and environment; only host and port are the test server's
    const [shell, file] = resolveCommand(rendered, job, 'reconcile');
    const script = path.join(scratch, path.basename(file));
    fs.writeFileSync(script, mountedFile(rendered, job, 'reconcile', file));
    const result = spawnSync(shell, [script], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...withMountedFiles(rendered, job, 'reconcile', jobEnv, ['CURRENT_JOBS_FILE'], scratch), PGHOST: '127.0.0.1', PGPORT: String(server.port) },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  afterAll(() => {
    server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('core\'s environment names the Service, the role, its generated password, the database and no TLS', () => {
    const service = objectOf(rendered, 'Service', 'postgres', NS);
    expect(coreEnv.POSTGRESQL_HOST).toBe(`postgres.${NS}.svc`);
    expect(coreEnv.POSTGRESQL_PORT).toBe(String(service.spec.ports[0].port));
    expect(coreEnv.POSTGRESQL_USERNAME).toBe('harbor');
    expect(coreEnv.POSTGRESQL_DATABASE).toBe('registry');
    expect(coreEnv.POSTGRESQL_SSLMODE).toBe('disable');
    expect(coreEnv.POSTGRESQL_PASSWORD).toBe(secretKey(rendered, NS, 'postgres-registry', 'password'));
    expect(coreEnv.POSTGRESQL_PASSWORD).toMatch(/^[A-Za-z0-9]{32}$/);
    // the script reaches the password only through the variable the Job gets from the same Secret
    const reconcileJob = rendered.objects.find((o: any) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-reconcile-'));
    expect(mountedFile(rendered, reconcileJob, 'reconcile', '/scripts/reconcile.sh')).not.toContain(coreEnv.POSTGRESQL_PASSWORD);
    expect(JSON.stringify(rendered.objects)).not.toContain(coreEnv.POSTGRESQL_PASSWORD);
  });

  test('core connects with its DSN and creates, fills and reads a table in registry', () => {
    const result = psql(coreDsn(), [
      'CREATE TABLE harbor_probe (id serial PRIMARY KEY, note text)',
      "INSERT INTO harbor_probe (note) VALUES ('from core')",
      "SELECT current_user || '@' || current_database() || ':' || (SELECT note FROM harbor_probe)",
      "SELECT tableowner FROM pg_tables WHERE tablename = 'harbor_probe'",
      'SHOW timezone',
    ].join('; '));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'INSERT 0 1', 'harbor@registry:from core', 'harbor', 'UTC']);
  });

  test('the exporter connects with its own variables to the same database', () => {
    const dsn = harborDsn({
      host: '127.0.0.1', // HARBOR_DATABASE_HOST is the Service's cluster DNS name
      port: String(server!.port),
      user: exporterEnv.HARBOR_DATABASE_USERNAME,
      password: exporterEnv.HARBOR_DATABASE_PASSWORD,
      database: exporterEnv.HARBOR_DATABASE_DBNAME,
      sslmode: exporterEnv.HARBOR_DATABASE_SSLMODE,
    });
    expect(exporterEnv.HARBOR_DATABASE_HOST).toBe(coreEnv.POSTGRESQL_HOST);
    const result = psql(dsn, 'SELECT current_user, current_database()');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('harbor|registry');
  });

  test('a wrong password is refused', () => {
    const result = psql(coreDsn({ password: `${coreEnv.POSTGRESQL_PASSWORD}x` }), 'SELECT 1');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed for user "harbor"/);
  });

  test('core\'s role cannot connect to Drone\'s database or to postgres', () => {
    for (const database of ['drone', 'postgres']) {
      const result = psql(coreDsn({ database }), 'SELECT 1');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(new RegExp(`permission denied for database "?${database}"?`));
    }
  });

  test('Drone\'s role cannot connect to registry, though its password is right for its own database', () => {
    const drone = (database: string) => psql(harborDsn({
      host: '127.0.0.1', port: String(server!.port), user: 'drone', password: dronePassword, database, sslmode: 'disable',
    }), 'SELECT current_database()');
    expect(drone('drone').stdout.trim()).toBe('drone');
    const denied = drone('registry');
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/permission denied for database "?registry"?/);
  });

  test('every pool that connects as harbor fits in the role\'s connection limit on the server', () => {
    const limit = server!.psql('postgres', superuser, 'postgres', "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'harbor'");
    expect(limit.stderr).toBe('');
    const connLimit = Number(limit.stdout.trim());
    expect(connLimit).toBe(40);
    // core, jobservice (which takes its database settings from core) and the exporter each open a pool per pod
    const replicas = (name: string) => objectOf(rendered, 'Deployment', name, NS).spec.replicas ?? 1;
    const corePool = Number(coreEnv.POSTGRESQL_MAX_OPEN_CONNS);
    const exporterPool = Number(exporterEnv.HARBOR_DATABASE_MAX_OPEN_CONNS);
    expect(corePool).toBeGreaterThan(0);
    expect(exporterPool).toBeGreaterThan(0);
    expect(Number(coreEnv.POSTGRESQL_MAX_IDLE_CONNS)).toBeLessThanOrEqual(corePool);
    expect(Number(exporterEnv.HARBOR_DATABASE_MAX_IDLE_CONNS)).toBeLessThanOrEqual(exporterPool);
    const total = corePool * (replicas('harbor-core') + replicas('harbor-jobservice')) + exporterPool * replicas('harbor-exporter');
    expect(total).toBeLessThanOrEqual(connLimit);
  });
});
