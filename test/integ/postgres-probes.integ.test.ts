import { spawnSync } from 'child_process';
import { Postgres } from '../../lib';
import { container, find, synth, testChart } from '../util';
import { freePort } from './free-port';
import { PostgresServer } from './postgres-server';

/**
 * The in-cluster PostgreSQL's probes, run as the kubelet runs them (`$$` expanded to `$`) against a real server that
 * rejects connections with SQLSTATE 57P03, as one replaying its WAL after a crash does ("the database system is
 * starting up"; here a standby without hot standby, "not accepting connections", the same code, which libpq's ping
 * reports as rejecting: pg_isready exits 1, PostgreSQL docs, pg_isready, Exit Status). Only the port differs.
 */

/** Runs a rendered exec probe against `port` with the server's own pg_isready; its exit code. */
function runProbe(command: string[], port: number, bin: string): number | null {
  const args = command.map((arg) => arg.split('$$').join('$').split('--port=5432').join(`--port=${port}`));
  expect(args.join(' ')).toContain(`--port=${port}`);
  const r = spawnSync(args[0], args.slice(1), { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 10_000 });
  return r.status;
}

describe('PostgreSQL probes against a server that rejects connections', () => {
  test('startup and liveness pass while it rejects them, readiness only once it accepts them; none without a server', async () => {
    const chart = testChart('data');
    new Postgres(chart, 'Postgres');
    const c = container(find(synth(chart), 'StatefulSet', 'postgres'));
    const server = await PostgresServer.start('probe-test-password', { rejecting: true });
    try {
      const bin = server.binDir;
      expect(runProbe(c.startupProbe.exec.command, server.port, bin)).toBe(0);
      expect(runProbe(c.livenessProbe.exec.command, server.port, bin)).toBe(0);
      expect(runProbe(c.readinessProbe.exec.command, server.port, bin)).toBe(1);
      server.promote();
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        expect(runProbe(probe.exec.command, server.port, bin)).toBe(0);
      }
      // nothing listening (a first start's initdb server, on the socket alone): pg_isready exits 2, every probe fails
      const closed = await freePort();
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        expect(runProbe(probe.exec.command, closed, bin)).not.toBe(0);
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\nserver log:\n${server.log()}`);
    } finally {
      server.stop();
    }
  }, 60_000);
});
