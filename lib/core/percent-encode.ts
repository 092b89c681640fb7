import { LONE_SURROGATE } from './toml';
import { invalid, invalidSecret } from './validation';

/** What `percentEncode` takes, for its refusals. */
const PERCENT_ENCODABLE = 'must be a string of well-formed Unicode (no lone UTF-16 surrogate), which a URL percent-encodes as UTF-8';

/**
 * `value` percent-encoded for one component of a URL (`encodeURIComponent`), the one sink of every such component
 * (the user and database of `postgresUrl`, the user of `redisUrl`, `TemplateEscape.URL`), or a one-line refusal
 * naming `prop`. `encodeURIComponent` writes a character's UTF-8 bytes, and a lone UTF-16 surrogate has none: it
 * throws a bare `URIError: URI malformed`, which names neither the prop nor the value (ECMA-262 §19.2.6.5 Encode,
 * step "If cp.[[IsUnpairedSurrogate]] is true, throw a URIError exception"). Anything but a string is refused too,
 * rather than written as its `String()` (`[object Object]`).
 *
 * @param secret whether `value` is a secret: its refusal then shows `<redacted>`, never the value
 */
export function percentEncode(prop: string, value: string, secret = false): string {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) {
    if (secret) invalidSecret(prop, PERCENT_ENCODABLE);
    invalid(prop, value, PERCENT_ENCODABLE);
  }
  return encodeURIComponent(value);
}
