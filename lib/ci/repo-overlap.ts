import { escapeRegExp } from '../core/text';
import { literalBeginning } from './repo-pattern-index';

/**
 * Whether two repository patterns, as Drone matches them, can name the same repository. The runner applies the
 * first policy that matches (drone-runner-kube engine/policy/match.go), and the secrets extension hands a secret to
 * every repository that matches (drone-kubernetes-secrets plugin/match.go, Go's `path.Match`, case-insensitively),
 * so two teams whose patterns overlap would share a build namespace, a deploy identity and pipeline secrets.
 *
 * Patterns are slugs or globs of `*` and `?`, neither crossing `/` (`checkPipelineAccess` refuses `[`, whose
 * negated classes could match a `/` in Go's `path.Match`), so a pattern only matches repositories of as many parts as
 * it has: `acme/*` never names a project of the GitLab subgroup `acme/platform`, whose slugs have three (a whole `**`
 * part, which crosses `/` in the runner's doublestar, is refused before: `DroneKubeRunner.addPolicy`).
 * Part by part, compared case-insensitively, the test is exact when one side is a plain slug, and conservative for two
 * globs: they overlap unless some part's literal beginnings (up to the first wildcard) or literal endings (after the
 * last) tell them apart.
 */
export function reposOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  // every name a pattern matches starts with its literal beginning, so two whose beginnings differ before the shorter
  // ends match no name in common: most pairs stop here, before a glob is compiled (a thousand teams' patterns are
  // checked against the platform's policies)
  const [bx, by] = [literalBeginning(x), literalBeginning(y)];
  if (!(bx.length <= by.length ? by.startsWith(bx) : bx.startsWith(by))) {
    return false;
  }
  const p = x.split('/');
  const q = y.split('/');
  return p.length === q.length && p.every((part, i) => partsOverlap(part, q[i]));
}

/** Whether two parts of repository patterns, one part each, can match the same text. */
function partsOverlap(p: string, q: string): boolean {
  const wild = (s: string) => /[*?[]/.test(s);
  if (!wild(p) && !wild(q)) return p === q;
  if (!wild(p)) return globMatches(q, p);
  if (!wild(q)) return globMatches(p, q);
  const tail = (s: string) => s.slice(Math.max(s.lastIndexOf('*'), s.lastIndexOf('?'), s.lastIndexOf(']')) + 1);
  const [hp, hq, tp, tq] = [literalBeginning(p), literalBeginning(q), tail(p), tail(q)];
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
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`).test(name);
}
