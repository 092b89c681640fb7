import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureCurrentBash, KUBELET_SYNC_SECONDS, settleSeconds, SUPERSEDED_WAIT_SECONDS } from '../../lib/core/current-jobs';
import { currentJobsLists } from '../util';

// The bash form of the rule of lib/core/current-jobs.ts, which the PostgreSQL reconciler's script runs before every
// write (its run against a real server: test/integ/postgres-reconciler.integ.test.ts). Run here on its own, with a
// "write" after it that says it was reached.

const lists = currentJobsLists();
const list = lists.write;

/**
 * Run `ensure_current` then a write, twice (the second call must not settle again), with `env` only; `before` runs
 * first, `between` between the two.
 */
function run(env: Record<string, string>, before = '', between = '') {
  const script = `set -euo pipefail\n${ensureCurrentBash(30)}\n${before}\nensure_current\necho WROTE\n${between}\nensure_current\necho WROTE AGAIN\n`;
  // a file, as the Job runs its script (bash -c may read ~/.bashrc, taking its stdin for a remote shell's)
  const file = path.join(lists.dir(), 'run.sh');
  fs.writeFileSync(file, script);
  return spawnSync('bash', [file], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH!, ...env } });
}

describe('ensure_current (bash)', () => {
  test('a run the list leaves out writes nothing and exits 0, saying it is superseded', () => {
    const file = list(['postgres-reconcile-b']);
    const r = run({ JOB_NAME: 'postgres-reconcile-a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toBe(`dockyard: job postgres-reconcile-a: superseded, the current Jobs (${file}) do not include it; stopped without writing ` +
      'anything more, the newer Job applies the state\n');
  });

  test('a name the list holds only as part of another, or with other case, is not listed', () => {
    const file = list(['postgres-reconcile-ab', 'POSTGRES-RECONCILE-A', 'x postgres-reconcile-a']);
    const r = run({ JOB_NAME: 'postgres-reconcile-a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0' });
    expect(r.stdout).toContain('superseded');
    expect(r.stdout).not.toContain('WROTE');
  });

  test('waits for a list that names it, writing nothing meanwhile, then writes', () => {
    const file = list(['postgres-reconcile-a']);
    // the kubelet projects the new list a moment later
    const r = run({ JOB_NAME: 'postgres-reconcile-b', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '10' },
      // written aside and moved in, as the kubelet swaps its ..data link: never seen half-made
      `(sleep 1; printf 'postgres-reconcile-b\\n' > ${JSON.stringify(`${file}.new`)}; touch -d '1 hour ago' ${JSON.stringify(`${file}.new`)}; ` +
      `mv ${JSON.stringify(`${file}.new`)} ${JSON.stringify(file)}) &`);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual([
      `dockyard: job postgres-reconcile-b: not among the current Jobs (${file}); writing nothing while waiting up to 10s for a list that names it`,
      'WROTE', 'WROTE AGAIN',
    ]);
  });

  test('its first write waits until its copy of the list is DOCKYARD_SETTLE_SECONDS old; later ones do not', () => {
    const file = list(['postgres-reconcile-b'], 0);
    const r = run({ JOB_NAME: 'postgres-reconcile-b', CURRENT_JOBS_FILE: file, DOCKYARD_SETTLE_SECONDS: '2' });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^dockyard: job postgres-reconcile-b: waiting [12]s, until the list of current Jobs is 2s old, so that every earlier Job has seen it, before the first write$/);
    expect(lines.slice(1)).toEqual(['WROTE', 'WROTE AGAIN']);
  });

  test('a list old enough lets the first write go at once', () => {
    const r = run({ JOB_NAME: 'postgres-reconcile-b', CURRENT_JOBS_FILE: list(['postgres-reconcile-b'], 600), DOCKYARD_SETTLE_SECONDS: '120' });
    expect(r.stdout).toBe('WROTE\nWROTE AGAIN\n');
  });

  test('without a list, waits for one (pulumi up deletes it before it makes it anew), then goes on unfenced', () => {
    const absent = path.join(lists.dir(), 'absent');
    const r = run({ JOB_NAME: 'a', CURRENT_JOBS_FILE: absent, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`dockyard: job a: no list of current Jobs (${absent}); writing nothing while waiting up to 1s for one\n` +
      'dockyard: job a: still no list of current Jobs; applying unfenced\nWROTE\nWROTE AGAIN\n');
  });

  test('a list made anew while it waits is read as any list: one that leaves it out stops it', () => {
    const file = path.join(lists.dir(), 'current-jobs');
    const r = run({ JOB_NAME: 'a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '3' },
      `(sleep 1; printf 'b\\n' > ${JSON.stringify(`${file}.new`)}; mv ${JSON.stringify(`${file}.new`)} ${JSON.stringify(file)}) &`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dockyard: job a: superseded');
    expect(r.stdout).not.toContain('WROTE');
  });

  test('a run left out whose list then goes (an apply replacing it) stops as superseded, never unfenced', () => {
    const file = list(['postgres-reconcile-b']);
    const r = run({ JOB_NAME: 'postgres-reconcile-a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '3' },
      `(sleep 1; rm -f ${JSON.stringify(file)}) &`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dockyard: job postgres-reconcile-a: superseded');
    expect(r.stdout).not.toContain('unfenced');
    expect(r.stdout).not.toContain('WROTE');
  });

  test('once unfenced, a list that comes and leaves it out fences it again: its going later does not unfence it', () => {
    const file = path.join(lists.dir(), 'current-jobs');
    // first call: no list, so unfenced; then, before the second, a list that leaves it out comes, and goes a second later
    const r = run({ JOB_NAME: 'a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '2' }, '',
      `printf 'b\\n' > ${JSON.stringify(file)}; (sleep 1; rm -f ${JSON.stringify(file)}) &`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dockyard: job a: still no list of current Jobs; applying unfenced\nWROTE\n');
    expect(r.stdout).toContain('dockyard: job a: superseded');
    expect(r.stdout).not.toContain('WROTE AGAIN');
  });

  test('a list it cannot read fails the run, writing nothing', () => {
    const file = path.join(lists.dir(), 'current-jobs');
    fs.mkdirSync(file);
    const r = run({ JOB_NAME: 'a', CURRENT_JOBS_FILE: file, DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0' });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    expect(r.stderr).toContain(`dockyard: the list of current Jobs ${file} cannot be read`);
  });

  test('unfenced without JOB_NAME or without CURRENT_JOBS_FILE', () => {
    expect(run({ CURRENT_JOBS_FILE: list(['b']), DOCKYARD_SUPERSEDED_WAIT_SECONDS: '0' }).stdout).toBe('WROTE\nWROTE AGAIN\n');
    expect(run({ JOB_NAME: 'a' }).stdout).toBe('WROTE\nWROTE AGAIN\n');
  });

  test.each(['2m', '08', '-1', ''])('refuses a wait of %j seconds, before any write (a leading zero would read as octal)', (settle) => {
    const r = run({ JOB_NAME: 'a', CURRENT_JOBS_FILE: list(['a']), DOCKYARD_SETTLE_SECONDS: settle === '' ? ' ' : settle });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    expect(r.stderr).toBe('dockyard: DOCKYARD_SETTLE_SECONDS and DOCKYARD_SUPERSEDED_WAIT_SECONDS must be whole numbers of seconds\n');
  });
});

// one rule, two scripts: Harbor's configure script (Node) waits for the kubelet and its own longest request, a
// registry write (HARBOR_REGISTRY_TIMEOUT_MS, 120 s), and as long for a list
test('lib/harbor/configure.js waits by the same rule', () => {
  const script = fs.readFileSync(path.join(__dirname, '../../lib/harbor/configure.js'), 'utf8');
  expect(script).toContain("positiveInteger(env, 'HARBOR_REGISTRY_TIMEOUT_MS', 120000)");
  expect(settleSeconds(120)).toBe(KUBELET_SYNC_SECONDS + 150);
  expect(script).toContain(`nonNegativeInteger(env, 'HARBOR_SETTLE_SECONDS', ${settleSeconds(120)})`);
  expect(script).toContain(`nonNegativeInteger(env, 'HARBOR_SUPERSEDED_WAIT_SECONDS', ${SUPERSEDED_WAIT_SECONDS})`);
});
