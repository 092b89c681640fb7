import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { Postgres, Resources } from '../../lib';
import { mainSharedMemoryMiB } from '../../lib/postgres/memory-settings';
import { container, find, synth, testChart } from '../util';
import { PostgresServer } from './postgres-server';

/**
 * The in-cluster PostgreSQL's memory settings (lib/postgres/memory-settings.ts), run on Debian's PostgreSQL 15 with
 * the options a default `Postgres` renders. The defaults the budget counts on are PostgreSQL's own, the same in 15
 * and 17 (src/backend/utils/misc/guc_tables.c: hash_mem_multiplier 2.0 since 15, autovacuum_max_workers 3,
 * max_parallel_workers 8, work_mem at least 64kB).
 */

const PASSWORD = 'memory-test-password';
// 100,000 integers take 3 MiB to sort in memory (quicksort, "Memory: 3073kB" at the former 4MB)
const SORT = 'explain (analyze, costs off, timing off, summary off) select g from generate_series(1, 100000) g order by g desc';

/** psql holding a connection open for `seconds`, with what it printed when it ends. */
function sleeper(server: PostgresServer, seconds: number): { psql: ChildProcess; output: Promise<string> } {
  const psql = spawn('psql', ['--no-psqlrc', '-XAt', '--dbname', 'postgres', '-c', 'select count(*) from pg_class c join pg_attribute a on a.attrelid = c.oid',
    '-c', `select pg_sleep(${seconds})`], { env: { ...process.env, ...server.env('postgres', PASSWORD) } });
  let out = '';
  psql.stdout.on('data', (d) => out += d);
  psql.stderr.on('data', (d) => out += d);
  return { psql, output: new Promise((resolve) => psql.on('close', () => resolve(out))) };
}

