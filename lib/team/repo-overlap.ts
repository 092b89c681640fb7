/**
 * Whether two repository patterns, as Drone matches them, can name the same repository. The runner applies the
 * first policy that matches (drone-runner-kube engine/policy/match.go), and the secrets extension hands a secret to
 * every repository that matches (drone-kubernetes-secrets plugin/match.go, Go's `path.Match`, case-insensitively),
 * so two teams whose patterns overlap would share a build namespace, a deploy identity and pipeline secrets.
 *
 * Patterns are slugs or globs of `*`, `?` and `[...]`, none crossing `/`. Compared case-insensitively, the test is
 * exact when one side is a plain slug, and conservative for two globs: they overlap unless their literal beginnings
 * (up to the first wildcard) or their literal endings (after the last) tell them apart.
 */
export function reposOverlap(a: string, b: string): boolean {
  const p = a.toLowerCase();
  const q = b.toLowerCase();
  const wild = (s: string) => /[*?[]/.test(s);
  if (!wild(p) && !wild(q)) return p === q;
  if (!wild(p)) return globMatches(q, p);
  if (!wild(q)) return globMatches(p, q);
  const head = (s: string) => s.slice(0, s.search(/[*?[]/));
  const tail = (s: string) => s.slice(Math.max(s.lastIndexOf('*'), s.lastIndexOf('?'), s.lastIndexOf(']')) + 1);
  const [hp, hq, tp, tq] = [head(p), head(q), tail(p), tail(q)];
  const compatible = (x: string, y: string, at: 'start' | 'end') => (at === 'start' ? x.startsWith(y) || y.startsWith(x) : x.endsWith(y) || y.endsWith(x));
  return compatible(hp, hq, 'start') && compatible(tp, tq, 'end');
}

/** Go's `path.Match` for `*`, `?` and character classes, none crossing `/`. */
function globMatches(pattern: string, name: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false; // a malformed class matches nothing in Go (ErrBadPattern)
      source += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(name);
}

/** The literal beginning of a pattern, lower-cased: up to its first wildcard, or all of it. */
function literalHead(pattern: string): string {
  const p = pattern.toLowerCase();
  const i = p.search(/[*?[]/);
  return i < 0 ? p : p.slice(0, i);
}

/**
 * Repository patterns and who owns them, indexed by their literal beginnings: two patterns can only overlap when
 * one's beginning is a prefix of the other's, so a new pattern is compared with those few, not with every team's.
 */
export class RepoOwners {
  private readonly byHead = new Map<string, { repo: string; owner: string }[]>();
  /** The distinct beginnings, sorted, for the range of those that start with a given one. */
  private readonly heads: string[] = [];

  /** An owner's pattern that can match a repository `repo` can match, if any. */
  public find(repo: string): { repo: string; owner: string } | undefined {
    const head = literalHead(repo);
    const candidates: { repo: string; owner: string }[] = [];
    // beginnings that are prefixes of this one
    for (let n = 0; n <= head.length; n++) candidates.push(...(this.byHead.get(head.slice(0, n)) ?? []));
    // beginnings that this one is a prefix of
    for (let i = lowerBound(this.heads, head); i < this.heads.length && this.heads[i].startsWith(head); i++) {
      if (this.heads[i] !== head) candidates.push(...this.byHead.get(this.heads[i])!);
    }
    return candidates.find((c) => reposOverlap(repo, c.repo));
  }

  /** Record `owner`'s pattern `repo`. */
  public add(repo: string, owner: string): void {
    const head = literalHead(repo);
    const list = this.byHead.get(head);
    if (list) {
      list.push({ repo, owner });
      return;
    }
    this.byHead.set(head, [{ repo, owner }]);
    this.heads.splice(lowerBound(this.heads, head), 0, head);
  }
}

/** The first index of the sorted `items` whose item is not below `item`. */
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
