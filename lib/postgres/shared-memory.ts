import { parseQuantity } from '../core';

/** The share of the server's memory limit that its `/dev/shm` may take. */
const SHARE = 1 / 4;

/**
 * The size of the in-cluster server's `/dev/shm`: a quarter of its memory limit (256Mi at the default 1Gi), in MiB.
 *
 * PostgreSQL keeps its dynamic shared memory in POSIX shared memory, files in `/dev/shm` (initdb writes
 * `dynamic_shared_memory_type = posix` on Linux: `choose_dsm_implementation` in src/bin/initdb/initdb.c), and a
 * parallel query's hash table, sort and tuple queues live there (src/backend/storage/ipc/dsm_impl.c
 * `dsm_impl_posix_resize`, which fails with "could not resize shared memory segment ... No space left on device").
 * Without a volume, `/dev/shm` is the 64 MiB that containerd gives every pod sandbox, shared by all the server's
 * queries: PostgreSQL 15 with its defaults fails three of six concurrent parallel hash joins of a 2-million-row
 * table there, and none with 256 MiB (test/integ/postgres-shm.integ.test.ts). The volume is tmpfs, charged to the
 * server's memory: a quarter of the limit, and `memorySettings` (memory-settings.ts) fits the rest of the server in
 * what remains.
 */
export function sharedMemorySize(memoryLimit: string): string {
  return `${Math.max(64, Math.floor((parseQuantity('memoryLimit', memoryLimit) * SHARE) / 2 ** 20))}Mi`;
}
