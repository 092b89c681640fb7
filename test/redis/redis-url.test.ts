import fc from 'fast-check';
import { IRedis, Secret } from '../../lib';
import { EnvRef } from '../../lib/core/env';
import { redisUrl } from '../../lib/redis/redis-ref';
import { testChart } from '../util';

/** A custom `IRedis`, as any code may implement one. */
function customRedis(props: Partial<IRedis>): IRedis {
  const chart = testChart('harbor');
  return {
    host: 'redis.example.com', port: 6379, tls: true, password: Secret.fromSecretName(chart, 'Pw', 'redis-pw').key('password'),
    grantConnect: () => undefined, ...props,
  };
}

/** The URL as the pod sees it once Kubernetes has expanded `$(REDIS_PASSWORD)` to `password`. */
function expanded(redis: IRedis, password = 'secret'): string {
  return redisUrl(redis, 'REDIS_PASSWORD', { database: 2, query: 'idle_timeout_seconds=30' })
    .map((p) => (p instanceof EnvRef ? password : p)).join('');
}

describe('redisUrl', () => {
  // WHATWG URL keeps the user name percent-encoded (url.spec.whatwg.org, "userinfo percent-encode set"), and Go's
  // net/url, which Harbor's components parse the URL with (goharbor/harbor v2.15.1 src/lib/cache/redis/redis.go:144,
  // src/lib/redis/pool.go:60), decodes it back
  test('percent-encodes the user name, so "/", ":" or "@" in it cannot move the host', () => {
    for (const username of ['team/ci:rw', 'a@b', 'x?y#z', 'ünï %20']) {
      const url = new URL(expanded(customRedis({ username })));
      expect({ host: url.host, username: decodeURIComponent(url.username), password: url.password, path: url.pathname, search: url.search })
        .toEqual({ host: 'redis.example.com:6379', username, password: 'secret', path: '/2', search: '?idle_timeout_seconds=30' });
      expect(url.protocol).toBe('rediss:');
    }
    expect(expanded(customRedis({ username: 'team/ci:rw' }))).toBe('rediss://team%2Fci%3Arw:secret@redis.example.com:6379/2?idle_timeout_seconds=30');
  });

  test('leaves a plain user name, and none, as they were', () => {
    expect(expanded(customRedis({ username: 'default' }))).toBe('rediss://default:secret@redis.example.com:6379/2?idle_timeout_seconds=30');
    expect(expanded(customRedis({ tls: false }))).toBe('redis://:secret@redis.example.com:6379/2?idle_timeout_seconds=30');
  });

  test('refuses a host that is no host name, and a port that is no port, in one line naming the prop', () => {
    const rule = 'must be a lower-case DNS host name, without scheme or path';
    expect(() => expanded(customRedis({ host: 'evil.example.com/x?' }))).toThrow(new Error(`invalid redis.host "evil.example.com/x?": ${rule}`));
    expect(() => expanded(customRedis({ host: 'user@evil.example.com' }))).toThrow(new Error(`invalid redis.host "user@evil.example.com": ${rule}`));
    expect(() => expanded(customRedis({ port: '6379/0#' as unknown as number })))
      .toThrow(new Error('invalid redis.port "6379/0#": must be an integer from 1 to 65535'));
  });

  // the garbage collection schedule's description (lib/harbor/garbage-collection.ts `gcCaptureText`) is this URL
  // without the password: the same scheme, user, host, port and database as the URL core is given
  test('without a password variable, names no password, and the user only where there is one', () => {
    const bare = (redis: IRedis) => redisUrl(redis, undefined, { database: 1 }).join('');
    expect(bare(customRedis({ tls: false }))).toBe('redis://redis.example.com:6379/1');
    expect(bare(customRedis({ username: 'team/ci:rw' }))).toBe('rediss://team%2Fci%3Arw@redis.example.com:6379/1');
    expect(redisUrl(customRedis({ username: 'default' }), undefined, { database: 2, query: 'a=1' }).join('')).toBe('rediss://default@redis.example.com:6379/2?a=1');
    expect(() => bare(customRedis({ host: 'user@evil.example.com' })))
      .toThrow(new Error('invalid redis.host "user@evil.example.com": must be a lower-case DNS host name, without scheme or path'));
  });

  test('any user name: the URL without a password parses to the same user and host as the one with it', () => {
    fc.assert(fc.property(fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), fc.boolean(), (username, tls) => {
      const redis = customRedis({ username, tls });
      const bare = new URL(redisUrl(redis, undefined, { database: 1 }).join(''));
      const full = new URL(redisUrl(redis, 'REDIS_PASSWORD', { database: 1 }).map((p) => (p instanceof EnvRef ? 'secret' : p)).join(''));
      expect({ protocol: bare.protocol, host: bare.host, path: bare.pathname, password: bare.password, username: decodeURIComponent(bare.username) })
        .toEqual({ protocol: tls ? 'rediss:' : 'redis:', host: 'redis.example.com:6379', path: '/1', password: '', username: username ?? '' });
      expect(bare.username).toBe(full.username);
    }));
  });
});
