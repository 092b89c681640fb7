import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * What an older server does with the append-only file a newer one wrote, which the synth's refusal of a Valkey
 * downgrade rests on (lib/redis/version-change.ts). Debian's redis-server 7.0 (RDB format 10) runs as the in-cluster
 * server does (`--appendonly yes --save ''`, the multi-part AOF whose base file is an RDB), writes a key and stops;
 * then its base file's header is made to say format 11, as Redis 7.2's and Valkey 7.2 to 8.x's say (valkey-io/valkey
 * 8.0.1 src/rdb.h:41). Started again, it refuses the file ("Can't handle RDB format version 11", src/rdb.c:3015-3017,
 * the same check in Valkey) and exits (src/server.c:6467): the pod would crash-loop. With the header as written, it
 * loads the key.
 */
const SERVER = '/usr/bin/redis-server';

function run(dir: string, args: string[] = []): { status: number | null; log: string } {
  const r = spawnSync(SERVER, ['--port', '0', '--unixsocket', path.join(dir, 's'), '--dir', dir, '--appendonly', 'yes', '--save', '', ...args],
    { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, log: `${r.stdout}${r.stderr}` };
}

async function writeAndStop(dir: string, loaded = false): Promise<void> {
  const child = spawn(SERVER, ['--port', '0', '--unixsocket', path.join(dir, 's'), '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const cli = (...args: string[]) => spawnSync('redis-cli', ['-s', path.join(dir, 's'), ...args], { encoding: 'utf8', timeout: 5_000 });
  for (let i = 0; i < 100 && cli('ping').stdout.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
  // a server started over the file as written holds the key it had
  if (loaded) expect(cli('get', 'queued').stdout.trim()).toBe('job');
  expect(cli('set', 'queued', 'job').stdout.trim()).toBe('OK');
  // SHUTDOWN without SAVE keeps the base file and the incremental AOF as they are
  cli('shutdown', 'nosave');
  await exited;
}

describe('an older server over a newer append-only file', () => {
  test('refuses the base file\'s newer RDB format and exits; loads it as written', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-aof-'));
    try {
      await writeAndStop(dir);
      const base = path.join(dir, 'appendonlydir', fs.readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.endsWith('.base.rdb'))!);
      const header = fs.readFileSync(base).subarray(0, 9).toString('latin1');
      expect(header).toBe('REDIS0010');
      const copy = fs.readFileSync(base);
      const fd = fs.openSync(base, 'r+');
      fs.writeSync(fd, Buffer.from('REDIS0011', 'latin1'), 0, 9, 0);
      fs.closeSync(fd);
      const newer = run(dir);
      expect(newer.status).toBe(1);
      expect(newer.log).toContain('Can\'t handle RDB format version 11');
      expect(newer.log).toMatch(/AOF loading aborted/);
      fs.writeFileSync(base, copy);
      await writeAndStop(dir, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
