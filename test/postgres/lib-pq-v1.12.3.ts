import { environSettings, scanConninfo, urlConninfo } from './lib-pq-common';

/**
 * How lib/pq v1.12.3, the driver of Woodpecker v3.17.0 (woodpecker v3.17.0 `go.mod:37`), turns a datasource and the
 * environment into connection settings: a line-by-line port for tests, since no Go toolchain runs them here, of the
 * parts that decide where and as whom it logs in. What v1.12.3 does with the same code as v1.1.0 is ported once, in
 * lib-pq-common.ts; this file holds what is v1.12.3's own.
 *
 * - `newConfig`: lib/pq v1.12.3 `connector.go:544-558`: the defaults (host `localhost`, port 5432), then `fromEnv`,
 *   then `fromDSN`, each overriding what came before; the settings as `postgres` keys (the struct tags of `Config`,
 *   `connector.go:233-452`), as `Config.tomap` would list them.
 * - `fromEnv`: `connector.go:667-688`, for the variables Dockyard may set, and the ones it refuses.
 * - `fromDSN`: `connector.go:693-794`: a URL through `convertURL` first, then the key/value scanner, whose error for a
 *   missing "=" has no stray `"` (`connector.go:749`), then `setFromTag`.
 * - `convertURL`: `connector.go:1115-1157`, writing each value quoted (`connector.go:1126-1131`).
 *
 * `test/postgres/datasource.test.ts` checks the port against lib/pq v1.12.3's own cases (`connector_test.go:119-171`
 * `TestParseOpts`, `:296-325` `TestParseURL`, `:327-474` `TestNewConfig`).
 */

/** lib/pq v1.12.3 `connector.go:1115-1157` `convertURL`: a `postgres://` URL as a key/value string. */
export function convertURL(url: string): string {
  // :1126-1131: every value quoted, "'" and "\" escaped inside the quotes
  return urlConninfo(url, (v) => `'${v.replace(/['\\]/g, (c) => `\\${c}`)}'`);
}

/** lib/pq v1.12.3 `connector.go:693-794` `fromDSN`: the settings of a URL or a libpq key/value string, or an error. */
export function fromDSN(dsn: string, o: Record<string, string>): void {
  const opt: Record<string, string> = {};
  scanConninfo(dsn.startsWith('postgres://') || dsn.startsWith('postgresql://') ? convertURL(dsn) : dsn, opt,
    (key) => `missing "=" after ${JSON.stringify(key)} in connection info string`);
  // setFromTag: "database" is an alias of "dbname" (:967-969); every other key sets its field or is a runtime parameter
  for (const [k, v] of Object.entries(opt)) o[k === 'database' ? 'dbname' : k] = v;
}

/** lib/pq v1.12.3 `connector.go:667-688` `fromEnv`, for the libpq variables Dockyard may set. */
function fromEnv(env: Record<string, string>): Record<string, string> {
  // :675-679
  const refused = ['PGREQUIRESSL', 'PGSSLCOMPRESSION', 'PGREALM', 'PGGSSENCMODE', 'PGGSSDELEGATION', 'PGGSSLIB',
    'PGREQUIREAUTH', 'PGCHANNELBINDING', 'PGSSLCERTMODE', 'PGSSLCRL', 'PGSSLCRLDIR', 'PGREQUIREPEER'];
  const k = Object.keys(env).find((name) => refused.includes(name));
  if (k !== undefined) throw new Error(`pq: environment variable $${k} is not supported`);
  return environSettings(env);
}

/**
 * lib/pq v1.12.3 `connector.go:544-558` `newConfig`: the settings a connection uses, from the container's environment
 * and its datasource, as far as they concern where and as whom it logs in.
 */
export function newConfig(dsn: string, env: Record<string, string>): Record<string, string> {
  const o: Record<string, string> = { host: 'localhost', port: '5432', ...fromEnv(env) };
  fromDSN(dsn, o);
  return o;
}
