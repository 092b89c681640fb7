import { isIPv6 } from 'net';
import { IConstruct } from 'constructs';
import { checkHost, checkInteger, checkPort, invalid } from '../core';
import { EnvVars } from '../core/env';
import { percentEncode } from '../core/percent-encode';
import { isTemplatePlaceholder } from '../core/secret';
import { requireValue } from '../core/value-rules';
import { CA_FILE, CaCertificateMount, mountCaCertificate } from './ca-certificate';
import { IPostgresDatabase, statedConnectionLimit } from './database';
import { countConnectionsFrom } from './external-postgres';
import { LIB_PQ_SCRAM_PASSWORD_RULE } from './scram-password';

/**
 * The `postgres://` URL of `database`, without a password, with `sslmode` always set and `sslrootcert` when given
 * (the path of the database's CA bundle as the client sees it, e.g. `/etc/drone/database-ca/ca.crt`). Every
 * component is escaped for its place: the user, the database name and the query values are percent-encoded
 * (`percentEncode`, which refuses a lone surrogate in one line), an IPv6 host is bracketed, and a host that a URL cannot carry as it is (anything but a DNS
 * name or an IP address) is refused.
 *
 * Both PostgreSQL clients Dockyard configures parse it with percent-decoding: libpq (PostgreSQL 15 docs, "Connection
 * URIs": "percent-encoding may be used to include symbols with special meaning in any of the URI parts"; REL_15
 * `src/interfaces/libpq/fe-connect.c` `conninfo_uri_parse_options` decodes with `conninfo_uri_decode`) and lib/pq
 * (v1.1.0 `url.go:32-76` and v1.12.3 `connector.go:1115-1157` both parse it with Go's `net/url`, which decodes
 * the user info, the path and the query). `sslmode` is always set because lib/pq defaults to `require`, libpq to
 * `prefer` (lib/pq v1.12.3 `connector.go:304-309`).
 *
 * Servers get their password apart (`bindDatasource`). `passwordPlaceholder`, e.g. `{password}`, is for a URL that
 * is the value of a `SecretValue.template` with `TemplateEscape.URL` (an app's pipeline Secret): it becomes the user
 * info's password, and the template percent-encodes the value that replaces it.
 *
 * @internal
 */
export function postgresUrl(database: IPostgresDatabase, sslRootCert?: string, passwordPlaceholder?: string): string {
  // a placeholder is the one text not escaped here: the template escapes the value that replaces it
  if (passwordPlaceholder !== undefined && !isTemplatePlaceholder(passwordPlaceholder)) {
    invalid('passwordPlaceholder', passwordPlaceholder, 'must be a SecretValue.template placeholder: "{" letters, digits or "_" "}"');
  }
  const password = passwordPlaceholder === undefined ? '' : `:${passwordPlaceholder}`;
  // Go's net/url allows percent-encoding in a host only for non-ASCII bytes, so a host is checked, not escaped
  const host = checkHost('database.host', database.host);
  const port = checkPort('database.port', database.port);
  const query = [`sslmode=${percentEncode('database.sslMode', database.sslMode)}`];
  if (sslRootCert !== undefined) {
    query.push(`sslrootcert=${percentEncode('sslRootCert', sslRootCert)}`);
  }
  const user = percentEncode('database.user', database.user);
  const databaseName = percentEncode('database.databaseName', database.databaseName);
  return `postgres://${user}${password}@${isIPv6(host) ? `[${host}]` : host}:${port}/${databaseName}?${query.join('&')}`;
}

/** What a server's pod needs beside its environment to reach its database: its CA bundle's mount, if any. @internal */
export type DatasourceBinding = CaCertificateMount;

