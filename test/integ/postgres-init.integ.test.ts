import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { LocalSecretStore, Postgres } from '../../lib';
import { envOf, find, container, synth, testChart } from '../util';
import { PostgresServer } from './postgres-server';

/**
 * The rendered init script, run against a real PostgreSQL the way the official image runs it: executed, with the
 * pod's environment (passwords from the generated Secrets) and libpq pointed at the server. The official image
 * runs executable `*.sh` files of /docker-entrypoint-initdb.d, and only when PGDATA is empty (docker-library/postgres
 * docker-entrypoint.sh, `docker_process_init_files`); it is the reconciler's script, so later changes come from the
 * reconciler Job (postgres-reconciler.integ.test.ts).
 */
describe('Postgres init script against a real server', () => {
  let server: PostgresServer;
  let passwords: Record<string, string>;
  let superuser: string;
  let runScript: () => ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    const chart = testChart('data');
    const postgres = new Postgres(chart, 'Postgres');
    postgres.addDatabase('drone');
    postgres.addDatabase('registry', { user: 'harbor', connectionLimit: 25 });
    const objects = synth(chart);
    const statePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-state-')), 'state.json');
    const secrets = parseAllDocuments(new LocalSecretStore({ statePath }).render(chart)).map((d) => d.toJS());
    const secretValue = (name: string, key: string) => secrets.find((s) => s.metadata.name === name).stringData[key];

    // the environment the pod would get: literal values and secretKeyRefs resolved from the generated Secrets
    const env: NodeJS.ProcessEnv = {};
    for (const e of Object.values(envOf(container(find(objects, 'StatefulSet', 'postgres'))))) {
      env[e.name] = e.value ?? secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    }
    superuser = env.POSTGRES_PASSWORD!;
    passwords = { drone: env.DOCKYARD_DB_DRONE_PASSWORD!, harbor: env.DOCKYARD_DB_REGISTRY_PASSWORD! };
    const script = path.join(path.dirname(statePath), 'init.sh');
    fs.writeFileSync(script, find(objects, 'ConfigMap', 'postgres-init').data['10-dockyard-databases.sh'], { mode: 0o555 });

    server = await PostgresServer.start(superuser);
    runScript = () => spawnSync(script, [], {
      encoding: 'utf8', env: { ...process.env, ...env, PGHOST: '127.0.0.1', PGPORT: String(server.port), PGPASSWORD: superuser },
    });
    const result = runScript();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  afterAll(() => server?.stop());

  test('creates each client database owned by its role', () => {
    const owners = server.psql('postgres', superuser, 'postgres',
      "SELECT d.datname || ':' || r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname IN ('drone', 'registry') ORDER BY 1");
    expect(owners.stdout.trim().split('\n')).toEqual(['drone:drone', 'registry:harbor']);
  });

  // PostgreSQL docs, CREATE ROLE: CONNECTION LIMIT; a database without one of its own gets the default share,
  // (max_connections 100 - superuser_reserved_connections 3) / 4 = 24, never -1 (unlimited)
  test('applies connection limits', () => {
    const limits = server.psql('postgres', superuser, 'postgres', "SELECT rolname || '=' || rolconnlimit FROM pg_roles WHERE rolname IN ('drone', 'harbor') ORDER BY 1");
    expect(limits.stdout.trim().split('\n')).toEqual(['drone=24', 'harbor=25']);
  });

  test('Drone\'s role connects to its own database and can create tables there', () => {
    const result = server.psql('drone', passwords.drone, 'drone', 'CREATE TABLE builds (id int); SELECT current_user');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'drone']);
  });

  test('Drone\'s role cannot connect to another client\'s database or to postgres', () => {
    for (const db of ['registry', 'postgres']) {
      const result = server.psql('drone', passwords.drone, db, 'SELECT 1');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/permission denied for database/);
    }
  });

  test('a wrong password is refused', () => {
    const result = server.psql('drone', 'not-the-password', 'drone', 'SELECT 1');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/password authentication failed/);
  });

  test('running the script again changes nothing and succeeds', () => {
    const again = runScript();
    expect(again.status).toBe(0);
    expect(server.psql('harbor', passwords.harbor, 'registry', 'SELECT current_database()').stdout.trim()).toBe('registry');
  });
});
