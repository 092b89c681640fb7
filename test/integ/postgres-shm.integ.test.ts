import { spawn } from 'child_process';
import { Postgres } from '../../lib';
import { find, synth, testChart } from '../util';
import { PostgresServer } from './postgres-server';

/**
 * The in-cluster PostgreSQL's /dev/shm, tried on Debian's PostgreSQL 15 with its default settings. Parallel query
 * keeps its shared hash tables in dynamic shared memory, POSIX shared memory in /dev/shm (initdb's
 * `dynamic_shared_memory_type = posix` on Linux; src/backend/storage/ipc/dsm_impl.c `dsm_impl_posix_resize`, which
 * reports a full /dev/shm as "could not resize shared memory segment ... No space left on device"). A pod without a
 * volume there has the 64 MiB containerd gives its sandbox, shared by every query of the server.
 */

const PASSWORD = 'shm-test-password';
// a join the planner runs as a Parallel Hash Join with 2 workers at the default costs, on a table of 2 million rows
const JOIN = 'select count(*) from t a join t b using (id)';
const CONCURRENT = 6;

/**
 * Runs `copies` copies of JOIN at once on `server`, each after `settings` (`SET` statements); what each printed.
 */
async function concurrentJoins(server: PostgresServer, copies = CONCURRENT, settings: string[] = []): Promise<string[]> {
  const commands = [...settings, JOIN].flatMap((sql) => ['-c', sql]);
  return Promise.all(Array.from({ length: copies }, () => new Promise<string>((resolve) => {
    const psql = spawn('psql', ['--no-psqlrc', '-XAt', '--dbname', 'postgres', ...commands], { env: { ...process.env, ...server.env('postgres', PASSWORD) } });
    let out = '';
    psql.stdout.on('data', (d) => out += d);
    psql.stderr.on('data', (d) => out += d);
    psql.on('close', () => resolve(out.trim()));
  })));
}

async function withServer(shmSize: string, fn: (server: PostgresServer) => Promise<void>): Promise<void> {
  const server = await PostgresServer.start(PASSWORD, { shmSize });
  try {
    const made = server.psql('postgres', PASSWORD, 'postgres', 'create table t as select g as id, md5(g::text) as v from generate_series(1, 2000000) g; analyze t');
    expect(made.stderr).toBe('');
    expect(server.psql('postgres', PASSWORD, 'postgres', `explain ${JOIN}`).stdout).toContain('Parallel Hash Join');
    await fn(server);
  } finally {
    server.stop();
  }
}

describe('the in-cluster PostgreSQL\'s /dev/shm, on PostgreSQL 15', () => {
  const chart = testChart('data');
  new Postgres(chart, 'Postgres');
  const pod = find(synth(chart), 'StatefulSet', 'postgres').spec.template.spec;
  const volume = pod.volumes.find((v: any) => v.name === 'shm');

  test('is a tmpfs of a quarter of the memory limit, mounted at /dev/shm', () => {
    expect(volume).toEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } });
    expect(pod.containers[0].resources.limits.memory).toBe('1Gi');
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'shm', mountPath: '/dev/shm' });
  });

  test('fails concurrent parallel queries at the runtime\'s 64 MiB, and holds them at the rendered size', async () => {
    await withServer('64m', async (server) => {
      // How many of the concurrent joins at the default work_mem fail depends on how their hash builds overlap, which
      // a loaded machine changes; one join given work_mem for a single batch asks for its whole shared hash table
      // (2 million rows, over 64 MiB) at once, and fails however the machine schedules it
      const [out] = await concurrentJoins(server, 1, ["set work_mem = '512MB'"]);
      expect(out).toMatch(/could not resize shared memory segment .* No space left on device/);
    });
    await withServer(volume.emptyDir.sizeLimit.replace(/Mi$/, 'm'), async (server) => {
      expect(await concurrentJoins(server)).toEqual(Array(CONCURRENT).fill('2000000'));
    });
  }, 120_000);
});
