// How repository patterns match, as each upstream program matches them: secrets in any case (Drone's secrets
// extension), routes in the exact case (Drone's runner policies, Woodpecker's route agents). Each matcher is checked
// against a line-by-line port of the upstream function, on patterns fast-check draws (FC_SEED fixes them in CI).
import fc from 'fast-check';
import { ICiEngine, PipelineEvent, PipelineGrants, repoMatches, routeMatches } from '../../lib';
import { escapeRegExp } from '../../lib/core/text';
import { droneCi } from '../drone/fixtures';
import { doublestarMatch, extensionMatch, goPathMatch } from '../drone/upstream';
import { testChart, thrown } from '../util';
import { woodpeckerCi } from '../woodpecker/fixtures';

const { PUSH, PULL_REQUEST } = PipelineEvent;

/** drone-kubernetes-secrets `plugin/match.go:12-24` of one pattern (`extensionMatch` of ../drone/upstream.ts). */
function secretsExtensionMatch(pattern: string, slug: string): boolean {
  return extensionMatch(slug, [pattern]);
}

/** A string of `chars`, at most `max` long. */
const stringOf = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
/** Any pattern or name over a small alphabet with both cases, wildcards and separators, not ending in `/`. */
const anyPattern = stringOf(['a', 'A', 'b', '-', '.', '*', '*', '?', '/'], 9).filter((s) => !s.endsWith('/'));
const anyName = stringOf(['a', 'A', 'b', 'B', '-', '.', '/'], 8).filter((s) => !s.endsWith('/'));
/**
 * A name near `pattern`, so that about half the pairs match: each wildcard filled in (now and then across a `/`),
 * each letter now and then in the other case.
 */
