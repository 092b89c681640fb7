import { invalid, parseQuantity } from '../core';
import { sharedMemorySize } from './shared-memory';

const MiB = 2 ** 20;
/** `shared_buffers`' share of the memory limit: PostgreSQL's own 128MB at the default 1Gi. */
const SHARED_BUFFERS_SHARE = 1 / 8;
/** The most `maintenance_work_mem` takes, PostgreSQL's default 64MB; a sixteenth of smaller limits. */
const MAINTENANCE_MAX_MIB = 64;
/** PostgreSQL's defaults for these, which the server keeps (src/backend/utils/misc/guc_tables.c, REL_17). */
const AUTOVACUUM_MAX_WORKERS = 3;
const MAX_PARALLEL_WORKERS = 8;
const HASH_MEM_MULTIPLIER = 2;
/** The private memory of a backend before it sorts or hashes: 1.4 MiB measured (test/integ/postgres-memory), doubled. */
const BACKEND_BASE_MIB = 2;
/** The postmaster and its auxiliary processes (checkpointer, background writer, WAL writer, launchers), together. */
const AUXILIARY_MIB = 16;
/** PostgreSQL's smallest `work_mem`, in kB (guc_tables.c, `work_mem`: 4096, min 64). */
const MIN_WORK_MEM_KB = 64;

/** The memory settings of the in-cluster server, from its memory limit and `max_connections`. */
export interface PostgresMemorySettings {
  /** The size of its `/dev/shm`, e.g. `256Mi`. */
  readonly sharedMemorySize: string;
  /** `-c name=value` pairs for the server's command line. */
  readonly args: string[];
}

/**
 * Settings under which every connection may sort or hash at once within the container's memory limit.
 *
 * A process that the kernel kills for memory takes the whole server with it: the postmaster treats a child killed by
 * a signal as a crash, ends every other backend and runs crash recovery (src/backend/postmaster/postmaster.c
 * `HandleChildCrash`: "terminating any other active server processes"; test/integ/postgres-memory.integ.test.ts),
 * and a killed postmaster restarts the container. The limit holds, in order: `shared_buffers` (an eighth: 128MB at
 * 1Gi, PostgreSQL's default, where its docs' 25% assumes the kernel's cache outside the server; here that cache is
 * in the same cgroup, and reclaimable), the `/dev/shm` tmpfs (a quarter, `sharedMemorySize`), the autovacuum workers'
 * `maintenance_work_mem` each, and the rest for every backend that may run a query: `max_connections` and the
 * parallel workers, each its private memory and one hash table of `work_mem` × `hash_mem_multiplier`. A query with
 * several sorts or hashes takes more (PostgreSQL docs, runtime-config-resource, `work_mem`), which no setting bounds;
 * what does not fit goes to temporary files on the data volume instead of memory.
 *
 * @throws when `maxConnections` leaves less than PostgreSQL's smallest `work_mem`, 64kB, naming the most that fit
 */
export function memorySettings(memoryLimit: string, maxConnections: number): PostgresMemorySettings {
  const limitMiB = parseQuantity('memoryLimit', memoryLimit) / MiB;
  const shm = sharedMemorySize(memoryLimit);
  const sharedBuffersMiB = Math.floor(limitMiB * SHARED_BUFFERS_SHARE);
  const maintenanceMiB = Math.max(1, Math.min(MAINTENANCE_MAX_MIB, Math.floor(limitMiB / 16)));
  const backendsMiB = limitMiB - sharedBuffersMiB - parseQuantity('memoryLimit', shm) / MiB - AUTOVACUUM_MAX_WORKERS * maintenanceMiB - AUXILIARY_MIB;
  const perBackend = (backends: number) => Math.floor(((backendsMiB / backends - BACKEND_BASE_MIB) * 1024) / HASH_MEM_MULTIPLIER);
  const workMemKb = perBackend(maxConnections + MAX_PARALLEL_WORKERS);
  if (workMemKb < MIN_WORK_MEM_KB) {
    const most = Math.max(0, Math.floor(backendsMiB / (BACKEND_BASE_MIB + (MIN_WORK_MEM_KB * HASH_MEM_MULTIPLIER) / 1024)) - MAX_PARALLEL_WORKERS);
    invalid('maxConnections', maxConnections, `must leave each connection PostgreSQL's smallest work_mem (64kB) within the memory limit ${memoryLimit}: ` +
      `at most ${most} there; raise resources.memoryLimit or lower maxConnections`);
  }
  return {
    sharedMemorySize: shm,
    args: [`shared_buffers=${sharedBuffersMiB}MB`, `work_mem=${workMemKb}kB`, `maintenance_work_mem=${maintenanceMiB}MB`].flatMap((s) => ['-c', s]),
  };
}
