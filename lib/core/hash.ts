import * as crypto from 'crypto';

/**
 * The SHA-256 of `text` (UTF-8), as 64 lower-case hex digits. Node's one-shot `crypto.hash` (20.12 and later) makes no
 * Hash object, several times faster for the short texts hashed once each, thousands of times a synth; before 20.12 a
 * Hash object makes it. Hex, not a Buffer: every caller wants hex digits or bits, and a Buffer for each digest costs
 * more than the digest of a short text.
 */
export function sha256(text: string): string {
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** The first 8 hex digits of `text`'s SHA-256: a name suffix that changes with the content. */
export function shortHash(text: string): string {
  return sha256(text).slice(0, 8);
}