/** The server pids of the sessions sleeping in pg_sleep, once there are `count`. */
async function sleepingPids(server: PostgresServer, count: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    // active: a session whose sleep has ended keeps its last query in pg_stat_activity until it disconnects
    const out = server.psql('postgres', PASSWORD, 'postgres', "select pid from pg_stat_activity where state = 'active' and query like 'select pg_sleep%' order by pid").stdout;
    const pids = out.split('\n').filter((l) => l !== '').map(Number);
    if (pids.length >= count) {
      return pids;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the sleeping sessions never showed');
}

describe('the in-cluster PostgreSQL\'s memory settings, on PostgreSQL 15', () => {
  const chart = testChart('data');
  new Postgres(chart, 'Postgres');
  const args: string[] = container(find(synth(chart), 'StatefulSet', 'postgres')).args;
  let server: PostgresServer;

  beforeAll(async () => {
    expect(args[0]).toBe('postgres');
    server = await PostgresServer.start(PASSWORD, { args: args.slice(1) });
  });
  afterAll(() => server?.stop());

  const show = (name: string) => server.psql('postgres', PASSWORD, 'postgres', `show ${name}`).stdout.trim();

  test('the server runs with the rendered settings, and the defaults the budget counts on', () => {
    expect(['max_connections', 'shared_buffers', 'work_mem', 'maintenance_work_mem', 'autovacuum_work_mem', 'huge_pages'].map(show))
      .toEqual(['100', '128MB', '810kB', '64MB', '16MB', 'off']);
    expect(['hash_mem_multiplier', 'autovacuum_max_workers', 'max_parallel_workers'].map(show)).toEqual(['2', '3', '8']);
  });

  test('a sort beyond work_mem spills to temporary files instead of growing the backend', () => {
    expect(server.psql('postgres', PASSWORD, 'postgres', SORT).stdout).toMatch(/Sort Method: external merge {2}Disk: \d+kB/);
    // the same sort under PostgreSQL's default work_mem, which the server had before, stays in memory
    const before = server.psql('postgres', PASSWORD, 'postgres', `set work_mem = '4MB'; ${SORT}`).stdout;
    expect(before).toMatch(/Sort Method: quicksort {2}Memory: \d+kB/);
  });

  test('a backend that has read the catalog holds less memory of its own than the 3 MiB the budget gives it', async () => {
    // a sleep far longer than the measure, ended once measured: on a loaded machine the poll that finds the session
    // may return late, and a backend whose sleep already ended has no /proc entry to read
    const { output } = sleeper(server, 120);
    const [pid] = await sleepingPids(server, 1);
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    // its anonymous memory (heap, caches), those pages it shares with the postmaster since the fork counted in part
    // (Pss_Anon; Private_* would count pages of shared_buffers that it alone touched), and its page tables
    const pssAnonKb = Number(/^Pss_Anon:\s+(\d+) kB$/m.exec(rollup)![1]);
    const pageTablesKb = Number(/^VmPTE:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    // ended before any assertion, so that a failed one leaves no session for the next test to find
    expect(server.psql('postgres', PASSWORD, 'postgres', `select pg_terminate_backend(${pid})`).stdout.trim()).toBe('t');
    await output;
    expect(pssAnonKb).toBeGreaterThan(1024);
    expect(pssAnonKb + pageTablesKb).toBeLessThan(3072);
  });

  // what an OOM kill of one backend costs: postgres REL_17 src/backend/postmaster/postmaster.c HandleChildCrash
  // ("terminating any other active server processes"), then crash recovery; the reason the budget exists
  test('one backend killed by SIGKILL, as the kernel kills for memory, ends every other session and restarts the server', async () => {
    const [a, b] = [sleeper(server, 30), sleeper(server, 30)];
    const [victim] = await sleepingPids(server, 2);
    process.kill(victim, 'SIGKILL');
    const outputs = await Promise.all([a.output, b.output]);
    // both sessions end: the killed one and the other, which did nothing wrong
    expect(outputs.every((o) => /server closed the connection unexpectedly|terminating connection because of crash of another server process/.test(o))).toBe(true);
    expect(server.log()).toMatch(new RegExp(`\\(PID ${victim}\\) was terminated by signal 9: Killed`));
    expect(server.log()).toContain('terminating any other active server processes');
    // then it replays its WAL before it takes connections again
    // up to 30 s: a loaded machine replays slowly, and psql below fails while the server is still in recovery
    for (let i = 0; i < 300 && !server.log().includes('database system is ready to accept connections', server.log().indexOf('terminating any other')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(server.log()).toContain('automatic recovery in progress');
    expect(show('max_connections')).toBe('100');
  }, 60_000);
});

describe('the main shared memory the budget counts, on PostgreSQL 15', () => {
  // what a Postgres renders under several limits and connection counts: the server's own shared_memory_size
  // (src/backend/storage/ipc/ipci.c CalculateShmemSize, REL_15_STABLE) against mainSharedMemoryMiB's count
  const cases = [['256Mi', 10], ['512Mi', 50], ['1Gi', 5], ['1Gi', 100], ['1Gi', 149], ['2Gi', 100], ['2Gi', 349], ['4Gi', 700], ['8Gi', 1400], ['16Gi', 300]] as const;
  const rendered = cases.map(([memoryLimit, maxConnections]) => {
    const chart = testChart('data');
    new Postgres(chart, 'Postgres', { maxConnections, resources: Resources.of({ cpuRequest: '250m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit }) });
    return (container(find(synth(chart), 'StatefulSet', 'postgres')).args as string[]).slice(1);
  });

  test('counts at least what the server allocates for every rendered setting, and at most a little more', () => {
    const measured = PostgresServer.sharedMemorySize(rendered);
    const value = (args: string[], name: string) => parseInt(args.find((a) => a.startsWith(`${name}=`))!.split('=')[1], 10);
    const counted = rendered.map((args) => mainSharedMemoryMiB(value(args, 'shared_buffers'), value(args, 'max_connections')));
    // at the default 1Gi and 100 connections: 143MB, the 128MB of buffers and 15MB besides
    expect(measured[3]).toBe(143);
    counted.forEach((c, i) => {
      expect([cases[i], c >= measured[i]]).toEqual([cases[i], true]);
      // PostgreSQL 17's larger commit log, subtransaction and commit timestamp caches (3 x 2MB a GB of
      // shared_buffers, mainSharedMemoryMiB) and 1 kB a connection of slack above 15's measure
      expect([cases[i], c - measured[i] <= 3 + (6 * value(rendered[i], 'shared_buffers')) / 1024 + cases[i][1] / 1024]).toEqual([cases[i], true]);
    });
  });
});
