import { invalid } from './validation';

/** A UTF-16 surrogate without its pair: no Unicode scalar value, so TOML (and UTF-8) cannot hold it. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A TOML basic string (`"..."`) holding `value` exactly. `JSON.stringify` already writes a valid TOML basic string
 * for well-formed text: its escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00XX`) are all TOML escapes. Two
 * gaps are closed here: TOML also forbids a raw DEL (U+007F), and it cannot represent a lone surrogate at all
 * (TOML 1.0.0, "String": "Any Unicode character may be used except those that must be escaped").
 */
export function tomlString(value: string): string {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) {
    invalid('toml string', value, 'must be a string of well-formed Unicode (no lone surrogates)');
  }
  return JSON.stringify(value).replace(/\x7f/g, '\\u007f');
}
