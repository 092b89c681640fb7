import { Lazy } from 'cdk8s';
import fc from 'fast-check';
import { ExternalPostgres, IPostgresDatabase, Secret, SslMode } from '../../lib';
import { EnvVars } from '../../lib/core/env';
import { describeValue } from '../../lib/core/validation';
import { bindDatasource, connectionPoolSize, DatasourceBindingProps, postgresUrl } from '../../lib/postgres/datasource';
import { testChart, thrown } from '../util';
import { newConnectorOptions, parseOpts, parseURL } from './lib-pq-v1.1.0';
import { convertURL, fromDSN, newConfig } from './lib-pq-v1.12.3';

/**
 * The `postgres://` URL Drone and Woodpecker get their database from (`postgresUrl`, shared by both through
 * `bindDatasource` in lib/postgres/datasource.ts), without a password, and what their drivers, lib/pq v1.1.0
 * (Drone's) and v1.12.3 (Woodpecker's), read back from it and from `PGPASSWORD`.
 *
 * Upstream: libpq decodes every part of a URI (PostgreSQL 15 docs, "Connection URIs"; fe-connect.c
 * `conninfo_uri_parse_options` stores the user and the password with `uri_decode`); lib/pq parses it with Go's
 * net/url, which decodes the user info, path and query (v1.1.0 `url.go:32-76`, v1.12.3 `connector.go:1115-1157`).
 * lib/pq v1.1.0 then re-escapes only " ", "'" and "\" unquoted (`url.go:43-47`), and its key/value parser ends an
 * unquoted value at any white space (`conn.go:453-465`); v1.10.0 quotes the values (commit b9bb726). Both read
 * `PGPASSWORD` below the URL's settings (v1.1.0 `connector.go:56-69`, v1.12.3 `connector.go:552-555`).
 */

const database = (over: Partial<IPostgresDatabase> = {}): IPostgresDatabase => ({
  host: 'db.example.com', port: 5432, databaseName: 'app', user: 'app', sslMode: SslMode.REQUIRE,
  password: Secret.fromSecretName(testChart('ci'), 'P', 'p').key('password'), grantConnect: () => undefined, ...over,
});

/** Any text a password can be: every code point but NUL (which neither env variables nor PostgreSQL hold). */
const anyPassword = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0'));
/** Any user or database name, beyond what ExternalPostgres admits: the URL escapes them whatever they are. */
const anyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));
const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const anyHost = fc.oneof(
  // a DNS name of any labels, its last one all digits too ("db.123"), as checkHost takes it: one label not a number
  // (a name of numbers alone is an IPv4 address to libpq's getaddrinfo, test/integ/libpq-host.integ.test.ts)
  fc.array(dnsLabel, { minLength: 1, maxLength: 4 }).filter((l) => l.some((x) => !/^(\d+|0x[0-9a-f]*)$/.test(x))).map((l) => l.join('.')),
  fc.ipV4(),
  fc.ipV6(),
);
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);

/**
 * lib/pq's TestParseOpts table, the same in both versions (v1.1.0 `conn_test.go:1393-1444`, v1.12.3
 * `connector_test.go:119-171`): a key/value string and the settings it gives, or the error it fails with. v1.1.0's
 * test checks only that those fail; its messages are v1.12.3's (v1.1.0 `conn.go:443,457,470`, v1.12.3
 * `connector.go:749,763,776`).
 */
