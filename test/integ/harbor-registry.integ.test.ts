import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { ExternalRedis, HarborLogLevel, HarborStorage, Redis, RedisMaxMemoryPolicy, Secret } from '../../lib';
import { REDIS_DB } from '../../lib/harbor/context';
import { JOB_NAMESPACE } from '../../lib/harbor/jobservice';
import { REGISTRY_YAML_STRING_RULE } from '../../lib/harbor/registry-yaml-string';
import { REDIS_URL_PASSWORD_RULE } from '../../lib/redis/redis-ref';
import { inClusterHarbor } from '../harbor/fixtures';
import { testChart } from '../util';
import { redisCommands } from './redis-command';
import { requiredRedisPassword } from './redis-pod';
import { RedisServer } from './redis-server';
import { BasicAuth, getBlob, LAYER_TAR_GZIP, pullImage, pushBlob, pushImage, pushManifest, sha256Digest, tinyImage } from './registry-client';
import { RegistryServer } from './registry-server';
import {
  configMapKey, containerOf, keptState, mountedFile, objectOf, providedSecret, render, Rendered, resolveCommand, resolveEnv, secretKey, SecretObject,
} from './rendered';
import { S3Server } from './s3-server';

/**
 * Harbor's registry as rendered: the ConfigMap's config.yml and the registry container's resolved environment, run
 * by Debian's docker-registry (upstream distribution 2.8) against a real Redis, on filesystem and on S3 storage.
 * Only what the test environment forces is changed, each change commented where it is made.
 */

const NS = 'harbor';
/**
 * The secret state every chart here is rendered from (a copy each time): the default in-cluster Harbor's. Its values,
 * the 4096-bit token key most of all, are drawn once in the file instead of once in each of some 30 renders; what a
 * chart declares beyond them (a provided Secret's keys are the test's) is drawn as before.
 */
