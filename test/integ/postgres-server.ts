import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './free-port';

/** The newest PostgreSQL server binaries Debian installed. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) {
    throw new Error('no PostgreSQL server under /usr/lib/postgresql: install the Debian package "postgresql" (.ci/run does)');
  }
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** Run `argv`, as the unprivileged `postgres` user when we are root: initdb refuses to run as root. */
function run(argv: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...options.env }, input: options.input, timeout: 60_000 });
}

/**
 * Run `argv` (as `run` does) in a mount namespace whose /dev/shm is a tmpfs of `size`: the postmaster that pg_ctl
 * starts stays in it. Root mounts in a namespace of its own; another user in a user namespace mapped to itself.
 */
function runWithShm(argv: string[], size: string): SpawnSyncReturns<string> {
  const asRoot = process.getuid?.() === 0;
  const unshare = asRoot ? ['unshare', '--mount', '--propagation', 'private'] : ['unshare', '--user', '--map-current-user', '--mount'];
  const inner = asRoot ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return spawnSync(unshare[0], [...unshare.slice(1), 'sh', '-c', `mount -t tmpfs -o size=${size} tmpfs /dev/shm && exec "$@"`, 'sh', ...inner],
    { encoding: 'utf8', timeout: 60_000 });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) {
    throw new Error(`${what} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** Options of `PostgresServer.start`. */
export interface PostgresServerOptions {
  /**
   * Serve TLS too (`ssl=on`) with this certificate and key, e.g. of `makeTestPki` (test/integ/redis-server.ts).
   *
   * @default - no TLS
   */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /**
   * Start as a standby without hot standby (`standby.signal`, `hot_standby=off`): it answers every connection with
   * SQLSTATE 57P03, "cannot connect now", as a server replaying its WAL after a crash does, until `promote`.
   *
   * @default false
   */
  readonly rejecting?: boolean;
  /**
   * Run the server with a `/dev/shm` of its own of this size (a tmpfs in a mount namespace, `unshare`), as a pod has
   * one: e.g. `64m`, the size containerd gives a pod sandbox.
   *
   * @default - the machine's /dev/shm
   */
  readonly shmSize?: string;
  /**
   * More options of the server's command line, e.g. the `-c name=value` pairs a `Postgres` renders.
   *
   * @default - none
   */
  readonly args?: readonly string[];
}

/**
 * A copy of `file` in `dir` that the server's user owns, mode 0600: PostgreSQL refuses a key file others may read
 * (src/backend/libpq/be-secure-common.c check_ssl_key_file_permissions), and the server runs as `postgres` when we
 * are root.
 */
function copyForServer(file: string, dir: string): string {
  const copy = path.join(dir, path.basename(file));
  fs.copyFileSync(file, copy);
  fs.chmodSync(copy, 0o600);
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(check(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }), 'id').trim());
    fs.chownSync(copy, id('-u'), id('-g'));
  }
  return copy;
}

/** `fn` over a fresh data directory (initdb, trust) in a folder of its own, which is removed after. */
function withFreshDataDirectory<T>(fn: (bin: string, dir: string, data: string) => T): T {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pg-'));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  try {
    check(run([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust']), 'initdb');
    return fn(bin, dir, data);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A throw-away PostgreSQL server on a free loopback port, with password authentication over TCP. */
export class PostgresServer {
  /**
   * The main shared memory, in MB, that the server would allocate with each of `argsList` (`-c name=value` pairs),
   * as `postgres -C shared_memory_size` reports it on a fresh data directory without starting (PostgreSQL 15 and
   * later compute it for -C: src/backend/postmaster/postmaster.c, "runtime-computed").
   */
  public static sharedMemorySize(argsList: readonly (readonly string[])[]): number[] {
    return withFreshDataDirectory((bin, _dir, data) =>
      argsList.map((args) => Number(check(run([path.join(bin, 'postgres'), '-D', data, '-C', 'shared_memory_size', ...args]), 'postgres -C').trim())));
  }

  /**
   * Start the server over a fresh data directory whose `PG_VERSION` then says `version`, as a data directory another
   * major version made does, and return how the server exited and what it printed; a server that starts is stopped.
   */
  public static startOverVersion(version: string): { status: number | null; stderr: string; serverVersion: string } {
    return withFreshDataDirectory((bin, dir, data) => {
      fs.writeFileSync(path.join(data, 'PG_VERSION'), `${version}\n`);
      // on the socket alone: it either refuses the directory at once or starts, and is stopped
      const started = run([path.join(bin, 'pg_ctl'), '-D', data, '-w', '-t', '20', '-l', path.join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses=`, 'start']);
      if (started.status === 0) run([path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']);
      const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
      return { status: started.status, stderr: log, serverVersion: check(run([path.join(bin, 'postgres'), '--version']), 'postgres --version').trim() };
    });
  }

  /** Start a server whose superuser `postgres` has `password`. */
  public static async start(password: string, options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const bin = binDir();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-pg-'));
    fs.chmodSync(dir, 0o777);
    const pwfile = path.join(dir, 'pw');
    fs.writeFileSync(pwfile, password, { mode: 0o644 });
    const data = path.join(dir, 'data');
    check(run([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`]), 'initdb');
    fs.rmSync(pwfile);
    const port = await freePort();
    if (options.rejecting) {
      fs.writeFileSync(path.join(data, 'standby.signal'), '');
      fs.chmodSync(path.join(data, 'standby.signal'), 0o666);
    }
    const standby = options.rejecting ? ' -c hot_standby=off' : '';
    const ssl = options.tls ? ` -c ssl=on -c ssl_cert_file=${copyForServer(options.tls.certPath, dir)} -c ssl_key_file=${copyForServer(options.tls.keyPath, dir)}` : '';
    const start = [path.join(bin, 'pg_ctl'), '-D', data, '-w', '-l', path.join(dir, 'log'), '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${standby}${ssl}${(options.args ?? []).map((a) => ` ${a}`).join('')}`, 'start'];
    check(options.shmSize === undefined ? run(start) : runWithShm(start, options.shmSize), 'pg_ctl start');
    return new PostgresServer(bin, dir, data, port);
  }

  private constructor(private readonly bin: string, private readonly dir: string, private readonly data: string, public readonly port: number) {}

  /** The libpq environment for connecting as `user` with `password` over TCP. */
  public env(user: string, password: string): NodeJS.ProcessEnv {
    return { PGHOST: '127.0.0.1', PGPORT: String(this.port), PGUSER: user, PGPASSWORD: password };
  }

  /** Run SQL as `user`; returns the process result, so tests can assert failures too. */
  public psql(user: string, password: string, database: string, sql: string): SpawnSyncReturns<string> {
    return spawnSync('psql', ['--no-psqlrc', '-XAt', '-v', 'ON_ERROR_STOP=1', '--dbname', database, '-c', sql], {
      encoding: 'utf8', env: { ...process.env, ...this.env(user, password) }, timeout: 30_000,
    });
  }

  /** The directory of the server's own programs (pg_isready among them). */
  public get binDir(): string {
    return this.bin;
  }

  /** End a `rejecting` server's standby mode: it then accepts connections. */
  public promote(): void {
    check(run([path.join(this.bin, 'pg_ctl'), '-D', this.data, '-w', 'promote']), 'pg_ctl promote');
  }

  /** What the server has logged so far. */
  public log(): string {
    return fs.readFileSync(path.join(this.dir, 'log'), 'utf8');
  }

  /** Stop the server and remove its files. */
  public stop(): void {
    run([path.join(this.bin, 'pg_ctl'), '-D', this.data, '-m', 'immediate', 'stop']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