const TEST_PARSE_OPTS: [string, Record<string, string> | string][] = [
  ['dbname=hello user=goodbye', { dbname: 'hello', user: 'goodbye' }],
  ['dbname=hello user=goodbye  ', { dbname: 'hello', user: 'goodbye' }],
  ['dbname = hello user=goodbye', { dbname: 'hello', user: 'goodbye' }],
  ['dbname=hello user =goodbye', { dbname: 'hello', user: 'goodbye' }],
  ['dbname=hello user= goodbye', { dbname: 'hello', user: 'goodbye' }],
  ['host=localhost password=\'correct horse battery staple\'', { host: 'localhost', password: 'correct horse battery staple' }],
  ['dbname=データベース password=パスワード', { dbname: 'データベース', password: 'パスワード' }],
  ['dbname=hello user=\'\'', { dbname: 'hello', user: '' }],
  ['user=\'\' dbname=hello', { dbname: 'hello', user: '' }],
  ['dbname=hello user=   ', { dbname: 'hello', user: '' }],
  ['user= password=foo', { user: 'password=foo' }],
  ['user=a\\ \\\'\\\\b', { user: 'a \'\\b' }],
  ['user=\'a \\\'b\'', { user: 'a \'b' }],
  ['user=x\\', 'missing character after backslash'],
  ['postgre://marko@internet', 'missing "="'],
  ['dbname user=goodbye', 'missing "="'],
  ['user=foo blah', 'missing "="'],
  ['user=foo blah   ', 'missing "="'],
  ['dbname=hello user=\'unterminated', 'unterminated quoted string'],
];

/** Each case of `TEST_PARSE_OPTS` gives `parse` its settings, or fails with its error. */
function agreesWithTestParseOpts(parse: (dsn: string, o: Record<string, string>) => void): void {
  for (const [dsn, expected] of TEST_PARSE_OPTS) {
    if (typeof expected === 'string') {
      expect(() => parse(dsn, {})).toThrow(expected);
    } else {
      const o = {};
      parse(dsn, o);
      expect([dsn, o]).toEqual([dsn, expected]);
    }
  }
}

describe('postgresUrl', () => {
  test('renders user, host, port, database and sslmode, and sslrootcert when given, each escaped for its place', () => {
    expect(postgresUrl(database())).toBe('postgres://app@db.example.com:5432/app?sslmode=require');
    expect(postgresUrl(database({ sslMode: SslMode.VERIFY_FULL }), '/etc/x/database-ca/ca.crt'))
      .toBe('postgres://app@db.example.com:5432/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fx%2Fdatabase-ca%2Fca.crt');
    // an IPv6 host is bracketed, or its colons would read as a port (RFC 3986 §3.2.2)
    expect(postgresUrl(database({ host: 'fd00::1', port: 25060 }))).toBe('postgres://app@[fd00::1]:25060/app?sslmode=require');
    // a database that did not come through ExternalPostgres' checks is still escaped
    expect(postgresUrl(database({ user: 'a@b:c', databaseName: 'd/b?x', sslMode: 'require&x=$(Y)' as SslMode })))
      .toBe('postgres://a%40b%3Ac@db.example.com:5432/d%2Fb%3Fx?sslmode=require%26x%3D%24(Y)');
  });

  test('puts a template placeholder, and nothing else, in the user info as the password', () => {
    // an app's pipeline Secret: SecretValue.template with TemplateEscape.URL escapes what replaces {password}
    expect(postgresUrl(database({ host: 'fd00::1', user: 'a@b' }), undefined, '{password}'))
      .toBe('postgres://a%40b:{password}@[fd00::1]:5432/app?sslmode=require');
    expect(thrown(() => postgresUrl(database(), undefined, 'hunter2@x')).message)
      .toBe('invalid passwordPlaceholder "hunter2@x": must be a SecretValue.template placeholder: "{" letters, digits or "_" "}"');
    expect(thrown(() => postgresUrl(database(), undefined, '{a}{b}')).message).toMatch(/^invalid passwordPlaceholder "\{a\}\{b\}": /);
  });

  test('refuses, in one line, a host a URL cannot carry and a bad port', () => {
    // Go's net/url refuses percent-encoded ASCII in a host, so it cannot be escaped
    expect(thrown(() => postgresUrl(database({ host: 'db$(PGPASSWORD).example.com' }))).message)
      .toBe('invalid database.host "db$(PGPASSWORD).example.com": must be a lower-case DNS host name or an IP address, without scheme, port or path');
    expect(thrown(() => postgresUrl(database({ host: 'user@db' }))).message).toMatch(/^invalid database.host "user@db": /);
    expect(thrown(() => postgresUrl(database({ port: 0 }))).message).toBe('invalid database.port 0: must be an integer from 1 to 65535');
  });

  test('property: for any user, host and database, the URL parses back to each of them, and holds no password', () => {
    fc.assert(fc.property(anyText, anyHost, anyText, fc.integer({ min: 1, max: 65535 }), fc.boolean(), (user, host, databaseName, port, ca) => {
      const url = new URL(postgresUrl(database({ host, port, user, databaseName }), ca ? '/etc/x/ca.crt' : undefined));
      expect(url.password).toBe('');
      expect(decodeURIComponent(url.username)).toBe(user);
      // WHATWG URL writes an IPv6 host canonically; Go's net/url, lib/pq's parser, keeps it as written
      expect(url.hostname).toBe(host.includes(':') ? new URL(`http://[${host}]`).hostname : host);
      expect(url.port).toBe(String(port));
      expect(decodeURIComponent(url.pathname.slice(1))).toBe(databaseName);
      expect(url.searchParams.get('sslmode')).toBe('require');
      expect(url.searchParams.get('sslrootcert')).toBe(ca ? '/etc/x/ca.crt' : null);
    }));
  });
});

