import { spawnSync } from 'child_process';
import { Chart } from 'cdk8s';
import {
  DroneServer, ExternalPostgres, GitProvider, IPostgresDatabase, Postgres, PostgresReconciler, Secret, SecretValue, SslMode, sqlLiteral,
} from '../../lib';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { testChart } from '../util';
import { github } from '../woodpecker/fixtures';
import { cleanEnv, postgresForDatasources, SUPERUSER } from './datasource-harness';
import { objectOf, providedSecret, render, Rendered, resolveEnv, SecretObject } from './rendered';

/**
 * Drone's and Woodpecker's database settings as rendered and as their pods would expand them, against a real
 * PostgreSQL 15: the reconciler Job creates the role and database as it runs in the cluster, then psql connects with
 * exactly the server's datasource URL and `PGPASSWORD` (the Service host swapped for the test server's), for
 * passwords with every character that broke the former key/value DSN. Both engines bind the database the same way
 * (`bindDatasource`, lib/postgres/datasource.ts): a `postgres://` URL that never holds the password, generated or
 * not, and `PGPASSWORD`, which holds it as it is.
 *
 * Upstream: Drone 2.28.2 opens the datasource with lib/pq v1.1.0 (harness v2.28.2 store/shared/db/conn.go:22-23,
 * go.mod:44), which parses a postgres:// URL with Go's net/url, percent-decoding it (lib/pq v1.1.0 url.go:32-76), and
 * reads PGPASSWORD raw, below the URL's settings (conn.go:1798-1829, connector.go:56-69). Woodpecker v3.17.0 opens it
 * with xorm and lib/pq v1.12.3 (woodpecker v3.17.0 server/store/datastore/engine.go:35, init.go:21, go.mod:37), which
 * parses the URL alike (connector.go:1115-1157) and reads PGPASSWORD raw, below the URL's settings
 * (connector.go:286,552-555). libpq, which psql uses, decodes a URI alike (PostgreSQL 15 docs, "Connection URIs";
 * fe-connect.c conninfo_uri_parse_options stores the user and password with uri_decode) and reads PGPASSWORD too
 * ("Environment Variables"). Where lib/pq v1.1.0 and libpq differ, on white space other than " " in a URL's password
 * (test/postgres/datasource.test.ts), the URL holds no password, so psql here exercises what all three read the same
 * way. lib/pq defaults to sslmode "require" and libpq to "prefer", so the URL always carries sslmode.
 *
 * Not covered here: lib/pq does not SASLprep a password for SCRAM (lib/pq v1.1.0 conn.go:1134, v1.12.3
 * conn.go:1368 hand it to scram.NewClient as it is) while libpq and the server do, so a password that SASLprep
 * changes (a no-break space, a ligature) fails SCRAM with either engine however it is passed.
 */

/**
 * What broke the former DSN, `password='$(DRONE_DATABASE_PASSWORD)'`, or a password spliced raw into a URL: quotes,
 * backslashes, every character that ends or changes a URL's userinfo, white space, `$(`, non-ASCII.
 */
const SPECIAL = 'it\'s a \\ p@ss%2F:w/rd?#[]&=+ ;é密码 \t$(HOME)"~!*()';
const INPUT = 'DOCKYARD_TEST_DATASOURCE_DB_PASSWORD';

/** What differs between the engines: the server construct, its Deployment, the variable of its URL, its OAuth Secret. */
interface Engine {
  readonly name: string;
  /** The server's Deployment, and the prefix of the roles and Secrets a case creates. */
  readonly deployment: string;
  /** The variable the server reads the URL from. */
  readonly datasource: string;
  /** The variable that names the driver. */
  readonly driver: string;
  /** The OAuth client secret the server's git provider refers to. */
  readonly oauth: SecretObject;
  /** The server, in namespace `ci`, on `database`. */
  server(chart: Chart, database: IPostgresDatabase): void;
}

