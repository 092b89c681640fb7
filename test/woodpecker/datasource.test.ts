import fc from 'fast-check';
import { ExternalPostgres, Postgres, Secret, SecretValue, SslMode } from '../../lib';
import { postgresUrl } from '../../lib/postgres/datasource';
import { WoodpeckerServer } from '../../lib/woodpecker';
import { newConfig } from '../postgres/lib-pq-v1.12.3';
import { container, find, synth, testChart } from '../util';
import { github } from './fixtures';

/**
 * Woodpecker's datasource, bound as Drone's is (`bindDatasource`, lib/postgres/datasource.ts): a `postgres://` URL
 * without a password, and the password in `PGPASSWORD` from its Secret, whether Dockyard generates it or not.
 * Woodpecker v3.17.0 opens it with lib/pq v1.12.3 (`go.mod:37`; `server/store/datastore/engine.go:35`, `init.go:21`),
 * which reads `PGPASSWORD` raw, below the URL's settings (`connector.go:286,552-555`): see lib-pq-v1.12.3.ts, the
 * port these tests run it through. xorm v1.4.1 reads only the database name from the URL (`dialects/postgres.go`
 * `parseURL`).
 */

const serverEnv = (chart: ReturnType<typeof testChart>) => container(find(synth(chart), 'Deployment', 'woodpecker', 'ci')).env;
const databaseEnv = (chart: ReturnType<typeof testChart>) => serverEnv(chart).filter((e: any) => /DATABASE|^PG/.test(e.name));

describe('the Woodpecker datasource', () => {
  test('a generated password: the URL without it, the password in PGPASSWORD from the generated Secret, no datasource Secret', () => {
    const chart = testChart('ci');
    const database = new Postgres(chart, 'Postgres', { namespace: 'data' }).addDatabase('woodpecker');
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database });
    expect(databaseEnv(chart)).toEqual([
      { name: 'WOODPECKER_DATABASE_DRIVER', value: 'postgres' },
      // the database's generated Secret, shared into the server's namespace (Secret.shareWith)
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'postgres-woodpecker', key: 'password' } } },
      { name: 'WOODPECKER_DATABASE_DATASOURCE', value: 'postgres://woodpecker@postgres.data.svc:5432/woodpecker?sslmode=disable' },
      { name: 'WOODPECKER_DATABASE_MAX_CONNECTIONS', value: expect.stringMatching(/^[1-9][0-9]*$/) },
    ]);
    expect(database.password.toString()).toBe('data/postgres-woodpecker#password');
    // the former `<name>-database` Secret, which held the URL with the password, is gone
    expect(Secret.allIn(chart).map((s) => s.secretName)).not.toContain('woodpecker-database');
  });

  test('an existing password Secret: the same form, the password in PGPASSWORD from that Secret', () => {
    const chart = testChart('ci');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'db.example.com', port: 25060, databaseName: 'woodpecker', user: 'woodpecker',
      password: Secret.fromSecretName(chart, 'Pw', 'db').key('password'), sslMode: SslMode.REQUIRE, connectionLimit: 6,
    });
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    expect(databaseEnv(chart)).toEqual([
      { name: 'WOODPECKER_DATABASE_DRIVER', value: 'postgres' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'WOODPECKER_DATABASE_DATASOURCE', value: 'postgres://woodpecker@db.example.com:25060/woodpecker?sslmode=require' },
      { name: 'WOODPECKER_DATABASE_MAX_CONNECTIONS', value: '6' },
    ]);
    expect(serverEnv(chart).find((e: any) => e.name === 'WOODPECKER_DATABASE_DATASOURCE').value).toBe(postgresUrl(db));
  });

  test('lib/pq v1.12.3 reads the rendered settings back: the URL\'s user, host and database, PGPASSWORD\'s password', () => {
    const chart = testChart('ci');
    const password = new Secret(chart, 'Pw', { name: 'pw', values: { password: SecretValue.hex(32) } }).key('password');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'fd00::5', databaseName: 'wp', user: 'wp_user', password, sslMode: SslMode.VERIFY_FULL,
      caCertificate: Secret.fromSecretName(chart, 'Ca', 'db-ca').key('ca.crt'),
    });
    new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db });
    const env = Object.fromEntries(serverEnv(chart).map((e: any) => [e.name, e]));
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'pw', key: 'password' });
    // what the pod's lib/pq sees, the kubelet having put the Secret's value in PGPASSWORD
    expect(newConfig(env.WOODPECKER_DATABASE_DATASOURCE.value, { PGPASSWORD: 'p@ss:w/rd \t\'\\' })).toEqual({
      host: 'fd00::5', port: '5432', user: 'wp_user', password: 'p@ss:w/rd \t\'\\', dbname: 'wp', sslmode: 'verify-full',
      sslrootcert: '/etc/woodpecker/database-ca/ca.crt',
    });
  });

  test('refuses, in one line naming the prop, a database user or name that Drone\'s lib/pq v1.1.0 cannot carry, one rule for both engines', () => {
    // bindDatasource's check (lib/postgres/datasource.ts); an IPostgresDatabase implemented elsewhere is not held to
    // checkIdentifier as ExternalPostgres is
    const db = (chart: ReturnType<typeof testChart>, user: string, databaseName: string) => ({
      host: 'db.example.com', port: 5432, databaseName, user,
      password: Secret.fromSecretName(chart, 'Db', 'db').key('password'), sslMode: SslMode.REQUIRE, grantConnect: () => undefined,
    });
    const server = (user: string, databaseName: string) => () => {
      const chart = testChart('ci');
      new WoodpeckerServer(chart, 'Woodpecker', { host: 'ci.example.com', gitProvider: github(chart), database: db(chart, user, databaseName) });
    };
    expect(server('wood\npecker', 'woodpecker'))
      .toThrow(/^invalid database\.user "wood\\npecker": must be a non-empty string of valid Unicode without NUL or white space other than " ": /);
    expect(server('woodpecker', ''))
      .toThrow(/^invalid database\.databaseName "": must be a non-empty string of valid Unicode without NUL/);
  });

  test('property: the datasource and PGPASSWORD give lib/pq v1.12.3 every password, user, host and database as they are', () => {
    // any text but NUL, which neither env variables nor PostgreSQL hold
    const anyText = (max: number) => fc.string({ unit: 'binary', minLength: 1, maxLength: max }).filter((s) => !s.includes('\0'));
    const key = Secret.fromSecretName(testChart('ci'), 'P', 'p').key('password');
    const anyHost = fc.oneof(fc.domain().map((d) => d.toLowerCase()).filter((d) => /\.[a-z][a-z0-9-]*$/.test(d)), fc.ipV4(), fc.ipV6());
    fc.assert(fc.property(anyText(40), anyText(20), anyHost, anyText(20), fc.boolean(), (password, user, host, databaseName, ca) => {
      const db = { host, port: 5432, user, databaseName, sslMode: SslMode.VERIFY_CA, password: key, grantConnect: () => undefined };
      const url = postgresUrl(db, ca ? '/etc/woodpecker/database-ca/ca.crt' : undefined);
      expect(newConfig(url, { PGPASSWORD: password })).toEqual({
        host, port: '5432', user, password, dbname: databaseName, sslmode: 'verify-ca',
        ...(ca ? { sslrootcert: '/etc/woodpecker/database-ca/ca.crt' } : {}),
      });
    }));
  });
});
