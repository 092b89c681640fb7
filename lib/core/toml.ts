import { invalid, invalidSecret } from './validation';

/** A UTF-16 surrogate without its pair: no Unicode scalar value, so TOML (and UTF-8) cannot hold it. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What `tomlString` takes, for its refusals. */
const TOML_STRING_RULE = 'must be a string of well-formed Unicode (no lone surrogates)';

/**
 * A TOML basic string (`"..."`) holding `value` exactly. `JSON.stringify` already writes a valid TOML basic string
 * for well-formed text: its escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00XX`) are all TOML escapes. Two
 * gaps are closed here: TOML also forbids a raw DEL (U+007F), and it cannot represent a lone surrogate at all
 * (TOML 1.0.0, "String": "Any Unicode character may be used except those that must be escaped").
 *
 * @param secret whether `value` is a secret (`TemplateEscape.TOML`'s): its refusal then shows `<redacted>`, never the
 * value, as `percentEncode`'s does
 */
export function tomlString(value: string, secret = false): string {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) {
    if (secret) invalidSecret('value', TOML_STRING_RULE);
    invalid('toml string', value, TOML_STRING_RULE);
  }
  return JSON.stringify(value).replace(/\x7f/g, '\\u007f');
}
