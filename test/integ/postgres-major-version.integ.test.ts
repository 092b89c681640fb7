import { PostgresServer } from './postgres-server';

/**
 * What a PostgreSQL server does with a data directory another major version made, which the synth's refusal of a
 * major change of `Postgres`'s image (lib/postgres/major-version.ts) rests on: Debian's PostgreSQL 15 server over a
 * directory whose PG_VERSION says 16 (a newer server's) or 14 (an older one's) refuses to start, either way
 * (postgres/postgres src/backend/utils/init/miscinit.c `ValidatePgVersion`, which compares PG_VERSION with the
 * server's own PG_MAJORVERSION for equality), and starts over its own major version's.
 */
describe('PostgreSQL over a data directory of another major version', () => {
  test.each(['16', '14'])('PostgreSQL 15 refuses one that PG_VERSION says %s made', (version) => {
    const r = PostgresServer.startOverVersion(version);
    expect(r.serverVersion).toMatch(/^postgres \(PostgreSQL\) 15\./);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('FATAL:  database files are incompatible with server');
    expect(r.stderr).toContain(`DETAIL:  The data directory was initialized by PostgreSQL version ${version}, which is not compatible with this version 15.`);
  }, 60_000);

  test('and starts over its own', () => {
    const r = PostgresServer.startOverVersion('15');
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('incompatible');
  }, 60_000);
});
