import { parseQuantity } from '../core';

/**
 * What the server takes beside its data, in MiB: its own code and structures, and its clients' query and reply
 * buffers (an idle valkey-server holds some 10 MiB).
 */
const SERVER_MIB = 32;

/** The resident size of the data over `used_memory`: jemalloc's fragmentation, 1.05 to 1.07 measured at maxmemory. */
const FRAGMENTATION = 1.1;

/**
 * The largest `maxmemory`, in MiB, that a container limited to `memoryLimit` holds through an append-only file
 * rewrite.
 *
 * `maxmemory` bounds the data (`used_memory`, less the AOF and replication buffers: valkey-io/valkey 55bbbe0
 * src/evict.c:332 `freeMemoryGetNotCountedMemory`), not the process. A rewrite forks the server (src/aof.c:2421, in
 * `rewriteAppendOnlyFileBackground`; automatic each time the file doubles, valkey.conf:1541-1542), and every page the
 * server writes while the child walks the data is copied, in the same cgroup: on a server that takes writes, up to
 * all of it. Measured with redis-server 7.0.15 at `maxmemory 192mb`, `allkeys-lru` and steady writes, the server and
 * its rewriting child held 401 MiB together (and Redis logged "Fork CoW for AOF rewrite: current 195 MB"), over the
 * 256Mi that was the default limit: the kernel kills the container, and it loads its AOF again on start
 * (test/integ/redis-memory.integ.test.ts). So the limit must hold twice the data, fragmented, and the server.
 */
export function largestMaxMemoryMiB(memoryLimit: string): number {
  return Math.floor((parseQuantity('memoryLimit', memoryLimit) / 2 ** 20 - SERVER_MIB) / (2 * FRAGMENTATION));
}

/**
 * The smallest memory limit, in whole MiB, under which `largestMaxMemoryMiB` takes `maxMemoryMiB`: found by that
 * function itself, from just under the exact bound, as its floating-point division may put a whole bound (25 MiB of
 * data under 87Mi) one MiB higher.
 */
export function smallestMemoryLimitMiB(maxMemoryMiB: number): number {
  let limitMiB = Math.max(1, Math.floor(maxMemoryMiB * 2 * FRAGMENTATION + SERVER_MIB) - 1);
  while (largestMaxMemoryMiB(`${limitMiB}Mi`) < maxMemoryMiB) limitMiB++;
  return limitMiB;
}
