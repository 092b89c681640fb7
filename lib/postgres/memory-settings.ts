import { Image, invalid, parseQuantity } from '../core';
import { postgresMajor } from './major-version';
import { sharedMemorySize } from './shared-memory';

const MiB = 2 ** 20;
/** `shared_buffers`' share of the memory limit: PostgreSQL's own 128MB at the default 1Gi. */
const SHARED_BUFFERS_SHARE = 1 / 8;
/** `maintenance_work_mem`, for a client's CREATE INDEX or VACUUM: a sixteenth of the limit, at most PostgreSQL's 64MB. */
const MAINTENANCE_MAX_MIB = 64;
/**
 * `autovacuum_work_mem`, for each autovacuum worker's dead tuples: a sixty-fourth of the limit, at most 16MB, where
 * PostgreSQL gives each `maintenance_work_mem` (-1): 16MB holds 2.8 million dead tuples at 6 bytes each, and
 * PostgreSQL 17's TidStore many more; a table with more is vacuumed in more passes, not refused.
 */
const AUTOVACUUM_MAX_MIB = 16;
/** PostgreSQL's defaults for these, which the server keeps (src/backend/utils/misc/guc_tables.c, REL_17). */
const AUTOVACUUM_MAX_WORKERS = 3;
const MAX_PARALLEL_WORKERS = 8;
const HASH_MEM_MULTIPLIER = 2;
/**
 * The memory of a backend before it sorts or hashes: about 2 MiB of its own after reading the catalog
 * (test/integ/postgres-memory.integ.test.ts), and page tables for the shared_buffers it touches (8 bytes a 4 KiB
 * page: 256 KiB for all of 128MB).
 */
const BACKEND_BASE_MIB = 3;
/** The postmaster and its auxiliary processes (checkpointer, background writer, WAL writer, launchers), together. */
const AUXILIARY_MIB = 16;
/** PostgreSQL's smallest `work_mem`, in kB (guc_tables.c, `work_mem`: 4096, min 64). */
const MIN_WORK_MEM_KB = 64;
/** The main shared memory besides the buffers and what grows with them or the connections (the 100 kB PostgreSQL adds, its index, small tables), MiB. */
const SHARED_FIXED_MIB = 4;
/** Each buffer's descriptor, lock, checkpoint sort slot and hash entry: about 180 bytes for each 8 kB page. */
const SHARED_PER_BUFFER_SHARE = 0.022;
/** Each connection's `PGPROC`, lock table entries (`max_locks_per_transaction` 64) and snapshot slots, KiB. */
const SHARED_PER_CONNECTION_KIB = 49;

/**
 * PostgreSQL's main shared memory, its `shared_memory_size`, for `shared_buffers` of `sharedBuffersMiB` and
 * `max_connections`, in MiB: the buffers and, besides them, `wal_buffers` (by default -1, a 32nd of
 * `shared_buffers`, at most a WAL segment, 16MB: src/backend/access/transam/xlog.c `XLOGChooseNumBuffers`), each
 * buffer's descriptor and lock, the commit log, subtransaction and commit timestamp caches (from PostgreSQL 17 each
 * 2MB for every 1GB of shared_buffers, at most 8MB: REL_17_STABLE src/backend/access/transam/clog.c
 * `CLOGShmemBuffers`, subtrans.c `SUBTRANSShmemBuffers`, commit_ts.c `CommitTsShmemBuffers`, all
 * `SimpleLruAutotuneBuffers(512, 1024)`), and the lock and process tables, which grow with `max_connections`
 * (src/backend/storage/ipc/ipci.c `CalculateShmemSize`). At least what Debian's PostgreSQL 15.18 reports
 * (`postgres -C shared_memory_size`, test/integ/postgres-memory.integ.test.ts): 143MB for 128MB and 100
 * connections, 617MB for 128MB and 10,000.
 */
export function mainSharedMemoryMiB(sharedBuffersMiB: number, maxConnections: number): number {
  const walBuffersMiB = Math.min(sharedBuffersMiB / 32, 16);
  const slruMiB = 3 * Math.min(sharedBuffersMiB / 512, 8);
  return Math.ceil(sharedBuffersMiB + SHARED_FIXED_MIB + walBuffersMiB + sharedBuffersMiB * SHARED_PER_BUFFER_SHARE + slruMiB +
    (maxConnections * SHARED_PER_CONNECTION_KIB) / 1024);
}

/** The memory settings of the in-cluster server, from its memory limit and `max_connections`. */
export interface PostgresMemorySettings {
  /** The size of its `/dev/shm`, e.g. `256Mi`. */
  readonly sharedMemorySize: string;
  /** `-c name=value` pairs for the server's command line. */
  readonly args: readonly string[];
}

