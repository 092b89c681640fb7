import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sqlLiteral } from '../../lib';
import { PostgresServer } from './postgres-server';
import { mountedFile, Rendered, resolveCommand, resolveEnv, withMountedFiles } from './rendered';

/** The process environment without libpq's `PG*` variables, so that psql reads only what a test gives it. */
export const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

/** The test server's superuser password. */
export const SUPERUSER = 'superuser-password';

/**
 * The steps the datasource tests share (Drone's, Woodpecker's), against a real PostgreSQL started for the calling
 * `describe`: run a rendered reconciler Job as its container runs it, and log in with psql as a rendered datasource
 * would. Call it inside `describe`: it registers the server's `beforeAll` and `afterAll`.
 */
export function postgresForDatasources(tmpPrefix: string) {
  let server: PostgresServer | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    server = await PostgresServer.start(SUPERUSER);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const harness = {
    /** The running server. */
    get server(): PostgresServer {
      return server!;
    },

    /**
     * Run a rendered reconciler Job's script the way its container runs it, against the test server (`host`: the
     * PGHOST it must have been rendered with, if given).
     */
    reconcile(rendered: Rendered, job: any, host?: string): void {
      const [shell, script] = resolveCommand(rendered, job, 'reconcile');
      const file = path.join(dir!, 'reconcile.sh');
      fs.writeFileSync(file, mountedFile(rendered, job, 'reconcile', script));
      const env = withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir!);
      if (host !== undefined) expect(env.PGHOST).toBe(host);
      const result = spawnSync(shell, [file], {
        encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env, PGHOST: '127.0.0.1', PGPORT: String(server!.port) },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    },

    /**
     * `reconcile` for an in-cluster Postgres, whose reconciler logs in as the superuser with the password the rendered
     * Secret holds: the test server's superuser takes it for the run.
     */
    reconcileAsRenderedSuperuser(rendered: Rendered, job: any, host?: string): void {
      const admin = resolveEnv(rendered, job, 'reconcile');
      expect(server!.psql('postgres', SUPERUSER, 'postgres', `ALTER ROLE postgres PASSWORD ${sqlLiteral(admin.PGPASSWORD)}`).status).toBe(0);
      try {
        harness.reconcile(rendered, job, host);
      } finally {
        expect(server!.psql('postgres', admin.PGPASSWORD, 'postgres', `ALTER ROLE postgres PASSWORD ${sqlLiteral(SUPERUSER)}`).status).toBe(0);
      }
    },

    /** psql connecting with `url` (its host:port swapped for the test server's) and `env`; `user@database` as it prints it. */
    connect(url: string, hostPort: string, env: Record<string, string> = {}): string | undefined {
      expect(url).toContain(`@${hostPort}/`);
      const local = url.replace(`@${hostPort}/`, `@127.0.0.1:${server!.port}/`);
      const r = spawnSync('psql', ['--no-psqlrc', '-XAt', '-v', 'ON_ERROR_STOP=1', '--dbname', local, '-c',
        'CREATE TABLE IF NOT EXISTS probe (id int); SELECT current_user || \'@\' || current_database()'], {
        encoding: 'utf8', timeout: 30_000, env: { ...cleanEnv(), ...env },
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      return r.stdout.trim().split('\n').pop();
    },
  };
  return harness;
}
