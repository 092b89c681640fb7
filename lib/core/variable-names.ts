// What a misspelt `DOCKYARD_*` variable was meant to be, and one warning per name for a whole run: the library's
// own variables (`DOCKYARD_ROTATE` and `DOCKYARD_MOVE`, which LocalSecretStore reads) and the example stacks'
// (apps/shared/variables.ts) are checked by the same rule, and a name both would report is reported once. Not
// exported from lib/core/index.ts: internals, imported by path.
import { editDistance } from './text';
import { describeValue } from './validation';
import { printWarning } from './warn';

const PREFIX = 'DOCKYARD_';

/** The variable names already warned of in this process. */
const reported = new Set<string>();

/**
 * Print `message` as a warning, unless a warning of the variable `name` was given already in this process
 * (`markVariableReported`): a stack that checks its environment and the LocalSecretStore it makes each see
 * `DOCKYARD_ROTAET`, and one line says it.
 */
function reportVariableOnce(name: string, message: string): void {
  if (!reported.has(name)) {
    markVariableReported(name);
    printWarning(message);
  }
}

/**
 * Record that a warning of the variable `name` was given, so that `reportVariableOnce` gives none: for a checker
 * that warns of every name it is given each time it runs, as the example stacks' `stackEnv` does.
 *
 * @internal
 */
export function markVariableReported(name: string): void {
  reported.add(name);
}

/**
 * Warn of each set `DOCKYARD_*` variable whose name is a typo of one of `read`, the library's own variables that a
 * caller reads from the environment (LocalSecretStore's `DOCKYARD_ROTATE` and `DOCKYARD_MOVE`): an operator who
 * rotates a leaked credential with `DOCKYARD_ROTAET=...` would otherwise see a synth that rotated nothing, without a
 * word. Names only, never values; once per name in a process.
 *
 * @internal
 */
export function warnMisspeltVariables(read: readonly string[]): void {
  for (const name of Object.keys(process.env).sort()) {
    const meant = process.env[name] !== '' && !read.includes(name) ? read.find((known) => isTypoOf(name.toUpperCase(), known)) : undefined;
    if (meant !== undefined) {
      const shown = /^[A-Za-z0-9_]+$/.test(name) ? name : describeValue(name);
      reportVariableOnce(name, `${shown} is set, but the secret store reads ${meant} (did you mean it?); ${shown} is ignored, and ` +
        `${meant === 'DOCKYARD_ROTATE' ? 'nothing was rotated by it' : 'nothing was moved by it'}`);
    }
  }
}

/**
 * Whether `name` (upper case) reads as a typo of the library variable `known`, narrowly, since a user's stack may
 * read variables of its own under the same prefix (`DOCKYARD_MODE` is no `DOCKYARD_MOVE`): one word after
 * `DOCKYARD_`, that begins with the known word's first four letters (`ROTAET`, `ROTATION`, `MOVES`), or is the known
 * word with two neighbouring letters swapped (`MOEV`), or, for a word of six letters or more, one edit from it
 * (`RTOATE`, `ROTTE`). The name in another case is one too.
 */
function isTypoOf(name: string, known: string): boolean {
  const word = name.slice(PREFIX.length);
  const target = known.slice(PREFIX.length);
  if (!name.startsWith(PREFIX) || word === '' || word.includes('_')) {
    return false;
  }
  if (word === target) {
    // the name in another case (`dockyard_rotate`): the environment's names are case-sensitive
    return true;
  }
  const sameLetters = [...word].sort().join('') === [...target].sort().join('');
  return word.startsWith(target.slice(0, 4)) || (sameLetters && editDistance(word, target) === 1) ||
    (target.length >= 6 && editDistance(word, target) <= 1);
}

