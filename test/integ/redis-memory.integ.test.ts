import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Redis, RedisMaxMemoryPolicy, Resources } from '../../lib';
import { largestMaxMemoryMiB } from '../../lib/redis/memory-headroom';
import { container, find, synth, testChart } from '../util';
import { LogBuffer, terminate } from './child-process';
import { freePort } from './free-port';
import { redisCommands } from './redis-command';

/**
 * What a full in-cluster Redis holds in memory while it rewrites its append-only file, with the rendered server
 * settings, on Debian's redis-server (7.0; Valkey forked from it and forks for a rewrite the same way: valkey-io/valkey
 * 55bbbe0 src/aof.c:2421). `maxmemory` bounds the data; the rewrite's child shares it with the server until the
 * server writes a page, which the kernel then copies, in the same cgroup. The server reports what the child held of
 * its own (`aof_last_cow_size`, its Private_Dirty), so the container held the server's resident memory and that.
 */

const REDIS = '/usr/bin/redis-server';
const PASSWORD = 'memory-test-password';
const MIB = 2 ** 20;
// redis-server's hidden test setting that makes the rewrite's child sleep a microsecond per key, so that the rewrite
// takes seconds, as one of a full server on a network volume does, rather than a tenth of one
const KEY_SAVE_DELAY = '20';

/** Pipelines `count` HSETs of new keys from `start`, shaped like the registry's blob descriptors (~450 bytes each). */
function descriptors(start: number, count: number): string[][] {
  return Array.from({ length: count }, (_, i) => ['HSET', `repository::library/app::blobs::sha256:${String(start + i).padStart(64, '0')}`,
    'digest', `sha256:${String(start + i).padStart(64, '0')}`, 'size', String(start + i), 'mediatype', 'application/vnd.oci.image.layer.v1.tar+gzip',
    'pad', 'p'.repeat(200)]);
}

async function info(url: string, section: string): Promise<Record<string, string>> {
  const [, text] = await redisCommands(url, [['AUTH', PASSWORD], ['INFO', section]]);
  return Object.fromEntries(String(text).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
}

describe('a full Redis rewriting its AOF, on redis-server', () => {
  test('copies about all its data while it takes writes, which the memory limit must hold besides the data', async () => {
    if (!fs.existsSync(REDIS)) {
      throw new Error(`${REDIS} is needed: install the Debian package "redis-server" (.ci/run does)`);
    }
    // the smallest maxmemory a Redis takes, as a registry cache (evicting, so writes go on when full)
    const maxMemoryMiB = 16;
    const chart = testChart('cache');
    new Redis(chart, 'Redis', { maxMemoryMiB, maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU,
      resources: Resources.of({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '128Mi' }) });
    const rendered: string[] = container(find(synth(chart), 'StatefulSet', 'redis')).args;
    // the rendered settings, but the config file (the password), the port and the directory
    const settings = rendered.slice(1).flatMap((arg, i, all) => (['--port', '--dir'].includes(arg) || ['--port', '--dir'].includes(all[i - 1]) ? [] : [arg]));
    expect(settings).toEqual(['--appendonly', 'yes', '--maxmemory', '16mb', '--maxmemory-policy', 'allkeys-lru', '--save', '']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-memory-'));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const log = new LogBuffer();
    const server = spawn(REDIS, [...settings, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--requirepass', PASSWORD,
      '--auto-aof-rewrite-percentage', '0', '--rdb-key-save-delay', KEY_SAVE_DELAY], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => log.append(d));
    server.stderr!.on('data', (d) => log.append(d));
    try {
      // answering PING: started
      for (let tries = 0; ; tries++) {
        const [, pong] = await redisCommands(url, [['AUTH', PASSWORD], ['PING']]).catch((e) => [e, e]);
        if (pong === 'PONG') break;
        if (tries > 100) throw new Error(`no PONG: ${String(pong)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // fill it past maxmemory, so that it evicts from then on
      let next = 0;
      while (Number((await info(url, 'stats')).evicted_keys) === 0) {
        await redisCommands(url, [['AUTH', PASSWORD], ...descriptors(next, 2000)], { timeoutMs: 30_000 });
        next += 2000;
      }
      const full = await info(url, 'memory');
      await redisCommands(url, [['AUTH', PASSWORD], ['BGREWRITEAOF']]);
      // the registry's writes go on while the child writes the file
      while ((await info(url, 'persistence')).aof_rewrite_in_progress === '1') {
        await redisCommands(url, [['AUTH', PASSWORD], ...descriptors(next, 2000)], { timeoutMs: 30_000 });
        next += 2000;
      }
      const done = await info(url, 'persistence');
      expect(done.aof_last_bgrewrite_status).toBe('ok');
      const cow = Number(done.aof_last_cow_size);
      const rss = Number(full.used_memory_rss);
      // the child held a copy of most of the data: the container held it about twice
      expect(cow).toBeGreaterThan(0.7 * maxMemoryMiB * MIB);
      // and what Redis allows for it holds that
      expect(rss + cow).toBeLessThan((2.2 * maxMemoryMiB + 32) * MIB);
      expect(largestMaxMemoryMiB('128Mi')).toBe(43);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nredis-server log:\n${log}`);
    } finally {
      await terminate(server);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
