import { spawnSync } from 'child_process';
import { checkHost } from '../../lib/core';
import { PostgresServer } from './postgres-server';

/**
 * What libpq makes of a host of numbers alone, against a real PostgreSQL 15 listening on 127.0.0.1 only: psql connects
 * through "127.1", "0x7f.1" and "2130706433", which glibc's getaddrinfo reads with inet_aton as 127.0.0.1 before any
 * DNS lookup (libpq resolves `host` with `pg_getaddrinfo_all`: PostgreSQL REL_15 src/interfaces/libpq/fe-connect.c
 * `PQconnectPoll`, case `CHT_HOST_NAME`), as the reconciler's Debian image does. Go's resolver, that of Drone's and
 * Woodpecker's lib/pq and of Harbor, takes only the four-decimal form as an address (go src/net/netip/netip.go
 * `parseIPv4`) and looks the rest up in DNS, so `checkHost` refuses them: one value would name two servers. The
 * four-decimal form, which both read alike, is taken.
 */
describe('libpq reads a host of numbers alone as an IPv4 address (glibc inet_aton)', () => {
  let server: PostgresServer;
  const password = 'libpq-host-test-password';
  beforeAll(async () => {
    server = await PostgresServer.start(password);
  }, 60_000);
  afterAll(() => server?.stop());

  /** psql's answer to "which address did you reach", connecting to `host`. */
  const reached = (host: string) => spawnSync('psql', ['--no-psqlrc', '-XAt', '--dbname', 'postgres', '-c', 'SELECT inet_server_addr()'], {
    encoding: 'utf8', env: { ...process.env, ...server.env('postgres', password), PGHOST: host, PGCONNECT_TIMEOUT: '5' }, timeout: 30_000,
  });

  test('"127.1", "0x7f.1" and "2130706433" reach 127.0.0.1, and checkHost refuses them; "127.0.0.1" is taken', () => {
    for (const host of ['127.1', '0x7f.1', '2130706433']) {
      const r = reached(host);
      expect({ host, out: r.stdout.trim(), status: r.status }).toEqual({ host, out: '127.0.0.1', status: 0 });
      expect(() => checkHost('host', host)).toThrow(`invalid host "${host}": must be an IPv4 address of four decimal numbers from 0 to 255`);
    }
    expect(reached('127.0.0.1').stdout.trim()).toBe('127.0.0.1');
    expect(checkHost('host', '127.0.0.1')).toBe('127.0.0.1');
  });

  test('the model can fail: a name with a letter is no address, and is looked up (here it resolves nowhere)', () => {
    // "127.x" is a DNS name to glibc as to Go; the server is not reached through it
    const r = reached('127.x');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/could not translate host name "127\.x" to address/);
    expect(checkHost('host', '127.x')).toBe('127.x');
  });
});
