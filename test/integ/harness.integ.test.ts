import { randomBytes } from 'crypto';
import { hashSync } from 'bcryptjs';
import { pingRedis, RedisReplyError, RedisServer } from './redis-server';
import { BasicAuth, getBlob, pullImage, pushBlob, pushImage, tinyImage } from './registry-client';
import { RegistryServer } from './registry-server';
import { S3Server } from './s3-server';

/** Self-tests of the integration-test harnesses: each server starts, does its job, and stops. */

const USER: BasicAuth = { username: 'dockyard', password: 'pa$$ w:rd/é' };

function htpasswdConfig(storage: string): string {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
${storage}
http:
  addr: 127.0.0.1:5000
auth:
  htpasswd:
    realm: dockyard-test
    path: htpasswd
`;
}

const files = { htpasswd: `${USER.username}:${hashSync(USER.password, 10)}\n` };
const env = { REGISTRY_HTTP_SECRET: randomBytes(16).toString('hex') };

describe('RegistryServer with htpasswd auth on the filesystem', () => {
  let registry: RegistryServer | undefined;

  beforeAll(async () => {
    registry = await RegistryServer.start({
      config: htpasswdConfig('storage:\n  filesystem:\n    rootdirectory: ./data\n  delete:\n    enabled: true'),
      env,
      files,
    });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  test('GET /v2/ without credentials is 401 with a Basic challenge', async () => {
    const res = await fetch(`${registry!.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="dockyard-test"/);
  });

  test('a wrong password is 401, for GET /v2/ and for a push', async () => {
    const wrong = { ...USER, password: 'wrong' };
    const res = await fetch(`${registry!.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${wrong.username}:${wrong.password}`).toString('base64')}` },
    });
    expect(res.status).toBe(401);
    const push = await pushBlob(registry!.url, 'dockyard/denied', Buffer.from('x'), wrong);
    expect(push).toMatchObject({ ok: false, startStatus: 401 });
  });

  test('an authenticated push and pull of a tiny image', async () => {
    const image = tinyImage();
    const pushed = await pushImage(registry!.url, 'dockyard/hello', 'v1', image, USER);
    expect(pushed).toMatchObject({ ok: true, config: { startStatus: 202, putStatus: 201 }, manifest: { status: 201 } });
    const pulled = await pullImage(registry!.url, 'dockyard/hello', 'v1', USER);
    expect(pulled.manifest).toBe(image.manifest);
    expect(pulled.config.equals(image.config)).toBe(true);
    expect(pulled.layer.equals(image.layer)).toBe(true);
    // and the pull needs the credentials too
    expect((await getBlob(registry!.url, 'dockyard/hello', pushed.layer.digest)).status).toBe(401);
  });
});

describe('RegistryServer on S3Server storage', () => {
  const bucket = 'registry';
  const s3Keys = { accessKeyId: 'AKIADOCKYARDTEST', secretAccessKey: randomBytes(20).toString('base64') };
  let s3: S3Server | undefined;
  let registry: RegistryServer | undefined;
  let wrongSecret: RegistryServer | undefined;

  const s3Config = (endpoint: string) => htpasswdConfig(`storage:
  s3:
    region: us-east-1
    bucket: ${bucket}
    regionendpoint: ${endpoint}
    secure: false
    v4auth: true
    rootdirectory: /dockyard
  maintenance:
    uploadpurging:
      enabled: false`);

  beforeAll(async () => {
    s3 = await S3Server.start({ buckets: [bucket], ...s3Keys });
    const start = (secret: string) => RegistryServer.start({
      config: s3Config(s3!.endpoint),
      env: { ...env, REGISTRY_STORAGE_S3_ACCESSKEY: s3!.accessKeyId, REGISTRY_STORAGE_S3_SECRETKEY: secret },
      files,
    });
    // allSettled, so that afterAll can stop whichever of the two started even when the other did not
    const [good, bad] = await Promise.allSettled([start(s3.secretAccessKey), start('not-the-secret')]);
    registry = good.status === 'fulfilled' ? good.value : undefined;
    wrongSecret = bad.status === 'fulfilled' ? bad.value : undefined;
    for (const r of [good, bad]) if (r.status === 'rejected') throw r.reason;
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), wrongSecret?.stop()]);
    await s3?.stop();
  });

  test('push then pull works, and the blobs and manifest land in the bucket', async () => {
    const image = tinyImage('stored in s3rver\n');
    const pushed = await pushImage(registry!.url, 'dockyard/s3', 'v1', image, USER);
    if (!pushed.ok) {
      throw new Error(`push failed: ${JSON.stringify(pushed)}\nregistry:\n${registry!.logs()}\ns3:\n${s3!.logs()}`);
    }
    const pulled = await pullImage(registry!.url, 'dockyard/s3', 'v1', USER);
    expect(pulled.manifest).toBe(image.manifest);
    expect(pulled.layer.equals(image.layer)).toBe(true);

    const keys = await s3!.listObjects(bucket);
    const blobKey = (digest: string) => `dockyard/docker/registry/v2/blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}/data`;
    expect(keys).toEqual(expect.arrayContaining([
      blobKey(pushed.config.digest),
      blobKey(pushed.layer.digest),
      blobKey(pushed.manifest!.digest!),
      'dockyard/docker/registry/v2/repositories/dockyard/s3/_manifests/tags/v1/current/link',
    ]));
    expect(keys.filter((k) => k.includes('/_uploads/'))).toEqual([]);
  });

  test('blob GETs redirect to a presigned S3 URL, whose signature the S3 server checks', async () => {
    const pushed = await pushBlob(registry!.url, 'dockyard/s3', Buffer.from('redirect me'), USER);
    expect(pushed.ok).toBe(true);
    const auth = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
    const res = await fetch(`${registry!.url}/v2/dockyard/s3/blobs/${pushed.digest}`, { headers: { authorization: auth }, redirect: 'manual' });
    expect(res.status).toBe(307);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(s3!.endpoint);
    expect(location.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(Buffer.from(await (await fetch(location)).arrayBuffer()).toString()).toBe('redirect me');
    location.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(location)).status).toBe(403);
  });

  test('a registry with the wrong S3 secret cannot store blobs', async () => {
    const push = await pushBlob(wrongSecret!.url, 'dockyard/s3', Buffer.from('never stored'), USER);
    expect(push.ok).toBe(false);
    expect(wrongSecret!.logs()).toMatch(/SignatureDoesNotMatch/);
  });
});

describe('RedisServer with TLS and a password', () => {
  const password = 'r3dis p@ss/word:é';
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start({ password, username: 'dockyard', tls: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('PING over TLS with the password, verifying the certificate against the CA', async () => {
    expect(redis!.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await redis!.ping(`rediss://:${encodeURIComponent(password)}@127.0.0.1:${redis!.port}`)).toBe('PONG');
    expect(await redis!.ping(`rediss://:${encodeURIComponent(password)}@localhost:${redis!.port}/3`)).toBe('PONG');
  });

  test('PING as the ACL user', async () => {
    expect(await redis!.ping(redis!.url({ username: 'dockyard', password, db: 1 }))).toBe('PONG');
  });

  test('a wrong password is refused with WRONGPASS', async () => {
    await expect(redis!.ping(redis!.url({ password: 'wrong' }))).rejects.toThrow(RedisReplyError);
    await expect(redis!.ping(redis!.url({ username: 'dockyard', password: 'wrong' }))).rejects.toThrow(/WRONGPASS/);
  });

  test('no password is refused with NOAUTH', async () => {
    await expect(redis!.ping(`rediss://127.0.0.1:${redis!.port}`)).rejects.toThrow(/NOAUTH/);
  });

  test('a plaintext connection to the TLS port fails', async () => {
    await expect(redis!.ping(`redis://:${encodeURIComponent(password)}@127.0.0.1:${redis!.port}`, { timeoutMs: 3_000 }))
      .rejects.toThrow(/ECONNRESET|EPIPE|connection closed by the server/);
  });

  test('without the throw-away CA the server certificate is not trusted', async () => {
    await expect(pingRedis(redis!.url({ password }))).rejects.toThrow(/self-signed certificate in certificate chain|unable to get local issuer/);
  });
});
