import { parseQuantity } from './validation';

/** The variable the Go runtime reads its soft memory limit from. */
export const GOMEMLIMIT = 'GOMEMLIMIT';

/**
 * The share of a container's memory limit that a Go program's runtime may use before it collects harder: the Go GC
 * guide's rule of thumb leaves 5-10% of the limit for memory the runtime does not know of (go.dev/doc/gc-guide,
 * "Suggested uses").
 */
export const GO_MEMORY_LIMIT_SHARE = 0.9;

/**
 * `GOMEMLIMIT` for a Go program (Go 1.19 or later) in a container limited to `memoryLimit`: 90% of it, in whole MiB.
 *
 * The Go runtime does not read the cgroup's memory limit: without `GOMEMLIMIT` its GC lets the heap grow to twice
 * what is live (GOGC=100) before it collects, so a heap that is half the limit when live gets the container
 * OOMKilled instead of collected (golang/go src/runtime/mgcpacer.go `readGOMEMLIMIT`, since go1.19: it reads only
 * the variable, no limit when unset, and a malformed value stops the program at start).
 *
 * A literal computed here, not a `resourceFieldRef` to `limits.memory`: the kubelet renders that as a bare count of
 * divisor units, rounded up (k8s.io/kubernetes pkg/api/v1/resource/helpers.go `convertResourceMemoryToString`), and
 * Go reads a bare count as bytes (golang/go src/runtime/string.go `parseByteCount`, `^[0-9]+(([KMGT]i)?B)?$`): so
 * it could only be the whole limit, leaving the runtime no headroom, or, with a divisor of 1Mi, a limit of some
 * hundred bytes, a GC that never stops. The literal changes only with the memory limit, which is in the same pod
 * template, so it rolls no pod that a change of the limit would not roll anyway.
 */
export function goMemoryLimit(memoryLimit: string): string {
  const bytes = parseQuantity('memoryLimit', memoryLimit);
  return `${Math.max(1, Math.floor((bytes * GO_MEMORY_LIMIT_SHARE) / 2 ** 20))}MiB`;
}
