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

/** How `nearestName` judges a near name. */
export interface NearestNameOptions {
  /**
   * The most edits (`editDistance`) a near name may be from the name.
   *
   * @default - two, three for a name of 24 characters or more
   */
  readonly maxEdits?: number;
  /**
   * Whether case is ignored: `Namespace` is then no edit from `namespace`.
   *
   * @default false
   */
  readonly ignoreCase?: boolean;
  /**
   * Whether, of names equally near, the first in `known` is taken; otherwise a tie suggests none, as either could be
   * meant.
   *
   * @default false
   */
  readonly firstOfTies?: boolean;
}

/**
 * The name in `known` a typo could have made `name`, for a "did you mean" hint: the nearest within
 * `options.maxEdits`, else undefined. One rule for every such hint, so a near miss is suggested alike everywhere.
 */
export function nearestName(name: string, known: Iterable<string>, options: NearestNameOptions = {}): string | undefined {
  const limit = options.maxEdits ?? (name.length >= 24 ? 3 : 2);
  const fold = (s: string) => (options.ignoreCase ? s.toLowerCase() : s);
  const scored = [...new Set(known)].map((k) => ({ k, d: editDistance(fold(name), fold(k)) }))
    .filter((c) => c.d <= limit).sort((a, b) => a.d - b.d);
  if (scored.length === 0 || (!options.firstOfTies && scored.length > 1 && scored[1].d === scored[0].d)) {
    return undefined;
  }
  return scored[0].k;
}

/**
 * `<name> is not among <names>`, the names sorted, with the one a typo could have made `name` (`nearestName`), or
 * `it declares none` when there are none: the tail of a message refusing a name that must be one of `names`.
 */
export function notAmong(name: string, names: Iterable<string>): string {
  const sorted = [...new Set(names)].sort(compare);
  const near = nearestName(name, sorted);
  return sorted.length === 0 ? 'it declares none'
    : `${name} is not among ${sorted.join(', ')}${near === undefined ? '' : ` (did you mean ${near}?)`}`;
}

/** `items` for a one-line message: the first `max`, joined by ", ", then how many more. */
export function fewOf(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
