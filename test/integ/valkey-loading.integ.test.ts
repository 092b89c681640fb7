import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Redis } from '../../lib';
import { container, find, synth, testChart } from '../util';
import { LogBuffer, terminate } from './child-process';
import { freePort } from './free-port';

/**
 * The in-cluster Redis's probes, run as the kubelet runs them against a real server that is loading a large
 * append-only file: Debian's redis-server and redis-cli, whose PING, LOADING and `-e` code Valkey kept (valkey-io/valkey
 * 55bbbe0 src/server.c:4182-4187, src/valkey-cli.c:2217-2219). The rendered command differs from the one run only in
 * the program's name (valkey-cli) and the port.
 */

const REDIS = '/usr/bin/redis-server';
const CLI = '/usr/bin/redis-cli';
const PASSWORD = 'probe-test-password';
const KEYS = 100_000;
// redis-server's hidden test setting that slows loading (negative: a 1 µs sleep, which costs a system call, before
// about one key in 4): about 2 s here (0.1 s without it), so that several probes land in the load; nothing else
// changes
const KEY_LOAD_DELAY = '-4';

/** A legacy single-file AOF of `keys` SETs, which redis-server 7 loads as its base file. */
function writeAof(file: string, keys: number): void {
  const fd = fs.openSync(file, 'w');
  const value = 'v'.repeat(32);
  let chunk = '';
  for (let i = 0; i < keys; i++) {
    const key = `key:${i}`;
    chunk += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

/** Runs a rendered probe command with redis-cli on `port`; its exit code and output. */
function runProbe(command: string[], port: number): { code: number | null; output: string } {
  expect(command[0]).toBe('valkey-cli');
  const args = command.slice(1).map((arg, i, all) => (all[i - 1] === '-p' ? String(port) : arg));
  const r = spawnSync(CLI, args, { env: { PATH: process.env.PATH, REDISCLI_AUTH: PASSWORD }, encoding: 'utf8', timeout: 3_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe('Valkey probes against a server loading its AOF', () => {
  test('liveness passes on LOADING, readiness fails until PONG', async () => {
    if (!fs.existsSync(REDIS) || !fs.existsSync(CLI)) {
      throw new Error(`${REDIS} and ${CLI} are needed: install the Debian package "redis-server" (.ci/run does)`);
    }
    const chart = testChart('cache');
    new Redis(chart, 'Redis');
    const c = container(find(synth(chart), 'StatefulSet', 'redis'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valkey-loading-'));
    writeAof(path.join(dir, 'appendonly.aof'), KEYS);
    const port = await freePort();
    const log = new LogBuffer();
    const server = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes',
      '--save', '', '--requirepass', PASSWORD, '--key-load-delay', KEY_LOAD_DELAY], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => log.append(d));
    server.stderr!.on('data', (d) => log.append(d));
    const seen: { live: ReturnType<typeof runProbe>; ready: ReturnType<typeof runProbe> }[] = [];
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const live = runProbe(c.livenessProbe.exec.command, port);
        const ready = runProbe(c.readinessProbe.exec.command, port);
        seen.push({ live, ready });
        if (live.output === 'PONG' || Date.now() > deadline) {
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      // the server answered while loading: the startup and liveness probes (the same command) passed on LOADING,
      // readiness failed on it. Each run is judged by its own reply: the load may end between the two
      const live = seen.map((s) => s.live).filter((r) => r.output.startsWith('LOADING'));
      const ready = seen.map((s) => s.ready).filter((r) => r.output.startsWith('LOADING'));
      expect(live.length).toBeGreaterThan(0);
      expect(ready.length).toBeGreaterThan(0);
      expect(new Set(live.map((r) => r.code))).toEqual(new Set([0]));
      expect(new Set(ready.map((r) => r.code))).toEqual(new Set([1]));
      expect(c.startupProbe.exec.command).toEqual(c.livenessProbe.exec.command);
      // and once loaded, both pass
      expect(seen[seen.length - 1].live).toEqual({ code: 0, output: 'PONG' });
      expect(runProbe(c.readinessProbe.exec.command, port)).toEqual({ code: 0, output: 'PONG' });
    } catch (e) {
      throw new Error(`${(e as Error).message}\nredis-server log:\n${log}\nprobes:\n${JSON.stringify(seen)}`);
    } finally {
      await terminate(server);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
