import { randomBytes } from 'crypto';
import { parse as parseYaml } from 'yaml';
import { inClusterHarbor, managedHarbor } from '../harbor/fixtures';
import { testChart } from '../util';
import { requiredRedisPassword } from './redis-pod';
import { RedisReplyError, RedisServer } from './redis-server';
import {
  configMapKey, containerOf, objectOf, providedSecret, render, Rendered, resolveEnv, secretKey,
} from './rendered';

/**
 * Every Redis URL Harbor's components get, resolved as the kubelet resolves the pod's environment (the password
 * from its Secret, then `$(REDIS_PASSWORD)` expanded), and then used against a real redis-server on loopback: only
 * host and port are swapped for the test server's.
 */

const NS = 'harbor';

/** Which variable of which container carries a Redis URL, and the database it must name (Harbor's chart's indexes). */
const URLS = [
  { kind: 'Deployment', workload: 'harbor-core', container: 'core', variable: '_REDIS_URL_CORE', db: 0 },
  { kind: 'Deployment', workload: 'harbor-core', container: 'core', variable: '_REDIS_URL_REG', db: 2 },
  { kind: 'Deployment', workload: 'harbor-jobservice', container: 'jobservice', variable: 'JOB_SERVICE_POOL_REDIS_URL', db: 1 },
  { kind: 'StatefulSet', workload: 'harbor-trivy', container: 'trivy', variable: 'SCANNER_REDIS_URL', db: 5 },
  { kind: 'Deployment', workload: 'harbor-exporter', container: 'exporter', variable: 'HARBOR_REDIS_URL', db: 1 },
] as const;

interface Variant {
  readonly title: string;
  readonly tls: boolean;
  /** Render the chart; returns the rendered objects and the password the server must require. */
  setup(): { rendered: Rendered; password: string };
  /** `scheme://user:password@host:port` the URLs must start with. */
  expectedBase(password: string): string;
}

const managed: Variant = {
  title: 'ExternalRedis (managed Valkey: TLS, user "default", port 25061)',
  tls: true,
  setup() {
    const chart = testChart(NS);
    managedHarbor(chart, { exporter: true });
    // a random URL-safe password, as the managed service would generate
    const password = randomBytes(24).toString('base64url');
    const rendered = render(chart, [
      providedSecret(NS, 'harbor-valkey', { password }),
      providedSecret(NS, 'harbor-db', { password: randomBytes(16).toString('hex') }),
      providedSecret(NS, 'harbor-spaces', { 'access-key': 'DO00TESTACCESSKEY', 'secret-key': randomBytes(30).toString('base64') }),
    ]);
    return { rendered, password };
  },
  expectedBase: (password) => `rediss://default:${password}@private-valkey.example.com:25061`,
};

const inCluster: Variant = {
  title: 'in-cluster Redis (plain TCP, generated password)',
  tls: false,
  setup() {
    const chart = testChart(NS);
    inClusterHarbor(chart, { exporter: true });
    const rendered = render(chart);
    // the password the in-cluster server requires, as its pod configures it
    const password = requiredRedisPassword(rendered, NS);
    expect(password).toBe(secretKey(rendered, NS, 'redis-password', 'password'));
    return { rendered, password };
  },
  expectedBase: (password) => `redis://:${password}@redis.${NS}.svc:6379`,
};

/** `url` with only its host and port replaced by the loopback server's. */
function onLoopback(url: string, server: RedisServer): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(server.port);
  return u.toString();
}

describe.each([managed, inCluster])('Harbor\'s Redis URLs on $title', (variant) => {
  let rendered: Rendered;
  let password: string;
  let server: RedisServer | undefined;

  beforeAll(async () => {
    ({ rendered, password } = variant.setup());
    expect(password).toMatch(/^[A-Za-z0-9_-]{24,}$/);
    server = await RedisServer.start({ password, tls: variant.tls });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const raw = (u: typeof URLS[number]) => containerOf(objectOf(rendered, u.kind, u.workload, NS), u.container).env
    .find((e: any) => e.name === u.variable);
  const resolved = (u: typeof URLS[number]) => resolveEnv(rendered, objectOf(rendered, u.kind, u.workload, NS), u.container)[u.variable];

  test('the manifests carry $(REDIS_PASSWORD), never the password', () => {
    for (const u of URLS) {
      expect(raw(u).value).toContain('$(REDIS_PASSWORD)');
      expect(raw(u).value).not.toContain(password);
      expect(raw(u).valueFrom).toBeUndefined();
    }
    expect(JSON.stringify(rendered.objects)).not.toContain(password);
  });

  test.each(URLS.map((u) => [u.variable, u.workload, u.db, u] as const))(
    '%s of %s resolves to the server, user and password, with database %d',
    (_v, _w, db, u) => {
      const url = resolved(u);
      expect(url.split('?')[0]).toBe(`${variant.expectedBase(password)}/${db}`);
      // whatever follows is a client option, not a leftover reference
      expect(url).not.toContain('$(');
    },
  );

  test.each(URLS.map((u) => [u.variable, u.workload, u] as const))('%s of %s answers PONG from a real server', async (_v, _w, u) => {
    const url = onLoopback(resolved(u), server!);
    expect(url.startsWith(variant.tls ? 'rediss://' : 'redis://')).toBe(true);
    // rediss:// verifies the server certificate against the test CA (server.ping trusts only that CA)
    expect(await server!.ping(url)).toBe('PONG');
  });

  test('the same URLs with a wrong password are refused with WRONGPASS', async () => {
    for (const u of URLS) {
      const url = new URL(onLoopback(resolved(u), server!));
      url.password = `${password}x`;
      await expect(server!.ping(url.toString())).rejects.toThrow(RedisReplyError);
      await expect(server!.ping(url.toString())).rejects.toThrow(/WRONGPASS/);
    }
  });

  test('the registry\'s Redis settings (config.yml addr and db, REGISTRY_REDIS_* variables) log in too', async () => {
    const config = parseYaml(configMapKey(rendered, NS, 'harbor-registry', 'config.yml'));
    const env = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-registry', NS), 'registry');
    const base = new URL(variant.expectedBase(password));
    expect(config.redis.addr).toBe(base.host);
    expect(config.redis.db).toBe(2);
    // a YAML double-quoted string, as distribution reads REGISTRY_* variables as YAML (goharbor/distribution
    // release/2.8 configuration/parser.go `overwriteStruct`); a double-quoted scalar reads alike in YAML 1.1 and 1.2
    expect(env.REGISTRY_REDIS_PASSWORD).toBe(`"${password}"`);
    const registryPassword = parseYaml(env.REGISTRY_REDIS_PASSWORD);
    expect(registryPassword).toBe(password);
    expect(env.REGISTRY_REDIS_USERNAME).toBe(variant.tls ? 'default' : undefined);
    expect(env.REGISTRY_REDIS_ENABLETLS).toBe(variant.tls ? 'true' : undefined);
    const user = encodeURIComponent(env.REGISTRY_REDIS_USERNAME ?? '');
    const url = `${env.REGISTRY_REDIS_ENABLETLS === 'true' ? 'rediss' : 'redis'}://${user}:${registryPassword}@127.0.0.1:${server!.port}/${config.redis.db}`;
    expect(await server!.ping(url)).toBe('PONG');
  });
});
