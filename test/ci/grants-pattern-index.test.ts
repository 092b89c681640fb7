// RepoPatternIndex, the one index of repository patterns by their literal beginnings behind PipelineGrants.routesFor
// (lib/ci/grants.ts) and TeamPlatform.addTeam's overlap check (lib/team/team-platform.ts): a lookup lists exactly
// the patterns the beginnings allow, in the documented order, so no pattern that can match is skipped. Checked
// against a scan of every pattern added, on patterns fast-check draws; and the matchers of grants.ts read every
// RegExp syntax character of a pattern literally (lib/core/text.ts escapeRegExp).
import fc from 'fast-check';
import { repoMatches, routeMatches } from '../../lib/ci/grants';
import { IndexedRepoPattern, RepoPatternIndex } from '../../lib/ci/repo-pattern-index';
import { compare } from '../../lib/core/text';
import { reposOverlap } from '../../lib/ci/repo-overlap';

/** A string of `chars`, at most `max` long. */
const stringOf = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
/** Patterns over a small alphabet, so that beginnings often prefix one another: slugs, `*`, `?` and classes. */
const pattern = stringOf(['a', 'b', 'B', '-', '/', '*', '?', '[a]'], 6);
const nameOf = stringOf(['a', 'b', 'B', '-', '/'], 7);

