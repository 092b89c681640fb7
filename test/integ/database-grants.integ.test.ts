import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatabaseGrants, ExternalPostgres, Secret } from '../../lib';
import { find, synth, testChart } from '../util';
import { PostgresServer } from './postgres-server';

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
   * default the DigitalOcean-like admin and databases.
   */
  const run = (admin = { user: 'doadmin', password: 'admin-password', database: 'defaultdb' }, dbs: [string, string, number][] = [['registry', 'harbor', 16], ['drone', 'drone', 4]]) => {
    const chart = testChart('ci');
    const password = Secret.fromSecretName(chart, 'Pw', 'pw').key('password');
    // the first a database the provider created, the second one it has not: the reconciler creates it and its role,
    // without a password
    const databases = dbs.map(([databaseName, user, connectionLimit]) => new ExternalPostgres(chart, databaseName, {
      host: 'db.example.com', port: 25060, databaseName, user, password, maxConnections: 22, connectionLimit,
    }));
    new DatabaseGrants(chart, 'DatabaseGrants', {
      host: 'db.example.com', port: 25060, adminUser: admin.user, adminDatabase: admin.database,
      adminPassword: Secret.fromSecretName(chart, 'Admin', 'admin').key('password'), databases,
    });
    const script = path.join(dir, 'reconcile.sh');
    // the script the Job mounts: its ConfigMap is named by its content
    const objects = synth(chart);
    const job = objects.find((o: any) => o.kind === 'Job');
    const configMap = job.spec.template.spec.volumes.find((v: any) => v.name === 'scripts').configMap.name;
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
});
