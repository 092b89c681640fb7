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

/** The optimal string alignment distance: Levenshtein's, with a swap of neighbouring characters as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** `items` for a one-line message: the first `max`, joined by ", ", then how many more. */
export function fewOf(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
