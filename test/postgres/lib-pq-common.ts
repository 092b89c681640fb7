/**
 * What lib/pq v1.1.0 (Drone's driver) and lib/pq v1.12.3 (Woodpecker's) do with the same code, ported once for
 * lib-pq-v1.1.0.ts and lib-pq-v1.12.3.ts. Where the two versions' code differs, each port passes its own part in
 * and cites it; everything here is cited in both versions.
 *
 * - `scanConninfo`: the key/value scanner, "based on conninfo_parse from libpq's fe-connect.c": v1.1.0
 *   `conn.go:417-485` (in `parseOpts`, over the `scanner` of `:380-409`) and v1.12.3 `connector.go:723-791` (in
 *   `fromDSN`, over the closures `next` and `skipSpaces` of `:702-720`), on code points as Go's `[]rune`, with Go's
 *   `unicode.IsSpace` as the Unicode White_Space property (Go `unicode/graphic.go` `IsSpace`: White_Space, Latin-1
 *   included). The versions word the error of a missing "=" differently (v1.1.0 `conn.go:443`, v1.12.3
 *   `connector.go:749`).
 * - `urlConninfo`: a `postgres://` URL as a key/value string: v1.1.0 `url.go:32-76` (`ParseURL`) and v1.12.3
 *   `connector.go:1115-1157` (`convertURL`). The versions write a value differently (v1.1.0 `url.go:43-48`, v1.12.3
 *   `connector.go:1126-1131`). Go's `net/url` is stood in for by WHATWG URL and `decodeURIComponent`, which decode the
 *   user info, path and query of the URLs Dockyard renders (percent-encoded components, a DNS or IP host) alike.
 * - `environSettings`: the libpq variables Dockyard may set and the settings they name: v1.1.0 `conn.go:1818-1843`
 *   (`parseEnviron`) and v1.12.3 the `env` tags of `Config` (`connector.go:242-333`), read by `fromEnv`.
 */

const SPACE = /^\p{White_Space}$/u;
/** Go's `unicode.IsSpace`, false at the end of the input as lib/pq's loops have it (`ok` false, `r` 0). */
const isSpace = (r: string | undefined) => r !== undefined && SPACE.test(r);

/**
 * lib/pq's key/value scanner (v1.1.0 `conn.go:417-485`, v1.12.3 `connector.go:723-791`): each setting of `conninfo`
 * into `o` as it is read, or an error; `missingEquals` words the error of a key without "=".
 */
export function scanConninfo(conninfo: string, o: Record<string, string>, missingEquals: (key: string) => string): void {
  const s = [...conninfo];
  let i = 0;
  const next = (): string | undefined => (i < s.length ? s[i++] : undefined);
  const skipSpaces = () => {
    let r = next();
    while (r !== undefined && isSpace(r)) r = next();
    return r;
  };
  for (;;) {
    let r = skipSpaces();
    if (r === undefined) break;
    let key = '';
    while (!isSpace(r) && r !== '=') {
      key += r;
      r = next();
      if (r === undefined) break;
    }
    if (r !== '=') r = skipSpaces();
    if (r !== '=') throw new Error(missingEquals(key));
    r = skipSpaces();
    if (r === undefined) {
      // the last value is empty when nothing but white space follows its "="
      o[key] = '';
      break;
    }
    let value = '';
    if (r !== '\'') {
      while (r !== undefined && !isSpace(r)) {
        if (r === '\\') {
          r = next();
          if (r === undefined) throw new Error('missing character after backslash');
        }
        value += r;
        r = next();
      }
    } else {
      for (;;) {
        r = next();
        if (r === undefined) throw new Error('unterminated quoted string literal in connection string');
        if (r === '\'') break;
        if (r === '\\') r = next() ?? '';
        value += r;
      }
    }
    o[key] = value;
  }
}

/**
 * lib/pq's `postgres://` URL as a key/value string (v1.1.0 `url.go:32-76`, v1.12.3 `connector.go:1115-1157`);
 * `render` writes a value as the version does.
 */
export function urlConninfo(url: string, render: (value: string) => string): string {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`invalid connection protocol: ${u.protocol.slice(0, -1)}`);
  const kvs: string[] = [];
  const accrue = (k: string, v: string) => {
    if (v !== '') kvs.push(`${k}=${render(v)}`);
  };
  accrue('user', decodeURIComponent(u.username));
  accrue('password', decodeURIComponent(u.password));
  // Go keeps the host as written (WHATWG would canonicalise an IPv6 one): the authority after its last "@"
  // (net/url parseAuthority), split by net.SplitHostPort, which drops an IPv6 host's brackets; without a port the
  // host stays as it is, and no port is accrued
  const authority = /^[a-z]+:\/\/([^/?#]*)/.exec(url)![1];
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const split = /^\[([^\]]*)\]:([^:]*)$/.exec(hostPort) ?? /^([^:[\]]*):([^:]*)$/.exec(hostPort);
  accrue('host', split ? split[1] : hostPort);
  if (split) accrue('port', split[2]);
  if (u.pathname !== '') accrue('dbname', decodeURIComponent(u.pathname.slice(1)));
  for (const k of new Set(u.searchParams.keys())) accrue(k, u.searchParams.get(k)!);
  // sort.Strings: byte order of UTF-8, which for these keys is code unit order
  return kvs.sort().join(' ');
}

/**
 * The settings the libpq variables Dockyard may set name, alike in v1.1.0 (`conn.go:1818-1843`) and v1.12.3
 * (`connector.go:242-333`); any other `PG*` variable is beyond the ports.
 */
export function environSettings(env: Record<string, string>): Record<string, string> {
  const names: Record<string, string> = {
    PGHOST: 'host', PGPORT: 'port', PGDATABASE: 'dbname', PGUSER: 'user', PGPASSWORD: 'password', PGSSLMODE: 'sslmode', PGSSLROOTCERT: 'sslrootcert',
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('PG') && !(k in names)) throw new Error(`the port does not model ${k}`);
    if (k in names) out[names[k]] = v;
  }
  return out;
}