/** Up to the first `*`, `?` or `[`: what the index files a pattern under. */
const beginning = (p: string) => p.slice(0, p.search(/[*?[]/) < 0 ? p.length : p.search(/[*?[]/));

/** The scan the index stands for: every pattern added, in the order `candidatesFor` documents. */
function scanFor(added: readonly string[], name: string): string[] {
  const entries = added.map((p, i) => ({ p, i, b: beginning(p) })).filter((e) => name.startsWith(e.b));
  return entries.sort((x, y) => x.b.length - y.b.length || x.i - y.i).map((e) => e.p);
}

/** The scan for `candidatesOverlapping`: beginnings that prefix the pattern's, shortest first, then longer ones in order. */
function scanOverlapping(added: readonly string[], q: string): string[] {
  const head = beginning(q);
  const longer = added.map((p, i) => ({ p, i, b: beginning(p) })).filter((e) => e.b !== head && e.b.startsWith(head));
  return [...scanFor(added, head), ...longer.sort((x, y) => compare(x.b, y.b) || x.i - y.i).map((e) => e.p)];
}

const patternsOf = (entries: IndexedRepoPattern<number>[]) => entries.map((e) => e.pattern);

describe('RepoPatternIndex', () => {
  test('candidatesFor lists the patterns whose beginning the name starts with, and so every one that matches it', () => {
    fc.assert(fc.property(fc.array(pattern, { maxLength: 12 }), nameOf, (added, name) => {
      const index = new RepoPatternIndex<number>();
      added.forEach((p, i) => index.add(p, i));
      const candidates = index.candidatesFor(name);
      expect(patternsOf(candidates)).toEqual(scanFor(added, name));
      // each entry carries the value it was added with
      candidates.forEach((c) => expect(added[c.value]).toBe(c.pattern));
      const slugGlobs = added.filter((p) => !p.includes('['));
      for (const p of slugGlobs.filter((q) => routeMatches(q, name))) expect(patternsOf(candidates)).toContain(p);
    }), { numRuns: 2000 });
  });

  test('candidatesOverlapping lists the patterns whose beginning prefixes the pattern\'s or starts with it, between adds too', () => {
    // adds and lookups interleaved, as TeamPlatform.addTeam does them (lower-cased, as reposOverlap compares): the
    // sorted beginnings catch up on each lookup
    fc.assert(fc.property(fc.array(fc.tuple(pattern.map((p) => p.toLowerCase()), fc.boolean()), { maxLength: 14 }), (steps) => {
      const index = new RepoPatternIndex<number>();
      const added: string[] = [];
      for (const [p, lookFirst] of steps) {
        if (lookFirst) {
          const candidates = patternsOf(index.candidatesOverlapping(p));
          expect(candidates).toEqual(scanOverlapping(added, p));
          for (const q of added.filter((a) => reposOverlap(a, p))) expect(candidates).toContain(q);
        }
        index.add(p, added.length);
        added.push(p);
      }
    }), { numRuns: 2000 });
  });

  test('beginnings are compared exactly: a caller that ignores case adds and looks up lower-cased patterns', () => {
    const index = new RepoPatternIndex<string>();
    index.add('Acme/app-*', 'upper');
    index.add('acme/app-*', 'lower');
    expect(index.candidatesFor('acme/app-x').map((c) => c.value)).toEqual(['lower']);
    expect(index.candidatesFor('Acme/app-x').map((c) => c.value)).toEqual(['upper']);
    expect(index.candidatesOverlapping('acme/*').map((c) => c.value)).toEqual(['lower']);
  });
});

describe('the grant matchers read RegExp syntax characters in a pattern literally', () => {
  const SYNTAX = [...'^$\\.+()[]{}|'];
  /** A literal owner/name with syntax characters, and a name of the same length with one of them replaced. */
  const literalAndOther = fc.tuple(stringOf(['a', ...SYNTAX], 5), stringOf(['b', ...SYNTAX], 5))
    .map(([o, n]) => `${o}/${n}`)
    .chain((p) => fc.tuple(fc.constant(p), fc.nat(p.length - 1), fc.constantFrom('x', 'Y', ...SYNTAX)))
    .filter(([p, i, c]) => p[i] !== '/' && p[i] !== c)
    .map(([p, i, c]) => [p, p.slice(0, i) + c + p.slice(i + 1)] as const);

  test('repoMatches and routeMatches, with and without a wildcard', () => {
    fc.assert(fc.property(literalAndOther, ([p, other]) => {
      expect(repoMatches(p, p)).toBe(true);
      expect(repoMatches(p, p.toUpperCase())).toBe(true);
      expect(repoMatches(p, other)).toBe(false);
      // a wildcard makes routeMatches compile a RegExp rather than compare
      expect(routeMatches(`${p}*`, `${p}tail`)).toBe(true);
      expect(routeMatches(`${p}*`, `${other}tail`)).toBe(false);
      expect(repoMatches(`${p}?`, `${p}x`)).toBe(true);
      expect(repoMatches(`${p}?`, `${other}x`)).toBe(false);
    }), { numRuns: 1000 });
  });
});

// reposOverlap may answer true where no name matches both (two globs are compared conservatively) but never false
// where one does: checked here against every name the patterns' parts can spell, which covers its quick refusal of
// patterns whose literal beginnings differ
describe('reposOverlap', () => {
  const part = stringOf(['a', 'B', '-', '*', '?'], 4);
  const repoPattern = fc.tuple(part, part).map(([owner, name]) => `${owner}/${name}`);
  /** Go's path.Match of `*` and `?`, neither crossing "/", in any case (the secrets extension's), as a RegExp. */
  const matcher = (pattern: string) => new RegExp(`^${pattern.toLowerCase().replace(/-/g, '\\-').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  /** Every name of an owner of up to 2 characters and a name of up to 4, over the letters the patterns use and one more. */
  const names = (() => {
    const parts: string[] = [''];
    for (let length = 1; length <= 4; length++) {
      for (const prefix of parts.filter((p) => p.length === length - 1)) {
        for (const c of ['a', 'b', '-', 'x']) parts.push(prefix + c);
      }
    }
    const owners = parts.filter((p) => p.length <= 2);
    return owners.flatMap((o) => parts.map((n) => `${o}/${n}`));
  })();

  test('is true whenever some name matches both patterns', () => {
    fc.assert(fc.property(repoPattern, repoPattern, (a, b) => {
      const [ma, mb] = [matcher(a), matcher(b)];
      const both = names.find((n) => ma.test(n) && mb.test(n));
      return both === undefined || (reposOverlap(a, b) && reposOverlap(b, a));
    }), { numRuns: 300 });
  });
});
