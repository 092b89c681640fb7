import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DatabaseGrants, DockyardChart, ExternalPostgres, LocalSecretStore, Postgres, Secret } from '../../lib';
import { find, synth as synthChart, testChart } from '../util';
import { PostgresServer } from './postgres-server';
import { mountedFile, Rendered, resolveCommand, resolveEnv, withMountedFiles } from './rendered';

/**
 * A backup of the in-cluster Postgres restored into a new server, as README "Backing up the databases" tells it, with
 * PostgreSQL 15's own pg_dump, pg_dumpall and pg_restore, and the reconciler Job's script as rendered.
 *
 * Upstream (postgres/postgres REL_15_STABLE):
 * - pg_restore creates each object as the user it connects as, then runs `ALTER <kind> <name> OWNER TO <role>`
 *   (src/bin/pg_dump/pg_backup_archiver.c _printTocEntry, _getObjectDescription); a role missing on the new server
 *   fails that statement ("role ... does not exist"), which pg_restore counts and passes over ("errors ignored on
 *   restore", exit 1), leaving the object the connecting user's; with `--no-owner` it runs none of them
 *   (doc/src/sgml/ref/pg_restore.sgml, -O: "the objects will be owned by the user specified to connect").
 * - `--role=<role>` runs `SET ROLE` after connecting, so what the restore creates is that role's
 *   (doc/src/sgml/ref/pg_restore.sgml, --role).
 * - `pg_dumpall --globals-only` writes roles with `COMMENT ON ROLE` (src/bin/pg_dump/pg_dumpall.c dumpRoles) and
 *   each role's password hash, the superuser's included, unless `--no-role-passwords`.
 */

const NS = 'data';
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
const MARK = `dockyard: reconciled by ${NS}/postgres-reconcile`;

interface Synth {
  readonly rendered: Rendered;
  readonly job: any;
  readonly env: Record<string, string>;
}

/** The in-cluster Postgres with the database drone on the state at `statePath`. */
function synthStack(statePath: string, dir: string): Synth {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'data', { namespace: NS });
  new Postgres(chart, 'Postgres').addDatabase('drone', { connectionLimit: 10 });
  let objects: any[] = [];
  const secrets = new LocalSecretStore({ statePath }).transaction(app, () => chart.toJson(), (resolved) => { objects = resolved; });
  const rendered = { objects, secrets: parseAllDocuments(secrets.manifest).map((d) => d.toJS()).filter((s) => s) };
  const job = objects.find((o) => o.kind === 'Job');
  const env = withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir);
  return { rendered, job, env };
}

