import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { LogBuffer, terminate, writeFiles } from './child-process';
import { freePort } from './free-port';

const BINARY = '/usr/bin/docker-registry';

export interface RegistryServerOptions {
  /** The registry's config.yml, written verbatim to `<dir>/config.yml`. */
  readonly config: string;
  /**
   * Extra environment for the registry (distribution honours `REGISTRY_<SECTION>_<KEY>` overrides). The harness
   * always sets `REGISTRY_HTTP_ADDR` to the loopback port it picked, so passing that one is an error; `REGISTRY_*`
   * and `AWS_*` variables of the calling process are not inherited (pass them here if a test needs them).
   */
  readonly env?: Record<string, string>;
  /**
   * Extra files to write into the temp dir before starting (relative paths, e.g. `{ htpasswd: 'user:$2b$...' }`).
   * The registry runs with the temp dir as its working directory, so the config can refer to them relatively.
   */
  readonly files?: Record<string, string>;
  /** How long to wait for `GET /v2/` to answer 200 or 401; default 15 s. */
  readonly timeoutMs?: number;
  /**
   * The CA (PEM) that signed the certificate of a config that serves TLS (`http.tls`): the URL is then `https://`,
   * and the readiness probe trusts this CA alone.
   *
   * @default - the registry serves plain HTTP
   */
  readonly tlsCa?: string;
}

/** `GET url` over HTTPS trusting only `ca` (Node's own roots when undefined): the status and headers. */
export function httpsStatus(url: string, ca: string | string[] | undefined, headers: Record<string, string> = {}, timeoutMs = 2_000):
Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function which(binary: string): void {
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} not found: install the Debian package "docker-registry" (.ci/run does)`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A throw-away CNCF distribution registry (`docker-registry serve`) on a free loopback port. The config is used as
 * given; only `REGISTRY_HTTP_ADDR` is set by the harness, to `127.0.0.1:<port>`.
 */
export class RegistryServer {
  public static async start(options: RegistryServerOptions): Promise<RegistryServer> {
    which(BINARY);
    if (options.env && 'REGISTRY_HTTP_ADDR' in options.env) {
      throw new Error('RegistryServer picks the listen address itself: do not pass REGISTRY_HTTP_ADDR');
    }
    if (options.files && 'config.yml' in options.files) {
      throw new Error('files must not contain config.yml: pass the registry configuration as `config`');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-registry-'));
    try {
      writeFiles(dir, { ...options.files, 'config.yml': options.config });
      // a free port can be taken between the probe and the bind: retry on that, and only on that
      for (let attempt = 1; ; attempt++) {
        const server = new RegistryServer(dir, await freePort(), options.env ?? {}, options.tlsCa);
        try {
          await server.waitReady(options.timeoutMs ?? 15_000);
          return server;
        } catch (e) {
          await terminate(server.child);
          if (attempt >= 3 || !/address already in use/.test(server.logs())) {
            throw e;
          }
        }
      }
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** `http://127.0.0.1:<port>`, or `https://` with `tlsCa` */
  public readonly url: string;
  private readonly child: ChildProcess;
  private readonly output = new LogBuffer();

  private constructor(public readonly dir: string, public readonly port: number, env: Record<string, string>, private readonly tlsCa?: string) {
    this.url = `${tlsCa === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
    // REGISTRY_* would silently change the config; AWS_* steers the S3 driver's SDK (AWS_CA_BUNDLE even makes
    // distribution 2.8 panic at start-up: "unable to load custom CA bundle, HTTPClient's transport unsupported type")
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(REGISTRY|AWS)_/.test(k)));
    this.child = spawn(BINARY, ['serve', path.join(dir, 'config.yml')], {
      cwd: dir,
      env: { ...inherited, ...env, REGISTRY_HTTP_ADDR: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => this.output.append(d));
    this.child.stderr!.on('data', (d) => this.output.append(d));
    this.child.on('error', (e) => this.output.append(`\nspawn error: ${e.message}\n`));
  }

  /** Everything the registry printed so far (the last 256 KiB). */
  public logs(): string {
    return this.output.toString();
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`docker-registry exited (${this.child.exitCode ?? this.child.signalCode}) before answering:\n${this.logs()}`);
      }
      try {
        let status: number;
        if (this.tlsCa === undefined) {
          const res = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(2_000) });
          await res.arrayBuffer();
          status = res.status;
        } else {
          status = (await httpsStatus(`${this.url}/v2/`, this.tlsCa)).status;
        }
        if (status === 200 || status === 401) {
          return;
        }
        last = `GET /v2/ answered ${status}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`docker-registry did not answer GET /v2/ with 200 or 401 within ${timeoutMs} ms (${last}):\n${this.logs()}`);
  }

  /** Stop the registry and remove its temp dir. */
  public async stop(): Promise<void> {
    await terminate(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