describe('lib/pq v1.1.0, Drone\'s driver, as ported in lib-pq-v1.1.0.ts', () => {
  test('the port agrees with lib/pq v1.1.0\'s own tests', () => {
    // conn_test.go:1393-1444 TestParseOpts
    agreesWithTestParseOpts(parseOpts);
    // url_test.go:7-17 TestSimpleParseURL, :19-29 TestIPv6LoopbackParseURL, :31-41 TestFullParseURL, :57-66 TestMinimalURL
    expect(parseURL('postgres://hostname.remote')).toBe('host=hostname.remote');
    expect(parseURL('postgres://[::1]:1234')).toBe('host=::1 port=1234');
    expect(parseURL('postgres://username:top%20secret@hostname.remote:1234/database'))
      .toBe('dbname=database host=hostname.remote password=top\\ secret port=1234 user=username');
    expect(parseURL('postgres://')).toBe('');
  });

  test('a password in the URL survives spaces, quotes and backslashes, but not other white space: why no password is in it', () => {
    const url = (password: string) => `postgres://drone:${encodeURIComponent(password)}@db.example.com:5432/drone?sslmode=require`;
    expect(newConnectorOptions(url('a b\'c\\d@é'), {}).password).toBe('a b\'c\\d@é');
    // url.go:43 leaves a tab unescaped, and conn.go:454 ends the value at it: "b" then reads as a key without "="
    expect(() => newConnectorOptions(url('a\tb'), {})).toThrow('missing "=" after "b"');
    // a no-break space is white space to Go's unicode.IsSpace too
    expect(() => newConnectorOptions(url('a\u00a0b'), {})).toThrow('missing "="');
    // ... while PGPASSWORD is read raw, below the URL's settings (conn.go:1828, connector.go:56-69)
    expect(newConnectorOptions('postgres://drone@db.example.com:5432/drone?sslmode=require', { PGPASSWORD: 'a\tb\u00a0c' }).password).toBe('a\tb\u00a0c');
  });

  test('the former key/value DSN with the password spliced between quotes broke on a quote or a backslash', () => {
    const dsn = (password: string) => `host=db port=5432 dbname=drone user=drone password='${password}' sslmode=require`;
    expect(newConnectorOptions(dsn('ab cd'), {}).password).toBe('ab cd');
    // conn.go:472-480: "\" escapes the next character, "'" ends the value
    expect(newConnectorOptions(dsn('a\\b'), {}).password).toBe('ab');
    expect(() => newConnectorOptions(dsn('it\'s'), {})).toThrow('missing "="');
  });

  test('property: Drone\'s datasource and PGPASSWORD give lib/pq v1.1.0 every password, user, host and database as they are', () => {
    fc.assert(fc.property(anyPassword, identifier, anyHost, identifier, fc.boolean(), (password, user, host, databaseName, ca) => {
      const url = postgresUrl(database({ host, user, databaseName, sslMode: SslMode.VERIFY_CA }), ca ? '/etc/drone/database-ca/ca.crt' : undefined);
      expect(newConnectorOptions(url, { PGPASSWORD: password })).toEqual({
        host, port: '5432', user, password, dbname: databaseName, sslmode: 'verify-ca',
        ...(ca ? { sslrootcert: '/etc/drone/database-ca/ca.crt' } : {}),
      });
    }));
  });
});