/** What `bindDatasource` binds: one engine's database settings. @internal */
export interface DatasourceBindingProps {
  /** The engine's server construct, under whose app the password's rule is required (`LIB_PQ_SCRAM_PASSWORD_RULE`). */
  readonly scope: IConstruct;
  /** The engine's database driver, for a refused password: e.g. `Drone's lib/pq v1.1.0`. */
  readonly driver: string;
  /** The server's namespace. */
  readonly namespace: string;
  /** The database. */
  readonly database: IPostgresDatabase;
  /**
   * The prefix of the engine's variables: `DRONE` gives `DRONE_DATABASE_DRIVER`, `DRONE_DATABASE_DATASOURCE` and
   * `DRONE_DATABASE_MAX_CONNECTIONS`.
   */
  readonly prefix: string;
  /** The directory the pod mounts the database's CA bundle in, as `ca.crt`, when it has one. */
  readonly caDirectory: string;
  /**
   * The most connections the server opens: the engine's `maxConnections` prop.
   *
   * @default - the database's `connectionLimit`, or `defaultMaxConnections` (`connectionPoolSize`)
   */
  readonly maxConnections?: number;
  /** The engine's pool size when neither `maxConnections` nor the database's `connectionLimit` is set. */
  readonly defaultMaxConnections: number;
}

/**
 * Bind a server's database into `env`, the same way for Drone and Woodpecker and for any password Secret, as the
 * variables `<prefix>_DATABASE_DRIVER` (`postgres`), `PGPASSWORD`, `<prefix>_DATABASE_DATASOURCE` and
 * `<prefix>_DATABASE_MAX_CONNECTIONS`, in that order. The datasource is `postgresUrl`, a plain value without a
 * password, and the password is `PGPASSWORD` from its Secret. No password is ever spliced into a URL or a DSN, so
 * none needs escaping, not even the value of an existing Secret, which Dockyard cannot escape. Both drivers read
 * `PGPASSWORD` raw, below the URL's settings: lib/pq v1.1.0, Drone's (`conn.go:1798-1829` `parseEnviron`, applied
 * before the DSN in `connector.go:56-69`), and lib/pq v1.12.3, Woodpecker's (`connector.go:286` `env:"PGPASSWORD"`,
 * read by `newConfig` at `:552` before the DSN at `:555`; a URL without a password sets none, `convertURL`
 * `:1127-1137`), as libpq does. The user and the database name are checked first (`checkLibPqName`).
 *
 * The pod reads the password from a Secret (`secretKeyRef`), so its inputs checksum rolls it when a generated
 * password changes (lib/core/checksum.ts); a change of an existing Secret needs a restart. The pool size is always
 * bounded (`connectionPoolSize`).
 *
 * Why not the password in the URL: lib/pq up to v1.9.0 turns a URL into `key=value` text escaping only " ", "'" and
 * "\" (v1.1.0 `url.go:43-47`), and its parser ends an unquoted value at any Unicode white space (`conn.go:453-465`),
 * so a password with a tab, a newline or a no-break space fails there; and one form for both engines is simpler.
 *
 * What no form fixes: lib/pq does not SASLprep a password for SCRAM (v1.1.0 `conn.go:1134`, v1.12.3 `conn.go:1368`
 * hand it to `scram.NewClient` as it is) while the server does, so a password that SASLprep would change (a no-break
 * space, a ligature) fails a SCRAM login: a synth refuses a value the app holds that SASLprep would change, unless
 * SASLprep refuses it and the server takes it as it is (`LIB_PQ_SCRAM_PASSWORD_RULE`).
 *
 * @internal
 */
export function bindDatasource(env: EnvVars, props: DatasourceBindingProps): DatasourceBinding {
  const db = props.database;
  checkLibPqName('database.user', db.user);
  checkLibPqName('database.databaseName', db.databaseName);
  // a value the app holds (an input) is refused at synth; an existing Secret's cannot be
  requireValue(props.scope, db.password, props.driver, LIB_PQ_SCRAM_PASSWORD_RULE);
  const sslRootCert = db.caCertificate ? `${props.caDirectory}/${CA_FILE}` : undefined;
  env.value(`${props.prefix}_DATABASE_DRIVER`, 'postgres');
  env.secret('PGPASSWORD', db.password);
  env.value(`${props.prefix}_DATABASE_DATASOURCE`, postgresUrl(db, sslRootCert));
  env.value(`${props.prefix}_DATABASE_MAX_CONNECTIONS`, String(connectionPoolSize(db, props.maxConnections, props.defaultMaxConnections)));
  // on the server the engine's pod reaches from its namespace (a one-label host is a Service there)
  countConnectionsFrom(db, props.namespace, props.scope);
  return mountCaCertificate(db.caCertificate, props.namespace, props.caDirectory);
}

