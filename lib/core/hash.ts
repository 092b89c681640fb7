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

/**
 * The digest that stands for a secret value in a checksum or a Job's name: HMAC-SHA-256 under `key`, a random key
 * kept with the values, of `id`, NUL and `value`, as 32 hex digits. Keyed, so that a digest in a committed manifest
 * reveals nothing of the value, not even of a short one (a plain SHA-256 of one could be guessed); `id` (what the
 * value is, e.g. `<namespace>/<secret>/<key>`) in it, so that two keys of one value differ. The local secret state
 * (`LocalSecretStore`) and the Pulumi program (`GeneratedSecrets`) both digest with it.
 */
export function keyedDigest(key: string, id: string, value: string): string {
  return crypto.createHmac('sha256', key).update(id).update('\0').update(value).digest('hex').slice(0, 32);
}