describe('lib/pq v1.12.3, Woodpecker\'s driver, as ported in lib-pq-v1.12.3.ts', () => {
  test('the port agrees with lib/pq v1.12.3\'s own tests', () => {
    // connector_test.go:119-171 TestParseOpts
    agreesWithTestParseOpts(fromDSN);
    // :296-325 TestParseURL
    expect(convertURL('postgres://')).toBe('');
    expect(convertURL('postgres://hostname.remote')).toBe('host=\'hostname.remote\'');
    expect(convertURL('postgres://[::1]:1234')).toBe('host=\'::1\' port=\'1234\'');
    expect(convertURL('postgres://username:top%20secret@hostname.remote:1234/database'))
      .toBe('dbname=\'database\' host=\'hostname.remote\' password=\'top secret\' port=\'1234\' user=\'username\'');
    expect(convertURL('postgres://localhost/a%2Fb')).toBe('dbname=\'a/b\' host=\'localhost\'');
    expect(() => convertURL('http://hostname.remote')).toThrow('invalid connection protocol: http');
    // :327-474 TestNewConfig, the cases of one host
    const defaults = { host: 'localhost', port: '5432' };
    expect(newConfig('user=u port=1 host=example.com', {})).toEqual({ host: 'example.com', port: '1', user: 'u' });
    expect(newConfig('', { PGUSER: 'u', PGPORT: '1', PGHOST: 'example.com' })).toEqual({ host: 'example.com', port: '1', user: 'u' });
    expect(newConfig('database=db', {})).toEqual({ ...defaults, dbname: 'db' });
    expect(newConfig('postgres://u@example.com:1/db', {})).toEqual({ dbname: 'db', host: 'example.com', port: '1', user: 'u' });
    expect(newConfig('postgres://u:pw@example.com:1/db?opt=val&sslmode=require', {}))
      .toEqual({ dbname: 'db', host: 'example.com', opt: 'val', password: 'pw', port: '1', sslmode: 'require', user: 'u' });
    expect(() => newConfig('', { PGREALM: 'abc' })).toThrow('pq: environment variable $PGREALM is not supported');
  });

  test('PGPASSWORD is read raw, below the URL\'s settings: a URL without a password sets none, one with a password wins', () => {
    // connector.go:552 fromEnv, then :555 fromDSN; convertURL accrues no empty value (:1127-1131)
    const url = 'postgres://woodpecker@db.example.com:5432/woodpecker?sslmode=require';
    expect(newConfig(url, { PGPASSWORD: 'a\tb\u00a0c\'d\\e f' }).password).toBe('a\tb\u00a0c\'d\\e f');
    expect(newConfig('postgres://woodpecker:x@db.example.com:5432/woodpecker', { PGPASSWORD: 'y' }).password).toBe('x');
  });
});

/** What `bindDatasource` says a user or database name must be. */
const LIB_PQ_NAME = 'must be a non-empty string of valid Unicode without NUL or white space other than " ": Drone\'s lib/pq v1.1.0 ' +
  'cuts a URL\'s value at white space it does not escape, and lib/pq drops an empty one and ends one at NUL';

/** `bindDatasource` of `db` under the prefix `X` into a fresh environment: the variables it sets, and its binding. */
function bind(db: IPostgresDatabase, over: Partial<DatasourceBindingProps> = {}) {
  const env = new EnvVars('ci');
  const binding = bindDatasource(env, {
    scope: testChart('ci'), driver: 'X\'s lib/pq', namespace: 'ci', database: db, prefix: 'X', caDirectory: '/etc/x/database-ca', defaultMaxConnections: 20, ...over,
  });
  return { env: env._toKube(), binding };
}