/**
 * Settings under which every connection may sort or hash at once within the container's memory limit.
 *
 * A process that the kernel kills for memory takes the whole server with it: the postmaster treats a child killed by
 * a signal as a crash, ends every other backend and runs crash recovery (src/backend/postmaster/postmaster.c
 * `HandleChildCrash`: "terminating any other active server processes"; test/integ/postgres-memory.integ.test.ts),
 * and a killed postmaster restarts the container. On cgroup v2 the kubelet (1.28 and later) marks the container's
 * cgroup `memory.oom.group`, so the kernel kills all of its processes at once, the postmaster with them
 * (kubernetes/kubernetes#117793; a node's `singleProcessOOMKill`, 1.32, #126096, turns that off). The limit holds, in order: `shared_buffers` (an eighth: 128MB at
 * 1Gi, PostgreSQL's default, where its docs' 25% assumes the kernel's cache outside the server; here that cache is
 * in the same cgroup, and reclaimable) with the rest of the main shared memory (`mainSharedMemoryMiB`: 15MB more at
 * 1Gi and 100 connections), the `/dev/shm` tmpfs (a quarter, `sharedMemorySize`), the 3 autovacuum
 * workers' `autovacuum_work_mem` and one client's `maintenance_work_mem`, and the rest for every backend that may run
 * a query: `max_connections` and the parallel workers, each its own memory and one hash table of `work_mem` ×
 * `hash_mem_multiplier`. A query with
 * several sorts or hashes takes more (PostgreSQL docs, runtime-config-resource, `work_mem`), which no setting bounds;
 * what does not fit goes to temporary files on the data volume instead of memory.
 *
 * `huge_pages=off`: the pod requests no `hugepages-2Mi`, so its hugetlb cgroup allows none, and on a node that has
 * huge pages PostgreSQL's default `try` maps them anyway and its processes die of SIGBUS on first touch
 * (docker-library/postgres#451 and #946); off, `shared_buffers` is ordinary memory, counted in the limit as above.
 *
 * @param defaulted whether `maxConnections` is the default, which the refusal then says
 * @throws when `maxConnections` leaves less than PostgreSQL's smallest `work_mem`, 64kB, naming the most that fit
 */
export function memorySettings(memoryLimit: string, maxConnections: number, defaulted: boolean = false): PostgresMemorySettings {
  const limitMiB = parseQuantity('memoryLimit', memoryLimit) / MiB;
  const shm = sharedMemorySize(memoryLimit);
  const sharedBuffersMiB = Math.floor(limitMiB * SHARED_BUFFERS_SHARE);
  const maintenanceMiB = Math.max(1, Math.min(MAINTENANCE_MAX_MIB, Math.floor(limitMiB / 16)));
  const autovacuumMiB = Math.max(1, Math.min(AUTOVACUUM_MAX_MIB, Math.floor(limitMiB / 64)));
  // what the backends share: the limit less the main shared memory, whose part for the connections grows with them
  const backendsMiB = (connections: number) => limitMiB - mainSharedMemoryMiB(sharedBuffersMiB, connections) - parseQuantity('memoryLimit', shm) / MiB -
    AUTOVACUUM_MAX_WORKERS * autovacuumMiB - maintenanceMiB - AUXILIARY_MIB;
  const workMemOf = (connections: number) =>
    Math.floor(((backendsMiB(connections) / (connections + MAX_PARALLEL_WORKERS) - BACKEND_BASE_MIB) * 1024) / HASH_MEM_MULTIPLIER);
  const workMemKb = workMemOf(maxConnections);
  if (workMemKb < MIN_WORK_MEM_KB) {
    // the most that fit, counted down from the refused value: work_mem falls as connections rise
    let most = maxConnections - 1;
    while (most > 0 && workMemOf(most) < MIN_WORK_MEM_KB) most--;
    invalid('maxConnections', maxConnections, `must leave each connection PostgreSQL's smallest work_mem (64kB) within the memory limit ${memoryLimit}: ` +
      // unset, it is the default: a Postgres given a smaller limit is refused for a value its code never named
      `at most ${most} there; raise resources.memoryLimit or lower maxConnections${defaulted ? ` (${maxConnections} is the default)` : ''}`);
  }
  return {
    sharedMemorySize: shm,
    args: [`shared_buffers=${sharedBuffersMiB}MB`, `work_mem=${workMemKb}kB`, `maintenance_work_mem=${maintenanceMiB}MB`, `autovacuum_work_mem=${autovacuumMiB}MB`, 'huge_pages=off'].flatMap((s) => ['-c', s]),
  };
}

/**
 * The image's `POSTGRES_INITDB_ARGS`, which its entrypoint hands to initdb, `--set huge_pages=off`: initdb's own
 * backends, which the server's `-c huge_pages=off` does not reach, start with the default `try` and die of SIGBUS on
 * a node with huge pages as the server would (`memorySettings`; docker-library/postgres#451, where initdb's bootstrap
 * is the one that dies). initdb passes no huge_pages of its own; from PostgreSQL 16 its `-c`/`--set` "Forcibly set[s]
 * the server parameter name to value during initdb, and also install[s] that setting in the generated
 * postgresql.conf" (postgres/postgres REL_17_STABLE doc/src/sgml/ref/initdb.sgml; src/bin/initdb/initdb.c
 * test_specific_config_settings adds each to its `--check` backends, and setup_config writes it to postgresql.conf
 * before the bootstrap and single-user backends read it). The entrypoint runs initdb only on an empty data directory
 * (docker-library/postgres 6edb0a8c4d, 17/bookworm/docker-entrypoint.sh lines 92 and 342-351: `eval 'initdb ...
 * '"$POSTGRES_INITDB_ARGS"` behind `if [ -z "$DATABASE_ALREADY_EXISTS" ]`), so an existing one is untouched.
 * Undefined for an image whose tag names no PostgreSQL 16 or later (`postgresMajor`): 15's initdb refuses `--set`,
 * and would fail the first start; an image of the user's own built on 15 under a tag that names no version would too.
 */
export function initdbArgs(image: Image): string | undefined {
  const major = postgresMajor(image);
  return major !== undefined && major >= 16 ? '--set huge_pages=off' : undefined;
}