describe('a backup of the in-cluster Postgres restored into a new server, then reconciled', () => {
  let dir: string;
  let synth: Synth;
  let source: PostgresServer;
  const servers: PostgresServer[] = [];

  /** Run the Job's script as its container does, against `server`. */
  const reconcile = (server: PostgresServer, s: Synth = synth) => {
    const [shell, script] = resolveCommand(s.rendered, s.job, 'reconcile');
    const file = path.join(dir, 'reconcile.sh');
    fs.writeFileSync(file, mountedFile(s.rendered, s.job, 'reconcile', script));
    const result = spawnSync(shell, [file], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...s.env, PGHOST: '127.0.0.1', PGPORT: String(server.port) },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return result.stdout.trim();
  };
  /** A client program, as the superuser with `password` (or as `user`). */
  const tool = (server: PostgresServer, password: string, argv: string[], user = 'postgres'): SpawnSyncReturns<string> =>
    spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...server.env(user, password) } });
  const su = (server: PostgresServer, sql: string, database = 'postgres') => {
    const r = server.psql('postgres', synth.env.PGPASSWORD, database, sql);
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  };
  /** Who owns what in the database drone: the database, and its schemas, relations, routines and types outside the system's. */
  const owners = (server: PostgresServer) => su(server, [
    "SELECT 'database ' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'drone'",
    "SELECT 'schema ' || nspname || ' ' || pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'archive'",
    "SELECT relname || ' ' || pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace IN ('public'::regnamespace, 'archive'::regnamespace) AND relkind IN ('r', 'S', 'v', 'm')",
    "SELECT proname || ' ' || pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    "SELECT typname || ' ' || pg_get_userbyid(typowner) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')",
  ].join(' UNION ALL ') + ' ORDER BY 1', 'drone').split('\n');
  /** What the app does with its role and the state's password: reads the restored rows and writes new ones. */
  const app = (server: PostgresServer) => server.psql('drone', synth.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone',
    "INSERT INTO repos (slug) VALUES ('new/one'); SELECT string_agg(slug, ',' ORDER BY id) FROM v_repos; SELECT build_count(); " +
    'REFRESH MATERIALIZED VIEW repo_counts; INSERT INTO archive.old_builds VALUES (1)');
  const RESTORED = ['database drone', 'schema archive drone', 'old_builds drone', 'repos drone', 'repos_id_seq drone', 'v_repos drone', 'repo_counts drone',
    'build_count drone', 'visibility drone', 'slug drone'].sort();
  /** A restore that ran clean into a reconciled server: the role owns everything, a run finds nothing to do, the app works. */
  const expectRestored = (server: PostgresServer, restore: SpawnSyncReturns<string>) => {
    expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
    expect(owners(server)).toEqual(RESTORED);
    expect(reconcile(server)).toBe('');
    expect(app(server).stdout.trim().split('\n')).toEqual(['INSERT 0 1', 'team/app,new/one', '2', 'REFRESH MATERIALIZED VIEW', 'INSERT 0 1']);
  };
  const fresh = async (password = synth.env.PGPASSWORD) => {
    const server = await PostgresServer.start(password);
    servers.push(server);
    return server;
  };

  let dump: string;
  let globals: string;
  let globalsNoPasswords: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-restore-'));
    synth = synthStack(path.join(dir, 'state.json'), dir);
    source = await fresh();
    reconcile(source);
    // the app's schema, made by the app as its role: an enum and a domain, a schema, tables (one with a serial
    // column: an owned sequence), a view, a materialized view, a routine
    const made = source.psql('drone', synth.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone',
      "CREATE TYPE visibility AS ENUM ('public', 'private'); CREATE DOMAIN slug AS text CHECK (VALUE LIKE '%/%'); " +
      'CREATE SCHEMA archive; CREATE TABLE archive.old_builds (id int); ' +
      "CREATE TABLE repos (id serial PRIMARY KEY, slug text NOT NULL, " +
      "visibility visibility NOT NULL DEFAULT 'private'); CREATE VIEW v_repos AS SELECT * FROM repos; " +
      'CREATE MATERIALIZED VIEW repo_counts AS SELECT count(*) FROM repos; ' +
      "CREATE FUNCTION build_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM repos'; INSERT INTO repos (slug) VALUES ('team/app')");
    expect(made.stderr).toBe('');
    // the backup, as README "Backing up the databases" takes it
    dump = path.join(dir, 'drone.dump');
    globals = path.join(dir, 'globals.sql');
    globalsNoPasswords = path.join(dir, 'globals-no-passwords.sql');
    const pw = synth.env.PGPASSWORD;
    for (const argv of [['pg_dump', '-Fc', '-f', dump, 'drone'], ['pg_dumpall', '--globals-only', '-f', globals],
      ['pg_dumpall', '--globals-only', '--no-role-passwords', '-f', globalsNoPasswords]]) {
      const r = tool(source, pw, argv);
      expect({ argv, status: r.status, stderr: r.stderr }).toEqual({ argv, status: 0, stderr: '' });
    }
  });

  afterAll(() => {
    for (const s of servers) s.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('restored before the reconciler made the role, the superuser keeps every object; the reconciler gives them to the role', async () => {
    const server = await fresh();
    const restore = tool(server, synth.env.PGPASSWORD, ['pg_restore', '--create', '--dbname', 'postgres', dump]);
    expect(restore.status).toBe(1);
    expect(restore.stderr).toMatch(/ALTER TABLE public\.repos OWNER TO drone;/);
    expect(restore.stderr).toMatch(/role "drone" does not exist/);
    expect(owners(server)).toEqual(RESTORED.map((o) => o.replace(/ drone$/, ' postgres')));
    expect(reconcile(server).split('\n')).toEqual([
      // a role is created in one transaction with its password (psql's \password), before its database's session
      // (reconcile-script.ts createRoleLine)
      'dockyard: created role drone',
      'dockyard: role drone: set its password',
      "dockyard: revoked PUBLIC's CONNECT on postgres",
      "dockyard: revoked PUBLIC's CONNECT on template1",
      'dockyard: database drone: owner drone',
      // no "revoked PUBLIC's privileges": the database's ACL came with --create, as it was on the old server
      // visibility, slug, archive, archive.old_builds, repos, v_repos, repo_counts, build_count: the sequence follows its table
      'dockyard: database drone: gave its role drone the 8 objects the admin postgres owned in it (as a restore as the admin leaves them)',
    ]);
    expect(owners(server)).toEqual(RESTORED);
    const used = app(server);
    expect({ status: used.status, stderr: used.stderr }).toEqual({ status: 0, stderr: '' });
    expect(used.stdout.trim().split('\n')).toEqual(['INSERT 0 1', 'team/app,new/one', '2', 'REFRESH MATERIALIZED VIEW', 'INSERT 0 1']);
    expect(su(server, "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'drone'")).toBe(MARK);
    // converged: the next run changes nothing
    expect(reconcile(server)).toBe('');
  });

  test('restored with --no-owner as the superuser, the same: the reconciler gives the objects to the role', async () => {
    const server = await fresh();
    const restore = tool(server, synth.env.PGPASSWORD, ['pg_restore', '--no-owner', '--create', '--dbname', 'postgres', dump]);
    expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
    expect(reconcile(server)).toMatch(/gave its role drone the 8 objects the admin postgres owned in it/);
    expect(owners(server)).toEqual(RESTORED);
    expect(app(server).status).toBe(0);
  });

  test('restored after the reconciler made the role and its empty database, with owners: right as it is, nothing to give', async () => {
    const server = await fresh();
    reconcile(server);
    // --create would fail: the reconciler made the database ("database \"drone\" already exists")
    expectRestored(server, tool(server, synth.env.PGPASSWORD, ['pg_restore', '--dbname', 'drone', dump]));
  });

  test('into a database the app already migrated, --clean --if-exists as the role replaces its objects', async () => {
    const server = await fresh();
    reconcile(server);
    // the app started before the restore and made its (empty) schema
    expect(server.psql('drone', synth.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone', 'CREATE TABLE repos (id serial PRIMARY KEY, slug text NOT NULL)').status).toBe(0);
    expectRestored(server, tool(server, synth.env.PGPASSWORD,
      ['pg_restore', '--clean', '--if-exists', '--no-owner', '--role=drone', '--dbname', 'drone', dump]));
  });

  test('restored as the role itself (a managed admin, no member of it, may not SET ROLE to it): the role owns every object', async () => {
    const server = await fresh();
    reconcile(server);
    expectRestored(server, tool(server, synth.env.DOCKYARD_DB_DRONE_PASSWORD, ['pg_restore', '--no-owner', '--dbname', 'drone', dump], 'drone'));
  });

  test('globals restored without passwords bring the role and its mark; the reconciler sets the state\'s password', async () => {
    const server = await fresh();
    // the superuser's own CREATE ROLE fails ("already exists"); psql goes on
    const g = tool(server, synth.env.PGPASSWORD, ['psql', '--no-psqlrc', '-q', '-f', globalsNoPasswords, 'postgres']);
    expect(g.stderr).toMatch(/role "postgres" already exists/);
    expect(su(server, "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'drone'")).toBe(MARK);
    const restore = tool(server, synth.env.PGPASSWORD, ['pg_restore', '--create', '--dbname', 'postgres', dump]);
    expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
    expect(reconcile(server).split('\n')).toEqual([
      "dockyard: revoked PUBLIC's CONNECT on postgres",
      "dockyard: revoked PUBLIC's CONNECT on template1",
      'dockyard: role drone: set its password',
    ]);
    expect(owners(server)).toEqual(RESTORED);
    expect(app(server).status).toBe(0);
  });

  /**
   * The move from the in-cluster Postgres to a managed one (README "Backing up the databases", "Moving to a managed
   * PostgreSQL"): a server set up as DigitalOcean's, where the admin doadmin is no superuser (CREATEDB, CREATEROLE,
   * REPLICATION) and the provider made the role drone with its own password; the `DatabaseGrants` Job, as rendered, made
   * the database (doadmin's) and granted drone its privileges. The dump is the in-cluster server's.
   */
  describe('moved to a managed server, whose admin is no superuser', () => {
    const ADMIN_PASSWORD = 'admin-password';
    /** A new managed-like server, reconciled by DatabaseGrants as doadmin. */
    const managed = async () => {
      const server = await fresh();
      for (const sql of [`CREATE ROLE doadmin LOGIN CREATEDB CREATEROLE REPLICATION PASSWORD '${ADMIN_PASSWORD}'`, 'CREATE DATABASE defaultdb OWNER doadmin',
        `CREATE ROLE drone LOGIN PASSWORD '${synth.env.DOCKYARD_DB_DRONE_PASSWORD}'`]) {
        expect(server.psql('postgres', synth.env.PGPASSWORD, 'postgres', sql).stderr).toBe('');
      }
      expect(grants(server).split('\n')).toEqual([
        'dockyard: role drone: connection limit -1 -> 10',
        'dockyard: created database drone',
        "dockyard: revoked PUBLIC's privileges on drone",
        'dockyard: granted drone all on database drone',
        'dockyard: granted drone all on schema public of drone',
      ]);
      return server;
    };
    /** The DatabaseGrants Job's script, as rendered, run as doadmin. */
    const grants = (server: PostgresServer) => {
      const chart = testChart('dockyard');
      const db = new ExternalPostgres(chart, 'Drone', {
        host: 'db.example.com', port: 25060, databaseName: 'drone', user: 'drone', maxConnections: 22, connectionLimit: 10,
        password: Secret.fromSecretName(chart, 'Pw', 'drone-db').key('password'),
      });
      new DatabaseGrants(chart, 'Grants', {
        host: 'db.example.com', port: 25060, adminUser: 'doadmin',
        adminPassword: Secret.fromSecretName(chart, 'Admin', 'managed-db-admin').key('password'), databases: [db],
      });
      const objects = synthChart(chart);
      const job = objects.find((o: any) => o.kind === 'Job');
      const configMap = job.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').projected.sources[0].configMap.name;
      const file = path.join(dir, 'grants.sh');
      fs.writeFileSync(file, find(objects, 'ConfigMap', configMap).data['reconcile.sh']);
      const result = spawnSync('/bin/bash', [file], { encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...server.env('doadmin', ADMIN_PASSWORD) } });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      return result.stdout.trim();
    };
    /** pg_restore as the role itself, with the provider's password for it, as README says. */
    const restoreAsRole = (server: PostgresServer, ...options: string[]) =>
      tool(server, synth.env.DOCKYARD_DB_DRONE_PASSWORD, ['pg_restore', ...options, '--no-owner', '--dbname', 'drone', dump], 'drone');
    const MANAGED = RESTORED.map((o) => (o === 'database drone' ? 'database doadmin' : o));

    test('into its empty database, restored as the role: the role owns every object, the admin the database; the Job finds nothing to do', async () => {
      const server = await managed();
      const restore = restoreAsRole(server);
      expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
      expect(owners(server)).toEqual(MANAGED);
      expect(grants(server)).toBe('');
      const used = app(server);
      expect({ status: used.status, stderr: used.stderr }).toEqual({ status: 0, stderr: '' });
      expect(used.stdout.trim().split('\n')).toEqual(['INSERT 0 1', 'team/app,new/one', '2', 'REFRESH MATERIALIZED VIEW', 'INSERT 0 1']);
    });

    // the apps migrate an empty schema as soon as they start on the new server (Drone and Harbor's core at start): a
    // restore without --clean then fails on each object the app made ("already exists") and goes on, copying the rows
    // into the app's tables, and exits 1 with "errors ignored on restore"; the README's step said nothing of it
    test('into a database the app already migrated, the restore fails without --clean; with --clean --if-exists as the role it replaces them', async () => {
      const server = await managed();
      expect(server.psql('drone', synth.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone', 'CREATE TABLE repos (id serial PRIMARY KEY, slug text NOT NULL)').status).toBe(0);
      const plain = restoreAsRole(server);
      expect(plain.status).toBe(1);
      expect(plain.stderr).toMatch(/relation "repos" already exists/);
      expect(plain.stderr).toMatch(/errors ignored on restore/);
      const server2 = await managed();
      expect(server2.psql('drone', synth.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone', 'CREATE TABLE repos (id serial PRIMARY KEY, slug text NOT NULL)').status).toBe(0);
      const clean = restoreAsRole(server2, '--clean', '--if-exists');
      expect({ status: clean.status, stderr: clean.stderr }).toEqual({ status: 0, stderr: '' });
      expect(owners(server2)).toEqual(MANAGED);
      expect(grants(server2)).toBe('');
      expect(app(server2).stdout.trim().split('\n')).toEqual(['INSERT 0 1', 'team/app,new/one', '2', 'REFRESH MATERIALIZED VIEW', 'INSERT 0 1']);
    });

    // as the admin, the restore leaves every object doadmin's, which the role may not use, and the admin, no member of
    // the role, may not give them away (tablecmds.c ATExecChangeOwner: check_is_member_of_role); the Job says so
    test('restored as the admin instead, the objects stay the admin\'s: the Job warns, and the app is refused', async () => {
      const server = await managed();
      const restore = tool(server, ADMIN_PASSWORD, ['pg_restore', '--no-owner', '--dbname', 'drone', dump], 'doadmin');
      expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: '' });
      expect(grants(server)).toMatch(/^dockyard: warning: database drone: the admin doadmin owns 8 objects in it, which its role drone may not use/);
      expect(app(server).stderr).toMatch(/permission denied for table repos/);
    });
  });

  test('globals restored with passwords put the old superuser password back: a new state\'s superuser is locked out', async () => {
    const newState = synthStack(path.join(dir, 'new-state.json'), dir);
    expect(newState.env.PGPASSWORD).not.toBe(synth.env.PGPASSWORD);
    const server = await fresh(newState.env.PGPASSWORD);
    const g = tool(server, newState.env.PGPASSWORD, ['psql', '--no-psqlrc', '-q', '-f', globals, 'postgres']);
    expect(g.status).toBe(0);
    const login = server.psql('postgres', newState.env.PGPASSWORD, 'postgres', 'SELECT 1');
    expect(login.stderr).toMatch(/password authentication failed for user "postgres"/);
  });
});
