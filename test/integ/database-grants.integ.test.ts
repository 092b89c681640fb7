import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { grantScript } from '../../lib';
import { PostgresServer } from './postgres-server';

/**
 * The grant script against a real PostgreSQL set up like a DigitalOcean cluster: an admin that is not a superuser
 * created the databases and the users, and the users have no privilege.
 */
describe('DatabaseGrants script against a real server', () => {
  let server: PostgresServer;
  const su = 'superuser-password';

  beforeAll(async () => {
    server = await PostgresServer.start(su);
    expect(server.psql('postgres', su, 'postgres', "CREATE ROLE doadmin LOGIN CREATEDB CREATEROLE PASSWORD 'admin-password'").status).toBe(0);
    for (const sql of ["CREATE ROLE harbor LOGIN PASSWORD 'harbor-password'", 'CREATE DATABASE registry']) {
      const r = server.psql('doadmin', 'admin-password', 'postgres', sql);
      expect(r.stderr).toBe('');
    }
  });

  afterAll(() => server?.stop());

  test('a new user cannot create tables until the script grants it its database', () => {
    const before = server.psql('harbor', 'harbor-password', 'registry', 'CREATE TABLE t (id int)');
    expect(before.status).not.toBe(0);
    expect(before.stderr).toMatch(/permission denied for schema public/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-grants-'));
    const script = path.join(dir, 'grant.sh');
    fs.writeFileSync(script, grantScript([{ database: 'registry', user: 'harbor' }]), { mode: 0o555 });
    const env = { ...process.env, ...server.env('doadmin', 'admin-password'), PGSSLMODE: 'disable' };
    for (let run = 0; run < 2; run++) {
      const result = spawnSync('/bin/bash', [script], { encoding: 'utf8', env });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    const after = server.psql('harbor', 'harbor-password', 'registry', 'CREATE TABLE t (id int); SELECT current_user');
    expect(after.stderr).toBe('');
    expect(after.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'harbor']);
  });
});
