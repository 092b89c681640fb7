// Small string helpers that several folders need the same way. Not exported from lib/core/index.ts: they are
// internals of the library, imported by path (`../core/text`), not part of its API.

/**
 * Plain UTF-16 code-unit order (`<`), for `Array.prototype.sort`: unlike `localeCompare`, the same on every machine
 * and in every locale, so sorted output is deterministic.
 */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `text` as a RegExp source that matches exactly `text`: every ECMAScript syntax character
 * (`^ $ \ . * + ? ( ) [ ] { } |`, ECMA-262 `SyntaxCharacter`) is escaped with a backslash, and nothing else, so the
 * source is valid with and without the `u` flag (which refuses needless escapes such as `\-`). For use outside a
 * character class, where `-` and the other characters stand for themselves.
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[\^$\\.*+?()[\]{}|]/g, '\\$&');
}
