import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { freePort } from './free-port';
import { LogBuffer, terminate, writeFiles } from './child-process';

const REDIS = '/usr/bin/redis-server';
const OPENSSL = 'openssl';

export interface RedisServerOptions {
  /** The `default` user's password (`--requirepass`); required. */
  readonly password: string;
  /** An extra ACL user with the same password and every permission (`--user <name> on ><pw> ~* &* +@all`). */
  readonly username?: string;
  /** Serve TLS only (`--port 0 --tls-port <port>`) with a throw-away CA and server certificate. */
  readonly tls: boolean;
  /** How long to wait for the server to answer PING; default 15 s. */
  readonly timeoutMs?: number;
  /** More arguments for redis-server, e.g. `['--maxclients', '200']`; default none. */
  readonly extraArgs?: readonly string[];
}

function requireBinary(binary: string, debianPackage: string): void {
  const found = binary.includes('/') ? fs.existsSync(binary) : spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!found) {
    throw new Error(`${binary} not found: install the Debian package "${debianPackage}" (.ci/run does)`);
  }
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync(OPENSSL, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}${r.stdout}`);
  }
}

/** A throw-away CA (`ca.crt`) and a server certificate for localhost and 127.0.0.1 signed by it (`server.crt`, `server.key`). */
export function makeTestPki(dir: string): { caCertPath: string; certPath: string; keyPath: string } {
  requireBinary(OPENSSL, 'openssl');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dockyard test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFiles(dir, {
    'server.ext': 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
      + 'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
  });
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  return { caCertPath: path.join(dir, 'ca.crt'), certPath: path.join(dir, 'server.crt'), keyPath: path.join(dir, 'server.key') };
}

type Reply = string | number | null | Reply[];

/** An error reply from Redis (`-WRONGPASS ...`). */
export class RedisReplyError extends Error {}

/** Parses RESP2 replies off a socket, one at a time. */
class RespReader {
  private buffer = Buffer.alloc(0);
  private waiting?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.pump();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.pump();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  public next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.pump();
    });
  }

  private pump(): void {
    if (!this.waiting) return;
    const waiting = this.waiting;
    let parsed: ReturnType<RespReader['parse']>;
    try {
      parsed = this.parse(0);
    } catch (e) {
      this.waiting = undefined;
      waiting.reject(e as Error);
      return;
    }
    if (parsed) {
      this.waiting = undefined;
      this.buffer = this.buffer.subarray(parsed.end);
      if (parsed.error) waiting.reject(new RedisReplyError(parsed.error));
      else waiting.resolve(parsed.value);
    } else if (this.failure) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    }
  }

  /** One reply starting at `at`, or undefined when it has not fully arrived. */
  private parse(at: number): { value: Reply; error?: string; end: number } | undefined {
    const eol = this.buffer.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const type = String.fromCharCode(this.buffer[at]);
    const line = this.buffer.subarray(at + 1, eol).toString();
    switch (type) {
      case '+': return { value: line, end: eol + 2 };
      case '-': return { value: null, error: line, end: eol + 2 };
      case ':': return { value: Number(line), end: eol + 2 };
      case '$': {
        const length = Number(line);
        if (length < 0) return { value: null, end: eol + 2 };
        if (this.buffer.length < eol + 2 + length + 2) return undefined;
        return { value: this.buffer.subarray(eol + 2, eol + 2 + length).toString(), end: eol + 2 + length + 2 };
      }
      case '*': {
        const count = Number(line);
        if (count < 0) return { value: null, end: eol + 2 };
        const items: Reply[] = [];
        let end = eol + 2;
        for (let i = 0; i < count; i++) {
          const item = this.parse(end);
          if (!item) return undefined;
          items.push(item.value);
          end = item.end;
        }
        return { value: items, end };
      }
      default:
        throw new Error(`not a RESP reply: ${JSON.stringify(this.buffer.subarray(at, at + 40).toString())}`);
    }
  }
}

function encodeCommand(args: string[]): Buffer {
  return Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.flatMap((a) => [Buffer.from(`$${Buffer.byteLength(a)}\r\n`), Buffer.from(a), Buffer.from('\r\n')]),
  ]);
}

export interface PingOptions {
  /** PEM CA bundle to verify `rediss://` servers with (the server's own throw-away CA by default). */
  readonly ca?: string;
  /** Give up after this long; default 5 s. */
  readonly timeoutMs?: number;
}

/**
 * Connect to a `redis://` or `rediss://[user[:password]@]host[:port][/db]` URL exactly as given, AUTH (with the user
 * name when there is one), SELECT the db when the path names one, PING, and return the reply text. Throws
 * RedisReplyError on error replies (e.g. WRONGPASS) and plain errors on connection/TLS failures or timeouts.
 * `rediss://` verifies the server certificate against `options.ca` and the URL's host name.
 */
