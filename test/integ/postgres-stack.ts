import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DockyardChart, LocalSecretStore, Postgres } from '../../lib';
import { mountedFile, Rendered, resolveCommand, resolveEnv, withMountedFiles } from './rendered';

/** The calling process's environment without libpq variables, so only what a test passes steers psql. */
export const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));

/** A stack of one in-cluster `Postgres`, rendered, and its reconciler Job. */
export interface PostgresSynth {
  readonly rendered: Rendered;
  readonly job: any;
}

/**
 * Synthesize a stack of one `Postgres` in `namespace` with `databases` (name: [user, limit]) on the secret state at
 * `statePath`, rotating `rotate`, as an operator's synth does again and again with one state.
 */
export function synthPostgresStack(statePath: string, namespace: string, databases: Record<string, [string, number]>,
  rotate: string[] = []): PostgresSynth {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new DockyardChart(app, 'data', { namespace });
  const postgres = new Postgres(chart, 'Postgres');
  for (const [name, [user, connectionLimit]] of Object.entries(databases)) {
    postgres.addDatabase(name, { user, connectionLimit });
  }
  let objects: any[] = [];
  const secrets = new LocalSecretStore({ statePath, rotate }).transaction(app, () => chart.toJson(), (resolved) => { objects = resolved; });
  const rendered = { objects, secrets: parseAllDocuments(secrets.manifest).map((d) => d.toJS()).filter((s) => s) };
  const jobs = objects.filter((o) => o.kind === 'Job');
  expect(jobs).toHaveLength(1);
  return { rendered, job: jobs[0] };
}

/**
 * Run the reconciler Job's command with its file and environment (its Service's host swapped for 127.0.0.1 and
 * `port`), in `dir`; expect it to succeed with nothing on stderr. `checkEnv` sees the Job's environment first.
 */
export function runReconciler({ rendered, job }: PostgresSynth, dir: string, port: number,
  checkEnv: (env: Record<string, string>) => void = () => undefined): { stdout: string; env: Record<string, string> } {
  const [shell, script] = resolveCommand(rendered, job, 'reconcile');
  const file = path.join(dir, 'reconcile.sh');
  fs.writeFileSync(file, mountedFile(rendered, job, 'reconcile', script));
  const env = withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir);
  checkEnv(env);
  const result = spawnSync(shell, [file], {
    encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env, PGHOST: '127.0.0.1', PGPORT: String(port) },
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return { stdout: result.stdout, env };
}