/**
 * The known name a typo could have made `name`, comparing the parts after `DOCKYARD_`, or undefined when there is
 * none or no single one:
 * - the nearest by edit distance (insertions, deletions, substitutions and swaps of neighbours) of those a typo apart
 *   (`near`: `DOCKYARD_STAT`, `DOCKYARD_HOTS`, `DOCKYARD_GIT_CLIENTID`; not `DOCKYARD_IMAGE_MIRROR_URL` for `..._USER`);
 * - else the one whose words (split on `_`) hold all of the name's words in order, each equal, beginning the other
 *   or begun by it (`DOCKYARD_MIRROR_USER`, `DOCKYARD_ISSUER`, `DOCKYARD_API`), or with the same words in another
 *   order (`DOCKYARD_HOST_HARBOR`);
 * - else the one with the same words but one, which begins as the known word does for four characters or more
 *   (`DOCKYARD_ROTATION`; not `DOCKYARD_IMAGE_MIRROR_URL` for `..._USER`);
 * - else the known name itself followed by one of `KIND_WORDS`, a word that says only what kind of value the
 *   variable holds and that no known name has (`DOCKYARD_CI_ENGINE`, as the DigitalOcean program's `ciEngine`;
 *   `DOCKYARD_HOST_NAME`).
 * Any other word more than a known name gets nothing (`DOCKYARD_API_SERVER_URL`, `DOCKYARD_GIT_HOST`): the word
 * may be what makes it another setting, or a credential (`DOCKYARD_TEAMS_JWT` is no team count).
 * A tie at any step gives no suggestion: a wrong one is worse than none.
 *
 * @internal
 */
export function closest(name: string, known: readonly string[]): string | undefined {
  const rest = name.slice(PREFIX.length);
  const words = rest.split('_').filter((w) => w !== '');
  const parts = known.map((k) => ({ name: k, rest: k.slice(PREFIX.length), words: k.slice(PREFIX.length).split('_') }));
  const edits = parts.map((k) => ({ ...k, score: editDistance(rest, k.rest) })).filter((k) => near(words, k.words, rest, k.rest));
  if (edits.length > 0) return unique(edits, (a, b) => a.score - b.score);
  const byWords = parts.filter((k) => wordsWithin(words, k.words) || sameWords(words, k.words));
  if (byWords.length > 0) return byWords.length === 1 ? byWords[0].name : undefined;
  // one word differs, and begins as the known one does for four characters or more
  const shared = parts.filter((k) => k.words.length === words.length && k.words.filter((w, i) => w !== words[i]).length === 1)
    .map((k) => ({ ...k, score: -Math.max(...k.words.map((w, i) => (w === words[i] ? 0 : commonPrefix(w, words[i])))) }))
    .filter((k) => k.score <= -4);
  if (shared.length > 0) return unique(shared, (a, b) => a.score - b.score);
  // a known name and a word that says what kind of value it holds, unless a known name has that word of its own
  const last = words[words.length - 1];
  if (words.length > 1 && KIND_WORDS.includes(last) && !parts.some((k) => k.words.includes(last))) {
    return parts.find((k) => k.rest === words.slice(0, -1).join('_'))?.name;
  }
  return undefined;
}

/**
 * Words that say only what kind of value a variable holds, which a user may add to its name: `DOCKYARD_CI_ENGINE`
 * (the DigitalOcean program's config key is `ciEngine`), `DOCKYARD_HOST_NAME`. Not `URL`, `PATH` or `ID`: they may
 * name another setting of the same thing.
 */
const KIND_WORDS: readonly string[] = ['ENGINE', 'KIND', 'TYPE', 'NAME'];

/**
 * Whether two names are a typo apart: with as many words, each word within a third of its length (at least 1);
 * else only an underscore more or less, and an edit at most (`DOCKYARD_GIT_CLIENTID`), never a short word more
 * (`DOCKYARD_API_SERVER_CA`).
 */
function near(words: readonly string[], theirs: readonly string[], rest: string, other: string): boolean {
  const limit = (a: string, b: string) => Math.max(1, Math.floor(Math.min(a.length, b.length) / 3));
  if (words.length === theirs.length) {
    return words.every((w, i) => editDistance(w, theirs[i]) <= limit(w, theirs[i]));
  }
  return editDistance(rest.replace(/_/g, ''), other.replace(/_/g, '')) <= 1;
}

/** Whether two lists hold the same words, in any order. */
function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.length > 1 && [...a].sort().join('_') === [...b].sort().join('_');
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