/**
 * Whether lib/pq v1.1.0, Drone's driver, as ported, gets `name` through unchanged as both the user and the database
 * of the URL: it must have a UTF-8 form (`encodeURIComponent` throws on a lone surrogate), survive `ParseURL`'s
 * unquoted values (`url.go:43-48`, which also drops an empty one) and `parseOpts`' scanner, which ends a value at white
 * space (`conn.go:453-465`), and hold no NUL, which ends it as a C string in the startup message (`conn.go:1076-1077`,
 * `buf.go:68-70`).
 */
function v110Carries(name: string): boolean {
  try {
    encodeURIComponent(name);
  } catch {
    return false;
  }
  let read: Record<string, string>;
  try {
    read = newConnectorOptions(postgresUrl(database({ user: name, databaseName: name })), {});
  } catch (e: any) {
    // a value cut at white space leaves its rest to be read as a key
    expect(e.message).toMatch(/^missing /);
    return false;
  }
  return read.user === name && read.dbname === name && !name.includes('\0');
}

/**
 * User and database names rich in what lib/pq v1.1.0 cannot carry: Unicode white space in Latin-1 and beyond, NUL,
 * a lone surrogate, the empty name; beside characters that look alike but are not white space (U+001F, U+180E, U+200B,
 * U+FEFF) and those url.go does escape.
 */
const NAME_CHARS = [
  'a', '_', 'é', '密', '😀', '\'', '\\', '=', '%', ' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u00a0', '\u1680', '\u2003', '\u2028',
  '\u202f', '\u3000', '\0', '\ud800', '\u001f', '\u180e', '\u200b', '\ufeff',
];
const anyName = fc.oneof(fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 12 }));

