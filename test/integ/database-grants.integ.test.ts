import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatabaseGrants, DatabaseGrantsProps, ExternalPostgres, Secret } from '../../lib';
import { find, synth, testChart } from '../util';
import { PostgresServer } from './postgres-server';
import { makeTestPki } from './redis-server';
import { mountedFile, providedSecret, render, resolveCommand, resolveEnv, withMountedFiles } from './rendered';

/**
 * The managed path of the reconciler (`DatabaseGrants`), as rendered, against a real PostgreSQL set up like a
 * DigitalOcean cluster: an admin that is not a superuser (CREATEDB, CREATEROLE) created `defaultdb`, the
 * databases and the users, and the users have no privilege (DigitalOcean: "additional permissions must be managed
 * manually", do.md §1.2). The provider keeps the passwords; the reconciler sets limits and grants.
 */
describe('DatabaseGrants against a real server', () => {
  let server: PostgresServer;
  let dir: string;
  const su = 'superuser-password';
  const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

  beforeAll(async () => {
    server = await PostgresServer.start(su);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-grants-'));
    expect(server.psql('postgres', su, 'postgres', "CREATE ROLE doadmin LOGIN CREATEDB CREATEROLE PASSWORD 'admin-password'").status).toBe(0);
    for (const sql of ['CREATE DATABASE defaultdb', "CREATE ROLE harbor LOGIN PASSWORD 'harbor-password'", 'CREATE DATABASE registry']) {
      const r = server.psql('doadmin', 'admin-password', 'postgres', sql);
      expect(r.stderr).toBe('');
    }
  });

  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The rendered script, run as the Job runs it, with the admin's libpq settings pointed at the test server: by
   * default the DigitalOcean-like admin and databases. Each test is a stack of its own on the one server, as two
   * clusters' stacks on one managed server are, and with `DatabaseGrants`' default none takes the login of the roles
   * another test's Job made (`revokeLeftRoles` off: with it on, they would; tested below on its own).
   */
  const run = (admin = { user: 'doadmin', password: 'admin-password', database: 'defaultdb' }, dbs: [string, string, number][] = [['registry', 'harbor', 16], ['drone', 'drone', 4]],
    props: Partial<DatabaseGrantsProps> = {}) => {
    const chart = testChart('ci');
    const password = Secret.fromSecretName(chart, 'Pw', 'pw').key('password');
    // the first a database the provider created, the second one it has not: the reconciler creates it and its role,
    // without a password
    const databases = dbs.map(([databaseName, user, connectionLimit]) => new ExternalPostgres(chart, databaseName, {
      host: 'db.example.com', port: 25060, databaseName, user, password, maxConnections: 22, connectionLimit,
    }));
    new DatabaseGrants(chart, 'DatabaseGrants', {
      host: 'db.example.com', port: 25060, adminUser: admin.user, adminDatabase: admin.database,
      adminPassword: Secret.fromSecretName(chart, 'Admin', 'admin').key('password'), databases, ...props,
    });
    const script = path.join(dir, 'reconcile.sh');
    // the script the Job mounts: its ConfigMap is named by its content
    const objects = synth(chart);
    const job = objects.find((o: any) => o.kind === 'Job');
    const configMap = job.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').projected.sources[0].configMap.name;
    fs.writeFileSync(script, find(objects, 'ConfigMap', configMap).data['reconcile.sh']);
    const result = spawnSync('/bin/bash', [script], {
      encoding: 'utf8', env: { ...cleanEnv(), ...server.env(admin.user, admin.password), PGSSLMODE: 'disable' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  };

  test('a new user cannot create tables until the reconciler grants it its database; a re-run changes nothing', () => {
    const before = server.psql('harbor', 'harbor-password', 'registry', 'CREATE TABLE t (id int)');
    expect(before.status).not.toBe(0);
    expect(before.stderr).toMatch(/permission denied for schema public/);

    expect(run().trim().split('\n')).toEqual([
      'dockyard: role harbor: connection limit -1 -> 16',
      'dockyard: revoked PUBLIC\'s privileges on registry',
      'dockyard: granted harbor all on database registry',
      'dockyard: granted harbor all on schema public of registry',
      'dockyard: created role drone',
      'dockyard: created database drone',
      'dockyard: revoked PUBLIC\'s privileges on drone',
      'dockyard: granted drone all on database drone',
      'dockyard: granted drone all on schema public of drone',
    ]);
    expect(run()).toBe('');

    const after = server.psql('harbor', 'harbor-password', 'registry', 'CREATE TABLE t (id int); SELECT current_user');
    expect(after.stderr).toBe('');
    expect(after.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'harbor']);
    // the admin, not a superuser, keeps ownership; the password stays the provider's
    const owners = server.psql('postgres', su, 'postgres',
      "SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('drone', 'registry') ORDER BY 1");
    expect(owners.stdout.trim().split('\n')).toEqual(['drone:doadmin', 'registry:doadmin']);
    const limits = server.psql('postgres', su, 'postgres', "SELECT rolname || '=' || rolconnlimit FROM pg_roles WHERE rolname IN ('drone', 'harbor') ORDER BY 1");
    expect(limits.stdout.trim().split('\n')).toEqual(['drone=4', 'harbor=16']);
    // the role reaches only its own database
    const other = server.psql('harbor', 'harbor-password', 'drone', 'SELECT 1');
    expect(other.stderr).toMatch(/permission denied for database "drone"/);
  });

  // a restore into a managed server as its admin leaves the tables the admin's, which the app's role may not use; an
  // admin that is no superuser may give them only to a role it is a member of (postgres/postgres REL_15_STABLE
  // src/backend/commands/tablecmds.c ATExecChangeOwner: check_is_member_of_role), so the Job gives nothing and says so
  test('tables the managed admin owns in a role\'s database (a restore as the admin) stay its own, with a warning', () => {
    expect(server.psql('doadmin', 'admin-password', 'registry', 'CREATE TABLE restored (id int)').stderr).toBe('');
    expect(run().trim().split('\n')).toEqual([
      'dockyard: warning: database registry: the admin doadmin owns 1 objects in it, which its role harbor may not use (a restore as the ' +
        'admin leaves them so): restore it logged in as harbor, with pg_restore --no-owner',
    ]);
    const owner = server.psql('postgres', su, 'registry', "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'restored'");
    expect(owner.stdout.trim()).toBe('doadmin');
    expect(server.psql('doadmin', 'admin-password', 'registry', 'DROP TABLE restored').stderr).toBe('');
    expect(run()).toBe('');
  });

  // a server others share, reconciled by its superuser: the Job closes its own databases, never the admin database
  // that the server's other roles (monitoring, poolers) connect to; the in-cluster Postgres, the app's own, does
  test('on a shared server, other roles still connect to the admin database', () => {
    expect(server.psql('postgres', su, 'postgres', "CREATE ROLE monitor LOGIN PASSWORD 'monitor-password'").stderr).toBe('');
    expect(server.psql('monitor', 'monitor-password', 'postgres', 'SELECT 1').status).toBe(0);
    expect(run({ user: 'postgres', password: su, database: 'postgres' }, [['shared', 'shared', 2]])).not.toMatch(/revoked PUBLIC's CONNECT/);
    const monitor = server.psql('monitor', 'monitor-password', 'postgres', 'SELECT current_user');
    expect(monitor.stderr).toBe('');
    expect(monitor.stdout.trim()).toBe('monitor');
    expect(server.psql('monitor', 'monitor-password', 'shared', 'SELECT 1').stderr).toMatch(/permission denied for database "shared"/);
  });

  // a non-owner admin without grant option: GRANT then grants nothing and succeeds with only "WARNING: no privileges
  // were granted" (postgres/postgres doc/src/sgml/ref/grant.sgml, Notes: while some privilege on the object is
  // available, the command proceeds and grants only those the user holds grant options for), which the Job used to
  // report as granted, on every run
  test('a database another role owns: the admin says who must grant it, and grants nothing; in place, a run prints nothing', () => {
    for (const sql of ['CREATE ROLE legacy_owner', 'CREATE DATABASE legacy OWNER legacy_owner']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const warnings = [
      // PUBLIC's default CONNECT and TEMPORARY, which only the owner may revoke: said rather than passed over in silence
      'dockyard: warning: database legacy: PUBLIC keeps its privileges on it (CONNECT, TEMPORARY), so every role may connect to it, and the ' +
      'admin doadmin cannot revoke them (it neither owns it nor has its owner\'s privileges): as its owner legacy_owner, run REVOKE ALL ON ' +
      'DATABASE legacy FROM PUBLIC; GRANT CONNECT ON DATABASE legacy TO doadmin',
      'dockyard: warning: database legacy: the admin doadmin cannot grant legacy its privileges on it (it neither owns it nor holds them ' +
      'WITH GRANT OPTION): as its owner legacy_owner, run GRANT ALL ON DATABASE legacy TO legacy',
      'dockyard: warning: database legacy: the admin doadmin cannot grant legacy its privileges on schema public (it neither owns it nor holds ' +
      'them WITH GRANT OPTION): as its owner legacy_owner, connected to legacy, run GRANT ALL ON SCHEMA public TO legacy',
    ];
    // run() asserts an empty stderr: no "WARNING: no privileges were granted"
    expect(run(undefined, [['legacy', 'legacy', 3]]).trim().split('\n')).toEqual(['dockyard: created role legacy', ...warnings]);
    // nothing new: the warnings stand until the owner acts, and nothing was granted
    expect(run(undefined, [['legacy', 'legacy', 3]]).trim().split('\n')).toEqual(warnings);
    const acl = server.psql('postgres', su, 'legacy', "SELECT datacl IS NULL, (SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public') " +
      "FROM pg_database WHERE datname = 'legacy'");
    expect(acl.stdout.trim()).toBe('t|{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}');
    // the owner grants them, as the warnings say
    expect(server.psql('postgres', su, 'legacy', 'SET ROLE legacy_owner; GRANT ALL ON DATABASE legacy TO legacy; GRANT ALL ON SCHEMA public TO legacy; ' +
      'REVOKE ALL ON DATABASE legacy FROM PUBLIC; GRANT CONNECT ON DATABASE legacy TO doadmin').stderr).toBe('');
    expect(run(undefined, [['legacy', 'legacy', 3]])).toBe('');
  });

  // PUBLIC's CONNECT revoked by its owner: the admin may not \connect, which failed the whole run (and every database
  // after it) before; it now warns of that database and goes on (review)
  test('a database the admin may not connect to is warned of, and the databases after it are still reconciled', () => {
    for (const sql of ['CREATE ROLE closed_owner', 'CREATE DATABASE closed OWNER closed_owner', 'REVOKE ALL ON DATABASE closed FROM PUBLIC']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const lines = run(undefined, [['closed', 'closed', 2], ['later', 'later', 2]]).trim().split('\n');
    expect(lines).toContain('dockyard: warning: database closed: the admin doadmin may not connect to it, so it cannot grant closed its ' +
      'privileges on schema public: as its owner closed_owner, connected to closed, run GRANT ALL ON SCHEMA public TO closed');
    expect(lines).toContain('dockyard: created database later');
    expect(lines).toContain('dockyard: granted later all on schema public of later');
  });

  // CREATE ROLE's default is NOLOGIN: a role made so before could never log in as its clients do (review)
  test('a role that exists without LOGIN is let log in', () => {
    expect(server.psql('postgres', su, 'postgres', 'CREATE ROLE nologin_user NOLOGIN').stderr).toBe('');
    expect(server.psql('postgres', su, 'postgres', 'GRANT nologin_user TO doadmin WITH ADMIN OPTION').stderr).toBe('');
    expect(run(undefined, [['nologin_db', 'nologin_user', 2]]).trim().split('\n')).toContain('dockyard: role nologin_user: may log in now');
    const can = server.psql('postgres', su, 'postgres', "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nologin_user'");
    expect(can.stdout.trim()).toBe('t');
    expect(run(undefined, [['nologin_db', 'nologin_user', 2]])).toBe('');
  });

  // a managed admin (CREATEROLE, not a superuser) marks the roles it creates and takes the login of those it no longer
  // declares: COMMENT ON ROLE and ALTER ROLE ... NOLOGIN need only CREATEROLE on PostgreSQL 15 (and ADMIN OPTION from
  // 16 on, which a CREATEROLE role gets on the roles it creates); a role the provider made (harbor, here by the admin
  // but with no mark) keeps its login
  test('with revokeLeftRoles, a role the Job made loses its login once left out; the provider\'s roles keep theirs', async () => {
    const revoking = { revokeLeftRoles: true, name: 'revoking' };
    expect(run(undefined, [['registry', 'harbor', 16], ['left_db', 'left_user', 2]], revoking).trim().split('\n'))
      .toContain('dockyard: created role left_user');
    // a session of the role, which this admin, neither a member of the role nor of pg_signal_backend, may not end
    // (postgres/postgres REL_15_STABLE src/backend/storage/ipc/signalfuncs.c pg_signal_backend): it says so
    expect(server.psql('postgres', su, 'postgres', "ALTER ROLE left_user PASSWORD 'left-password'").stderr).toBe('');
    const held = spawn('psql', ['--no-psqlrc', '-XAt', '-c', 'SELECT pg_sleep(30)'], {
      env: { ...cleanEnv(), ...server.env('left_user', 'left-password'), PGDATABASE: 'left_db', PGSSLMODE: 'disable' },
    });
    const sessions = () => server.psql('postgres', su, 'postgres', "SELECT count(*) FROM pg_stat_activity WHERE usename = 'left_user'").stdout.trim();
    try {
      for (let i = 0; i < 100 && sessions() !== '1'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(sessions()).toBe('1');
      expect(run(undefined, [['registry', 'harbor', 16]], revoking).trim().split('\n')).toEqual([
        'dockyard: role left_user: no longer declared, so it may not log in now (NOLOGIN); its databases, data and password are kept: DROP them ' +
          'by hand when they may go, or declare it again',
        'dockyard: warning: role left_user: 1 of its sessions stay open, which the admin may not end: as a superuser, run SELECT ' +
          "pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'left_user'",
      ]);
      expect(sessions()).toBe('1');
    } finally {
      // as the warning says (pg_sleep notices no client gone, so killing psql alone would leave the session)
      server.psql('postgres', su, 'postgres', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'left_user'");
      held.kill();
    }
    for (let i = 0; i < 100 && sessions() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    const login = (role: string) => server.psql('postgres', su, 'postgres', `SELECT rolcanlogin FROM pg_roles WHERE rolname = '${role}'`).stdout.trim();
    expect([login('left_user'), login('harbor')]).toEqual(['f', 't']);
    expect(run(undefined, [['registry', 'harbor', 16]], revoking)).toBe('');
  });

  // a role the Job made that a superuser has since made SUPERUSER or REPLICATION: this admin may not alter it
  // (postgres/postgres REL_15_STABLE src/backend/commands/user.c AlterRole, "must be superuser to alter superuser
  // roles ...", "... replication roles ..."), so the run warns and leaves it, where its ALTER's error stopped it
  test('with revokeLeftRoles, a left role that became a superuser or a replication role keeps its login, with a warning', () => {
    const revoking = { revokeLeftRoles: true, name: 'revoking-su' };
    expect(run(undefined, [['registry', 'harbor', 16], ['su_db', 'su_user', 2], ['repl_db', 'repl_user', 2]], revoking)).toContain('created role su_user');
    for (const sql of ['ALTER ROLE su_user SUPERUSER', 'ALTER ROLE repl_user REPLICATION']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const warning = (role: string) => `dockyard: warning: role ${role} is no longer declared, but keeps its login, as the admin may not alter it ` +
      `(it lacks ADMIN OPTION on it, or the role is a SUPERUSER or REPLICATION role and the admin no superuser): run ALTER ROLE ${role} NOLOGIN`;
    expect(run(undefined, [['registry', 'harbor', 16]], revoking).trim().split('\n')).toEqual([warning('repl_user'), warning('su_user')]);
    const login = server.psql('postgres', su, 'postgres', "SELECT string_agg(rolname || '=' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles " +
      "WHERE rolname IN ('su_user', 'repl_user')");
    expect(login.stdout.trim()).toBe('repl_user=true,su_user=true');
    // the server's superuser, with the same mark, takes both
    expect(run({ user: 'postgres', password: su, database: 'postgres' }, [['registry', 'harbor', 16]], revoking)).toMatch(
      /role repl_user: no longer declared[\s\S]*role su_user: no longer declared/);
  });

  // a role the Job declares that a superuser has since made SUPERUSER or REPLICATION (and NOLOGIN, with another
  // connection limit): PostgreSQL 15 lets only a superuser alter it in any way (postgres/postgres REL_15_STABLE
  // src/backend/commands/user.c AlterRole, "must be superuser to alter superuser roles ...", "... replication roles
  // ..."), so ALTER ROLE ... LOGIN and ... CONNECTION LIMIT failed and stopped every run; the run now warns with the
  // statement a superuser runs, and goes on with the other roles and databases
  test('a declared role that became a superuser or a replication role is warned of, with the statement to run, and the run goes on', () => {
    const dbs: [string, string, number][] = [['su_decl_db', 'su_decl', 2], ['repl_decl_db', 'repl_decl', 2], ['after_decl_db', 'after_decl', 3]];
    expect(run(undefined, dbs.slice(0, 2))).toContain('created role su_decl');
    for (const sql of ['ALTER ROLE su_decl SUPERUSER NOLOGIN CONNECTION LIMIT 5', 'ALTER ROLE repl_decl REPLICATION NOLOGIN CONNECTION LIMIT 5']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const warnings = (role: string, kind: string) => [
      `dockyard: warning: role ${role} cannot log in (NOLOGIN), and it is a ${kind} role and the admin is no superuser: as a superuser, ` +
        `run ALTER ROLE ${role} LOGIN`,
      `dockyard: warning: role ${role}: cannot set its connection limit 2 (now 5): it is a ${kind} role and the admin is no superuser: ` +
        `as a superuser, run ALTER ROLE ${role} CONNECTION LIMIT 2`,
    ];
    const lines = run(undefined, dbs).trim().split('\n');
    expect(lines.filter((l) => l.includes('_decl:') || l.includes('_decl cannot'))).toEqual([...warnings('su_decl', 'SUPERUSER'), ...warnings('repl_decl', 'REPLICATION')]);
    // the database after them is still made, and its role
    expect(lines).toEqual(expect.arrayContaining(['dockyard: created role after_decl', 'dockyard: created database after_decl_db']));
    const attributes = "SELECT string_agg(rolname || '=' || rolcanlogin || '/' || rolconnlimit, ',' ORDER BY rolname) FROM pg_roles " +
      "WHERE rolname IN ('su_decl', 'repl_decl')";
    expect(server.psql('postgres', su, 'postgres', attributes).stdout.trim()).toBe('repl_decl=false/5,su_decl=false/5');
    // the statements the warnings name, as the server's superuser runs them: the next run changes nothing
    for (const role of ['su_decl', 'repl_decl']) {
      expect(server.psql('postgres', su, 'postgres', `ALTER ROLE ${role} LOGIN CONNECTION LIMIT 2`).stderr).toBe('');
    }
    expect(run(undefined, dbs)).toBe('');
  });

  // REVOKE picks its grantor by has_privs_of_role (postgres/postgres REL_15_STABLE src/backend/utils/adt/acl.c
  // select_best_grantor): a NOINHERIT admin that is a member of the owner has no privileges of it, so REVOKE ALL ...
  // FROM PUBLIC revoked nothing ("WARNING: no privileges could be revoked") while the Job, asking pg_has_role's MEMBER,
  // reported it revoked on every run. PostgreSQL 16 gives a CREATEROLE admin this same membership without the owner's
  // privileges (INHERIT FALSE, SET FALSE, WITH ADMIN OPTION) in every role it creates (doc/src/sgml/ref/create_role.sgml),
  // a database's owner among them: the 15 server here shows it with NOINHERIT
  test('an admin that is a member of the owner without its privileges (NOINHERIT; PostgreSQL 16\'s self-grant) says who must close the database', () => {
    for (const sql of ['CREATE ROLE inh_owner', 'CREATE DATABASE inherited OWNER inh_owner',
      "CREATE ROLE noinherit_admin LOGIN NOINHERIT CREATEDB CREATEROLE PASSWORD 'noinherit-password'", 'GRANT inh_owner TO noinherit_admin',
      'GRANT CONNECT ON DATABASE defaultdb TO noinherit_admin']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const admin = { user: 'noinherit_admin', password: 'noinherit-password', database: 'defaultdb' };
    const publicWarning = 'dockyard: warning: database inherited: PUBLIC keeps its privileges on it (CONNECT, TEMPORARY), so every role may connect ' +
      'to it, and the admin noinherit_admin cannot revoke them (it neither owns it nor has its owner\'s privileges): as its owner inh_owner, ' +
      'run REVOKE ALL ON DATABASE inherited FROM PUBLIC; GRANT CONNECT ON DATABASE inherited TO noinherit_admin';
    // run() asserts an empty stderr: no "WARNING: no privileges could be revoked"
    const first = run(admin, [['inherited', 'inherited', 2]]).trim().split('\n');
    expect(first).toContain(publicWarning);
    expect(first).not.toContain('dockyard: revoked PUBLIC\'s privileges on inherited');
    const acl = () => server.psql('postgres', su, 'postgres', "SELECT datacl IS NULL FROM pg_database WHERE datname = 'inherited'").stdout.trim();
    expect(acl()).toBe('t');
    // the owner does as the warning says; the warning goes
    expect(server.psql('postgres', su, 'postgres', 'SET ROLE inh_owner; REVOKE ALL ON DATABASE inherited FROM PUBLIC').stderr).toBe('');
    expect(run(admin, [['inherited', 'inherited', 2]])).not.toMatch(/PUBLIC keeps/);
  });

  // the brief's "admin became no superuser": a database the in-cluster reconciler (a superuser) made, owned by its role
  // and closed to PUBLIC, then reconciled by a managed-like admin that is neither its owner nor a member of it
  test('a role that owns its database from a superuser\'s run needs nothing from a managed admin, which says nothing false', () => {
    expect(run({ user: 'postgres', password: su, database: 'postgres' }, [['prior', 'prior', 2]]).trim().split('\n')).toEqual([
      'dockyard: created role prior',
      'dockyard: created database prior',
      'dockyard: revoked PUBLIC\'s privileges on prior',
    ]);
    expect(server.psql('postgres', su, 'postgres', "ALTER ROLE prior PASSWORD 'prior-password'").stderr).toBe('');
    // the managed admin may not connect (PUBLIC's CONNECT is revoked), and need not: the role owns the database and,
    // through pg_database_owner, its public schema (PostgreSQL 15 and later)
    expect(run(undefined, [['prior', 'prior', 3]]).trim().split('\n')).toEqual(['dockyard: role prior: connection limit 2 -> 3']);
    expect(run(undefined, [['prior', 'prior', 3]])).toBe('');
    const made = server.psql('prior', 'prior-password', 'prior', 'CREATE TABLE t (id int); SELECT current_user');
    expect(made.stderr).toBe('');
    expect(server.psql('harbor', 'harbor-password', 'prior', 'SELECT 1').stderr).toMatch(/permission denied for database "prior"/);
  });

  // a member of the owner role may grant as the owner (grant.sgml: "a member of the role that owns the object")
  test('an admin that is a member of the owner role grants, as before', () => {
    for (const sql of ['CREATE ROLE member_owner', 'CREATE DATABASE membered OWNER member_owner', 'GRANT member_owner TO doadmin']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    expect(run(undefined, [['membered', 'membered', 2]]).trim().split('\n')).toEqual([
      'dockyard: created role membered',
      'dockyard: revoked PUBLIC\'s privileges on membered',
      'dockyard: granted membered all on database membered',
      'dockyard: granted membered all on schema public of membered',
    ]);
    expect(run(undefined, [['membered', 'membered', 2]])).toBe('');
  });
});

/**
 * The Job with `sslMode` verify-full against a real PostgreSQL 15 serving TLS: libpq reads the root certificate
 * from PGSSLROOTCERT, else from ~/.postgresql/root.crt, and verify-ca or verify-full without one fails
 * (postgres/postgres src/interfaces/libpq/fe-secure-openssl.c initialize_SSL: 'root certificate file "%s" does not
 * exist'). The CA Secret's key is mounted as the rendered pod mounts it; only the mount's directory is swapped for
 * a local one.
 */
describe('DatabaseGrants with verify-full against a real server serving TLS', () => {
  let server: PostgresServer;
  let dir: string;
  let pki: ReturnType<typeof makeTestPki>;
  const su = 'superuser-password';
  const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-grants-tls-'));
    pki = makeTestPki(dir);
    server = await PostgresServer.start(su, { tls: pki });
  });

  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The rendered Job's script run with its environment and its mounted CA, the CA directory swapped for `caDir`. */
  const runJob = (ca: string, env: (jobEnv: Record<string, string>) => Record<string, string> = (e) => e) => {
    const chart = testChart('ci');
    // the test server's certificate names localhost and 127.0.0.1
    new DatabaseGrants(chart, 'DatabaseGrants', {
      host: '127.0.0.1', port: server.port, adminUser: 'postgres', adminDatabase: 'postgres', sslMode: 'verify-full',
      adminPassword: Secret.fromSecretName(chart, 'Admin', 'admin').key('password'),
      caCertificate: Secret.fromSecretName(chart, 'Ca', 'pg-ca').key('root.pem'),
      grants: [{ database: 'tls_app', user: 'tls_app' }],
    });
    const rendered = render(chart, [providedSecret('ci', 'admin', { password: su }), providedSecret('ci', 'pg-ca', { 'root.pem': ca })]);
    const job = rendered.objects.find((o) => o.kind === 'Job');
    const [shell, script] = resolveCommand(rendered, job, 'reconcile');
    const jobEnv = withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir);
    expect(jobEnv.PGSSLROOTCERT).toBe('/etc/postgresql-ca/ca.crt');
    const caDir = fs.mkdtempSync(path.join(dir, 'ca-'));
    fs.writeFileSync(path.join(caDir, 'ca.crt'), mountedFile(rendered, job, 'reconcile', jobEnv.PGSSLROOTCERT));
    fs.writeFileSync(path.join(caDir, 'reconcile.sh'), mountedFile(rendered, job, 'reconcile', script));
    // an empty HOME: no ~/.postgresql to fall back on, as in the pod
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    return spawnSync(shell, [path.join(caDir, 'reconcile.sh')], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), HOME: home, ...env({ ...jobEnv, PGSSLROOTCERT: path.join(caDir, 'ca.crt') }) },
    });
  };

  test('connects, verifying the server against the mounted CA', () => {
    const r = runJob(fs.readFileSync(pki.caCertPath, 'utf8'));
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('dockyard: created database tls_app\n');
  });

  test('without PGSSLROOTCERT, as the Job had it, libpq finds no root certificate; with another CA, verification fails', () => {
    const without = runJob(fs.readFileSync(pki.caCertPath, 'utf8'), (e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'PGSSLROOTCERT')));
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/root certificate file ".*\/\.postgresql\/root\.crt" does not exist/);
    const otherDir = fs.mkdtempSync(path.join(dir, 'other-pki-'));
    const other = runJob(fs.readFileSync(makeTestPki(otherDir).caCertPath, 'utf8'));
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/certificate verify failed/);
  });

  // why DatabaseGrants warns of prefer with a caCertificate (lib/postgres/database-grants.ts warnOfUnverifiedAdmin):
  // libpq checks the certificate against PGSSLROOTCERT then, but retries without TLS when that check fails
  // (postgres/postgres REL_15 src/interfaces/libpq/fe-connect.c PQconnectPoll, CONNECTION_SSL_STARTUP), while
  // require with the CA refuses the connection, as verify-ca does
  test('with another CA, sslmode prefer logs the admin in without TLS; require refuses it', () => {
    const otherCa = fs.readFileSync(makeTestPki(fs.mkdtempSync(path.join(dir, 'other-pki-'))).caCertPath, 'utf8');
    const prefer = runJob(otherCa, (e) => ({ ...e, PGSSLMODE: 'prefer' }));
    expect({ status: prefer.status, stderr: prefer.stderr }).toEqual({ status: 0, stderr: '' });
    const require = runJob(otherCa, (e) => ({ ...e, PGSSLMODE: 'require' }));
    expect(require.status).not.toBe(0);
    expect(require.stderr).toMatch(/certificate verify failed/);
  });
});