const HARBOR_STATE = keptState(() => {
  const chart = testChart(NS);
  inClusterHarbor(chart);
  return chart;
});
/** `render` from HARBOR_STATE. */
const renderHarbor = (chart: ReturnType<typeof testChart>, provided: SecretObject[] = []): Rendered => render(chart, provided, HARBOR_STATE());
const basic = (auth: BasicAuth) => `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
const blobPath = (digest: string) => `docker/registry/v2/blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data`;

/** What the registry pod is given, read from the rendered objects, with cross-checks of the wiring. */
function registryPod(rendered: Rendered) {
  const deployment = objectOf(rendered, 'Deployment', 'harbor-registry', NS);
  const registry = containerOf(deployment, 'registry');
  const command = resolveCommand(rendered, deployment, 'registry');
  // the binary is Harbor's build of distribution, run as `<binary> serve <config>`
  expect(command.slice(1, 2)).toEqual(['serve']);
  const configPath = command[2];
  const config = configMapKey(rendered, NS, 'harbor-registry', 'config.yml');
  // what the container reads at the path it serves is the ConfigMap's config.yml
  expect(mountedFile(rendered, deployment, 'registry', configPath)).toBe(config);
  const parsed = parseYaml(config);
  return { deployment, registry, config, parsed, env: resolveEnv(rendered, deployment, 'registry') };
}

/** The credentials Harbor core logs in to the registry with, from core's resolved environment. */
function coreRegistryCredentials(rendered: Rendered): BasicAuth {
  const env = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-core', NS), 'core');
  return { username: env.REGISTRY_CREDENTIAL_USERNAME, password: env.REGISTRY_CREDENTIAL_PASSWORD };
}

/** The password the in-cluster Redis server requires, as its pod configures it. */
function inClusterRedisPassword(rendered: Rendered): string {
  return requiredRedisPassword(rendered, NS);
}

/** Redis replies, failing on error replies. */
async function redisQuery(server: RedisServer, password: string, commands: string[][]) {
  const replies = await redisCommands(server.url(), [['AUTH', password], ...commands]);
  for (const r of replies) if (r instanceof Error) throw r;
  return replies.slice(1);
}

/** A number of the server's INFO: `field` of `section`, e.g. `used_memory` of `memory`. */
async function redisInfo(server: RedisServer, password: string, section: string, field: string): Promise<number> {
  const [text] = await redisQuery(server, password, [['INFO', section]]);
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(String(text))![1]);
}

/**
 * Registry log lines that show trouble with Redis or with the rendered configuration: errors (but the refused logins
 * the tests provoke), warnings, and variables distribution did not recognise.
 */
function troubleIn(logs: string): string[] {
  return logs.split('\n')
    .filter((l) => /level=(warning|error|fatal|panic)|redis.*(error|refused|NOAUTH|WRONGPASS)|unrecognized environment variable/i.test(l))
    .filter((l) => !/msg="(error authenticating user \\"[^"\\]+\\": authentication failure|error authorizing context: basic authentication challenge for realm )/.test(l));
}

/**
 * The rendered registry on filesystem storage, run with only what the test environment forces changed: `redis` for
 * the cluster's Redis host, and `work` for the pod's mounts (its `passwd` file for the htpasswd Secret's).
 */
function startOnFilesystem(pod: ReturnType<typeof registryPod>, redis: { port: number }, work: string): Promise<RegistryServer> {
  return RegistryServer.start({
    config: pod.config,
    env: {
      ...pod.env,
      // the Redis host is a cluster DNS name (the in-cluster Service, or a managed server's private host): the
      // loopback Redis stands in for it
      REGISTRY_REDIS_ADDR: `127.0.0.1:${redis.port}`,
      // /storage is the PersistentVolumeClaim's mount: a temp dir stands in for it
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: path.join(work, 'storage'),
      // /etc/registry/passwd is the htpasswd Secret's mount: a temp file with the same content stands in for it
      REGISTRY_AUTH_HTPASSWD_PATH: path.join(work, 'passwd'),
      // localhost:5001 is private to the pod, but shared by every registry a test run starts: let the OS pick
      REGISTRY_HTTP_DEBUG_ADDR: '127.0.0.1:0',
    },
  });
}

/**
 * The rendered registry of `chart` (with the Secrets a user provides, `provided`) on filesystem storage, with a
 * redis-server that requires the password of the Redis the registry is rendered to use (`passwordOf`); `stop` stops
 * both and removes their work folder.
 */
async function startRendered(chart: ReturnType<typeof testChart>, passwordOf: (rendered: Rendered) => string, provided: SecretObject[] = []) {
  const rendered = renderHarbor(chart, provided);
  const pod = registryPod(rendered);
  const password = passwordOf(rendered);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-redis-'));
  let redis: RedisServer | undefined;
  try {
    fs.writeFileSync(path.join(work, 'passwd'), mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path), { mode: 0o600 });
    redis = await RedisServer.start({ password, tls: false });
    const registry = await startOnFilesystem(pod, redis, work);
    const server = redis;
    return {
      rendered, pod, password, redis: server, registry, creds: coreRegistryCredentials(rendered),
      stop: async () => {
        await registry.stop();
        await server.stop();
        fs.rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await redis?.stop();
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

describe('Harbor registry (filesystem storage) as rendered, on docker-registry 2.8 with Redis', () => {
  let rendered: Rendered;
  let pod: ReturnType<typeof registryPod>;
  let redisPassword: string;
  let creds: BasicAuth;
  let work: string;
  let redis: RedisServer | undefined;
  let registry: RegistryServer | undefined;

  beforeAll(async () => {
    const chart = testChart(NS);
    inClusterHarbor(chart);
    rendered = renderHarbor(chart);
    pod = registryPod(rendered);
    creds = coreRegistryCredentials(rendered);
    redisPassword = inClusterRedisPassword(rendered);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-'));

    // the pod's htpasswd file, where its Secret volume puts it: the construct's own generated line
    const htpasswdPath = pod.parsed.auth.htpasswd.path;
    const htpasswd = mountedFile(rendered, pod.deployment, 'registry', htpasswdPath);
    fs.writeFileSync(path.join(work, 'passwd'), htpasswd, { mode: 0o600 });

    redis = await RedisServer.start({ password: redisPassword, tls: false });
    registry = await startOnFilesystem(pod, redis, work);
  });

  afterAll(async () => {
    await registry?.stop();
    await redis?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the pod is wired as the overrides assume: PVC at the storage root, htpasswd Secret at the htpasswd path, Redis Service', () => {
    const mounts = pod.registry.volumeMounts;
    const volumes = pod.deployment.spec.template.spec.volumes;
    const dataMount = mounts.find((m: any) => m.mountPath === pod.parsed.storage.filesystem.rootdirectory);
    expect(volumes.find((v: any) => v.name === dataMount?.name)?.persistentVolumeClaim?.claimName).toBe('harbor-registry');
    const redisService = objectOf(rendered, 'Service', 'redis', NS);
    expect(pod.parsed.redis.addr).toBe(`redis.${NS}.svc:${redisService.spec.ports[0].port}`);
    expect(pod.parsed.redis.db).toBe(2);
    // the htpasswd line is for core's user and verifies core's password
    const line = mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path);
    expect(line).toBe(secretKey(rendered, NS, 'harbor-registry-htpasswd', 'htpasswd'));
    expect(line.split(':')[0]).toBe(creds.username);
    // the Redis password the registry sends is the one the in-cluster server requires, as a YAML string (distribution
    // reads REGISTRY_* variables as YAML: see 'Harbor registry on a Redis password YAML would read otherwise' below)
    expect(pod.env.REGISTRY_REDIS_PASSWORD).toBe(`"${redisPassword}"`);
    expect(redisPassword).toBe(secretKey(rendered, NS, 'redis-password', 'password'));
  });

  test('core logs in as harbor_registry_user with the generated registry password', () => {
    expect(creds.username).toBe('harbor_registry_user');
    expect(creds.password).toBe(secretKey(rendered, NS, 'harbor-registry', 'password'));
    expect(creds.password).toMatch(/^[A-Za-z0-9]{32}$/);
    // jobservice uses the same credentials
    const js = resolveEnv(rendered, objectOf(rendered, 'Deployment', 'harbor-jobservice', NS), 'jobservice');
    expect({ username: js.REGISTRY_CREDENTIAL_USERNAME, password: js.REGISTRY_CREDENTIAL_PASSWORD }).toEqual(creds);
  });

  test('GET /v2/ without credentials is 401 with the rendered realm', async () => {
    const res = await fetch(`${registry!.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${pod.parsed.auth.htpasswd.realm}"`);
  });

  test('a wrong password, or the right password for another user, is 401', async () => {
    for (const auth of [{ ...creds, password: `${creds.password}x` }, { username: 'admin', password: creds.password }]) {
      const res = await fetch(`${registry!.url}/v2/`, { headers: { authorization: basic(auth) } });
      expect(res.status).toBe(401);
      expect(await pushBlob(registry!.url, 'library/denied', Buffer.from('x'), auth)).toMatchObject({ ok: false, startStatus: 401 });
    }
  });

  test('core\'s credentials push and pull a tiny image; the blobs land under the storage root', async () => {
    const res = await fetch(`${registry!.url}/v2/`, { headers: { authorization: basic(creds) } });
    expect(res.status).toBe(200);
    const image = tinyImage('pushed through the rendered Harbor registry\n');
    const pushed = await pushImage(registry!.url, 'library/hello', 'v1', image, creds);
    if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\n${registry!.logs()}`);
    const pulled = await pullImage(registry!.url, 'library/hello', 'v1', creds);
    expect(pulled.manifest).toBe(image.manifest);
    expect(pulled.config.equals(image.config)).toBe(true);
    expect(pulled.layer.equals(image.layer)).toBe(true);
    for (const digest of [pushed.layer.digest, pushed.config.digest, sha256Digest(image.manifest)]) {
      expect(fs.readFileSync(path.join(work, 'storage', blobPath(digest)))).toHaveLength(
        digest === pushed.layer.digest ? image.layer.length : digest === pushed.config.digest ? image.config.length : image.manifest.length);
    }
    // and the pull needs the credentials too
    expect((await getBlob(registry!.url, 'library/hello', pushed.layer.digest)).status).toBe(401);
  });

  test('the blob descriptor cache is in Redis db 2 (the rendered redis.db), and nothing went to db 0', async () => {
    const image = tinyImage('cached in redis\n');
    const pushed = await pushImage(registry!.url, 'library/cached', 'v1', image, creds);
    expect(pushed.ok).toBe(true);
    await pullImage(registry!.url, 'library/cached', 'v1', creds);
    const [, db2Size, db2Keys, , db0Size] = await redisQuery(redis!, redisPassword, [
      ['SELECT', String(pod.parsed.redis.db)], ['DBSIZE'], ['KEYS', '*'], ['SELECT', '0'], ['DBSIZE'],
    ]);
    expect(db2Size).toBeGreaterThan(0);
    expect(db2Keys).toEqual(expect.arrayContaining([`blobs::${pushed.layer.digest}`, 'repository::library/cached::blobs']));
    expect(db0Size).toBe(0);
  });

  test('the registry understood every rendered variable and had no Redis trouble', () => {
    expect(troubleIn(registry!.logs())).toEqual([]);
    // the refused logins above were logged: the filter sees errors
    expect(registry!.logs()).toMatch(/error authenticating user \\"admin\\": authentication failure/);
    expect(registry!.logs()).toMatch(/using redis blob descriptor cache/);
  });
});

/**
 * What the registry logs with Harbor at its most verbose level, run for real: its own level stays info (registry.ts),
 * and distribution 2.8 logs no secret of its
 * configuration (it logs the Redis address alone, distribution/distribution v2.8.3 registry/handlers/app.go:513
 * `redis: connect %v`, configuration.Redis.Addr; a notification endpoint's headers at :457, which Dockyard configures
 * none of), nor a refused login's password. Core and jobservice do log their Redis URL at debug, which Harbor's synth
 * warns of (test/harbor/harbor.test.ts).
 */
describe('Harbor registry with logLevel DEBUG, on docker-registry 2.8 with Redis: its log holds no secret', () => {
  test('a push, a pull and refused logins leave no password, Redis\'s or core\'s, and no HTTP secret in the log', async () => {
    const chart = testChart(NS);
    inClusterHarbor(chart, { logLevel: HarborLogLevel.DEBUG });
    const started = await startRendered(chart, inClusterRedisPassword);
    try {
      expect(started.pod.parsed.log.level).toBe('info');
      const image = tinyImage('logged at debug\n');
      expect((await pushImage(started.registry.url, 'library/debug', 'v1', image, started.creds)).ok).toBe(true);
      await pullImage(started.registry.url, 'library/debug', 'v1', started.creds);
      const wrong = { ...started.creds, password: `${started.creds.password}-wrong` };
      expect((await fetch(`${started.registry.url}/v2/`, { headers: { authorization: basic(wrong) } })).status).toBe(401);
      const logs = started.registry.logs();
      // it does log each request, and the refused login
      expect(logs).toMatch(/response completed/);
      expect(logs).toMatch(/authentication failure/);
      const secrets = [started.password, started.creds.password, started.pod.env.REGISTRY_HTTP_SECRET].filter((v) => v);
      expect(secrets.length).toBeGreaterThanOrEqual(2);
      for (const secret of secrets) {
        expect(logs).not.toContain(secret);
        expect(logs).not.toContain(encodeURIComponent(secret));
      }
    } finally {
      await started.stop();
    }
  });
});

describe('Harbor registry (S3 storage) as rendered, on docker-registry 2.8 with s3rver and Redis', () => {
  const bucket = 'harbor';
  const s3Keys = { accessKeyId: 'AKIAHARBORINTEG', secretAccessKey: randomBytes(30).toString('base64') };
  let s3: S3Server | undefined;
  let redis: RedisServer | undefined;
  let registry: RegistryServer | undefined;
  let rendered: Rendered;
  let pod: ReturnType<typeof registryPod>;
  let creds: BasicAuth;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    s3 = await S3Server.start({ buckets: [bucket], ...s3Keys });
    const chart = testChart(NS);
    const keys = Secret.fromSecretName(chart, 'S3', 's3-keys');
    inClusterHarbor(chart, {
      storage: HarborStorage.s3({
        // secure unset: the endpoint's http:// scheme decides it
        bucket, region: 'us-east-1', regionEndpoint: s3.endpoint, accessKey: keys.key('access-key'), secretKey: keys.key('secret-key'),
      }),
    });
    // the existing Secret the chart refers to, holding the S3 server's credentials
    rendered = renderHarbor(chart, [providedSecret(NS, 's3-keys', { 'access-key': s3Keys.accessKeyId, 'secret-key': s3Keys.secretAccessKey })]);
    pod = registryPod(rendered);
    creds = coreRegistryCredentials(rendered);
    const redisPassword = inClusterRedisPassword(rendered);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-s3-'));
    fs.writeFileSync(path.join(work, 'passwd'), mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path), { mode: 0o600 });

    redis = await RedisServer.start({ password: redisPassword, tls: false });
    env = {
      ...pod.env,
      // redis.harbor.svc is a cluster DNS name: the loopback Redis stands in for it
      REGISTRY_REDIS_ADDR: `127.0.0.1:${redis.port}`,
      // /etc/registry/passwd is the htpasswd Secret's mount: a temp file with the same content stands in for it
      REGISTRY_AUTH_HTPASSWD_PATH: path.join(work, 'passwd'),
      // localhost:5001 is private to the pod, but shared by every registry a test run starts: let the OS pick
      REGISTRY_HTTP_DEBUG_ADDR: '127.0.0.1:0',
    };
    registry = await RegistryServer.start({ config: pod.config, env });
  });

  afterAll(async () => {
    await registry?.stop();
    await redis?.stop();
    await s3?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the rendered config names the bucket and endpoint, and holds no key', () => {
    expect(pod.parsed.storage.s3).toMatchObject({ bucket, region: 'us-east-1', regionendpoint: s3!.endpoint, secure: false, v4auth: true });
    expect(pod.parsed.storage.filesystem).toBeUndefined();
    expect(pod.config).not.toContain(s3Keys.secretAccessKey);
    expect(JSON.stringify(rendered.objects)).not.toContain(s3Keys.secretAccessKey);
    // no volume on S3
    expect(rendered.objects.filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'harbor-registry')).toEqual([]);
  });

  test('the S3 keys reach the registry through its environment, from the provided Secret, as YAML double-quoted strings', () => {
    expect(pod.env.REGISTRY_STORAGE_S3_ACCESSKEY).toBe(`"${s3Keys.accessKeyId}"`);
    expect(pod.env.REGISTRY_STORAGE_S3_SECRETKEY).toBe(`"${s3Keys.secretAccessKey}"`);
    expect(pod.registry.env.find((e: any) => e.name === 'S3_SECRET_KEY').valueFrom.secretKeyRef).toEqual({ name: 's3-keys', key: 'secret-key' });
  });

  test('unauthenticated access is refused', async () => {
    expect((await fetch(`${registry!.url}/v2/`)).status).toBe(401);
    expect(await pushBlob(registry!.url, 'library/anon', Buffer.from('anonymous'))).toMatchObject({ ok: false, startStatus: 401 });
    const wrong = await fetch(`${registry!.url}/v2/`, { headers: { authorization: basic({ ...creds, password: 'not-it' }) } });
    expect(wrong.status).toBe(401);
  });

  test('core\'s credentials push and pull a tiny image, and the blobs land in the bucket', async () => {
    const image = tinyImage('stored in the rendered S3 bucket\n');
    const pushed = await pushImage(registry!.url, 'library/s3', 'v1', image, creds);
    if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\nregistry:\n${registry!.logs()}\ns3:\n${s3!.logs()}`);
    // blob GETs redirect to pre-signed bucket URLs (redirect.disable: false); the pull follows them
    const pulled = await pullImage(registry!.url, 'library/s3', 'v1', creds);
    expect(pulled.manifest).toBe(image.manifest);
    expect(pulled.layer.equals(image.layer)).toBe(true);
    expect(pulled.config.equals(image.config)).toBe(true);
    const objects = await s3!.objects(bucket);
    expect(objects).toEqual(expect.arrayContaining([
      { key: blobPath(pushed.layer.digest), size: image.layer.length },
      { key: blobPath(pushed.config.digest), size: image.config.length },
      { key: blobPath(pushed.manifest!.digest!), size: image.manifest.length },
      expect.objectContaining({ key: 'docker/registry/v2/repositories/library/s3/_manifests/tags/v1/current/link' }),
    ]));
    expect((await getBlob(registry!.url, 'library/s3', pushed.layer.digest)).status).toBe(401);
    expect(troubleIn(registry!.logs())).toEqual([]);
  });

  test('secure: true beside an http:// endpoint, as rendered before, still stores over plain HTTP and redirects to http://', async () => {
    // why secure must follow the scheme: distribution hands aws-sdk-go v1 the endpoint and DisableSSL (goharbor/
    // distribution release/2.8 registry/storage/driver/s3-aws/s3.go `New`), and aws/endpoints/endpoints.go `AddScheme`
    // keeps an endpoint's own scheme, so this registry talks HTTP to s3rver (which serves no TLS) whatever secure says
    expect(pod.parsed.storage.s3.secure).toBe(false);
    const claimed = await RegistryServer.start({ config: pod.config, env: { ...env, REGISTRY_STORAGE_S3_SECURE: 'true' } });
    try {
      const data = Buffer.from('sent over plain HTTP despite secure: true\n');
      const pushed = await pushBlob(claimed.url, 'library/insecure', data, creds);
      if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\nregistry:\n${claimed.logs()}`);
      expect(await s3!.objects(bucket)).toContainEqual({ key: blobPath(sha256Digest(data)), size: data.length });
      // the client is sent to a pre-signed URL on the endpoint as written: http://
      const res = await fetch(`${claimed.url}/v2/library/insecure/blobs/${sha256Digest(data)}`, { headers: { authorization: basic(creds) }, redirect: 'manual' });
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toMatch(new RegExp(`^${s3!.endpoint.replace(/[.]/g, '\\.')}/${bucket}/`));
    } finally {
      await claimed.stop();
    }
  });

  test('without regionEndpoint the registry starts on an AWS region and panics on another, which Dockyard refuses at synth', async () => {
    // goharbor/distribution release/2.8 registry/storage/driver/s3-aws/s3.go `FromParameters` checks the region against
    // its aws-sdk-go's list when no endpoint is given. Debian's build lists fewer regions than Harbor's (it panics on
    // eu-central-2), so only names both agree on are run; the registry makes no S3 request before it answers
    const chart = testChart(NS);
    const keys = Secret.fromSecretName(chart, 'S3', 's3-keys');
    const storage = (region: string) => HarborStorage.s3({ bucket, region, accessKey: keys.key('access-key'), secretKey: keys.key('secret-key') });
    inClusterHarbor(chart, { storage: storage('us-east-1') });
    const aws = registryPod(renderHarbor(chart, [providedSecret(NS, 's3-keys', { 'access-key': s3Keys.accessKeyId, 'secret-key': s3Keys.secretAccessKey })]));
    expect(aws.parsed.storage.s3).toMatchObject({ region: 'us-east-1', secure: true });
    expect(aws.parsed.storage.s3.regionendpoint).toBeUndefined();
    // the same keys from the same Secret, and the same stand-ins, as the registry above
    expect(aws.env.REGISTRY_STORAGE_S3_SECRETKEY).toBe(env.REGISTRY_STORAGE_S3_SECRETKEY);
    const started = await RegistryServer.start({ config: aws.config, env });
    await started.stop();
    await expect(RegistryServer.start({ config: aws.config, env: { ...env, REGISTRY_STORAGE_S3_REGION: 'fra1' } }))
      .rejects.toThrow(/panic: invalid region provided: fra1/);
    expect(() => storage('fra1')).toThrow(/^invalid region "fra1": must be an AWS region such as "us-east-1"/);
  });
});

describe('Harbor registry on a Redis password YAML would read otherwise, on docker-registry 2.8', () => {
  // distribution reads every REGISTRY_* variable as YAML (goharbor/distribution release/2.8, as upstream v2.8.3,
  // configuration/parser.go `overwriteStruct`: yaml.Unmarshal of the variable into the field, gopkg.in/yaml.v2). Each
  // of these fits a Redis URL (REDIS_URL_PASSWORD_RULE), yet handed over as it is, `null`, `~`, `!…`, `&…` and `'…'`
  // became no password or another, and the registry served every request without its blob descriptor cache (NOAUTH,
  // WRONGPASS in its log only), while `*…`, `@…`, `…:` and `,…` stopped it at start
  // one of each kind against the real registry (~ reads as null does, & as !, @ and , stop it as * does); that every
  // value the rule admits reads back as written is the property test's, test/harbor/s3-keys.test.ts
  const passwords = ['null', '!Passw0rd', '\'quoted\'', '*star', 'abc:', 'a$(b)=c'];

  // concurrent: each case starts servers of its own on free ports, and most of its time is their start
  test.concurrent.each(passwords)('the registry logs in to Redis with %s and caches blob descriptors in db 2', async (redisPassword) => {
    expect(REDIS_URL_PASSWORD_RULE.fits(redisPassword)).toBe(true);
    const chart = testChart(NS);
    const secret = Secret.fromSecretName(chart, 'ValkeyPw', 'valkey');
    // plain TCP and no ACL user: Debian's distribution 2.8 has neither `enabletls` nor `username` (Harbor's fork has both)
    const plain = new ExternalRedis(chart, 'Valkey', { host: 'valkey.internal', port: 6379, tls: false, password: secret.key('password') });
    inClusterHarbor(chart, { redis: plain });
    const started = await startRendered(chart, () => redisPassword, [providedSecret(NS, 'valkey', { password: redisPassword })]);
    try {
      const { pod, redis, registry, creds } = started;
      const image = tinyImage(`cached with ${redisPassword}\n`);
      const pushed = await pushImage(registry.url, 'library/pw', 'v1', image, creds);
      if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\n${registry.logs()}`);
      const [db2Keys] = await redisQuery(redis, redisPassword, [['SELECT', String(pod.parsed.redis.db)], ['KEYS', 'blobs::*']]).then((r) => r.slice(1));
      expect(db2Keys).toContain(`blobs::${pushed.layer.digest}`);
      expect(troubleIn(registry.logs())).toEqual([]);
    } finally {
      await started.stop();
    }
  });
});