const ENGINES: Engine[] = [
  {
    name: 'Drone', deployment: 'drone', datasource: 'DRONE_DATABASE_DATASOURCE', driver: 'DRONE_DATABASE_DRIVER',
    oauth: providedSecret('ci', 'drone-oauth', { 'client-secret': 'oauth-secret' }),
    server: (chart, database) => new DroneServer(chart, 'Drone', {
      host: 'drone.example.com',
      gitProvider: GitProvider.github({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'drone-oauth').key('client-secret') }),
      database, admin: 'octocat',
    }),
  },
  {
    name: 'Woodpecker', deployment: 'woodpecker', datasource: 'WOODPECKER_DATABASE_DATASOURCE', driver: 'WOODPECKER_DATABASE_DRIVER',
    oauth: providedSecret('ci', 'woodpecker-oauth', { 'client-secret': 'oauth-secret' }),
    server: (chart, database) => new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database }),
  },
];

describe('the datasource against a real PostgreSQL', () => {
  const pg = postgresForDatasources('dockyard-datasource-');

  afterAll(() => {
    delete process.env[INPUT];
  });

  describe.each(ENGINES)('$name', (engine) => {
    /**
     * The server's URL names the role and database `name` at `hostPort`, without a password; PGPASSWORD holds the
     * password (`password`, or one that matches it) as it is; no rendered object holds it, or a reference that splices
     * it into the URL; and psql logs in with the URL and PGPASSWORD, the only PG* variable of the server container's
     * environment as the kubelet builds it.
     */
    const expectLogsIn = (rendered: Rendered, name: string, hostPort: string, password: string | RegExp) => {
      const env = resolveEnv(rendered, objectOf(rendered, 'Deployment', engine.deployment, 'ci'), 'server');
      expect(Object.keys(env).filter((k) => k.startsWith('PG'))).toEqual(['PGPASSWORD']);
      expect(env[engine.driver]).toBe('postgres');
      expect(env[engine.datasource]).toBe(`postgres://${name}@${hostPort}/${name}?sslmode=disable`);
      expect(env.PGPASSWORD).toEqual(typeof password === 'string' ? password : expect.stringMatching(password));
      const objects = JSON.stringify(rendered.objects);
      expect(objects).not.toMatch(/p@ss|p%40ss|_DATABASE_PASSWORD|\$\(PGPASSWORD\)/);
      expect(objects).not.toContain(JSON.stringify(env.PGPASSWORD).slice(1, -1));
      expect(pg.connect(env[engine.datasource], hostPort, { PGPASSWORD: env.PGPASSWORD })).toBe(`${name}@${name}`);
    };

    test('the in-cluster database: the reconciler creates it, and the datasource logs in to it', () => {
      const chart = testChart('ci');
      engine.server(chart, new Postgres(chart, 'Postgres').addDatabase(engine.deployment));
      const rendered = render(chart, [engine.oauth]);
      pg.reconcileAsRenderedSuperuser(rendered, rendered.objects.find((o) => o.kind === 'Job'), 'postgres.ci.svc');
      expectLogsIn(rendered, engine.deployment, 'postgres.ci.svc:5432', /^[A-Za-z0-9]{16,}$/);
    });

    test('an existing password Secret with quotes, backslashes, URL delimiters, white space and non-ASCII', () => {
      const name = `${engine.deployment}_existing`;
      expect(pg.server.psql('postgres', SUPERUSER, 'postgres', `CREATE ROLE ${name} LOGIN PASSWORD ${sqlLiteral(SPECIAL)}`).status).toBe(0);
      expect(pg.server.psql('postgres', SUPERUSER, 'postgres', `CREATE DATABASE ${name} OWNER ${name}`).status).toBe(0);
      const chart = testChart('ci');
      engine.server(chart, new ExternalPostgres(chart, 'Db', {
        host: 'db.example.com', port: 25060, databaseName: name, user: name,
        password: Secret.fromSecretName(chart, 'Password', `${engine.deployment}-existing`).key('password'), sslMode: SslMode.DISABLE,
      }));
      const rendered = render(chart, [engine.oauth, providedSecret('ci', `${engine.deployment}-existing`, { password: SPECIAL })]);
      expectLogsIn(rendered, name, 'db.example.com:25060', SPECIAL);
    });

    test('a password given as an input, with white space and all, reconciled by Dockyard: in PGPASSWORD as it is', () => {
      // a line break inside it, not at either end: an input beginning or ending with one is refused (local-secret-store.ts
      // inputValue). Its no-break spaces are ones SASLprep would map, but its tab and line break are control characters
      // SASLprep refuses, so PostgreSQL makes the verifier from the password as it is, which lib/pq sends: a synth takes it
      // (lib/postgres/scram-password.ts)
      const password = `${SPECIAL}\u00a0\n\u00a0end`;
      process.env[INPUT] = password;
      const name = `${engine.deployment}_input`;
      const chart = testChart('ci');
      const key = new Secret(chart, 'Password', {
        name: `${engine.deployment}-input-password`, values: { password: SecretValue.input(INPUT, 'a test password') },
      }).key('password');
      const db = new ExternalPostgres(chart, 'Db', {
        host: 'db.example.com', port: 5432, databaseName: name, user: name, password: key, sslMode: SslMode.DISABLE,
      });
      new PostgresReconciler(chart, 'Reconciler', {
        name: 'pg-reconcile', host: 'db.example.com', port: 5432, sslMode: 'disable',
        adminPassword: Secret.fromSecretName(chart, 'Admin', 'pg-admin').key('password'),
      }).addDatabase(db);
      engine.server(chart, db);
      const rendered = render(chart, [engine.oauth, providedSecret('ci', 'pg-admin', { password: SUPERUSER })]);
      pg.reconcile(rendered, rendered.objects.find((o) => o.kind === 'Job'), 'db.example.com');
      expectLogsIn(rendered, name, 'db.example.com:5432', password);
    });
  });

  test('the password spliced into the datasource fails: Drone\'s former key/value DSN, and a raw URL', () => {
    const name = 'spliced';
    expect(pg.server.psql('postgres', SUPERUSER, 'postgres', `CREATE ROLE ${name} LOGIN PASSWORD ${sqlLiteral(SPECIAL)}`).status).toBe(0);
    expect(pg.server.psql('postgres', SUPERUSER, 'postgres', `CREATE DATABASE ${name} OWNER ${name}`).status).toBe(0);
    const psql = (dsn: string) => spawnSync('psql', ['--no-psqlrc', '-XAt', '--dbname', dsn, '-c', 'SELECT 1'], { encoding: 'utf8', env: cleanEnv() });
    // the former DSN, the password spliced between quotes: libpq's key/value parser ends the quoted value at its "'"
    // as lib/pq v1.1.0's does (conn.go:467-481)
    const former = psql(`host=127.0.0.1 port=${pg.server.port} dbname=${name} user=${name} password='${SPECIAL}' sslmode=disable`);
    expect({ status: former.status, stderr: former.stderr.trim() })
      .toEqual({ status: 2, stderr: 'psql: error: missing "=" after "s" in connection info string' });
    // the password spliced raw into the URL: its delimiters end the userinfo early, and "%2F" decodes to "/"
    const raw = psql(`postgres://${name}:${SPECIAL}@127.0.0.1:${pg.server.port}/${name}?sslmode=disable`);
    expect(raw.status).not.toBe(0);
    // ... while the same password in PGPASSWORD logs in, the URL without it
    expect(pg.connect(`postgres://${name}@db.example.com:5432/${name}?sslmode=disable`, 'db.example.com:5432', { PGPASSWORD: SPECIAL }))
      .toBe(`${name}@${name}`);
  });
});