describe('bindDatasource', () => {
  test('sets the engine\'s driver, PGPASSWORD, datasource and pool size under its prefix, in that order, and mounts the CA bundle', () => {
    const chart = testChart('ci');
    const ca = Secret.fromSecretName(chart, 'Ca', 'db-ca').key('ca.crt');
    const { env, binding } = bind(database({ caCertificate: ca, connectionLimit: 9 }), { maxConnections: 7 });
    expect(env).toEqual([
      { name: 'X_DATABASE_DRIVER', value: 'postgres' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'p', key: 'password' } } },
      { name: 'X_DATABASE_DATASOURCE', value: 'postgres://app@db.example.com:5432/app?sslmode=require&sslrootcert=%2Fetc%2Fx%2Fdatabase-ca%2Fca.crt' },
      { name: 'X_DATABASE_MAX_CONNECTIONS', value: '7' },
    ]);
    expect(binding).toEqual({
      mounts: [{ volume: 'database-ca', path: '/etc/x/database-ca', readOnly: true }],
      volumes: [{ name: 'database-ca', secret: { secretName: 'db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
    });
    // without a CA bundle nothing is mounted, and the pool falls back to the engine's default
    const plain = bind(database({ connectionLimit: undefined }));
    expect(plain.binding).toEqual({ mounts: [], volumes: [] });
    expect(plain.env.find((e) => e.name === 'X_DATABASE_MAX_CONNECTIONS')?.value).toBe('20');
  });

  test('refuses, in one line naming the prop, a user lib/pq cannot carry: white space but " ", empty, NUL, no UTF-8, not a string', () => {
    expect(thrown(() => bind(database({ user: 'ci\tuser' }))).message).toBe(`invalid database.user "ci\\tuser": ${LIB_PQ_NAME}`);
    expect(thrown(() => bind(database({ user: 'ci user\n' }))).message).toBe(`invalid database.user "ci user\\n": ${LIB_PQ_NAME}`);
    expect(thrown(() => bind(database({ user: '' }))).message).toBe(`invalid database.user "": ${LIB_PQ_NAME}`);
    expect(thrown(() => bind(database({ user: 'a\0b' }))).message).toBe(`invalid database.user "a\\u0000b": ${LIB_PQ_NAME}`);
    expect(thrown(() => bind(database({ user: 'a\ud800' }))).message).toBe(`invalid database.user "a\\ud800": ${LIB_PQ_NAME}`);
    // a cdk8s Lazy passed as `any` would render as "[object Object]"
    const lazy = Lazy.any({ produce: () => 'app' });
    expect(thrown(() => bind(database({ user: lazy }))).message).toBe(`invalid database.user {"producer":{}}: ${LIB_PQ_NAME}`);
  });

  test('refuses, in one line naming the prop, a database name lib/pq cannot carry', () => {
    // U+00A0 is white space to Go's unicode.IsSpace, and shown as it is
    expect(thrown(() => bind(database({ databaseName: 'ci\u00a0db' }))).message).toBe(`invalid database.databaseName "ci\u00a0db": ${LIB_PQ_NAME}`);
    // U+2028 is escaped in the message, which stays one line
    expect(thrown(() => bind(database({ databaseName: 'ci\u2028db' }))).message).toBe(`invalid database.databaseName "ci\\u2028db": ${LIB_PQ_NAME}`);
    expect(thrown(() => bind(database({ databaseName: '' }))).message).toBe(`invalid database.databaseName "": ${LIB_PQ_NAME}`);
    // the user is checked first
    expect(thrown(() => bind(database({ user: '\t', databaseName: '\t' }))).message).toBe(`invalid database.user "\\t": ${LIB_PQ_NAME}`);
    // " " is the one white space lib/pq v1.1.0 escapes (url.go:43), so it passes
    expect(bind(database({ user: 'a b', databaseName: ' ' })).env.find((e) => e.name === 'X_DATABASE_DATASOURCE')?.value)
      .toBe('postgres://a%20b@db.example.com:5432/%20?sslmode=require');
  });

  test('property: the names it accepts reach both lib/pq ports unchanged; those it refuses, lib/pq v1.1.0 cannot carry', () => {
    fc.assert(fc.property(anyName, anyName, (user, databaseName) => {
      const db = database({ user, databaseName });
      const badUser = !v110Carries(user);
      if (badUser || !v110Carries(databaseName)) {
        // one line naming the first name Drone's driver would change
        const [prop, name] = badUser ? ['database.user', user] : ['database.databaseName', databaseName];
        expect(thrown(() => bind(db)).message).toBe(`invalid ${prop} ${describeValue(name)}: ${LIB_PQ_NAME}`);
        return;
      }
      const url = bind(db).env.find((e) => e.name === 'X_DATABASE_DATASOURCE')!.value!;
      expect(url).toBe(postgresUrl(db));
      expect(newConnectorOptions(url, {})).toMatchObject({ user, dbname: databaseName });
      expect(newConfig(url, {})).toMatchObject({ user, dbname: databaseName });
    }), { numRuns: 300 });
  });
});

describe('connectionPoolSize', () => {
  test('takes maxConnections, else the connection limit, else the fallback, and never exceeds the limit', () => {
    const chart = testChart('ci');
    const db = new ExternalPostgres(chart, 'Db', {
      host: 'db.example.com', databaseName: 'app', user: 'app', password: Secret.fromSecretName(chart, 'P', 'p').key('password'), connectionLimit: 10,
    });
    expect(connectionPoolSize(db, undefined, 20)).toBe(10);
    expect(connectionPoolSize(db, 4, 20)).toBe(4);
    expect(connectionPoolSize(database({ connectionLimit: undefined }), undefined, 20)).toBe(20);
    expect(thrown(() => connectionPoolSize(db, 11, 20)).message)
      .toBe('invalid maxConnections 11: must be at most the database\'s connectionLimit 10: the role refuses further connections');
    expect(thrown(() => connectionPoolSize(db, 0, 20)).message).toBe('invalid maxConnections 0: must be an integer of at least 1');
    // a hand-written database's limit read as PostgreSQL's CONNECTION LIMIT (statedConnectionLimit): -1 is none, 0
    // lets no client in, Infinity was taken as a limit and then refused as maxConnections, a prop the caller never set
    expect(connectionPoolSize(database({ connectionLimit: -1 }), undefined, 20)).toBe(20);
    for (const limit of [0, Infinity, 1.5]) {
      expect(thrown(() => connectionPoolSize(database({ connectionLimit: limit }), undefined, 20)).message)
        .toBe(`invalid database.connectionLimit ${limit}: must be -1 (no limit) or an integer from 1 to 2147483647, as PostgreSQL's CONNECTION LIMIT`);
    }
  });
});
