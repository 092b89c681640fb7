import { createHash, createHmac, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './free-port';

/*
 * s3rver 3.7.1 has no type declarations; these are the parts we use.
 * Its filesystem store keeps object `k` of bucket `b` at `<dir>/b/k._S3rver_object` and multipart uploads at
 * `<dir>/b/._S3rver_uploads/<uploadId>/{key,metadata,<partNumber>,<partNumber>.md5}`.
 */
interface S3rverInstance {
  callback(): http.RequestListener;
  configureBuckets(): Promise<void>;
  store: {
    listObjects(bucket: string, options: object): Promise<{ objects: { key: string; size: number }[] }>;
    deleteObject(bucket: string, key: string): Promise<void>;
  };
  logger: { close(): void };
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
interface AwsAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

function loadS3rver(): { S3rver: S3rverClass; account: AwsAccount; registry: Map<string, AwsAccount & { accessKeys: Map<string, string> }> } {
  try {
    const S3rver = require('s3rver') as S3rverClass;
    const accounts = require('s3rver/lib/models/account');
    return { S3rver, account: accounts.DUMMY_ACCOUNT, registry: accounts.registry };
  } catch (e) {
    throw new Error(`cannot load the s3rver package (a devDependency: run npm ci): ${(e as Error).message}`);
  }
}

/** s3rver's built-in credentials. */
export const S3RVER_DEFAULT_KEY = 'S3RVER';

export interface S3ServerOptions {
  /** Buckets to create before the server answers. */
  readonly buckets: string[];
  /** Default `S3RVER` (s3rver's built-in key pair). */
  readonly accessKeyId?: string;
  /** Default `S3RVER`. */
  readonly secretAccessKey?: string;
  /** Accept unsigned requests (s3rver does by default; real private buckets do not). Default false. */
  readonly allowAnonymous?: boolean;
}

export interface S3ObjectInfo {
  readonly key: string;
  readonly size: number;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Access keys registered in s3rver's process-global account registry by running S3Servers, with use counts. */
const registered = new Map<string, { secret: string; uses: number }>();

/**
 * A throw-away S3 endpoint: the s3rver package on a free loopback port with a temp directory, behind a small shim
 * that makes it usable by the distribution registry's S3 driver and checks credentials:
 *  - every request must name this server's access key (unless `allowAnonymous`), and AWS Signature V4 requests
 *    (header or presigned query) are verified against the secret here, because s3rver itself accepts any V4
 *    signature; V2 signatures are verified by s3rver;
 *  - ListMultipartUploads (`GET /<bucket>?uploads`), ListParts (`GET /<bucket>/<key>?uploadId=`) and
 *    AbortMultipartUpload (`DELETE /<bucket>/<key>?uploadId=`), which s3rver 3.7 lacks and distribution needs to
 *    resume a blob upload, are answered from s3rver's upload directory;
 *  - object deletions are serialised (s3rver's parallel DeleteObjects races on pruning empty directories);
 *  - streaming-signed (aws-chunked) uploads are refused with 501, as s3rver would store the chunk framing.
 * Path-style addressing only (distribution forces it whenever `regionendpoint` is set).
 */
export class S3Server {
  public static async start(options: S3ServerOptions): Promise<S3Server> {
    const { S3rver, account, registry } = loadS3rver();
    const accessKeyId = options.accessKeyId ?? S3RVER_DEFAULT_KEY;
    const secretAccessKey = options.secretAccessKey ?? S3RVER_DEFAULT_KEY;
    const existing = registry.get(accessKeyId)?.accessKeys.get(accessKeyId);
    if (existing !== undefined && existing !== secretAccessKey) {
      throw new Error(`access key ${accessKeyId} is already registered in s3rver (process-wide) with another secret`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-s3-'));
    try {
      const s3rver = new S3rver({
        directory: dir,
        silent: true,
        // vhost-style addressing would treat a Host of 127.0.0.1 as plain path-style anyway; be explicit
        vhostBuckets: false,
        configureBuckets: options.buckets.map((name) => ({ name })),
      });
      await s3rver.configureBuckets();
      // DeleteObjects deletes its keys in parallel, and each deletion prunes now-empty parent directories, so
      // sibling deletions race (ENOENT/ENOTEMPTY: a 500 the S3 SDK then retries). One deletion at a time.
      const store = s3rver.store;
      const deleteObject = store.deleteObject.bind(store);
      let deletions: Promise<unknown> = Promise.resolve();
      store.deleteObject = (bucket, key) => {
        const next = deletions.then(() => deleteObject(bucket, key));
        deletions = next.catch(() => undefined);
        return next;
      };
      if (accessKeyId !== S3RVER_DEFAULT_KEY) {
        const entry = registered.get(accessKeyId) ?? { secret: secretAccessKey, uses: 0 };
        if (entry.uses === 0) account.createKeyPair(accessKeyId, secretAccessKey);
        entry.uses++;
        registered.set(accessKeyId, entry);
      }
      const server = new S3Server(dir, s3rver, accessKeyId, secretAccessKey, options.allowAnonymous ?? false, account);
      await server.listen();
      return server;
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  public port = 0;
  private readonly http: http.Server;
  private readonly requestLog: string[] = [];

  private constructor(
    /** s3rver's data directory. */
    public readonly directory: string,
    private readonly s3rver: S3rverInstance,
    public readonly accessKeyId: string,
    public readonly secretAccessKey: string,
    private readonly allowAnonymous: boolean,
    private readonly account: AwsAccount,
  ) {
    const s3rverHandler = s3rver.callback();
    this.http = http.createServer((req, res) => {
      res.on('finish', () => this.log(`${req.method} ${req.url} -> ${res.statusCode}`));
      this.handle(req, res).then((handled) => {
        if (!handled) s3rverHandler(req, res);
      }, (e) => this.sendError(res, 500, 'InternalError', (e as Error).message));
    });
  }

  /** `http://127.0.0.1:<port>` */
  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last requests and their statuses, for error messages. */
  public logs(): string {
    return this.requestLog.join('\n');
  }

  /** Objects in `bucket` (read from s3rver's store, sorted by key). */
  public async listObjects(bucket: string): Promise<string[]> {
    return (await this.objects(bucket)).map((o) => o.key);
  }

  /** Objects in `bucket` with their sizes. */
  public async objects(bucket: string): Promise<S3ObjectInfo[]> {
    const { objects } = await this.s3rver.store.listObjects(bucket, {});
    return objects.map((o) => ({ key: o.key, size: o.size })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Stop the server and remove its directory. */
  public async stop(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.s3rver.logger.close();
    const entry = registered.get(this.accessKeyId);
    if (entry && --entry.uses === 0) {
      registered.delete(this.accessKeyId);
      this.account.revokeAccessKey(this.accessKeyId);
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private async listen(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await new Promise<void>((resolve, reject) => {
          this.http.once('error', reject);
          this.http.listen(port, '127.0.0.1', () => {
            this.http.off('error', reject);
            resolve();
          });
        });
        this.port = port;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 3) throw e;
      }
    }
  }

  private log(line: string): void {
    this.requestLog.push(line);
    if (this.requestLog.length > 500) this.requestLog.shift();
  }

  /** Answer the request here when it fails authentication or is one of the operations s3rver lacks. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://s3.local');
    const problem = this.authenticate(req, rawUrl, url);
    if (problem) {
      this.sendError(res, 403, problem.code, problem.message);
      return true;
    }
    if (String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')) {
      // s3rver would store the aws-chunked framing (chunk signatures) as the object's content
      this.sendError(res, 501, 'NotImplemented', 'streaming (aws-chunked) payload signing is not supported by this test server');
      return true;
    }
    const [, bucket, ...keyParts] = url.pathname.split('/').map((p) => decodeURIComponent(p));
    const key = keyParts.join('/');
    if (!bucket) return false;
    const uploadsDir = path.join(this.directory, bucket, '._S3rver_uploads');
    if (req.method === 'GET' && !key && url.searchParams.has('uploads')) {
      this.listMultipartUploads(res, bucket, uploadsDir, url.searchParams.get('prefix') ?? '');
      return true;
    }
    const uploadId = url.searchParams.get('uploadId');
    if (key && uploadId !== null && (req.method === 'GET' || req.method === 'DELETE')) {
      const uploadDir = path.join(uploadsDir, uploadId);
      if (!/^[0-9a-f]+$/.test(uploadId) || !fs.existsSync(path.join(uploadDir, 'key'))
        || fs.readFileSync(path.join(uploadDir, 'key'), 'utf8') !== key) {
        this.sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      } else if (req.method === 'DELETE') {
        fs.rmSync(uploadDir, { recursive: true, force: true });
        res.writeHead(204).end();
      } else {
        this.listParts(res, bucket, key, uploadId, uploadDir);
      }
      return true;
    }
    return false;
  }

  private listMultipartUploads(res: http.ServerResponse, bucket: string, uploadsDir: string, prefix: string): void {
    const uploads = (fs.existsSync(uploadsDir) ? fs.readdirSync(uploadsDir) : [])
      .map((id) => ({ id, file: path.join(uploadsDir, id, 'key') }))
      .filter(({ file }) => fs.existsSync(file))
      .map(({ id, file }) => ({ id, key: fs.readFileSync(file, 'utf8'), initiated: fs.statSync(file).mtime }))
      .filter((u) => u.key.startsWith(prefix))
      .sort((a, b) => (a.key === b.key ? a.initiated.getTime() - b.initiated.getTime() : a.key < b.key ? -1 : 1));
    this.sendXml(res, `<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>${xmlEscape(bucket)}</Bucket>`
      + `<Prefix>${xmlEscape(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>`
      + uploads.map((u) => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.id}</UploadId>`
        + `<StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('')
      + '</ListMultipartUploadsResult>');
  }

  private listParts(res: http.ServerResponse, bucket: string, key: string, uploadId: string, uploadDir: string): void {
    const parts = fs.readdirSync(uploadDir)
      .filter((f) => /^\d+$/.test(f))
      .map((f) => ({ number: Number(f), stat: fs.statSync(path.join(uploadDir, f)), md5: fs.readFileSync(path.join(uploadDir, `${f}.md5`), 'utf8') }))
      .sort((a, b) => a.number - b.number);
    this.sendXml(res, `<ListPartsResult xmlns="${XMLNS}"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key>`
      + `<UploadId>${uploadId}</UploadId><StorageClass>STANDARD</StorageClass><MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>`
      + parts.map((p) => `<Part><PartNumber>${p.number}</PartNumber><LastModified>${p.stat.mtime.toISOString()}</LastModified>`
        + `<ETag>"${p.md5}"</ETag><Size>${p.stat.size}</Size></Part>`).join('')
      + '</ListPartsResult>');
  }

  /** Undefined when the request may proceed (s3rver still verifies V2 signatures itself). */
  private authenticate(req: http.IncomingMessage, rawUrl: string, url: URL): { code: string; message: string } | undefined {
    const authorization = req.headers.authorization;
    const query = url.searchParams;
    let accessKey: string | undefined;
    if (authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      const fields = Object.fromEntries(authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')
        // at the first "=" only: an access key may hold one
        .map((f) => f.trim()).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
      return this.verifyV4(req, rawUrl, fields.Credential, fields.SignedHeaders, fields.Signature, String(req.headers['x-amz-date'] ?? ''),
        String(req.headers['x-amz-content-sha256'] ?? EMPTY_SHA256), false);
    } else if (query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
      return this.verifyV4(req, rawUrl, query.get('X-Amz-Credential') ?? undefined, query.get('X-Amz-SignedHeaders') ?? undefined,
        query.get('X-Amz-Signature') ?? undefined, query.get('X-Amz-Date') ?? '', 'UNSIGNED-PAYLOAD', true);
    } else if (authorization?.startsWith('AWS ')) {
      accessKey = authorization.slice(4).split(':')[0];
    } else if (query.has('AWSAccessKeyId')) {
      accessKey = query.get('AWSAccessKeyId')!;
    } else if (authorization || query.has('X-Amz-Algorithm')) {
      return { code: 'InvalidArgument', message: 'unsupported authorization mechanism' };
    } else {
      return this.allowAnonymous ? undefined : { code: 'AccessDenied', message: 'Anonymous requests are not allowed by this test server' };
    }
    return accessKey === this.accessKeyId ? undefined : this.wrongKey(accessKey);
  }

  private wrongKey(accessKey: string | undefined) {
    return { code: 'InvalidAccessKeyId', message: `The AWS Access Key Id you provided (${accessKey}) does not exist in our records.` };
  }

  /** AWS Signature Version 4, as the AWS SDKs compute it for S3 (no double URI-encoding of the path). */
  private verifyV4(req: http.IncomingMessage, rawUrl: string, credential: string | undefined, signedHeaders: string | undefined,
    signature: string | undefined, amzDate: string, payloadHash: string, presigned: boolean): { code: string; message: string } | undefined {
    if (!credential || !signedHeaders || !signature || !amzDate) {
      return { code: 'AuthorizationHeaderMalformed', message: 'incomplete AWS4-HMAC-SHA256 authorization' };
    }
    const [accessKey, date, region, service, terminator] = credential.split('/');
    if (accessKey !== this.accessKeyId) return this.wrongKey(accessKey);
    if (!date || !region || !service || terminator !== 'aws4_request') {
      return { code: 'AuthorizationHeaderMalformed', message: `malformed credential scope ${credential}` };
    }
    const [rawPath, rawQuery = ''] = rawUrl.split(/\?(.*)/s, 2);
    const canonicalQuery = rawQuery.split('&').filter((p) => p !== '')
      .map((p) => {
        const i = p.indexOf('=');
        const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
        return i < 0 ? [decode(p), ''] : [decode(p.slice(0, i)), decode(p.slice(i + 1))];
      })
      .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`).join('&');
    const names = signedHeaders.split(';');
    const canonicalHeaders = names.map((name) => {
      const values = req.headersDistinct[name] ?? [];
      return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
    }).join('');
    const canonicalRequest = [req.method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${this.secretAccessKey}`, date), region), service), 'aws4_request');
    const expected = hmac(key, stringToSign);
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      };
    }
    return undefined;
  }

  private sendXml(res: http.ServerResponse, body: string): void {
    res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  }

  private sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-error-code': code })
      .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
  }
}
