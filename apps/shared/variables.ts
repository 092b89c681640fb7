/**
 * How the example stacks read their `DOCKYARD_*` environment: one place for the two rules every variable follows.
 *
 * - An empty value is the variable unset, as most command-line tools read it: `DOCKYARD_GIT_SERVER=` in a CI job
 *   that exports every variable, set or not, means "none", not an empty URL to refuse.
 * - A `DOCKYARD_*` variable that no Dockyard stack or command reads is reported in one warning line, with the
 *   known name it is closest to: `DOCKYARD_ROTAT=...` rotated nothing, `DOCKYARD_STAT=...` started a new secret
 *   state, and neither said why. A warning, not a failure: an app of the user's own may read variables of its own
 *   under the same prefix (`SecretValue.input('DOCKYARD_DOCKERHUB_TOKEN', ...)`), exported in the same shell.
 *   The value is never printed: it may be a token.
 */

import { describeValue } from '../../lib';

const PREFIX = 'DOCKYARD_';

/**
 * The variables read outside the stacks' configuration table: by `npm test`'s prerequisite check
 * (`scripts/test-prerequisites.sh`) and by the policy suite (`test/policy/checks/schema.ts`, and the Gateway API CRDs
 * beside the schemas).
 */
export const OTHER_VARIABLES: readonly string[] = ['DOCKYARD_NO_INSTALL', 'DOCKYARD_K8S_SCHEMAS', 'DOCKYARD_K8S_CRDS'];

/**
 * `env` with every empty `DOCKYARD_*` value left out, and every `DOCKYARD_*` name not in `known` (nor in
 * `OTHER_VARIABLES`): each such name, set or empty, is passed to `warn`, in name order, with the known name a typo
 * could have made it, if there is one. A name in another case (`dockyard_state`) is warned of too. Reading the
 * result again warns of nothing.
 */
export function stackEnv(env: NodeJS.ProcessEnv, known: readonly string[], warn: (message: string) => void = printWarning): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const unknown: string[] = [];
  const all = [...known, ...OTHER_VARIABLES];
  for (const [name, value] of Object.entries(env)) {
    if (!name.toUpperCase().startsWith(PREFIX)) {
      out[name] = value;
    } else if (!all.includes(name)) {
      unknown.push(name);
    } else if (value !== undefined && value !== '') {
      out[name] = value;
    }
  }
  for (const name of unknown.sort()) {
    warn(`${shownName(name)} is not a variable of any Dockyard stack, and this one ignores it${hint(name, known)}; ` +
      'the stacks\' variables are in the README\'s configuration table');
  }
  return out;
}

/** A variable's name as a warning shows it: as it is when it is a plain name, else quoted and escaped, on one line. */
function shownName(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : describeValue(name);
}

/**
 * What the warning adds for `name`: where a credential belongs when the name says it is one, else the known name a
 * typo could have made it (`closest`).
 */
function hint(name: string, known: readonly string[]): string {
  const upper = name.toUpperCase();
  if (/CLIENT_?SECRET$/.test(upper)) {
    return ' (the OAuth client secret is never a variable: it goes in the Secret drone-oauth, or woodpecker-oauth with Woodpecker)';
  }
  // a credential is suggested only a variable that holds one: never one whose value lands in the manifests
  const candidates = SECRET_NAME.test(upper) ? known.filter((k) => SECRET_NAME.test(k)) : known.filter((k) => !SECRET_NAME.test(k));
  const near = closest(upper, candidates);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/** A name that says its value is a credential. */
const SECRET_NAME = /(?:SECRET|TOKEN|PASS|PASSWORD|PASSWD|PWD|KEY|PAT)$/;

function printWarning(message: string): void {
  process.stderr.write(`dockyard: warning: ${message}\n`);
}

/**
 * The known name a typo could have made `name`, comparing the parts after `DOCKYARD_`, or undefined when there is
 * none or no single one:
 * - the nearest by edit distance (insertions, deletions, substitutions and swaps of neighbours), when that is at most
 *   a third of the shorter part, and at least 1 (`DOCKYARD_STAT`, `DOCKYARD_HOTS`);
 * - else the one whose words (split on `_`) hold all of the name's words in order, each equal or beginning the
 *   other (`DOCKYARD_MIRROR_USER`, `DOCKYARD_ISSUER`, `DOCKYARD_API`), or of which the name's words hold all but
 *   one extra word (`DOCKYARD_CI_ENGINE`);
 * - else the one sharing the longest beginning with it, of five characters or more (`DOCKYARD_ROTATION`).
 * A tie at any step gives no suggestion: a wrong one is worse than none.
 */
export function closest(name: string, known: readonly string[]): string | undefined {
  const rest = name.slice(PREFIX.length);
  const parts = known.map((k) => ({ name: k, rest: k.slice(PREFIX.length) }));
  const edits = parts.map((k) => ({ ...k, score: editDistance(rest, k.rest) }))
    .filter((k) => k.score <= Math.max(1, Math.floor(Math.min(rest.length, k.rest.length) / 3)));
  const byEdits = unique(edits, (a, b) => a.score - b.score);
  if (byEdits !== undefined || edits.length > 0) return byEdits;
  const words = rest.split('_').filter((w) => w !== '');
  const byWords = parts.filter((k) => {
    const theirs = k.rest.split('_');
    return wordsWithin(words, theirs) || (words.length - theirs.length <= 1 && wordsWithin(theirs, words));
  });
  if (byWords.length > 0) return byWords.length === 1 ? byWords[0].name : undefined;
  const shared = parts.map((k) => ({ ...k, score: -commonPrefix(rest, k.rest) })).filter((k) => k.score <= -5);
  return unique(shared, (a, b) => a.score - b.score);
}

/** The name of the single best of `items` by `order`, or undefined when there is none or a tie. */
function unique<T extends { name: string }>(items: T[], order: (a: T, b: T) => number): string | undefined {
  const sorted = [...items].sort(order);
  return sorted.length > 0 && (sorted.length === 1 || order(sorted[0], sorted[1]) < 0) ? sorted[0].name : undefined;
}

/** Whether all of `words` appear in `within` in order, each equal to its match, beginning it or begun by it. */
function wordsWithin(words: readonly string[], within: readonly string[]): boolean {
  let j = 0;
  for (const w of words) {
    while (j < within.length && !(within[j].startsWith(w) || w.startsWith(within[j]))) j++;
    if (j === within.length) return false;
    j++;
  }
  return words.length > 0;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The optimal string alignment distance: Levenshtein's, with a swap of neighbouring characters as one edit. */
function editDistance(a: string, b: string): number {
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