describe('S3 keys YAML reads otherwise, on docker-registry 2.8 with s3rver', () => {
  // distribution reads every REGISTRY_* variable as YAML (goharbor/distribution release/2.8, as upstream v2.8.3,
  // configuration/parser.go `overwriteMap`: yaml.Unmarshal of the variable into the storage parameters, an
  // interface{}, gopkg.in/yaml.v2), and the S3 driver signs with fmt.Sprint of what it read
  // (registry/storage/driver/s3-aws/s3.go `FromParameters`): handed over as they are, `00001234` became "668", `yes`
  // "true", `null` and `~` "", `1e3` "1000", `'quoted'` lost its quotes and `x #y` its comment, and S3 refused every
  // request (the shim checks the access key id and the V4 signature against the secret, test/integ/s3-server.ts);
  // `*star` (an alias of no anchor), `@at` and a backquote (reserved indicators) stopped the registry at start.
  // Each key here is the secret key and the access key id, the latter without white space: s3rver 3.7.1 drops it from
  // the Authorization header (lib/middleware/authentication.js), and no S3 service issues such an id.
  const bucket = 'harbor';
  // one of each kind (~ reads as null does, & as !, 1e3 as 00001234, @ and a backquote stop it as * does), as above
  const keys = ['00001234', 'yes', 'null', '!tag', '\'quoted\'', '*star', 'a:', 'x #y', 'a$(b)=c'];
  const pairOf = (key: string) => ({ accessKeyId: key.replace(/\s/g, ''), secretAccessKey: key });

  /** The rendered registry on S3 storage at `s3`, with `env` over the pod's resolved environment; stopped after `use`. */
  async function withRegistry(s3: S3Server, key: string, override: (env: Record<string, string>) => Record<string, string>,
    use: (registry: RegistryServer, creds: BasicAuth) => Promise<void>): Promise<void> {
    const chart = testChart(NS);
    const secret = Secret.fromSecretName(chart, 'S3', 's3-keys');
    inClusterHarbor(chart, {
      storage: HarborStorage.s3({ bucket, region: 'us-east-1', regionEndpoint: s3.endpoint, accessKey: secret.key('access-key'), secretKey: secret.key('secret-key') }),
    });
    const { accessKeyId, secretAccessKey } = pairOf(key);
    const rendered = renderHarbor(chart, [providedSecret(NS, 's3-keys', { 'access-key': accessKeyId, 'secret-key': secretAccessKey })]);
    const pod = registryPod(rendered);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-s3key-'));
    let redis: RedisServer | undefined;
    let registry: RegistryServer | undefined;
    try {
      fs.writeFileSync(path.join(work, 'passwd'), mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path), { mode: 0o600 });
      redis = await RedisServer.start({ password: inClusterRedisPassword(rendered), tls: false });
      registry = await RegistryServer.start({
        config: pod.config,
        env: override({
          ...pod.env,
          // the same stand-ins as the S3 registry above: loopback Redis, the htpasswd file, a free debug port
          REGISTRY_REDIS_ADDR: `127.0.0.1:${redis.port}`,
          REGISTRY_AUTH_HTPASSWD_PATH: path.join(work, 'passwd'),
          REGISTRY_HTTP_DEBUG_ADDR: '127.0.0.1:0',
        }),
      });
      await use(registry, coreRegistryCredentials(rendered));
    } finally {
      await registry?.stop();
      await redis?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  // concurrent, as the Redis passwords above
  test.concurrent.each(keys)('the registry signs with %s as written and stores a blob in the bucket', async (key) => {
    expect(REGISTRY_YAML_STRING_RULE.fits(key)).toBe(true);
    const s3 = await S3Server.start({ buckets: [bucket], ...pairOf(key) });
    try {
      await withRegistry(s3, key, (env) => env, async (registry, creds) => {
        const data = Buffer.from(`signed with ${key}\n`);
        const pushed = await pushBlob(registry.url, 'library/s3key', data, creds);
        if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\nregistry:\n${registry.logs()}\ns3:\n${s3.logs()}`);
        expect(await s3.objects(bucket)).toContainEqual({ key: blobPath(sha256Digest(data)), size: data.length });
        expect(s3.logs()).not.toMatch(/ -> 403$/m);
        expect(troubleIn(registry.logs())).toEqual([]);
      });
    } finally {
      await s3.stop();
    }
  });

  test('handed over as they are, as before, the same keys fail: S3 refuses the registry, or it does not start', async () => {
    const outcomes: Record<string, string> = {};
    // four keys at a time, each with servers of its own: their start is most of the time
    const outcome = async (key: string): Promise<void> => {
      const s3 = await S3Server.start({ buckets: [bucket], ...pairOf(key) });
      try {
        // what a secretKeyRef straight into the REGISTRY_* variable gave the registry
        const raw = (env: Record<string, string>) => ({
          ...env, REGISTRY_STORAGE_S3_ACCESSKEY: env.S3_ACCESS_KEY, REGISTRY_STORAGE_S3_SECRETKEY: env.S3_SECRET_KEY,
          // without keys the SDK's credential chain ends at the instance metadata service: fail at once instead
          AWS_EC2_METADATA_DISABLED: 'true',
        });
        await withRegistry(s3, key, raw, async (registry, creds) => {
          const pushed = await pushBlob(registry.url, 'library/s3key', Buffer.from('raw\n'), creds);
          outcomes[key] = pushed.ok ? 'stored' : /-> 403$/m.test(s3.logs()) ? 'refused by S3'
            : /NoCredentialProviders/.test(registry.logs()) ? 'no keys' : `failed: ${registry.logs().match(/err.detail="[^"]*"/)?.[0]}`;
        });
      } catch (e) {
        outcomes[key] = /docker-registry exited/.test((e as Error).message) ? 'did not start' : `error: ${(e as Error).message}`;
      } finally {
        await s3.stop();
      }
    };
    for (let i = 0; i < keys.length; i += 4) {
      await Promise.all(keys.slice(i, i + 4).map(outcome));
    }
    expect(outcomes).toEqual({
      '00001234': 'refused by S3', 'yes': 'refused by S3', '\'quoted\'': 'refused by S3', 'a:': 'refused by S3', 'x #y': 'refused by S3',
      // read as null (an empty tag too): the driver had no keys
      'null': 'no keys', '!tag': 'no keys',
      '*star': 'did not start',
      // YAML text already, and Kubernetes does not expand what a variable's value holds
      'a$(b)=c': 'stored',
    });
  });
});

describe('a registry without enabletls (upstream distribution 2.8, as Harbor before 2.13 ships) on a TLS Redis', () => {
  test('ignores REGISTRY_REDIS_ENABLETLS and sends its AUTH, password included, in plain text: why checkRedisTls refuses it', async () => {
    // Harbor < 2.13.0 builds its registry from upstream distribution v2.8.3 (goharbor/harbor v2.12.2 Makefile
    // REGISTRY_SRC_TAG), whose configuration has no EnableTLS (configuration/configuration.go) and whose parser only
    // warns of a variable it does not know (configuration/parser.go overwriteStruct); Debian's 2.8.2 is that registry
    const chart = testChart(NS);
    const secret = Secret.fromSecretName(chart, 'ValkeyPw', 'valkey');
    inClusterHarbor(chart, { redis: new ExternalRedis(chart, 'Valkey', { host: 'valkey.internal', port: 25061, password: secret.key('password') }) });
    const redisPassword = randomBytes(24).toString('base64url');
    const rendered = renderHarbor(chart, [providedSecret(NS, 'valkey', { password: redisPassword })]);
    const pod = registryPod(rendered);
    expect(pod.env.REGISTRY_REDIS_ENABLETLS).toBe('true');
    // a listener in the TLS server's place records what the registry sends first: a TLS client would send a ClientHello
    const received: Buffer[] = [];
    const listener = net.createServer((socket) => {
      socket.on('data', (d) => received.push(d));
      socket.on('error', () => undefined);
      setTimeout(() => socket.destroy(), 200);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-notls-'));
    let registry: RegistryServer | undefined;
    try {
      fs.writeFileSync(path.join(work, 'passwd'), mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path), { mode: 0o600 });
      registry = await startOnFilesystem(pod, listener.address() as net.AddressInfo, work);
      // a blob lookup asks the blob descriptor cache first
      await getBlob(registry.url, 'library/any', sha256Digest('absent'), coreRegistryCredentials(rendered));
      const deadline = Date.now() + 5_000;
      while (!Buffer.concat(received).includes(redisPassword) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = Buffer.concat(received).toString('latin1');
      expect(sent).toContain(`AUTH\r\n$${redisPassword.length}\r\n${redisPassword}\r\n`);
      // a TLS handshake starts with a handshake record (0x16): none was sent
      expect(received[0]?.[0]).not.toBe(0x16);
      expect(registry.logs()).toMatch(/Ignoring unrecognized environment variable REGISTRY_REDIS_ENABLETLS/);
    } finally {
      await registry?.stop();
      await new Promise((resolve) => listener.close(resolve));
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('two registries on one Redis, as two Harbors on one server would run them', () => {
  test('the second takes the first\'s blobs for its own and accepts a manifest whose layers it lacks: why checkRedisOfOneHarbor refuses it', async () => {
    // distribution asks the blob descriptor cache before its storage whether a repository holds a blob (goharbor/
    // distribution release/2.8 registry/storage/cache/cachedblobdescriptorstore.go cachedBlobStatter.Stat, redis/redis.go
    // repositoryScopedRedisBlobDescriptorService.Stat), and Harbor's registry cache is always db 2
    const chart = testChart(NS);
    inClusterHarbor(chart);
    const rendered = renderHarbor(chart);
    const pod = registryPod(rendered);
    const creds = coreRegistryCredentials(rendered);
    const works = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-harbor-registry-shared-')));
    let redis: RedisServer | undefined;
    const registries: RegistryServer[] = [];
    try {
      redis = await RedisServer.start({ password: inClusterRedisPassword(rendered), tls: false });
      for (const work of works) {
        fs.writeFileSync(path.join(work, 'passwd'), mountedFile(rendered, pod.deployment, 'registry', pod.parsed.auth.htpasswd.path), { mode: 0o600 });
        registries.push(await startOnFilesystem(pod, redis, work));
      }
      const [first, second] = registries;
      const image = tinyImage('pushed to the first registry only\n');
      const pushed = await pushImage(first.url, 'library/shared', 'v1', image, creds);
      expect(pushed.ok).toBe(true);
      // the second's storage holds nothing of it, yet it says the repository holds the layer, so a client skips its upload
      const head = await fetch(`${second.url}/v2/library/shared/blobs/${pushed.layer.digest}`, { method: 'HEAD', headers: { authorization: basic(creds) } });
      expect(head.status).toBe(200);
      expect(fs.existsSync(path.join(works[1], 'storage', blobPath(pushed.layer.digest)))).toBe(false);
      // and it takes the manifest, which it then cannot serve the layers of
      expect((await pushManifest(second.url, 'library/shared', 'v1', image.manifest, creds)).status).toBe(201);
      // its answer to the layer's GET promises the layer's length (from the cache), then breaks off: no layer follows
      const res = await fetch(`${second.url}/v2/library/shared/blobs/${pushed.layer.digest}`, { headers: { authorization: basic(creds) } });
      expect([res.status, res.headers.get('content-length')]).toEqual([200, String(image.layer.length)]);
      await expect(res.arrayBuffer()).rejects.toThrow(/terminated/);
    } finally {
      for (const r of registries) await r.stop();
      await redis?.stop();
      for (const work of works) fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('the rendered registry on a full Redis (maxmemory), on docker-registry 2.8 with redis-server', () => {
  // What happens when the server's memory fills, with the rendered config.yml and credentials. The blob descriptor
  // cache sets its keys without expiry (goharbor/distribution release/2.8 registry/storage/cache/redis/redis.go:113-142
  // HMSET/HSETNX `blobs::<digest>`, :237-260 SADD `repository::<name>::blobs` and HSET `repository::<name>::blobs::<digest>`,
  // no EXPIRE anywhere), so the cache grows with every repository and blob until Harbor's garbage collection deletes
  // every `blobs::*` and `repository::*` key (goharbor/harbor v2.15.1 src/jobservice/job/impl/gc/garbage_collection.go:
  // 203, 499-527). The registry wraps the cache in a statter that drops a failed write without a word: `SetDescriptor`
  // returns nil whatever the cache said (cache/cachedblobdescriptorstore.go:91-93, 112-116), and `logErrorf` logs
  // only with a metrics tracker, which `NewCachedBlobStatter` leaves nil (:119-123; storage/registry.go:112, 315)
  let started: Awaited<ReturnType<typeof startRendered>> | undefined;
  let creds: BasicAuth;
  let password: string;
  let redis: RedisServer;
  let registry: RegistryServer;
  const db = (n: number) => ['SELECT', String(n)];
  const info = (section: string, field: string) => redisInfo(redis!, password, section, field);
  /**
   * A maxmemory far enough below what the server holds that no write gets through, whatever it frees meanwhile: half
   * its use. A margin of some KiB is not: Redis shrinks an idle connection's query and reply buffers (some KiB each,
   * `clientsCronResizeQueryBuffer`, `clientsCronResizeOutputBuffer`, after 2 s idle), so the registry's pooled
   * connections, idle a moment longer on a loaded machine, could bring the use under the limit in the middle of a push.
   */
  const wellBelowUse = async () => String(Math.floor(await info('memory', 'used_memory') / 2));
  /** How many commands the server has refused for memory (`errorstat_OOM`, Redis 6.2 and later). */
  const oomRefusals = async () => {
    const [text] = await redisQuery(redis!, password, [['INFO', 'errorstats']]);
    return Number(/^errorstat_OOM:count=(\d+)/m.exec(String(text))?.[1] ?? 0);
  };
  /** Fill db 1 (jobservice's) with 64 KiB values until the server refuses a write; returns the refusal. */
  const fillQueueDb = async () => {
    for (let i = 0; i < 10_000; i++) {
      const replies = await redisCommands(redis!.url(), [['AUTH', password], db(1), ['SET', `filler:${i}`, 'x'.repeat(65_536)]]);
      if (replies[2] instanceof Error) return replies[2].message;
    }
    throw new Error('the server never refused a write');
  };
  let image = 0;
  /** Push a fresh tiny image to `repo:v1`; throws with the registry's log when it fails. */
  const push = async (repo: string) => {
    const img = tinyImage(`full redis trial ${image++}\n`);
    const pushed = await pushImage(registry!.url, repo, 'v1', img, creds);
    if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\n${registry!.logs()}`);
    const pulled = await pullImage(registry!.url, repo, 'v1', creds);
    expect(pulled.layer.equals(img.layer)).toBe(true);
    return pushed;
  };

  beforeAll(async () => {
    const chart = testChart(NS);
    inClusterHarbor(chart);
    started = await startRendered(chart, inClusterRedisPassword);
    ({ creds, password, redis, registry } = started);
  });

  afterAll(async () => {
    await started?.stop();
  });

  beforeEach(async () => {
    await redisQuery(redis!, password, [['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']]);
  });

  test('the cache keeps a key per blob and per repository and blob, none with a TTL', async () => {
    const pushed = await Promise.all(['library/a', 'library/b', 'library/c'].map(push));
    const [, keys] = await redisQuery(redis!, password, [db(REDIS_DB.registry), ['KEYS', '*']]);
    const all = keys as string[];
    for (const p of pushed) {
      expect(all).toEqual(expect.arrayContaining([`blobs::${p.layer.digest}`, `blobs::${p.config.digest}`]));
    }
    expect(all).toEqual(expect.arrayContaining(['repository::library/a::blobs', `repository::library/a::blobs::${pushed[0].layer.digest}`]));
    const ttls = await redisQuery(redis!, password, [db(REDIS_DB.registry), ...all.map((k) => ['TTL', k])]);
    // -1: the key exists and never expires, so `volatile-*` policies can never evict it
    expect(new Set(ttls.slice(1))).toEqual(new Set([-1]));
  });

  test('noeviction (as Redis runs it) at maxmemory: cache writes are refused and dropped silently, push and pull keep working', async () => {
    const before = await push('library/before');
    const used = await info('memory', 'used_memory');
    await redisQuery(redis!, password, [['CONFIG', 'SET', 'maxmemory', String(used + 2 ** 20)]]);
    expect(await fillQueueDb()).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    // the refused write's own buffer was what crossed the line; with its connection gone a little room is left, which
    // a real server at its limit fills and frees by turns (client buffers count too): keep it past the limit, so that no write gets through
    await redisQuery(redis!, password, [['CONFIG', 'SET', 'maxmemory', await wellBelowUse()]]);
    const oomBefore = await oomRefusals();
    const pushed = await push('library/full');
    // the server refused the registry's cache writes (each push and pull stats its blobs and writes their descriptors)
    expect(await oomRefusals()).toBeGreaterThan(oomBefore);
    // nothing of the new blobs reached the cache: each of their stats goes to the storage from now on
    const [, exists] = await redisQuery(redis!, password, [db(REDIS_DB.registry), ['EXISTS', `blobs::${pushed.layer.digest}`, 'repository::library/full::blobs']]);
    expect(exists).toBe(0);
    // and the registry said nothing about it
    expect(registry!.logs()).not.toMatch(/OOM|maxmemory/);
    expect(troubleIn(registry!.logs())).toEqual([]);
    // what the other clients write is refused alike: core's accepted size of a chunked upload in db 2, whose refusal
    // turns the PATCH into an error (goharbor/harbor v2.15.1 src/controller/blob/controller.go:324-338,
    // src/server/middleware/blob/patch_blob_upload.go:42, src/server/middleware/middleware.go:85-88), a session in db 0
    // (src/core/session/session.go:116, logged at debug only), jobservice's job stats in db 1 (src/jobservice/job/tracker.go:357-372)
    const refused = await redisQuery(redis!, password, [db(REDIS_DB.registry), ['SET', 'upload:size:x', '1', 'EX', '86400']]).catch((e) => e);
    expect(String(refused)).toMatch(/OOM command not allowed/);
    for (const [n, command] of [[REDIS_DB.core, ['SET', 'session-id', 'x', 'EX', '1800']], [REDIS_DB.jobservice, ['HSET', 'harbor_job_service_namespace:job_stats:x', 'status', 'Pending']]] as const) {
      expect(String(await redisQuery(redis!, password, [db(n), [...command]]).catch((e) => e))).toMatch(/OOM command not allowed/);
    }
    // deleting is allowed: garbage collection's cache clean-up, a DEL of every blobs::* and repository::* key
    // (src/jobservice/job/impl/gc/util.go:26-39), frees the cache, if its job could be enqueued
    const [, deleted] = await redisQuery(redis!, password, [db(REDIS_DB.registry), ['DEL', `blobs::${before.layer.digest}`]]);
    expect(deleted).toBe(1);
    // and so is emptying the cache's database by hand, as the README advises for a server already full
    const [, flushed, size] = await redisQuery(redis!, password, [db(REDIS_DB.registry), ['FLUSHDB'], ['DBSIZE']]);
    expect([flushed, size]).toEqual(['OK', 0]);
  });

  test('no eviction policy suits the shared server: allkeys-lru evicts jobservice\'s queue, volatile-lru never the cache', async () => {
    // allkeys-lru: a queued job (gocraft/work keeps each queue as a list `<namespace>:jobs:<job name>` in db 1,
    // without expiry) is evicted like any cache entry. Sampling every key (maxmemory-samples 64, more than there
    // are) makes Redis's LRU exact. Its clock counts seconds, and is the server's cached time, so rather than wait a
    // fixed second (which a loaded machine may not give the server), wait until the server itself counts the queue
    // idle for one (OBJECT IDLETIME, which does not touch the key): every key written from then on is newer
    const queue = `${JOB_NAMESPACE}:jobs:IMAGE_SCAN`;
    await redisQuery(redis!, password, [db(REDIS_DB.jobservice), ['LPUSH', queue, '{"name":"IMAGE_SCAN","id":"queued"}']]);
    for (let waited = 0; ; waited += 100) {
      const [, idle] = await redisQuery(redis!, password, [db(REDIS_DB.jobservice), ['OBJECT', 'IDLETIME', queue]]);
      if ((idle as number) >= 1) break;
      if (waited > 10_000) throw new Error(`the queue is still idle for ${idle} s after ${waited} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await redisQuery(redis!, password, [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['CONFIG', 'SET', 'maxmemory-samples', '64'],
      ['CONFIG', 'SET', 'maxmemory', String(await info('memory', 'used_memory') + 2 ** 20)]]);
    for (let i = 0; i < 24; i++) {
      await redisQuery(redis!, password, [db(REDIS_DB.jobservice), ['SET', `filler:${i}`, 'x'.repeat(65_536)]]);
    }
    await push('library/lru');
    expect(await info('stats', 'evicted_keys')).toBeGreaterThan(0);
    expect((await redisQuery(redis!, password, [db(REDIS_DB.jobservice), ['EXISTS', queue]]))[1]).toBe(0);

    // volatile-lru evicts only keys with a TTL, such as core's sessions (db 0, src/core/session/session.go:116), so it
    // logs users out, and never the registry's cache keys, which have none: once no TTL'd key is left, it refuses
    // writes as noeviction does
    await redisQuery(redis!, password, [['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru']]);
    const cached = await push('library/volatile');
    await redisQuery(redis!, password, [db(REDIS_DB.core), ['SET', 'session-id', 'x'.repeat(65_536), 'EX', '1800']]);
    await redisQuery(redis!, password, [['CONFIG', 'SET', 'maxmemory', await wellBelowUse()]]);
    const refused = await push('library/volatile-full');
    const [, session, , kept, , added] = await redisQuery(redis!, password, [
      db(REDIS_DB.core), ['EXISTS', 'session-id'],
      db(REDIS_DB.registry), ['EXISTS', `blobs::${cached.layer.digest}`],
      db(REDIS_DB.registry), ['EXISTS', `blobs::${refused.layer.digest}`],
    ]);
    expect([session, kept, added]).toEqual([0, 1, 0]);
  });
});

describe('the registry on a cache server of its own (registryCache) with allkeys-lru, as rendered, on docker-registry 2.8', () => {
  test('it evicts rather than refuses, evicted descriptors are misses the storage answers, and nothing fails', async () => {
    // nothing but the cache there, so evicting any key only turns a later stat into a miss that the storage answers
    // (goharbor/distribution release/2.8 registry/storage/cache/cachedblobdescriptorstore.go:66-96, `Stat` falls back
    // on any cache error or miss)
    const chart = testChart(NS);
    inClusterHarbor(chart, { registryCache: new Redis(chart, 'RegistryCache', { name: 'registry-cache', maxMemoryPolicy: RedisMaxMemoryPolicy.ALL_KEYS_LRU }) });
    const started = await startRendered(chart, (r) => secretKey(r, NS, 'registry-cache-password', 'password'));
    const { rendered, pod, password, redis, registry, creds } = started;
    try {
      expect(pod.parsed.redis.addr).toBe(`registry-cache.${NS}.svc:6379`);
      expect(pod.env.REGISTRY_REDIS_PASSWORD).toBe(`"${password}"`);
      // the server's policy as its StatefulSet runs it; redis-server takes it at run time like any other setting
      const args: string[] = containerOf(objectOf(rendered, 'StatefulSet', 'registry-cache', NS), 'redis').args;
      const policy = args[args.indexOf('--maxmemory-policy') + 1];
      expect(policy).toBe('allkeys-lru');
      const info = (section: string, field: string) => redisInfo(redis, password, section, field);
      const push = async (repo: string) => {
        const img = tinyImage(`cache server trial ${repo}\n`);
        const pushed = await pushImage(registry!.url, repo, 'v1', img, creds);
        if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed)}\n${registry!.logs()}`);
        return { repo, ...pushed };
      };
      const first = await push('library/lru-0');
      // a cache filled by earlier pushes: descriptors of 4000 other blobs, so that there is always enough to evict (a
      // limit that the server's client buffers alone could cross would refuse writes under any policy)
      const filled = Array.from({ length: 4000 }, (_, i) => ['HSET', `blobs::${sha256Digest(`blob ${i}`)}`, 'digest', sha256Digest(`blob ${i}`), 'size', '1', 'mediatype', LAYER_TAR_GZIP]);
      const empty = await info('memory', 'used_memory');
      await redisQuery(redis, password, [['SELECT', String(pod.parsed.redis.db)], ...filled]);
      // below what the server holds now, halfway down the filled descriptors: every write from here evicts first, and
      // what the server frees by itself meanwhile (idle connections' buffers, some KiB each) is far less than that
      const full = await info('memory', 'used_memory');
      await redisQuery(redis, password, [['CONFIG', 'SET', 'maxmemory-policy', policy],
        ['CONFIG', 'SET', 'maxmemory', String(Math.floor((empty + full) / 2))]]);
      for (let i = 1; i <= 4; i++) await push(`library/lru-${i}`);
      expect(await info('stats', 'evicted_keys')).toBeGreaterThan(0);
      // the server refused none of the registry's writes, where one that evicts nothing refuses them all
      expect(String((await redisQuery(redis, password, [['INFO', 'errorstats']]))[0])).not.toMatch(/errorstat_OOM/);
      // an image whose descriptors are gone from the cache, as eviction leaves it: the storage serves it
      await redisQuery(redis, password, [['SELECT', String(pod.parsed.redis.db)], ['DEL', `blobs::${first.layer.digest}`, `blobs::${first.config.digest}`,
        'repository::library/lru-0::blobs', `repository::library/lru-0::blobs::${first.layer.digest}`]]);
      const pulled = await pullImage(registry.url, 'library/lru-0', 'v1', creds);
      expect(sha256Digest(pulled.layer)).toBe(first.layer.digest);
      expect(troubleIn(registry.logs())).toEqual([]);
    } finally {
      await started.stop();
    }
  });
});
