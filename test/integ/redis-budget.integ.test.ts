import * as net from 'net';
import { ExternalRedis, Secret } from '../../lib';
import { REDIS_RESERVED_CLIENTS } from '../../lib/harbor/redis-budget';
import { managedHarbor } from '../harbor/fixtures';
import { testChart } from '../util';
import { RedisServer } from './redis-server';

/**
 * The budget against a real server's `maxclients`: a Harbor on a server that states 214 sizes its pools so that every
 * connection its pods may open, rollouts counted, is 202 (test/harbor/redis-budget.test.ts counts them), which leaves
 * the 4 it keeps free (`REDIS_RESERVED_CLIENTS`) to an operator's valkey-cli, besides the 8 the share's rounding leaves;
 * a budget without the reserve would size its pools to 13 and leave 2, and one that did not count garbage collection's
 * one connection on each jobservice pod would too. The server takes every one and refuses
 * the next with "ERR max number of clients reached" (redis/valkey src/networking.c `acceptCommonHandler`): the limit
 * counts connections, as the budget does, not pools or pods, and keeps none for an admin.
 */

const LIMIT = 214;
const PASSWORD = 'budget-test-password';

/** Open a connection, AUTH and PING on it, and return the first reply line; the socket stays open. */
function hold(port: number, sockets: net.Socket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(`AUTH ${PASSWORD}\r\nPING\r\n`));
    sockets.push(socket);
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      // "+OK" then "+PONG", or a refusal "-ERR ..." and the server closes
      if (text.startsWith('-') || text.includes('+PONG')) resolve(text.split('\r\n').filter((l) => l !== '').pop()!);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text.trim() || 'closed'));
  });
}

describe('Harbor Redis budget against a redis-server with maxclients', () => {
  let server: RedisServer;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    server = await RedisServer.start({ password: PASSWORD, tls: false, extraArgs: ['--maxclients', String(LIMIT)] });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await server?.stop();
  });

  test('every connection the budget counts fits, and one more is refused', async () => {
    const chart = testChart('harbor');
    const redis = new ExternalRedis(chart, 'Limited', {
      host: 'private-valkey.example.com', port: 25061, password: Secret.fromSecretName(chart, 'L', 'l').key('password'), maxClients: LIMIT,
    });
    const pools = managedHarbor(chart, { redis }).redisPools;
    // the unbounded and fixed connections of 2 pods each of core, jobservice (garbage collection's one among them), Trivy
    // (82), and 10 pools of the share
    const counted = 82 + 10 * pools.redis!;
    expect([REDIS_RESERVED_CLIENTS, counted]).toEqual([4, 202]);
    // the share leaves the reserve free, and no more than it must: a share one larger would eat into it
    expect(counted + REDIS_RESERVED_CLIENTS).toBeLessThanOrEqual(LIMIT);
    expect(82 + 10 * (pools.redis! + 1) + REDIS_RESERVED_CLIENTS).toBeGreaterThan(LIMIT);
    // without the reserve the pools would take all but 2 of it, as they would if garbage collection were not counted
    expect(82 + 10 * Math.floor((LIMIT - 82) / 10)).toBe(LIMIT - 2);

    // the server's limit as INFO clients reports it, which the README tells users to read; on a connection kept open,
    // the first of those counted, so that no closing one is still counted when the last is opened
    const info = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: server.port }, () => s.write(`AUTH ${PASSWORD}\r\nINFO clients\r\n`));
      sockets.push(s);
      let text = '';
      s.on('data', (c) => { text += c.toString(); if (/maxclients:\d+\r\n/.test(text)) resolve(text); });
      s.on('error', reject);
    });
    expect(info).toMatch(new RegExp(`\\r\\nmaxclients:${LIMIT}\\r\\n`));

    const replies = [];
    for (let i = 1; i < counted; i++) {
      replies.push(await hold(server.port, sockets));
    }
    expect(replies.filter((r) => r !== '+PONG')).toEqual([]);
    // with every connection Harbor's pods may hold open, an operator still logs in, as many times as the reserve and
    // the rounding leave
    for (let i = counted; i < LIMIT; i++) {
      expect(await hold(server.port, sockets)).toBe('+PONG');
    }
    // and one past the limit is refused
    expect(await hold(server.port, sockets)).toBe('-ERR max number of clients reached');
  }, 60_000);
});