/** What `checkLibPqName` allows, for its error messages. */
const LIB_PQ_NAME = 'must be a non-empty string of valid Unicode without NUL or white space other than " ": Drone\'s lib/pq v1.1.0 ' +
  'cuts a URL\'s value at white space it does not escape, and lib/pq drops an empty one and ends one at NUL';

/**
 * Check a user or database name that lib/pq reads from the datasource URL: fail, naming `prop`, unless both driver
 * versions carry it to the server unchanged. `postgresUrl` percent-encodes it, and Go's `net/url` decodes it, but
 * then:
 *
 * - lib/pq v1.1.0, Drone's, turns the URL back into `key=value` text escaping only " ", "'" and "\" (`url.go:43-47`),
 *   and its parser ends an unquoted value at any white space of Go's `unicode.IsSpace`, the Unicode White_Space
 *   property (`conn.go:453-465`; the scanner `:380-409`), so a tab, a line break or a no-break space cuts the name
 *   or fails the parse; " " alone gets through, escaped. v1.12.3 quotes the value (`connector.go:1126-1131`) and
 *   keeps it.
 * - Both versions drop an empty value (v1.1.0 `url.go:44-48`, v1.12.3 `connector.go:1127-1131`), so the driver would
 *   fall back to `PGUSER` or the OS user, `PGDATABASE` or the user.
 * - Both send the name as a C string in the startup message (v1.1.0 `conn.go:1076-1077` and `buf.go:68-70`, v1.12.3
 *   `conn.go:1219-1226` and `buf.go:71-73`), which a NUL ends.
 * - A lone UTF-16 surrogate has no UTF-8 form (`percentEncode` refuses it too, for a URL built without this check).
 *
 * Dockyard's own databases are PostgreSQL identifiers already (`checkIdentifier`); this guards an `IPostgresDatabase`
 * implemented elsewhere, e.g. for a managed database. `IPostgresDatabase` types a name as a plain string, used as it
 * is: a deploy-time placeholder (`ChartDeployment`'s `substitutions`) is a plain string too, checked as one (what
 * replaces it is not), and anything but a string (say a cdk8s `Lazy` passed as `any`) would render as
 * `[object Object]`, so it is refused.
 */
function checkLibPqName(prop: string, value: string): void {
  // " " is the one white space url.go escapes; with the "u" flag a lone surrogate matches the range and a pair does
  // not: a lone one has no UTF-8 to send
  if (typeof value !== 'string' || value === '' || /(?! )\p{White_Space}|[\0\ud800-\udfff]/u.test(value)) {
    invalid(prop, value, LIB_PQ_NAME);
  }
}

/**
 * A server's connection pool size: `maxConnections`, else the database's `connectionLimit`, else `fallback`; at most
 * the `connectionLimit`, which the role enforces by refusing further connections. Always bounded, because Drone's
 * and Woodpecker's own defaults are unlimited or 100.
 *
 * @internal
 */
export function connectionPoolSize(database: IPostgresDatabase, maxConnections: number | undefined, fallback: number): number {
  const limit = statedConnectionLimit('database.connectionLimit', database.connectionLimit);
  const pool = checkInteger('maxConnections', maxConnections ?? limit ?? fallback, 1);
  if (limit !== undefined && pool > limit) {
    invalid('maxConnections', pool, `must be at most the database's connectionLimit ${limit}: the role refuses further connections`);
  }
  return pool;
}
