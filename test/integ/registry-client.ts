import { createHash } from 'crypto';
import { gzipSync } from 'zlib';

/** A minimal Docker Registry HTTP API v2 client for tests: Node's fetch, optional basic auth, no retries. */

export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const CONFIG_V1 = 'application/vnd.docker.container.image.v1+json';
export const LAYER_TAR_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function headers(auth: BasicAuth | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return auth
    ? { ...extra, authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : extra;
}

function base(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export interface PushBlobResult {
  readonly digest: string;
  readonly size: number;
  /** Status of `POST /v2/<repo>/blobs/uploads/` (202 when accepted). */
  readonly startStatus: number;
  /** Status of the monolithic `PUT <location>?digest=...` (201 when stored); undefined when the POST failed. */
  readonly putStatus?: number;
  /** True when the blob was stored. */
  readonly ok: boolean;
  /** Body of the failing response, for error messages. */
  readonly error?: string;
}

/** Upload `data` as a blob of `repo`: POST to start an upload, then one monolithic PUT with the digest. */
export async function pushBlob(baseUrl: string, repo: string, data: Buffer, auth?: BasicAuth): Promise<PushBlobResult> {
  const digest = sha256Digest(data);
  const start = await fetch(`${base(baseUrl)}/v2/${repo}/blobs/uploads/`, {
    method: 'POST', headers: headers(auth, { 'content-length': '0' }),
  });
  const startBody = await start.text();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) {
    return { digest, size: data.length, startStatus: start.status, ok: false, error: startBody || `no Location (${start.status})` };
  }
  // Location may be absolute or relative to the registry, and may already carry a query (_state=...)
  const target = new URL(location, `${base(baseUrl)}/`);
  target.searchParams.set('digest', digest);
  const put = await fetch(target, {
    method: 'PUT',
    headers: headers(auth, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) }),
    body: data,
  });
  const putBody = await put.text();
  const ok = put.status === 201 && put.headers.get('docker-content-digest') === digest;
  return { digest, size: data.length, startStatus: start.status, putStatus: put.status, ok, error: ok ? undefined : putBody || `PUT answered ${put.status}` };
}

export interface GetResult {
  readonly status: number;
  readonly data: Buffer;
  readonly contentType: string | null;
  /** The `Docker-Content-Digest` header. */
  readonly digest: string | null;
}

/** `GET /v2/<repo>/blobs/<digest>`, following redirects (e.g. to object storage). */
export async function getBlob(baseUrl: string, repo: string, digest: string, auth?: BasicAuth): Promise<GetResult> {
  const res = await fetch(`${base(baseUrl)}/v2/${repo}/blobs/${digest}`, { headers: headers(auth) });
  return {
    status: res.status,
    data: Buffer.from(await res.arrayBuffer()),
    contentType: res.headers.get('content-type'),
    digest: res.headers.get('docker-content-digest'),
  };
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** A schema2 image manifest referencing one config blob and layers. */
export function imageManifest(config: { digest: string; size: number }, layers: { digest: string; size: number }[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_V2,
    config: { mediaType: CONFIG_V1, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: LAYER_TAR_GZIP, size: l.size, digest: l.digest })),
  });
}

export interface PushManifestResult {
  readonly status: number;
  /** The `Docker-Content-Digest` the registry answered with. */
  readonly digest: string | null;
  readonly body: string;
}

/** `PUT /v2/<repo>/manifests/<reference>` with a schema2 manifest (the exact bytes are what get digested). */
export async function pushManifest(baseUrl: string, repo: string, reference: string, manifest: string, auth?: BasicAuth): Promise<PushManifestResult> {
  const res = await fetch(`${base(baseUrl)}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT', headers: headers(auth, { 'content-type': MANIFEST_V2 }), body: manifest,
  });
  return { status: res.status, digest: res.headers.get('docker-content-digest'), body: await res.text() };
}

/** `GET /v2/<repo>/manifests/<reference>` accepting schema2. */
export async function getManifest(baseUrl: string, repo: string, reference: string, auth?: BasicAuth): Promise<GetResult> {
  const res = await fetch(`${base(baseUrl)}/v2/${repo}/manifests/${reference}`, { headers: headers(auth, { accept: MANIFEST_V2 }) });
  return {
    status: res.status,
    data: Buffer.from(await res.arrayBuffer()),
    contentType: res.headers.get('content-type'),
    digest: res.headers.get('docker-content-digest'),
  };
}

/** A POSIX tar archive holding one regular file. */
export function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        '); // checksum is computed with its own field as spaces
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${octal(sum, 7)}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export interface TinyImage {
  readonly config: Buffer;
  readonly layer: Buffer;
  readonly manifest: string;
}

/** A tiny but well-formed linux/amd64 image: one gzipped layer with one file, its config, and its manifest. */
export function tinyImage(fileContent = 'hello from dockyard\n'): TinyImage {
  const tar = tarOf('hello.txt', Buffer.from(fileContent));
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
  }));
  const manifest = imageManifest({ digest: sha256Digest(config), size: config.length }, [{ digest: sha256Digest(layer), size: layer.length }]);
  return { config, layer, manifest };
}

export interface PushImageResult {
  readonly config: PushBlobResult;
  readonly layer: PushBlobResult;
  /** Undefined when a blob push failed. */
  readonly manifest?: PushManifestResult;
  readonly ok: boolean;
}

/** Push `image` (blobs, then the manifest) as `repo:tag`; never throws on HTTP errors, check `ok`. */
export async function pushImage(baseUrl: string, repo: string, tag: string, image: TinyImage, auth?: BasicAuth): Promise<PushImageResult> {
  const config = await pushBlob(baseUrl, repo, image.config, auth);
  const layer = config.ok ? await pushBlob(baseUrl, repo, image.layer, auth) : config;
  if (!config.ok || !layer.ok) {
    return { config, layer, ok: false };
  }
  const manifest = await pushManifest(baseUrl, repo, tag, image.manifest, auth);
  return { config, layer, manifest, ok: manifest.status === 201 };
}

/** Pull `repo:tag` and every blob it references; throws with the registry's answer when anything fails. */
export async function pullImage(baseUrl: string, repo: string, tag: string, auth?: BasicAuth): Promise<TinyImage> {
  const m = await getManifest(baseUrl, repo, tag, auth);
  if (m.status !== 200) {
    throw new Error(`GET manifest ${repo}:${tag} answered ${m.status}: ${m.data}`);
  }
  const manifest = m.data.toString();
  const parsed = JSON.parse(manifest) as { config: Descriptor; layers: Descriptor[] };
  const fetchBlob = async (d: Descriptor) => {
    const b = await getBlob(baseUrl, repo, d.digest, auth);
    if (b.status !== 200 || sha256Digest(b.data) !== d.digest) {
      throw new Error(`GET blob ${d.digest} answered ${b.status} with ${b.data.length} bytes (digest ${sha256Digest(b.data)})`);
    }
    return b.data;
  };
  const config = await fetchBlob(parsed.config);
  const layers = await Promise.all(parsed.layers.map(fetchBlob));
  return { config, layer: layers[0], manifest };
}
