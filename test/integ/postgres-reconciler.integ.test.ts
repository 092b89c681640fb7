import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { ExternalPostgres, PostgresReconciler, renderReconcileScript, Secret, sqlIdentifier, sqlLiteral } from '../../lib';
import { testChart } from '../util';
import { PostgresServer } from './postgres-server';
import { cleanEnv, PostgresSynth, runReconciler, synthPostgresStack } from './postgres-stack';
import { containerOf, mountedFile, providedSecret, render, resolveCommand, resolveEnv, withMountedFiles } from './rendered';

/**
 * The reconciler Job of the in-cluster Postgres, as rendered, against a real PostgreSQL: its script runs the way the
 * Job's container runs it (its command, its mounted ConfigMap, its resolved environment with the generated Secrets'
 * values), with only host and port swapped for the test server's. The stack is synthesized again and again with
 * one local secret state, as an operator would, so passwords persist unless rotated on purpose.
 *
 * Upstream: the official image runs /docker-entrypoint-initdb.d only when PGDATA is empty (docker-library/postgres
 * docker-entrypoint.sh, `if [ -z "$DATABASE_ALREADY_EXISTS" ]`), so a database added later, a changed password or a
 * changed limit reaches the server only through this Job. PostgreSQL docs, CREATE ROLE / ALTER ROLE:
 * `CONNECTION LIMIT` caps a role's concurrent connections; `rolconnlimit` in pg_roles shows it.
 */

const NS = 'data';

type Synth = PostgresSynth;

/** Synthesize the stack with `databases` (name: [user, limit]) on the state at `statePath`, rotating `rotate`. */
const synthStack = (statePath: string, databases: Record<string, [string, number]>, rotate: string[] = []): Synth =>
  synthPostgresStack(statePath, NS, databases, rotate);