const nameNear = (pattern: string) => fc.tuple(...[...pattern].map((c) => {
  if (c === '*') return stringOf(['a', 'b', 'B', '-', '/'], 2);
  if (c === '?') return fc.constantFrom('a', 'B', '/');
  return fc.constantFrom(c, c, c, c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
})).map((cs) => cs.join(''));
/** A pattern and a name, either of any shape or near the pattern. */
const pairs = anyPattern.chain((p) => fc.tuple(fc.constant(p), fc.oneof(anyName, nameNear(p).filter((n) => !n.endsWith('/')))));
/** What Dockyard admits: `owner/name` slugs (RepositoryPipelines) and one-`/` patterns (checkPipelineAccess). */
const part = (chars: string[]) => stringOf(chars, 5).filter((s) => s.length > 0);
const slug = fc.tuple(part(['a', 'A', 'b', 'B', '-']), part(['a', 'A', 'b', 'B', '-'])).map(([o, n]) => `${o}/${n}`);
const glob = fc.tuple(part(['a', 'A', 'b', '-', '*', '?']), part(['a', 'A', 'b', '-', '*', '?'])).map(([o, n]) => `${o}/${n}`);
/** Dockyard's patterns without the two forms `DroneKubeRunner.addPolicy` refuses. */
const policyGlob = glob.filter((p) => p.split('/').every((s) => s !== '**' && !s.endsWith('***')));

describe('repoMatches: as the secrets extension grants, in any case', () => {
  test('agrees with Go\'s path.Match of both lower-cased, on any pattern and name', () => {
    fc.assert(fc.property(pairs, ([p, n]) => repoMatches(p, n) === secretsExtensionMatch(p, n)), { numRuns: 5000 });
  });

  test('ignores case on either side, and never lets a wildcard cross "/"', () => {
    expect(repoMatches('acme/app', 'Acme/App')).toBe(true);
    expect(repoMatches('ACME/*', 'acme/app')).toBe(true);
    expect(repoMatches('acme/*', 'acme/sub/app')).toBe(false);
    expect(repoMatches('acme/app***', 'acme/app')).toBe(true);
  });
});

describe('doublestarMatch, the port of the runner\'s glob that the routing tests and policy models use', () => {
  // bmatcuk/doublestar v1.1.1 doublestar_test.go:23-101 (`matchTests`), each pattern and path as its parts joined by
  // "/", without the rows of escapes and "{...}" alternatives (Dockyard's patterns hold neither); a row upstream
  // expects ErrBadPattern for matches nothing, as Match returns false with it
  const rows: Array<[string[], string[], boolean]> = [
    [['abc'], ['abc'], true], [['*'], ['abc'], true], [['*c'], ['abc'], true], [['a*'], ['a'], true], [['a*'], ['abc'], true],
    [['a*'], ['ab', 'c'], false], [['a*', 'b'], ['abc', 'b'], true], [['a*', 'b'], ['a', 'c', 'b'], false],
    [['a*b*c*d*e*', 'f'], ['axbxcxdxe', 'f'], true], [['a*b*c*d*e*', 'f'], ['axbxcxdxexxx', 'f'], true],
    [['a*b*c*d*e*', 'f'], ['axbxcxdxe', 'xxx', 'f'], false], [['a*b*c*d*e*', 'f'], ['axbxcxdxexxx', 'fff'], false],
    [['a*b?c*x'], ['abxbbxdbxebxczzx'], true], [['a*b?c*x'], ['abxbbxdbxebxczzy'], false],
    [['ab[c]'], ['abc'], true], [['ab[b-d]'], ['abc'], true], [['ab[e-g]'], ['abc'], false], [['ab[^c]'], ['abc'], false],
    [['ab[^b-d]'], ['abc'], false], [['ab[^e-g]'], ['abc'], true], [['a?b'], ['a☺b'], true], [['a[^a]b'], ['a☺b'], true],
    [['a???b'], ['a☺b'], false], [['a[^a][^a][^a]b'], ['a☺b'], false], [['[a-ζ]*'], ['α'], true], [['*[a-ζ]'], ['A'], false],
    [['a?b'], ['a', 'b'], false], [['a*b'], ['a', 'b'], false],
    [['[]a]'], [']'], false], [['[-]'], ['-'], false], [['[x-]'], ['x'], false], [['[x-]'], ['-'], false], [['[x-]'], ['z'], false],
    [['[-x]'], ['x'], false], [['[-x]'], ['-'], false], [['[-x]'], ['a'], false], [['[a-b-c]'], ['a'], false], [['['], ['a'], false],
    [['[^'], ['a'], false], [['[^bc'], ['a'], false], [['a['], ['a'], false], [['a['], ['ab'], false],
    [['*x'], ['xxx'], true], [['[abc]'], ['b'], true],
    [['a', '**'], ['a'], false], [['a', '**'], ['a', 'b'], true], [['a', '**'], ['a', 'b', 'c'], true],
    [['**', 'c'], ['c'], true], [['**', 'c'], ['b', 'c'], true], [['**', 'c'], ['a', 'b', 'c'], true], [['**', 'c'], ['a', 'b'], false],
    [['**', 'c'], ['abcd'], false], [['**', 'c'], ['a', 'abc'], false], [['a', '**', 'b'], ['a', 'b'], true],
    [['a', '**', 'c'], ['a', 'b', 'c'], true], [['a', '**', 'd'], ['a', 'b', 'c', 'd'], true],
    [['abc', '**'], ['abc', 'b'], true], [['**', 'abc'], ['abc'], true], [['abc**'], ['abc', 'b'], false],
  ];
  test.each(rows)('%j against %j: %s, as upstream\'s own tests have it', (pattern, path, expected) => {
    expect(doublestarMatch(pattern.join('/'), path.join('/'))).toBe(expected);
  });

  test('sets of both cases, as leaveRepos writes them, match either case and no other letter', () => {
    expect(doublestarMatch('[aA][cC][mM][eE]/*', 'Acme/app')).toBe(true);
    expect(doublestarMatch('[aA][cC][mM][eE]/*', 'acme/app')).toBe(true);
    expect(doublestarMatch('[aA][cC][mM][eE]/*', 'acne/app')).toBe(false);
  });
});

describe('routeMatches: as the engines route, in the exact case', () => {
  test('agrees with doublestar v1.1.1 Match, the runner\'s policy matcher, on any pattern and name', () => {
    fc.assert(fc.property(pairs, ([p, n]) => routeMatches(p, n) === doublestarMatch(p, n)), { numRuns: 5000 });
  });

  test('is the secrets extension\'s match exactly when the case agrees, on what Dockyard admits but the two refused forms', () => {
    fc.assert(fc.property(policyGlob, slug, (p, n) => {
      expect(routeMatches(p, n)).toBe(goPathMatch(p, n));
      // ignoring case, the runner and the extension agree: case is the only difference left
      expect(routeMatches(p.toLowerCase(), n.toLowerCase())).toBe(repoMatches(p, n));
    }), { numRuns: 5000 });
  });

  test('differs from the secrets extension by case, and by doublestar\'s two forms', () => {
    // runner-go v1.12.0 manifest/cond.go:72-79 → doublestar.go:440-446: runes compared as they are
    expect(routeMatches('acme/app', 'Acme/App')).toBe(false);
    expect(routeMatches('acme/*', 'Acme/app')).toBe(false);
    expect(routeMatches('Acme/*', 'Acme/app')).toBe(true);
    // doublestar.go:149-162: a whole "**" part crosses "/" (a GitLab subgroup's slug), where path.Match does not
    expect(routeMatches('acme/**', 'acme/sub/app')).toBe(true);
    expect(repoMatches('acme/**', 'acme/sub/app')).toBe(false);
    // doublestar.go:343-357,448-453: a trailing run of three stars needs a character, where path.Match needs none
    expect(routeMatches('acme/app***', 'acme/app')).toBe(false);
    expect(routeMatches('acme/app***', 'acme/apps')).toBe(true);
    expect(routeMatches('acme/app**', 'acme/app')).toBe(true);
  });
});

describe('PipelineGrants.routesFor: the route the engine applies', () => {
  const grants = new PipelineGrants();
  grants.addRoute('upper', 'upper-builds', undefined, { repos: ['Acme/Tools-*'] });
  grants.addRoute('app', 'app-builds', 'deployer', { repos: ['acme/app'] });
  grants.addRoute('prs', 'pr-builds', undefined, { repos: ['acme/app'], events: [PULL_REQUEST], allowPullRequests: true });

  test('matches each route\'s patterns in their exact case, and keeps the order routes were added in', () => {
    expect(grants.routesFor('acme/app', PUSH).map((r) => r.name)).toEqual(['app']);
    expect(grants.routesFor('Acme/App', PUSH)).toEqual([]);
    expect(grants.routesFor('Acme/Tools-ci', PUSH).map((r) => r.name)).toEqual(['upper']);
    expect(grants.routesFor('acme/tools-ci', PUSH)).toEqual([]);
    expect(grants.routesFor('acme/app', PULL_REQUEST).map((r) => r.name)).toEqual(['prs']);
  });

  test('routesIgnoringCase finds the routes meant for a repository spelled in another case', () => {
    expect(grants.routesIgnoringCase('Acme/App', PUSH).map((r) => r.name)).toEqual(['app']);
    expect(grants.routesIgnoringCase('ACME/TOOLS-CI', PUSH).map((r) => r.name)).toEqual(['upper']);
    expect(grants.routesIgnoringCase('acme/other', PUSH)).toEqual([]);
  });

  test('sees routes added after a lookup, and a route added again under its name keeps its place, as a Map does', () => {
    const g = new PipelineGrants();
    g.addRoute('first', 'a', undefined, { repos: ['acme/*'] });
    expect(g.routesFor('acme/app', PUSH).map((r) => r.name)).toEqual(['first']);
    g.addRoute('second', 'b', undefined, { repos: ['acme/app'] });
    expect(g.routesFor('acme/app', PUSH).map((r) => r.name)).toEqual(['first', 'second']);
    g.addRoute('first', 'c', undefined, { repos: ['other/*'] });
    expect(g.routesFor('acme/app', PUSH).map((r) => r.name)).toEqual(['second']);
    g.addRoute('first', 'd', undefined, { repos: ['acme/ap?'] });
    expect(g.routesFor('acme/app', PUSH).map((r) => [r.name, r.namespace])).toEqual([['first', 'd'], ['second', 'b']]);
  });

  test('is the first route in order whose patterns routeMatches, for any routes and repository', () => {
    fc.assert(fc.property(fc.array(fc.array(glob, { minLength: 1, maxLength: 3 }), { maxLength: 6 }), slug, (routes, repo) => {
      const g = new PipelineGrants();
      routes.forEach((repos, i) => g.addRoute(`r${i}`, 'ns', undefined, { repos: [...new Set(repos)] }));
      const expected = routes.map((repos, i) => ({ repos, name: `r${i}` })).filter((r) => r.repos.some((p) => doublestarMatch(p, repo)));
      expect(g.routesFor(repo, PUSH).map((r) => r.name)).toEqual(expected.map((r) => r.name));
      const ignoring = routes.map((repos, i) => ({ repos, name: `r${i}` }))
        .filter((r) => r.repos.some((p) => doublestarMatch(p.toLowerCase(), repo.toLowerCase())));
      expect(g.routesIgnoringCase(repo, PUSH).map((r) => r.name)).toEqual(ignoring.map((r) => r.name));
    }), { numRuns: 1000 });
  });
});

describe('the engines route no pattern that routeMatches reads as doublestar does and path.Match does not', () => {
  // routeMatches models doublestar's "**" part and trailing "***" for fidelity to the runner (the exported function
  // and PipelineGrants take any pattern checkPipelineAccess admits, which these are), but no engine lets a route hold
  // one: Drone's runner refuses both forms in every policy (DroneKubeRunner.addPolicy), Woodpecker every glob
  const engines: [string, () => ICiEngine, (pattern: string) => string][] = [
    ['DroneCi', () => droneCi(testChart('ci'), { extraBuildNamespaces: ['deploy'] }).ci, (p) => `invalid repos [${JSON.stringify(p)}]: ${JSON.stringify(p)} must not have a part that is "**" or ends in three or more "*"`],
    ['WoodpeckerCi', () => woodpeckerCi(testChart('ci')),
      (p) => `invalid repos [${JSON.stringify(p)}]: ${JSON.stringify(p)} must be an exact "owner/name" slug`],
  ];

  describe.each(engines)('%s', (_engine, make, refusal) => {
    test.each(['acme/**', '**/app', 'acme/app***'])('refuses %s at addRoute and checkAdditions, granting nothing', (pattern) => {
      const ci = make();
      const route = { name: 'web', repos: [pattern], namespace: 'deploy' };
      expect(thrown(() => ci.checkAdditions!({ routes: [route] })).message).toMatch(new RegExp(`^${escapeRegExp(refusal(pattern))}`));
      expect(thrown(() => ci.addRoute(route)).message).toMatch(new RegExp(`^${escapeRegExp(refusal(pattern))}`));
      expect(ci.grants.routes.size).toBe(0);
    });
  });
});
