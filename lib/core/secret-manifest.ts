import type { RenderedSecrets } from './local-secret-store';

// The generated Secrets' manifest as the UTF-8 a synth writes, beside the string `RenderedSecrets.manifest`: a
// thousand teams' Secrets are megabytes, which would otherwise be decoded into a string only to be encoded again.
// Kept out of lib/core/index.ts: `synthesize` and the store share it, and no user needs it.

/** The manifest of each `RenderedSecrets` a store made, as UTF-8. */
const MANIFEST_BYTES = new WeakMap<RenderedSecrets, readonly Buffer[]>();

/** Keep `bytes`, the UTF-8 of `rendered.manifest`, for `manifestBytes`. */
export function keepManifestBytes(rendered: RenderedSecrets, bytes: readonly Buffer[]): void {
  MANIFEST_BYTES.set(rendered, bytes);
}

/**
 * The manifest of `rendered` as the UTF-8 a file holds: the buffers it was written to, for a store's own render, or
 * else the string.
 */
export function manifestBytes(rendered: RenderedSecrets): string | readonly Buffer[] {
  return MANIFEST_BYTES.get(rendered) ?? rendered.manifest;
}