describe('PostgresReconciler against a real PostgreSQL, as rendered', () => {
  let server: PostgresServer;
  let dir: string;
  let statePath: string;
  let superuser: string;

  /** Run the Job's command with its file and environment, against the test server. */
  // the Service's cluster DNS name and port, swapped for the test server's
  const reconcile = (synth: Synth) => runReconciler(synth, dir, server.port, (env) => expect(env.PGHOST).toBe(`postgres.${NS}.svc`));
  const su = (sql: string, database = 'postgres') => {
    const r = server.psql('postgres', superuser, database, sql);
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  };
  /** Everything the reconciler may change: roles (with their password verifiers), databases, their ACLs. */
  const snapshot = () => [
    su("SELECT rolname, rolconnlimit, rolpassword, rolcanlogin, rolsuper FROM pg_authid WHERE rolname IN ('drone', 'harbor') ORDER BY 1"),
    su('SELECT datname, pg_get_userbyid(datdba), datacl FROM pg_database ORDER BY 1'),
    su("SELECT nspacl FROM pg_namespace WHERE nspname = 'public'", 'drone'),
    su("SELECT nspacl FROM pg_namespace WHERE nspname = 'public'", 'registry'),
  ];

  let v1: { stdout: string; env: Record<string, string> };
  let v2: { stdout: string; env: Record<string, string> };
  let v1synth: Synth;
  let v2synth: Synth;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-reconcile-'));
    statePath = path.join(dir, 'state.json');
    const first = synthStack(statePath, { drone: ['drone', 10] });
    v1synth = first;
    superuser = resolveEnv(first.rendered, first.job, 'reconcile').PGPASSWORD;
    server = await PostgresServer.start(superuser);
    // a server that logs every statement, as an operator may configure it: the reconciler's statements that carry
    // a password must still stay out of the log (test below)
    su("ALTER SYSTEM SET log_statement = 'all'");
    su('SELECT pg_reload_conf()');
    v1 = reconcile(first);
    // later: a second database, Drone's password rotated and its limit raised
    v2synth = synthStack(statePath, { drone: ['drone', 12], registry: ['harbor', 15] }, [`${NS}/postgres-drone/password`]);
    expect(v2synth.job.metadata.name).not.toBe(first.job.metadata.name);
    v2 = reconcile(v2synth);
  });

  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the first run creates the role and its database, and reports each change', () => {
    expect(v1.stdout.trim().split('\n')).toEqual([
      // a role is created in one transaction with its password, set as a verifier (no plaintext to the server's log),
      // before its database's session
      'dockyard: created role drone',
      'dockyard: role drone: set its password',
      'dockyard: revoked PUBLIC\'s CONNECT on postgres',
      'dockyard: revoked PUBLIC\'s CONNECT on template1',
      'dockyard: created database drone',
      'dockyard: revoked PUBLIC\'s privileges on drone',
    ]);
  });

  // CREATE DATABASE copies template1, whose CONNECT the first run took from PUBLIC: the superuser admin connects
  // regardless, and the copy starts with the default ACL (postgres/postgres src/backend/commands/dbcommands.c
  // createdb: "We deliberately set datacl to default (NULL), rather than copying it from the template database")
  test('the second run adds the new database, the changed limit and the rotated password, and only those', () => {
    expect(v2.stdout.trim().split('\n')).toEqual([
      'dockyard: role drone: connection limit 10 -> 12',
      'dockyard: created role harbor',
      'dockyard: role harbor: set its password',
      'dockyard: created database registry',
      'dockyard: revoked PUBLIC\'s privileges on registry',
      'dockyard: role drone: set its password',
    ]);
    expect(su("SELECT rolname || '=' || rolconnlimit FROM pg_roles WHERE rolname IN ('drone', 'harbor') ORDER BY 1").split('\n'))
      .toEqual(['drone=12', 'harbor=15']);
    expect(su("SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('drone', 'registry') ORDER BY 1").split('\n'))
      .toEqual(['drone:drone', 'registry:harbor']);
  });

  test('every role logs in with its current password and creates tables in its database; the old password is refused', () => {
    const drone = server.psql('drone', v2.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone', 'CREATE TABLE builds (id int); SELECT current_user');
    expect(drone.stderr).toBe('');
    expect(drone.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'drone']);
    const harbor = server.psql('harbor', v2.env.DOCKYARD_DB_REGISTRY_PASSWORD, 'registry', 'CREATE TABLE artifacts (id int); SELECT current_user');
    expect(harbor.stderr).toBe('');
    expect(harbor.stdout.trim().split('\n')).toEqual(['CREATE TABLE', 'harbor']);
    expect(v1.env.DOCKYARD_DB_DRONE_PASSWORD).not.toBe(v2.env.DOCKYARD_DB_DRONE_PASSWORD);
    const old = server.psql('drone', v1.env.DOCKYARD_DB_DRONE_PASSWORD, 'drone', 'SELECT 1');
    expect(old.status).not.toBe(0);
    expect(old.stderr).toMatch(/password authentication failed for user "drone"/);
  });

  test('each role reaches only its own database', () => {
    for (const [user, password, others] of [
      // template1 too: a session there would make every later CREATE DATABASE fail ("source database
      // \"template1\" is being accessed by other users")
      ['drone', v2.env.DOCKYARD_DB_DRONE_PASSWORD, ['registry', 'postgres', 'template1']],
      ['harbor', v2.env.DOCKYARD_DB_REGISTRY_PASSWORD, ['drone', 'postgres', 'template1']],
    ] as const) {
      for (const db of others) {
        const r = server.psql(user, password, db, 'SELECT 1');
        expect({ user, db, status: r.status }).toEqual({ user, db, status: 2 });
        expect(r.stderr).toMatch(/permission denied for database/);
      }
    }
    // PUBLIC keeps nothing on template1; the superuser keeps all
    expect(su("SELECT datacl FROM pg_database WHERE datname = 'template1'")).toBe('{postgres=CTc/postgres}');
  });

  test('a third run changes nothing: it reports nothing, and roles, password verifiers, databases and ACLs stay as they were', () => {
    const before = snapshot();
    const again = reconcile(v2synth);
    expect(again.stdout).toBe('');
    expect(snapshot()).toEqual(before);
  });

  // lib/core/current-jobs.ts: the first state's Job, still retrying (the server was down) when the second state is
  // applied, would set Drone's rotated password back. Its pod's copy of the list of the current Job names the second
  // Job only (the ConfigMap postgres-reconcile-jobs, which the kubelet updates in running pods), so it writes nothing.
  test('the first state\'s Job, run after the second is applied, sets no password back: it stops as superseded', async () => {
    const list = path.join(dir, 'current-jobs');
    const current = v2synth.rendered.objects.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'postgres-reconcile-jobs');
    expect(current.data['current-jobs']).toBe(`${v2synth.job.metadata.name}\n`);
    fs.writeFileSync(list, current.data['current-jobs']);
    fs.utimesSync(list, new Date(0), new Date(0));
    /** The Job's shell, its script as mounted, and its environment with `list` and the test server, and `extra`. */
    const jobRun = ({ rendered, job }: Synth, extra: Record<string, string> = {}) => {
      const [shell, script] = resolveCommand(rendered, job, 'reconcile');
      const file = path.join(dir, 'reconcile.sh');
      fs.writeFileSync(file, mountedFile(rendered, job, 'reconcile', script));
      const env = resolveEnv(rendered, job, 'reconcile');
      // JOB_NAME as the kubelet resolves it, from the pod's job-name label
      expect(env.JOB_NAME).toBe(job.metadata.name);
      expect(env.CURRENT_JOBS_FILE).toBe('/etc/dockyard/current-jobs/current-jobs');
      return {
        shell, file,
        env: { ...cleanEnv(), ...env, CURRENT_JOBS_FILE: list, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0', PGHOST: '127.0.0.1', PGPORT: String(server.port), ...extra },
      };
    };
    const run = (synth: Synth) => {
      const { shell, file, env } = jobRun(synth);
      return spawnSync(shell, [file], { encoding: 'utf8', timeout: 60_000, env });
    };
    const before = snapshot();
    const stale = run(v1synth);
    expect({ status: stale.status, stderr: stale.stderr }).toEqual({ status: 0, stderr: '' });
    expect(stale.stdout).toBe(`dockyard: job ${v1synth.job.metadata.name}: superseded, the current Jobs (${list}) do not include it; stopped without ` +
      'writing anything more, the newer Job applies the state\n');
    expect(snapshot()).toEqual(before);
    // the current Job, its list settled, goes ahead, and finds everything in place
    const again = run(v2synth);
    expect({ status: again.status, stderr: again.stderr, stdout: again.stdout }).toEqual({ status: 0, stderr: '', stdout: '' });
    // unfenced, as before (the check the fence stands in front of): the first state's Job sets its password back
    fs.rmSync(list);
    const unfenced = run(v1synth);
    expect(unfenced.stdout).toContain('dockyard: role drone: set its password');
    // its copy of the list just projected: the current Job's first write waits, here that of the second state's
    // password, which the run above set back. The list's age when the run gets there is the time the run took to get
    // there, which a loaded machine stretches past a short settle time (CI, load 15 on 2 cores, went past 2s and
    // waited not at all): so the settle time is an hour, which no run takes to get there, the run is stopped once it
    // says it waits (ensure_current, lib/core/current-jobs.ts, then sleeps), and it has written nothing
    const setBack = snapshot();
    fs.writeFileSync(list, current.data['current-jobs']);
    const settling = jobRun(v2synth, { DOCKYARD_SETTLE_SECONDS: '3600' });
    const waiting = /^dockyard: job postgres-reconcile-[0-9a-f-]+: waiting ([0-9]+)s, until the list of current Jobs is 3600s old, /;
    // a process group of its own, so that its sleep goes with it
    const job = spawn(settling.shell, [settling.file], { env: settling.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const stop = () => {
      try {
        process.kill(-job.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        job.once('error', reject);
        job.stdout.on('data', (chunk) => {
          output.stdout += chunk;
          if (waiting.test(output.stdout)) stop();
        });
        job.stderr.on('data', (chunk) => output.stderr += chunk);
        job.once('close', () => resolve());
      });
    } finally {
      stop();
    }
    expect(output).toEqual({ stdout: expect.stringMatching(waiting), stderr: '' });
    const waited = Number(waiting.exec(output.stdout)![1]);
    expect(waited > 0 && waited <= 3600).toBe(true);
    expect(snapshot()).toEqual(setBack);
    v2 = reconcile(v2synth);
    expect(v2.stdout).toContain('dockyard: role drone: set its password');
  });

  test('no password reaches the server log, although it logs every statement', () => {
    // PostgreSQL docs, CREATE ROLE: the password "can be logged"; the reconciler turns statement logging off for
    // its superuser session (PGOPTIONS), which only a superuser may do
    const log = server.log();
    expect(log).toContain('LOG:  statement: SELECT rolsuper, '); // the server does log statements
    for (const pw of [v1.env.DOCKYARD_DB_DRONE_PASSWORD, v2.env.DOCKYARD_DB_DRONE_PASSWORD, v2.env.DOCKYARD_DB_REGISTRY_PASSWORD]) {
      expect(log).not.toContain(pw);
    }
  });

  /**
   * The second state's script run as its Job runs it, with `env`, under a `psql` that runs the shell text `before`
   * (which may exit, as a failing psql does) and then the real psql.
   */
  const runWithPsql = (name: string, before: string, env: Record<string, string>) => {
    const [shell, script] = resolveCommand(v2synth.rendered, v2synth.job, 'reconcile');
    const file = path.join(dir, `reconcile-${name}.sh`);
    fs.writeFileSync(file, mountedFile(v2synth.rendered, v2synth.job, 'reconcile', script));
    const bin = path.join(dir, `${name}-bin`);
    fs.mkdirSync(bin, { recursive: true });
    const realPsql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(path.join(bin, 'psql'), `#!/bin/sh\n${before}\nexec '${realPsql}' "$@"\n`, { mode: 0o755 });
    return spawnSync(shell, [file], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env, PGHOST: '127.0.0.1', PGPORT: String(server.port), PATH: `${bin}:${process.env.PATH}` },
    });
  };

  // bash: `set -e` does not stop on a failed substitution inside `[ ... ]`, so a first connection refused while the
  // server starts would have run the rest as a non-superuser, without turning statement logging off
  test('a failed superuser check ends the run, which the Job retries, rather than going on with statement logging on', () => {
    // a psql that refuses its first call, as a server not yet answering does, and is the real one after
    const counter = path.join(dir, 'psql-calls');
    const result = runWithPsql('flaky', `if [ ! -e '${counter}' ]; then : > '${counter}'; echo 'psql: error: connection refused' >&2; exit 2; fi`,
      resolveEnv(v2synth.rendered, v2synth.job, 'reconcile'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('connection refused');
    expect(fs.existsSync(counter)).toBe(true);
  });

  test('a role at its connection limit keeps its password: only a refused password (28P01) is set again', async () => {
    // PostgreSQL refuses a role's connection beyond its CONNECTION LIMIT with "too many connections for role"
    // (SQLSTATE 53300), which says nothing about the password; a pool sized to the limit makes this the normal case
    const before = snapshot();
    const limit = Number(su("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'drone'"));
    const held = Array.from({ length: limit }, () => spawn('psql', ['--no-psqlrc', '-XAt', '-c', 'SELECT pg_sleep(30)'], {
      env: { ...cleanEnv(), PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'drone', PGPASSWORD: v2.env.DOCKYARD_DB_DRONE_PASSWORD, PGDATABASE: 'drone' },
    }));
    try {
      for (let i = 0; i < 100 && Number(su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'drone'")) < limit; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(Number(su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'drone'"))).toBe(limit);
      const run = reconcile(v2synth);
      expect(run.stdout).toBe('dockyard: warning: role drone: could not log in to check its password; left as it is\n');
      expect(snapshot()).toEqual(before);
    } finally {
      held.forEach((p) => p.kill());
    }
  });

  test('a login check refused before the password is judged (the server full) fails the run, which the Job retries', () => {
    // "sorry, too many clients already" comes before authentication (postgres/postgres src/backend/storage/lmgr/proc.c
    // InitProcess): it says nothing of the password. Passed over with a warning, as before, it left a rotated
    // password unset for good, the Job done (review)
    const { rendered, job } = v2synth;
    const before = snapshot();
    // the role's own login (the check) meets a full server; the admin's sessions are the real psql's; the list of the
    // current Jobs as the kubelet projects it, naming this Job
    const result = runWithPsql('full', `case " $* " in *" --username drone "*) ` +
      `echo 'psql: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients already' >&2; exit 2 ;; esac`,
      withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('dockyard: role drone: could not log in to check its password (the server is busy, starting or out of reach); ' +
      'the Job tries again\n');
    expect(snapshot()).toEqual(before);
  });

  test('a login check pg_hba.conf refuses (the role kept from the Job\'s address) leaves the password, with a warning', () => {
    // "no pg_hba.conf entry for host ..." (postgres/postgres src/backend/libpq/auth.c ClientAuthentication) is a lasting
    // refusal of where the check comes from, not of the password: a re-set would re-salt the verifier on every run
    const { rendered, job } = v2synth;
    const before = snapshot();
    const result = runWithPsql('hba', `case " $* " in *" --username drone "*) echo 'psql: error: connection to server at "127.0.0.1", ` +
      `port 5432 failed: FATAL:  no pg_hba.conf entry for host "10.0.0.7", user "drone", database "drone", no encryption' >&2; exit 2 ;; esac`,
    withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toBe('dockyard: warning: role drone: could not log in to check its password; left as it is\n');
    expect(snapshot()).toEqual(before);
  });

  test('a login check refused after the password (no CONNECT on its database) fails the run with the server\'s reason, password untouched', () => {
    // "permission denied for database" comes after authentication (postgres/postgres src/backend/utils/init/postinit.c
    // CheckMyDatabase, with the DETAIL "User does not have CONNECT privilege."), so the password is right: nothing is
    // set, and the run fails naming the reason, its first line only
    const { rendered, job } = v2synth;
    const before = snapshot();
    const result = runWithPsql('connect', `case " $* " in *" --username drone "*) printf '%s\\n%s\\n' 'psql: error: connection to server at "127.0.0.1", ` +
      `port 5432 failed: FATAL:  permission denied for database "drone"' 'DETAIL:  User does not have CONNECT privilege.' >&2; exit 2 ;; esac`,
    withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir));
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({
      status: 1, stdout: '',
      stderr: 'dockyard: role drone: its password is right, but the server refuses its login: permission denied for database "drone"; the Job tries again\n',
    });
    expect(snapshot()).toEqual(before);
  });

  test('the server holds no client password: adding a database or rotating one never restarts it', () => {
    // only the reconciler Job reads the client passwords; the server's pod template is the same in both synths
    const sts = (synth: Synth) => synth.rendered.objects.find((o) => o.kind === 'StatefulSet');
    expect(containerOf(sts(v2synth), 'postgres').env.map((e: any) => e.name)).toEqual(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'PGDATA', 'POSTGRES_INITDB_ARGS']);
    expect(JSON.stringify(sts(v2synth).spec.template)).toBe(JSON.stringify(sts(v1synth).spec.template));
  });

  describe('a third state, which adds the database extra', () => {
    let v3synth: Synth;
    /** The Job's script and environment, with the list of current Jobs in `list` and `psql` first looked up in `bin`. */
    const runV3 = (list: string, bin?: string, extra: Record<string, string> = {}) => {
      const { rendered, job } = v3synth;
      const [shell, script] = resolveCommand(rendered, job, 'reconcile');
      const file = path.join(dir, 'reconcile-v3.sh');
      fs.writeFileSync(file, mountedFile(rendered, job, 'reconcile', script));
      const started = Date.now();
      const result = spawnSync(shell, [file], {
        encoding: 'utf8', timeout: 20_000,
        env: {
          ...cleanEnv(), ...resolveEnv(rendered, job, 'reconcile'), CURRENT_JOBS_FILE: list, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0',
          PGHOST: '127.0.0.1', PGPORT: String(server.port), PATH: bin === undefined ? process.env.PATH : `${bin}:${process.env.PATH}`, ...extra,
        },
      });
      return { ...result, seconds: (Date.now() - started) / 1000 };
    };
    const extraExists = () => su("SELECT count(*) FROM pg_database WHERE datname = 'extra'") === '1';

    beforeAll(() => {
      v3synth = synthStack(statePath, { drone: ['drone', 12], registry: ['harbor', 15], extra: ['extra', 5] });
    });

    // PostgreSQL docs, lock_timeout: "Abort any statement that waits longer than the specified amount of time while
    // attempting to acquire a lock"; CREATE ROLE takes ROW EXCLUSIVE on pg_authid (src/backend/commands/user.c
    // CreateRole, table_open(AuthIdRelationId, RowExclusiveLock)), which SHARE ROW EXCLUSIVE blocks
    test('a statement waiting on a lock fails after 4 s, and the Job tries again, rather than landing whenever the lock goes', async () => {
      const list = path.join(dir, 'current-jobs-v3');
      fs.writeFileSync(list, `${v3synth.job.metadata.name}\n`);
      fs.utimesSync(list, new Date(0), new Date(0));
      const holder = spawn('psql', ['--no-psqlrc', '-XAtq', '-c', 'BEGIN', '-c', 'LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE', '-c', 'SELECT pg_sleep(30)'], {
        env: {
          ...cleanEnv(), PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'postgres', PGPASSWORD: superuser, PGDATABASE: 'postgres',
          PGAPPNAME: 'lock-holder',
        },
      });
      try {
        for (let i = 0; i < 100 && su("SELECT count(*) FROM pg_locks WHERE relation = 'pg_authid'::regclass AND mode = 'ShareRowExclusiveLock' AND granted") !== '1'; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        const blocked = runV3(list);
        // the role is created in the session that sets its password, whose -c statement fails: psql's status 1
        expect({ status: blocked.status, stderr: blocked.stderr.trim() }).toEqual({ status: 1, stderr: expect.stringContaining('canceling statement due to lock timeout') });
        expect(blocked.seconds).toBeGreaterThanOrEqual(4);
        // it ended while the lock was still held (the holder sleeps 30 s): not when the lock went. Read from the server
        // rather than from a bound on the run's time, which a loaded machine stretches
        expect(su("SELECT count(*) FROM pg_locks WHERE relation = 'pg_authid'::regclass AND mode = 'ShareRowExclusiveLock' AND granted")).toBe('1');
        expect(extraExists()).toBe(false);
        expect(su("SELECT count(*) FROM pg_roles WHERE rolname = 'extra'")).toBe('0');
      } finally {
        // the server ends the session (and its lock) itself: a killed client is noticed only after pg_sleep
        su("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'lock-holder'");
        holder.kill();
        for (let i = 0; i < 100 && su("SELECT count(*) FROM pg_locks WHERE relation = 'pg_authid'::regclass AND mode = 'ShareRowExclusiveLock'") !== '0'; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });

    test('a run superseded after its first database stops before the next one', () => {
      const list = path.join(dir, 'current-jobs-v3');
      fs.writeFileSync(list, `${v3synth.job.metadata.name}\n`);
      fs.utimesSync(list, new Date(0), new Date(0));
      // a psql that, once the first database's session is done, has the kubelet project a list of a newer state's Job
      const bin = path.join(dir, 'superseding-bin');
      const counter = path.join(dir, 'superseding-calls');
      fs.mkdirSync(bin, { recursive: true });
      const realPsql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
      fs.writeFileSync(path.join(bin, 'psql'), `#!/bin/sh\necho call >> '${counter}'\n'${realPsql}' "$@"\nstatus=$?\n` +
        `# the superuser check, then the first database's session\nif [ "$(wc -l < '${counter}')" -eq 2 ]; then echo postgres-reconcile-newer > '${list}'; fi\nexit $status\n`, { mode: 0o755 });
      const stopped = runV3(list, bin);
      expect({ status: stopped.status, stderr: stopped.stderr }).toEqual({ status: 0, stderr: '' });
      expect(stopped.stdout).toBe(`dockyard: job ${v3synth.job.metadata.name}: superseded, the current Jobs (${list}) do not include it; stopped without ` +
        'writing anything more, the newer Job applies the state\n');
      expect(fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
      expect(extraExists()).toBe(false);
      // the same run, still listed: it goes on to the next database and creates it
      fs.writeFileSync(list, `${v3synth.job.metadata.name}\n`);
      fs.utimesSync(list, new Date(0), new Date(0));
      const listed = runV3(list);
      expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
      expect(listed.stdout).toContain('dockyard: created database extra');
      expect(extraExists()).toBe(true);
    });
  });

  test('every role the reconciler created carries its mark, which names the reconciler', () => {
    expect(su("SELECT rolname || ' ' || shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname IN ('drone', 'harbor') ORDER BY 1").split('\n'))
      .toEqual([`drone dockyard: reconciled by ${NS}/postgres-reconcile`, `harbor dockyard: reconciled by ${NS}/postgres-reconcile`]);
  });

  // README, "Nothing is ever dropped": the script holds no DROP, REVOKE of a role's own privileges or ALTER of a
  // database that is not declared, so one taken out of the code keeps its data, its role and that role's password
  // verifier; but the role it made loses its login, so the removed app's password logs in no more. NOLOGIN refuses
  // every new session after the password is accepted (postgres/postgres REL_15_STABLE
  // src/backend/utils/init/miscinit.c InitializeSessionUserId: "role \"%s\" is not permitted to log in")
  test('a database taken out of the code keeps its data, its role and its password, and the role its login no more; declared again, it logs in', async () => {
    // the sessions an earlier test held at drone's limit end only with their pg_sleep: ended here
    su("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'drone'");
    for (let i = 0; i < 100 && su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'drone'") !== '0'; i++) {
      spawnSync('sleep', ['0.1']);
    }
    const harborPassword = v2.env.DOCKYARD_DB_REGISTRY_PASSWORD;
    const harbor = (sql: string) => server.psql('harbor', harborPassword, 'registry', sql);
    expect(harbor("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')").stderr).toBe('');
    // a role of the server the reconciler did not make (no mark), and one another reconciler made: both keep their login
    su("CREATE ROLE byhand LOGIN; CREATE ROLE other LOGIN; COMMENT ON ROLE other IS 'dockyard: reconciled by elsewhere/postgres-reconcile'");
    // on a copy of the state: the other tests' synths declare registry still
    const state = path.join(dir, 'state-without-registry.json');
    fs.copyFileSync(statePath, state);
    fs.copyFileSync(statePath.replace(/\.json$/, '.lock.json'), state.replace(/\.json$/, '.lock.json'));
    const v4 = synthStack(state, { drone: ['drone', 12] });
    expect(v4.job.metadata.name).not.toBe(v2synth.job.metadata.name);
    const job = containerOf(v4.job, 'reconcile');
    expect(job.env.map((e: any) => e.name)).not.toContain('DOCKYARD_DB_REGISTRY_PASSWORD');
    const verifiers = su("SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolname IN ('drone', 'harbor') ORDER BY 1");
    // the removed app's pod, left running by an apply without pruning, holds a session: NOLOGIN would not close it
    const held = spawn('psql', ['--no-psqlrc', '-XAt', '-c', 'SELECT pg_sleep(30)'], {
      env: { ...cleanEnv(), PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'harbor', PGPASSWORD: harborPassword, PGDATABASE: 'registry' },
    });
    const ended = new Promise<number | null>((resolve) => held.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100 && su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'harbor'") !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'harbor'")).toBe('1');
    // extra, the third state's (declared by neither this state nor the second), goes too, in name order, where the
    // tests of that state ran before this one (not with a -t that leaves them out)
    const extra = su("SELECT count(*) FROM pg_roles WHERE rolname = 'extra' AND rolcanlogin") === '1';
    expect(reconcile(v4).stdout.trim().split('\n')).toEqual([
      ...(extra ? ['dockyard: role extra: no longer declared, so it may not log in now (NOLOGIN); its databases, data and password are kept: ' +
        'DROP them by hand when they may go, or declare it again'] : []),
      'dockyard: role harbor: no longer declared, so it may not log in now (NOLOGIN); its databases, data and password are kept: DROP them by ' +
        'hand when they may go, or declare it again',
      'dockyard: role harbor: ended 1 of its sessions',
    ]);
    // psql's session ends with "terminating connection due to administrator command", well before its 30 s
    expect(await ended).not.toBe(0);
    expect(su("SELECT count(*) FROM pg_stat_activity WHERE usename = 'harbor'")).toBe('0');
    expect(harbor('SELECT 1').stderr).toMatch(/role "harbor" is not permitted to log in/);
    expect(su("SELECT rolname || ' ' || rolcanlogin FROM pg_roles WHERE rolname IN ('byhand', 'drone', 'harbor', 'other') ORDER BY 1").split('\n'))
      .toEqual(['byhand true', 'drone true', 'harbor false', 'other true']);
    expect(su("SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolname IN ('drone', 'harbor') ORDER BY 1")).toBe(verifiers);
    expect(su('SELECT v FROM kept', 'registry')).toBe('before');
    expect(su("SELECT pg_get_userbyid(datdba) || ' ' || rolconnlimit FROM pg_database, pg_roles WHERE datname = 'registry' AND rolname = 'harbor'"))
      .toBe('harbor 15');
    // the next run of the same state changes nothing
    expect(reconcile(v4).stdout).toBe('');
    // declared again (the second state's Job): it may log in, with the password it kept
    expect(reconcile(v2synth).stdout.trim().split('\n')).toEqual(['dockyard: role harbor: may log in now']);
    expect(harbor('SELECT v FROM kept').stdout.trim()).toBe('before');
  });
});

describe('SQL quoting against a real PostgreSQL', () => {
  let server: PostgresServer;
  const su = 'superuser-password';

  beforeAll(async () => {
    server = await PostgresServer.start(su);
  });
  afterAll(() => server?.stop());

  // what psql and the server read: the hex of each quoted literal's value, and of each quoted identifier's name
  const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 63);
  const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

  test('a literal reads back exactly, through psql and with either standard_conforming_strings', () => {
    const samples = fc.sample(text, 200);
    for (const conforming of ['on', 'off']) {
      const sql = `SET standard_conforming_strings = ${conforming};\n` +
        samples.map((s) => `SELECT encode(convert_to(${sqlLiteral(s)}, 'UTF8'), 'hex');`).join('\n');
      const r = spawnSync('psql', ['--no-psqlrc', '-XAtq', '-v', 'ON_ERROR_STOP=1', '--dbname', 'postgres'], {
        encoding: 'utf8', input: sql, env: { ...cleanEnv(), ...server.env('postgres', su) }, timeout: 60_000,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual(samples.map(hex));
    }
  });

  test('an identifier names exactly the text it quotes', () => {
    const samples = [...new Set(fc.sample(text, 100))];
    const sql = samples.map((s, i) => `CREATE TEMP VIEW v${i} AS SELECT 1 AS ${sqlIdentifier(s)};\n` +
      `SELECT encode(convert_to(attname::text, 'UTF8'), 'hex') FROM pg_attribute WHERE attrelid = 'v${i}'::regclass;`).join('\n');
    const r = spawnSync('psql', ['--no-psqlrc', '-XAtq', '-v', 'ON_ERROR_STOP=1', '--dbname', 'postgres'], {
      encoding: 'utf8', input: sql, env: { ...cleanEnv(), ...server.env('postgres', su) }, timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(samples.map(hex));
  });
});

/**
 * Why the reconciler refuses a password that reads as a hash: PostgreSQL 15 stores it as the role's hash, as it is
 * (postgres/postgres doc/src/sgml/ref/create_role.sgml, PASSWORD: "If the presented password string is already in
 * MD5-encrypted or SCRAM-encrypted format, then it is stored as-is regardless of password_encryption"; what reads as
 * one: src/backend/libpq/crypt.c:98-105 at 00e27235e5ef6596acc94ec60eb17f74810bf817, get_password_type), so the role
 * cannot log in with it.
 */
describe('passwords PostgreSQL stores as hashes, against a real PostgreSQL', () => {
  let server: PostgresServer;
  const su = 'superuser-password';
  const md5Hash = `md5${'0123456789abcdef'.repeat(2)}`;

  beforeAll(async () => {
    server = await PostgresServer.start(su);
  });
  afterAll(() => server?.stop());

  const query = (sql: string) => {
    const r = server.psql('postgres', su, 'postgres', sql);
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  };

  test('a role given an MD5 hash or a SCRAM secret as its password has it as its hash, and cannot log in with it', () => {
    // a real SCRAM secret: the superuser's, made by initdb --auth=scram-sha-256
    const scram = query("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'");
    expect(scram).toMatch(/^SCRAM-SHA-256\$4096:/);
    for (const [role, password] of [['hashed_md5', md5Hash], ['hashed_scram', scram]]) {
      query(`CREATE ROLE ${role} LOGIN PASSWORD ${sqlLiteral(password)}`);
      expect(query(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`)).toBe(password);
      const login = server.psql(role, password, 'postgres', 'SELECT 1');
      expect(login.status).not.toBe(0);
      expect(login.stderr).toMatch(new RegExp(`password authentication failed for user "${role}"`));
    }
    // the SCRAM secret logs in with the password it was made from, not with itself
    expect(server.psql('hashed_scram', su, 'postgres', 'SELECT current_user').stdout.trim()).toBe('hashed_scram');
  });

  test('the reconcile script refuses one before it changes anything, without showing it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-reconcile-hash-'));
    const file = path.join(dir, 'reconcile.sh');
    fs.writeFileSync(file, renderReconcileScript([{ database: 'app', user: 'app', passwordEnv: 'APP_PASSWORD', connectionLimit: 5 }], 'postgres'));
    const r = spawnSync('bash', [file], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...server.env('postgres', su), APP_PASSWORD: md5Hash },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    expect(r.stderr).toMatch(/^dockyard: APP_PASSWORD holds a password PostgreSQL would take for a hash .*: choose another\n$/);
    expect(r.stderr).not.toContain(md5Hash);
    expect(query("SELECT count(*) FROM pg_roles WHERE rolname = 'app'")).toBe('0');
    expect(query("SELECT count(*) FROM pg_database WHERE datname = 'app'")).toBe('0');
  });
});

/**
 * A statement that carries a password and fails: psql prints the statement's text after the error ("LINE 1: CREATE
 * ROLE public LOGIN PASSWORD '...'") where the server gives a position, unless VERBOSITY is terse, when it prints
 * only "at character N" (postgres/postgres src/interfaces/libpq/fe-protocol3.c pqBuildErrorMessage3 at
 * 0032a5456708811ca95bd80a538f4fb72ad0dd20: reportErrorPosition only `if (verbosity != PQERRORS_TERSE)`). A role
 * named `public` is refused with a position (src/backend/parser/gram.y RoleId); `PostgresReconciler` refuses the
 * name at synth (`checkRoleName`), so the script is rendered directly, as a bypass of that check would render it.
 */
/**
 * PostgreSQL logs a failing statement with its text (log_min_error_statement, ERROR by default: postgres/postgres
 * REL_15_STABLE src/backend/utils/misc/guc.c ConfigureNamesEnum; src/backend/utils/error/elog.c EmitErrorReport
 * writes "STATEMENT: ..."), and every statement with log_statement = all; a managed admin (DigitalOcean's doadmin, no
 * superuser) cannot turn either off for its session, as both are superuser-only (PGC_SUSET). So the reconciler never
 * sends a password in plaintext: CREATE ROLE carries none, and psql's \password sends the verifier it makes
 * (src/bin/psql/command.c exec_command_password: PQencryptPasswordConn, then ALTER USER ... PASSWORD '<verifier>').
 * Each run here is as a CREATEROLE admin that is no superuser, on a server logging every statement.
 */
describe('a password never reaches a PostgreSQL server in plaintext, so neither its log nor the Job\'s output', () => {
  let server: PostgresServer;
  let dir: string;
  const su = 'superuser-password';
  const password = 'xpw-do-not-print-4f1c2a';
  const admin = { PGUSER: 'mgr', PGPASSWORD: 'mgr-password-7e3a' };

  beforeAll(async () => {
    server = await PostgresServer.start(su);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-reconcile-leak-'));
    for (const sql of [`CREATE ROLE mgr LOGIN CREATEDB CREATEROLE PASSWORD '${admin.PGPASSWORD}'`, "ALTER SYSTEM SET log_statement = 'all'", 'SELECT pg_reload_conf()']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    // the postmaster reloads its configuration when it gets to it: a session started before may not log yet
    for (let i = 0; i < 100 && server.psql('postgres', su, 'postgres', 'SHOW log_statement').stdout.trim() !== 'all'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The script for one role and its database, run as mgr, with `path` first in PATH. */
  const run = (user: string, pw: string, bin?: string) => {
    const file = path.join(dir, 'reconcile.sh');
    fs.writeFileSync(file, renderReconcileScript([{ database: user, user, passwordEnv: 'APP_PASSWORD', connectionLimit: 5 }], 'postgres'));
    return spawnSync('bash', [file], {
      encoding: 'utf8', timeout: 60_000,
      env: { ...cleanEnv(), ...server.env(admin.PGUSER, admin.PGPASSWORD), APP_PASSWORD: pw, ...(bin ? { PATH: `${bin}:${process.env.PATH}` } : {}) },
    });
  };

  test('the server logs a failing statement with a plaintext password in it, and every statement with log_statement = all', () => {
    // a password of its own: the tests after this one look for theirs in the log
    const r = server.psql('mgr', admin.PGPASSWORD, 'postgres', "ALTER ROLE nobody PASSWORD 'shown-in-the-log-31c9'");
    expect(r.stderr).toContain('ERROR:  role "nobody" does not exist');
    expect(server.log()).toContain("STATEMENT:  ALTER ROLE nobody PASSWORD 'shown-in-the-log-31c9'");
    expect(server.log()).toContain("LOG:  statement: ALTER ROLE nobody PASSWORD 'shown-in-the-log-31c9'");
  });

  test('a role is created and given its password as a SCRAM verifier; it logs in with the password, which is in no log', () => {
    const r = run('app', password);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('dockyard: created role app\n');
    expect(r.stdout).toContain('dockyard: role app: set its password\n');
    expect(server.psql('app', password, 'app', 'SELECT current_user').stdout.trim()).toBe('app');
    const log = server.log();
    expect(log).toMatch(/LOG: {2}statement: ALTER USER app PASSWORD 'SCRAM-SHA-256\$4096:[^']+'\n/);
    expect(log).toContain('LOG:  statement: CREATE ROLE "app" LOGIN CONNECTION LIMIT 5');
    expect(log).not.toContain(password);
  });

  // ALTER ROLE takes ROW EXCLUSIVE on pg_authid (src/backend/commands/user.c AlterRole), which SHARE ROW EXCLUSIVE
  // blocks: the statement fails at lock_timeout and is logged with its text
  test('a password statement that fails is logged with the verifier only, and the run prints no password', async () => {
    const rotated = `rotated-${password}`;
    const holder = spawn('psql', ['--no-psqlrc', '-XAtq', '-c', 'BEGIN', '-c', 'LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE', '-c', 'SELECT pg_sleep(30)'], {
      env: { ...cleanEnv(), ...server.env('postgres', su), PGDATABASE: 'postgres', PGAPPNAME: 'lock-holder' },
    });
    try {
      const locked = () => server.psql('postgres', su, 'postgres', "SELECT count(*) FROM pg_locks WHERE relation = 'pg_authid'::regclass AND mode = 'ShareRowExclusiveLock' AND granted").stdout.trim();
      for (let i = 0; i < 100 && locked() !== '1'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const r = run('app', rotated);
      // psql's exit status for a failed -c command
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('ERROR:  canceling statement due to lock timeout\n');
      expect(r.stdout + r.stderr).not.toContain(password);
      const log = server.log();
      expect(log).toMatch(/ERROR: {2}canceling statement due to lock timeout\n[^\n]*STATEMENT: {2}ALTER USER app PASSWORD 'SCRAM-SHA-256\$4096:[^']+'\n/);
      expect(log).not.toContain(password);
    } finally {
      server.psql('postgres', su, 'postgres', "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'lock-holder'");
      holder.kill();
    }
  });

  test('a failing CREATE ROLE (a reserved name) fails the run with no password in its output or the log', () => {
    const r = run('public', password);
    // psql's exit status for a failed -c command: the role is created in the session that sets its password
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERROR: {2}role name "public" is reserved/);
    expect(r.stdout + r.stderr + server.log()).not.toContain(password);
  });

  // a role created without a password has none to check: the login check that a lasting refusal (pg_hba.conf, here
  // from a psql in front of the real one) passes over must not leave it without one
  test('a role the run creates gets its password though pg_hba.conf refuses its login check from the Job', () => {
    const bin = path.join(dir, 'hba-bin');
    fs.mkdirSync(bin, { recursive: true });
    const realPsql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
    fs.writeFileSync(path.join(bin, 'psql'), `#!/bin/sh\ncase " $* " in *" --username fresh "*) echo 'psql: error: FATAL:  no pg_hba.conf entry for host ` +
      `"10.0.0.7", user "fresh", database "fresh", no encryption' >&2; exit 2 ;; esac\nexec '${realPsql}' "$@"\n`, { mode: 0o755 });
    const r = run('fresh', password, bin);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('dockyard: role fresh: set its password\n');
    expect(server.psql('fresh', password, 'fresh', 'SELECT current_user').stdout.trim()).toBe('fresh');
    // run again, the role there before it: the refusal leaves the password as it is
    expect(run('fresh', password, bin).stdout).toBe('dockyard: warning: role fresh: could not log in to check its password; left as it is\n');
  });

  // CREATE ROLE and psql's \password run in one transaction of one psql session (reconcile-script.ts createRoleLine):
  // libpq sends \password's `show password_encryption` and `ALTER USER ... PASSWORD` with PQexec on that session's
  // connection (postgres/postgres REL_17_STABLE src/interfaces/libpq/fe-auth.c PQencryptPasswordConn, PQchangePassword;
  // 15's src/bin/psql/command.c exec_command_password runs the ALTER itself, on the same connection), so both join the
  // open transaction. A run killed between them (the Job's pod gone) leaves no role, rather than one without a password,
  // which this admin, no superuser, could not tell from one whose login check pg_hba.conf refuses (pg_authid is closed
  // to it). Here psql waits for the password after CREATE ROLE, and is killed
  test('a run killed between CREATE ROLE and its password leaves no role; the next run creates it with its password', async () => {
    const bin = path.join(dir, 'stalled-bin');
    fs.mkdirSync(bin, { recursive: true });
    const fifo = path.join(dir, 'stalled-stdin');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const pidFile = path.join(dir, 'stalled-psql.pid');
    const realSetsid = spawnSync('sh', ['-c', 'command -v setsid'], { encoding: 'utf8' }).stdout.trim();
    // the script's `setsid --wait psql ...`: setsid execs psql in its own process when it leads no process group (as
    // in a pipeline), so this pid is psql's; its stdin, a FIFO opened read-write, never yields a line nor ends
    fs.writeFileSync(path.join(bin, 'setsid'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${realSetsid}' "$@" <>'${fifo}'\n`, { mode: 0o755 });
    const file = path.join(dir, 'reconcile-stalled.sh');
    fs.writeFileSync(file, renderReconcileScript([{ database: 'stalled', user: 'stalled', passwordEnv: 'APP_PASSWORD', connectionLimit: 5 }], 'postgres'));
    const job = spawn('bash', [file], {
      env: { ...cleanEnv(), ...server.env(admin.PGUSER, admin.PGPASSWORD), APP_PASSWORD: password, PATH: `${bin}:${process.env.PATH}` },
    });
    const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
    const asSuperuser = (sql: string) => server.psql('postgres', su, 'postgres', sql).stdout.trim();
    const waitFor = async (sql: string, want: string) => {
      for (let i = 0; i < 150 && asSuperuser(sql) !== want; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return asSuperuser(sql);
    };
    try {
      // the admin's session has run CREATE ROLE and waits for the password, its transaction open
      expect(await waitFor("SELECT count(*) FROM pg_stat_activity WHERE usename = 'mgr' AND state = 'idle in transaction'", '1')).toBe('1');
      expect(server.log()).toContain('LOG:  statement: CREATE ROLE "stalled" LOGIN CONNECTION LIMIT 5');
      expect(asSuperuser("SELECT count(*) FROM pg_roles WHERE rolname = 'stalled'")).toBe('0');
      process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      expect(await exited).not.toBe(0);
      // the server ends the session when its client is gone, and rolls its transaction back
      expect(await waitFor("SELECT count(*) FROM pg_stat_activity WHERE usename = 'mgr'", '0')).toBe('0');
      expect(asSuperuser("SELECT count(*) FROM pg_roles WHERE rolname = 'stalled'")).toBe('0');
    } finally {
      job.kill('SIGKILL');
    }
    const r = run('stalled', password);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('dockyard: created role stalled\ndockyard: role stalled: set its password\n');
    expect(server.psql('stalled', password, 'stalled', 'SELECT current_user').stdout.trim()).toBe('stalled');
  });

  // psql's \password reads one line (src/common/sprompt.c simple_prompt_extended: pg_get_line, then pg_strip_crlf), so
  // a password with a line feed goes as it is, with a warning: the one plaintext path left (datasource.integ.test.ts
  // sets such a password, which Dockyard's inputs allow)
  test('a password with a line break is set as it is, with a warning, the run printing no password', () => {
    // a password of its own, as this one reaches the log
    const multiline = 'line\nbreak-pw-77d1';
    const r = run('other', multiline);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('dockyard: warning: role other: its password holds a line break, which psql\'s \\password cannot read, so it goes ' +
      'to the server in plaintext, where logging statements (log_statement, log_min_error_statement) would log it; only a superuser admin ' +
      'turns that off; a password without one goes as a SCRAM verifier\n');
    expect(r.stdout).not.toContain('break-pw-77d1');
    expect(server.psql('other', multiline, 'other', 'SELECT current_user').stdout.trim()).toBe('other');
  });

  // every character a Secret may hold reaches \password as it is: printf's format is fixed and the password only its
  // argument (a '%', a backslash, a leading '-' or a quote is not read as a directive or an option), and psql reads
  // stdin raw (src/common/sprompt.c: pg_get_line, pg_strip_crlf strips line ends only); one with a line break takes the
  // plaintext path. Each password carries a token of its own, so one found in no output and no log was printed nowhere
  test('any password is set exactly, and only one with a line break reaches the log', () => {
    const edge = fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => !s.includes('\0'));
    const fixed = ['%s%n%%\\', '-n', '-e\\c', "'\"$(x)`;", ' lead and trail ', '\\n\\0', '%b\\\\'];
    // and one ending in a carriage return, which pg_strip_crlf would cut off
    const samples = [...fixed.map((s) => [s, '']), ['', '\r'], ...fc.sample(fc.tuple(edge, edge), 9)];
    const roles = samples.map(([before, after], i) => ({ user: `prop${i}`, password: `${before}tok-${i}-5e2b${after}` }));
    const file = path.join(dir, 'reconcile.sh');
    fs.writeFileSync(file, renderReconcileScript(roles.map((x, i) => ({ database: x.user, user: x.user, passwordEnv: `PROP_${i}`, connectionLimit: 5 })), 'postgres'));
    const r = spawnSync('bash', [file], {
      encoding: 'utf8', timeout: 120_000,
      env: { ...cleanEnv(), ...server.env(admin.PGUSER, admin.PGPASSWORD), ...Object.fromEntries(roles.map((x, i) => [`PROP_${i}`, x.password])) },
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const log = server.log();
    for (const [i, x] of roles.entries()) {
      const token = `tok-${i}-5e2b`;
      expect({ role: x.user, login: server.psql(x.user, x.password, x.user, 'SELECT current_user').stdout.trim() }).toEqual({ role: x.user, login: x.user });
      expect(r.stdout).not.toContain(token);
      if (!/[\r\n]/.test(x.password)) {
        expect({ role: x.user, logged: log.includes(token) }).toEqual({ role: x.user, logged: false });
      }
    }
  });

});

/**
 * PostgreSQL 16 and later refuse a CREATEROLE admin another role's password without ADMIN OPTION on it (postgres/postgres
 * src/backend/commands/user.c AlterRole: "To change another role's password, the current user must have the CREATEROLE
 * attribute and the ADMIN option on the role"; PostgreSQL 16 release notes: "Restrict the privileges of CREATEROLE and
 * its ability to modify other roles"), which failed the whole run at ALTER ROLE ... PASSWORD. PostgreSQL 15 lets
 * CREATEROLE alone set it, so the server's answer to the one fact that differs is 16's here: a psql in front of the
 * real one rewrites the script's `server_version_num < 160000` to false, and the admin's ADMIN OPTION decides, as on
 * 16. The reconciler is rendered with a non-superuser CREATEROLE admin (a managed server's), setting the passwords.
 */
describe('a password the admin may not set under PostgreSQL 16\'s CREATEROLE rule, against a real PostgreSQL 15', () => {
  let server: PostgresServer;
  let dir: string;
  const su = 'superuser-password';
  const BEFORE_16 = "current_setting('server_version_num')::int < 160000";
  const passwords = { legacy: 'legacy-new-pw-5d1e', granted: 'granted-new-pw-8c2b', on15: 'on15-new-pw-3f7a', root2: 'root2-new-pw-6a9c',
    mgr: 'mgr-new-pw-2b7e', bare: 'bare-new-pw-4e1d', nolog: 'nolog-new-pw-9d3c', later: 'later-new-pw-1f8e', repl2: 'repl2-new-pw-7c4d',
    after2: 'after2-new-pw-0e5b' };

  beforeAll(async () => {
    server = await PostgresServer.start(su);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-reconcile-pg16-'));
    // the admin, and roles another account made (an earlier admin, the provider's API) with the passwords of before;
    // the admin holds ADMIN OPTION on granted only
    // (root2 a superuser; repl2 a replication role; nocreate an admin without CREATEROLE, as a provider's read-only admin)
    for (const sql of ["CREATE ROLE mgr LOGIN CREATEDB CREATEROLE CONNECTION LIMIT 3 PASSWORD 'mgr-password'",
      "CREATE ROLE nocreate LOGIN CREATEDB PASSWORD 'nocreate-password'",
      ...Object.keys(passwords).filter((role) => role !== 'mgr').map((role) => `CREATE ROLE ${role} LOGIN CONNECTION LIMIT 3 PASSWORD '${role}-old'`),
      'ALTER ROLE root2 SUPERUSER', 'ALTER ROLE repl2 REPLICATION', 'GRANT granted TO mgr WITH ADMIN OPTION']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
  });
  afterAll(() => {
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The rendered Job, reconciling `roles` (each its database too) as mgr, run with psql first looked up in `bin`. */
  const runJob = (roles: (keyof typeof passwords)[], bin?: string, admin = { user: 'mgr', password: 'mgr-password' }) => {
    const chart = testChart('ci');
    const reconciler = new PostgresReconciler(chart, 'Reconciler', {
      host: '127.0.0.1', port: server.port, adminUser: admin.user, adminPassword: Secret.fromSecretName(chart, 'Admin', 'admin').key('password'), sslMode: 'disable',
    });
    for (const role of roles) {
      reconciler.addDatabase(new ExternalPostgres(chart, role, {
        host: '127.0.0.1', port: server.port, databaseName: role, user: role, connectionLimit: 3, maxConnections: 22,
        password: Secret.fromSecretName(chart, `${role}-pw`, `${role}-db`).key('password'),
      }));
    }
    const rendered = render(chart, [providedSecret('ci', 'admin', { password: admin.password }),
      ...roles.map((role) => providedSecret('ci', `${role}-db`, { password: passwords[role] }))]);
    const job = rendered.objects.find((o) => o.kind === 'Job');
    const [shell, script] = resolveCommand(rendered, job, 'reconcile');
    const file = path.join(dir, 'reconcile.sh');
    const text = mountedFile(rendered, job, 'reconcile', script);
    // every session that may alter a role asks the version: the reconcile sessions, and each password's question
    expect(text.split(BEFORE_16).length - 1).toBe(roles.length + 1);
    fs.writeFileSync(file, text);
    const env = withMountedFiles(rendered, job, 'reconcile', resolveEnv(rendered, job, 'reconcile'), ['CURRENT_JOBS_FILE'], dir);
    return spawnSync(shell, [file], {
      encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env, PATH: bin === undefined ? process.env.PATH : `${bin}:${process.env.PATH}` },
    });
  };
  /** A psql that reads its input with PostgreSQL 16's answer to `server_version_num < 160000`, then is the real one. */
  const as16 = () => {
    const bin = fs.mkdtempSync(path.join(dir, 'pg16-bin-'));
    const realPsql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
    // no character of it is special to sed's basic regular expressions
    fs.writeFileSync(path.join(bin, 'as16.sed'), `s/${BEFORE_16}/false/g\n`);
    fs.writeFileSync(path.join(bin, 'psql'), `#!/bin/sh\nsed -f '${path.join(bin, 'as16.sed')}' | '${realPsql}' "$@"\n`, { mode: 0o755 });
    return bin;
  };
  const logsIn = (role: string, password: string) => server.psql(role, password, 'postgres', 'SELECT 1').status === 0;

  test('a role the admin holds no ADMIN OPTION on keeps its password, the others are set, and the run fails naming the GRANT', () => {
    const bin = as16();
    const failed = runJob(['legacy', 'granted'], bin);
    expect({ status: failed.status, stderr: failed.stderr }).toEqual({
      status: 1,
      stderr: 'dockyard: role legacy: cannot set its password, as the admin mgr lacks ADMIN OPTION on it (PostgreSQL 16 and later); ' +
        'as a superuser or a role with ADMIN OPTION on it, run GRANT legacy TO mgr WITH ADMIN OPTION; the Job tries again\n',
    });
    // the role after it is still set
    expect(failed.stdout).toContain('dockyard: role granted: set its password\n');
    expect(failed.stdout).not.toContain('dockyard: role legacy: set its password');
    expect(failed.stdout + failed.stderr).not.toMatch(new RegExp(Object.values(passwords).join('|')));
    expect([logsIn('legacy', 'legacy-old'), logsIn('legacy', passwords.legacy), logsIn('granted', passwords.granted)]).toEqual([true, false, true]);
    // the GRANT run as the line says, by a superuser: the Job's retry sets it, and a run after changes nothing
    expect(server.psql('postgres', su, 'postgres', 'GRANT legacy TO mgr WITH ADMIN OPTION').stderr).toBe('');
    const retried = runJob(['legacy', 'granted'], bin);
    expect({ status: retried.status, stderr: retried.stderr, stdout: retried.stdout })
      .toEqual({ status: 0, stderr: '', stdout: 'dockyard: role legacy: set its password\n' });
    expect([logsIn('legacy', 'legacy-old'), logsIn('legacy', passwords.legacy)]).toEqual([false, true]);
    expect(runJob(['legacy', 'granted'], bin)).toMatchObject({ status: 0, stderr: '', stdout: '' });
  });

  // AlterRole's other rules for a password hold before 16 as well (user.c): a superuser's only a superuser may set,
  // another role's needs CREATEROLE, and any role may set its own
  test('a superuser role\'s password is named for a superuser to set, and the run fails', () => {
    const run = runJob(['root2']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: 'dockyard: role root2: cannot set its password, as it is a superuser and the admin mgr is not; set it as a superuser; the Job tries again\n',
    });
    expect([logsIn('root2', 'root2-old'), logsIn('root2', passwords.root2)]).toEqual([true, false]);
  });

  // PostgreSQL 15 refuses a replication role's password to any admin but a superuser (REL_15_STABLE user.c AlterRole:
  // "must be superuser to alter replication roles or change replication attribute"); its ALTER ROLE ... PASSWORD
  // failed, and ON_ERROR_STOP ended the run before the roles after it. 16 and later leave that to ADMIN OPTION
  test('a replication role\'s password is named for a superuser to set on 15; the role after it is set, and the run fails', () => {
    const run = runJob(['repl2', 'after2']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: 'dockyard: role repl2: cannot set its password, as it is a REPLICATION role and the admin mgr is no superuser (PostgreSQL 15 ' +
        'and earlier); set it as a superuser; the Job tries again\n',
    });
    expect(run.stdout).toContain('dockyard: role after2: set its password\n');
    expect(run.stdout + run.stderr).not.toMatch(new RegExp(Object.values(passwords).join('|')));
    expect([logsIn('repl2', 'repl2-old'), logsIn('repl2', passwords.repl2), logsIn('after2', passwords.after2)]).toEqual([true, false, true]);
  });

  test('an admin without CREATEROLE is named with the ALTER ROLE that lets it set the password, and the run fails', () => {
    const run = runJob(['bare'], undefined, { user: 'nocreate', password: 'nocreate-password' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: 'dockyard: role bare: cannot set its password, as the admin nocreate lacks CREATEROLE; as a superuser, run ALTER ROLE ' +
        'nocreate CREATEROLE; the Job tries again\n',
    });
    expect([logsIn('bare', 'bare-old'), logsIn('bare', passwords.bare)]).toEqual([true, false]);
  });

  test('the admin\'s own role gets its password under 16\'s rule too, which needs no ADMIN OPTION for it', () => {
    try {
      const run = runJob(['mgr'], as16());
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain('dockyard: role mgr: set its password\n');
      expect([logsIn('mgr', 'mgr-password'), logsIn('mgr', passwords.mgr)]).toEqual([false, true]);
    } finally {
      // the other tests log in as mgr with its first password
      expect(server.psql('postgres', su, 'postgres', "ALTER ROLE mgr PASSWORD 'mgr-password'").stderr).toBe('');
    }
  });

  test('on PostgreSQL 15 as it is, CREATEROLE alone sets the password, as the server allows', () => {
    const run = runJob(['on15']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('dockyard: role on15: set its password\n');
    expect([logsIn('on15', 'on15-old'), logsIn('on15', passwords.on15)]).toEqual([false, true]);
  });

  // The server refuses a NOLOGIN role only once it has accepted its password (postgres/postgres
  // src/backend/utils/init/postinit.c InitializeSessionUserId, after PerformAuthentication: "role \"%s\" is not
  // permitted to log in"; a wrong password is refused first, as 28P01). The check's login was left to the catch-all,
  // which ended the run at once as if the server were busy: the role after it kept its old password
  test('a role refused after its password is accepted fails the run with the server\'s reason, once the later roles\' passwords are set', () => {
    for (const sql of [`ALTER ROLE nolog NOLOGIN PASSWORD '${passwords.nolog}'`, 'GRANT later TO mgr WITH ADMIN OPTION']) {
      expect(server.psql('postgres', su, 'postgres', sql).stderr).toBe('');
    }
    const run = runJob(['nolog', 'later'], as16());
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: 'dockyard: role nolog: its password is right, but the server refuses its login: role "nolog" is not permitted to log in; the Job tries again\n',
    });
    // the admin may not lift NOLOGIN here (no ADMIN OPTION on 16), and said so; the role after it is set
    expect(run.stdout).toContain('dockyard: warning: role nolog cannot log in (NOLOGIN), and the admin lacks ADMIN OPTION on it: run ALTER ROLE nolog LOGIN\n');
    expect(run.stdout).toContain('dockyard: role later: set its password\n');
    expect(run.stdout + run.stderr).not.toMatch(new RegExp(Object.values(passwords).join('|')));
    expect(logsIn('later', passwords.later)).toBe(true);
    // lifted as the warning says, the Job's retry logs in and changes nothing more
    expect(server.psql('postgres', su, 'postgres', 'ALTER ROLE nolog LOGIN').stderr).toBe('');
    expect(runJob(['nolog', 'later'], as16())).toMatchObject({ status: 0, stderr: '', stdout: '' });
  });
});
