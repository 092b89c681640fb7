import { environSettings, scanConninfo, urlConninfo } from './lib-pq-common';

/**
 * How lib/pq v1.1.0, the driver of Drone 2.28.2 (harness v2.28.2 `go.mod:44`), turns a datasource and the
 * environment into connection settings: a line-by-line port for tests, since no Go toolchain runs them here. What
 * v1.1.0 does with the same code as v1.12.3 is ported once, in lib-pq-common.ts; this file holds what is v1.1.0's own.
 *
 * - `newConnectorOptions`: lib/pq v1.1.0 `connector.go:42-69` (`NewConnector`): defaults, then `parseEnviron`, then
 *   a `postgres://` URL through `ParseURL`, then `parseOpts` over the DSN, each overriding what came before.
 * - `parseURL`: `url.go:32-76`, writing each value escaped but unquoted (`url.go:43-48`).
 * - `parseOpts`: `conn.go:414-488`, whose error for a missing "=" ends in a stray `"` (`conn.go:443`).
 * - `parseEnviron`: `conn.go:1798-1866`, for the variables Dockyard may set.
 *
 * `test/postgres/datasource.test.ts` checks the port against lib/pq v1.1.0's own cases (`conn_test.go:1393-1444`
 * `TestParseOpts`, `url_test.go:7-41,57-66`).
 */

/** lib/pq v1.1.0 `conn.go:414-488` `parseOpts`: the settings of a libpq key/value string, or an error. */
export function parseOpts(name: string, o: Record<string, string>): void {
  scanConninfo(name, o, (key) => `missing "=" after ${JSON.stringify(key)} in connection info string"`);
}

/** lib/pq v1.1.0 `url.go:32-76` `ParseURL`: a `postgres://` URL as a key/value string. */
export function parseURL(url: string): string {
  // url.go:43: only " ", "'" and "\" are escaped, and the value is not quoted
  return urlConninfo(url, (v) => v.replace(/[ '\\]/g, (c) => `\\${c}`));
}

/** lib/pq v1.1.0 `conn.go:1798-1866` `parseEnviron`, for the libpq variables Dockyard sets. */
function parseEnviron(env: Record<string, string>): Record<string, string> {
  return environSettings(env);
}

/**
 * lib/pq v1.1.0 `connector.go:42-69`: the settings a connection uses, from the container's environment and its
 * datasource, as far as they concern where and as whom it logs in.
 */
export function newConnectorOptions(dsn: string, env: Record<string, string>): Record<string, string> {
  const o: Record<string, string> = { host: 'localhost', port: '5432', ...parseEnviron(env) };
  parseOpts(dsn.startsWith('postgres://') || dsn.startsWith('postgresql://') ? parseURL(dsn) : dsn, o);
  return o;
}
