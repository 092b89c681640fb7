/** A pattern of a `RepoPatternIndex`, as it was added, and the value it was added with. */
export interface IndexedRepoPattern<T> {
  /** The pattern, spelled as it was added. */
  readonly pattern: string;
  /** The value it was added with. */
  readonly value: T;
}

/**
 * Repository patterns (slugs, or globs of `*`, `?` and `[...]`), each with a value, indexed by their literal
 * beginnings: up to the first wildcard, or the whole pattern. A pattern can only match a name that starts with its
 * beginning, and two patterns can only both match one name when one's beginning starts with the other's, so a
 * lookup tests the few patterns those rules leave, not every one: a thousand teams' routes are looked up for every
 * pipeline and event (`PipelineGrants.routesFor`), and a new team's patterns are checked against every team's
 * (`TeamPlatform.addTeam`).
 *
 * The index compares beginnings exactly: a caller that matches in any case adds and looks up lower-cased text. The
 * candidates it lists still need the caller's own test (a matcher, or an overlap check).
 */
export class RepoPatternIndex<T> {
  private readonly byBeginning = new Map<string, IndexedRepoPattern<T>[]>();
  /** The length of the longest beginning: a name's longer prefixes are no beginning. */
  private longest = 0;
  /** The distinct beginnings, sorted, for the range of those that start with a given one (`candidatesOverlapping`). */
  private readonly sorted: string[] = [];
  /**
   * Beginnings added since `sorted` was last brought up to date: it is sorted only when `candidatesOverlapping`
   * needs it, so an index built whole and looked up with `candidatesFor` alone never pays for it.
   */
  private readonly unsorted: string[] = [];

  /** Add `pattern` with `value`. */
  public add(pattern: string, value: T): void {
    const beginning = literalBeginning(pattern);
    const bucket = this.byBeginning.get(beginning);
    if (bucket !== undefined) {
      bucket.push({ pattern, value });
      return;
    }
    this.byBeginning.set(beginning, [{ pattern, value }]);
    this.unsorted.push(beginning);
    this.longest = Math.max(this.longest, beginning.length);
  }

  /**
   * The patterns whose beginning `name` starts with: every pattern that can match the name `name` (and others the
   * caller's matcher tells apart). Shortest beginning first, the patterns of one beginning in the order added.
   */
  public candidatesFor(name: string): IndexedRepoPattern<T>[] {
    const out: IndexedRepoPattern<T>[] = [];
    for (let end = 0; end <= Math.min(name.length, this.longest); end++) {
      const bucket = this.byBeginning.get(name.slice(0, end));
      if (bucket !== undefined) out.push(...bucket);
    }
    return out;
  }

  /**
   * The patterns that may match a name `pattern` matches too: those whose beginning is a prefix of `pattern`'s
   * (`candidatesFor` its beginning), then those whose beginning is longer and starts with `pattern`'s, in code-unit
   * order of their beginnings; the patterns of one beginning in the order added.
   */
  public candidatesOverlapping(pattern: string): IndexedRepoPattern<T>[] {
    const beginning = literalBeginning(pattern);
    const out = this.candidatesFor(beginning);
    const sorted = this.sortedBeginnings();
    for (let i = lowerBound(sorted, beginning); i < sorted.length && sorted[i].startsWith(beginning); i++) {
      if (sorted[i] !== beginning) out.push(...this.byBeginning.get(sorted[i])!);
    }
    return out;
  }

  private sortedBeginnings(): readonly string[] {
    // a few at a time, as `TeamPlatform.addTeam` adds them between lookups: each goes in at its place
    for (const beginning of this.unsorted) this.sorted.splice(lowerBound(this.sorted, beginning), 0, beginning);
    this.unsorted.length = 0;
    return this.sorted;
  }
}

/**
 * A pattern's literal beginning: up to its first wildcard (`*`, `?` or `[`), or all of it. (Route patterns never hold
 * `[`: `checkPipelineAccess` refuses it.)
 */
export function literalBeginning(pattern: string): string {
  const wildcard = pattern.search(/[*?[]/);
  return wildcard < 0 ? pattern : pattern.slice(0, wildcard);
}

/** The first index of the sorted `items` whose item is not below `item` (code-unit order, as `<` compares). */
function lowerBound(items: readonly string[], item: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid] < item) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