export async function pingRedis(urlText: string, options: PingOptions = {}): Promise<string> {
  const url = new URL(urlText);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`not a redis:// or rediss:// URL: ${urlText}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 6379);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new Error(`the path of a redis URL must be a database number, not ${JSON.stringify(url.pathname)}`);
  }
  const timeoutMs = options.timeoutMs ?? 5_000;

  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = url.protocol === 'rediss:'
      ? tls.connect({ host, port, ca: options.ca, rejectUnauthorized: true, servername: net.isIP(host) ? undefined : host }, () => resolve(s))
      : net.connect({ host, port }, () => resolve(s));
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    s.once('error', reject);
  });
  try {
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    const reader = new RespReader(socket);
    const call = async (args: string[]) => {
      socket.write(encodeCommand(args));
      return reader.next();
    };
    if (password !== '' || username !== '') {
      await call(username !== '' ? ['AUTH', username, password] : ['AUTH', password]);
    }
    if (dbText !== '') {
      await call(['SELECT', dbText]);
    }
    const reply = await call(['PING']);
    return String(reply);
  } finally {
    socket.destroy();
  }
}

/** A throw-away redis-server on a free loopback port, password protected, optionally TLS-only. */
export class RedisServer {
  public static async start(options: RedisServerOptions): Promise<RedisServer> {
    requireBinary(REDIS, 'redis-server');
    if (!options.password) {
      throw new Error('RedisServer needs a non-empty password');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-redis-'));
    try {
      const pki = options.tls ? makeTestPki(dir) : undefined;
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const args = [
          ...(pki
            ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', pki.certPath, '--tls-key-file', pki.keyPath,
              '--tls-ca-cert-file', pki.caCertPath, '--tls-auth-clients', 'no']
            : ['--port', String(port)]),
          '--bind', '127.0.0.1',
          '--requirepass', options.password,
          '--save', '', '--appendonly', 'no', '--dir', dir,
          '--daemonize', 'no', '--logfile', '',
          ...(options.username ? ['--user', options.username, 'on', `>${options.password}`, '~*', '&*', '+@all'] : []),
          ...(options.extraArgs ?? []),
        ];
        const server = new RedisServer(dir, port, args, pki?.caCertPath);
        try {
          await server.waitReady(options.timeoutMs ?? 15_000, options.password);
          return server;
        } catch (e) {
          await terminate(server.child);
          if (attempt >= 3 || !/Address already in use/i.test(server.logs())) throw e;
        }
      }
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** PEM of the throw-away CA that signed the server certificate (undefined without TLS). */
  public readonly caPem?: string;
  private readonly child: ChildProcess;
  private readonly output = new LogBuffer();

  private constructor(
    public readonly dir: string,
    public readonly port: number,
    args: string[],
    /** Path of the CA certificate (undefined without TLS). */
    public readonly caCertPath?: string,
  ) {
    this.caPem = caCertPath ? fs.readFileSync(caCertPath, 'utf8') : undefined;
    this.child = spawn(REDIS, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => this.output.append(d));
    this.child.stderr!.on('data', (d) => this.output.append(d));
    this.child.on('error', (e) => this.output.append(`\nspawn error: ${e.message}\n`));
  }

  /** True when serving TLS. */
  public get tls(): boolean {
    return this.caPem !== undefined;
  }

  /** `redis[s]://[user:password@]127.0.0.1:<port>[/db]`, userinfo percent-encoded. */
  public url(options: { username?: string; password?: string; db?: number } = {}): string {
    const user = options.username !== undefined ? encodeURIComponent(options.username) : '';
    const auth = options.password !== undefined ? `${user}:${encodeURIComponent(options.password)}@` : user ? `${user}@` : '';
    return `${this.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}${options.db !== undefined ? `/${options.db}` : ''}`;
  }

  /** pingRedis against `url` (any URL, taken as given), trusting this server's CA. */
  public ping(url: string, options: { timeoutMs?: number } = {}): Promise<string> {
    return pingRedis(url, { ca: this.caPem, ...options });
  }

  /** Everything redis-server printed so far. */
  public logs(): string {
    return this.output.toString();
  }

  private async waitReady(timeoutMs: number, password: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`redis-server exited (${this.child.exitCode ?? this.child.signalCode}) before answering:\n${this.logs()}`);
      }
      try {
        const reply = await this.ping(this.url({ password }), { timeoutMs: 2_000 });
        if (reply === 'PONG') return;
        last = `PING answered ${reply}`;
      } catch (e) {
        last = (e as Error).message;
        if (e instanceof RedisReplyError && !/^LOADING/.test(last)) {
          // the server answers, but not as configured: no point waiting
          throw new Error(`redis-server answered with an error: ${last}\n${this.logs()}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`redis-server did not answer PING within ${timeoutMs} ms (${last}):\n${this.logs()}`);
  }

  /** Stop the server and remove its temp dir (certificates included). */
  public async stop(): Promise<void> {
    await terminate(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
