import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PostgresServer } from './postgres-server';
import { PostgresSynth, runReconciler, synthPostgresStack } from './postgres-stack';
import { resolveEnv } from './rendered';

/**
 * A database of the in-cluster Postgres renamed by hand, as README ("Nothing is ever dropped, renamed or moved") says
 * to, against a real PostgreSQL 15, with the reconciler Job's script as rendered. A `Postgres` database's user is its
 * name unless given, so the renamed database gets a new role, which the Job makes its owner; ALTER DATABASE ... OWNER
 * moves none of its objects (postgres/postgres doc/src/sgml/ref/alter_database.sgml), so the tables stay the old
 * role's and the app, logged in as the new one, is refused each ("permission denied for table"). The Job says so,
 * naming the REASSIGN OWNED to run (doc/src/sgml/ref/reassign_owned.sgml), rather than leaving a silent outage.
 */

const NS = 'data';

/** Synthesize the stack with `databases` (name: user), each with a limit of 10, on the state at `statePath`. */
const synthStack = (statePath: string, databases: Record<string, string>): PostgresSynth =>
  synthPostgresStack(statePath, NS, Object.fromEntries(Object.entries(databases).map(([name, user]) => [name, [user, 10]])));

describe('a database renamed by hand, then in the code, against a real PostgreSQL', () => {
  let server: PostgresServer;
  let dir: string;
  let superuser: string;

  const reconcile = (synth: PostgresSynth) => runReconciler(synth, dir, server.port);
  const su = (sql: string, database = 'postgres') => {
    const r = server.psql('postgres', superuser, database, sql);
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-rename-'));
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the new role owns the database but not the old role\'s tables: the Job names the REASSIGN OWNED, and after it, the app reads them', async () => {
    const statePath = path.join(dir, 'state.json');
    const first = synthStack(statePath, { drone: 'drone' });
    superuser = resolveEnv(first.rendered, first.job, 'reconcile').PGPASSWORD;
    server = await PostgresServer.start(superuser);
    const drone = reconcile(first).env.DOCKYARD_DB_DRONE_PASSWORD;
    // the app migrates: its tables are its role's
    expect(server.psql('drone', drone, 'drone', "CREATE TABLE repos (name text); INSERT INTO repos VALUES ('kept')").stderr).toBe('');

    // renamed by hand first, then in the code, without keeping the user
    su('ALTER DATABASE drone RENAME TO ci');
    const renamed = synthStack(statePath, { ci: 'ci' });
    const { stdout, env } = reconcile(renamed);
    const warning = 'dockyard: warning: database ci: its role ci may not use the 1 objects in it that role drone, no longer declared, owns ' +
      '(the database renamed, or its user changed): connected to ci, run REASSIGN OWNED BY drone TO ci';
    expect(stdout.trim().split('\n')).toContain(warning);
    expect(stdout).toMatch(/dockyard: database ci: owner ci/);
    const ci = (sql: string) => server.psql('ci', env.DOCKYARD_DB_CI_PASSWORD, 'ci', sql);
    // what the warning is about: the app is refused its tables
    expect(ci('SELECT name FROM repos').stderr).toMatch(/permission denied for table repos/);
    // said again on every run until it is done
    expect(reconcile(renamed).stdout.trim()).toBe(warning);

    // done as it says: the app reads its rows, and the next run prints nothing
    su('REASSIGN OWNED BY drone TO ci', 'ci');
    expect(ci('SELECT name FROM repos').stdout.trim()).toBe('kept');
    expect(reconcile(renamed).stdout).toBe('');
  });
});
