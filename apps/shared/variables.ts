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
import { editDistance } from '../../lib/core/text';

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

/**
 * Warn of every variable of `env` that another stack reads but this one, `stack`, does not (`read`), set and not
 * empty, in name order: `DOCKYARD_HARBOR_HOST=registry.acme.dev npm run synth:harbor-do` would otherwise write
 * `harbor.example.com` without a word. The value is never printed.
 *
 * @param warn where each warning goes; the default prints `dockyard: warning: …` on stderr
 */
export function warnUnread(env: NodeJS.ProcessEnv, read: readonly string[], stack: string, warn: (message: string) => void = printWarning): void {
  const unread = Object.keys(env).filter((name) => name.startsWith(PREFIX) && env[name] !== undefined && env[name] !== '' &&
    !read.includes(name) && !OTHER_VARIABLES.includes(name)).sort();
  for (const name of unread) {
    warn(`${shownName(name)} is not read by ${stack}, which reads only ${read.join(', ')}; it is ignored`);
  }
}

/** A variable's name as a warning shows it: as it is when it is a plain name, else quoted and escaped, on one line. */
function shownName(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : describeValue(name);
}

/**
 * What the warning adds for `name`: where a client secret belongs, else the known name a typo could have made it
 * (`closest`, over every known name). A name that says, even misspelt, that it holds a credential is only ever
 * pointed at a variable that holds one: a suggestion of another would put the credential into the manifests or an
 * error message.
 */
function hint(name: string, known: readonly string[]): string {
  const upper = name.toUpperCase();
  if (/CLIENT_?(?:SEC|SCR|SER|CRED)/.test(upper)) {
    return ' (the OAuth client secret is never a variable: it goes in the Secret drone-oauth, or woodpecker-oauth with Woodpecker)';
  }
  const all = [...known, ...OTHER_VARIABLES];
  const words = new Set(all.filter((k) => !isCredentialName(k, [])).flatMap((k) => k.slice(PREFIX.length).split('_')));
  if (!isCredentialName(upper, [...words])) {
    const near = closest(upper, all);
    return near === undefined ? '' : ` (did you mean ${near}?)`;
  }
  // a credential: a credential variable a typo away, or the one whose other words it has (..._TOKEN for ..._PASSWORD)
  const credentials = all.filter((k) => isCredentialName(k, []));
  const mine = upper.slice(PREFIX.length).split('_');
  const sameButOne = credentials.filter((k) => {
    const theirs = k.slice(PREFIX.length).split('_');
    return theirs.length === mine.length && theirs.filter((w, i) => w !== mine[i]).length === 1;
  });
  const near = closest(upper, credentials) ?? (sameButOne.length === 1 ? sameButOne[0] : undefined);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/** Words that say a value is a credential. */
const CREDENTIAL_WORDS = ['SECRET', 'SECRETS', 'TOKEN', 'TOKENS', 'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASSPHRASE', 'PASS', 'PWD', 'PW', 'PAT',
  'KEY', 'KEYS', 'CREDENTIAL', 'CREDENTIALS', 'CREDS', 'AUTH', 'BEARER', 'APIKEY', 'LOGIN'];

/**
 * Whether a word of `name` after `DOCKYARD_` says it holds a credential: a credential word; one ending in a credential
 * word after two or more letters (`ADMINPASS`, `SSHKEY`, `DBPASSWORD`; not `OAUTH`); or, from four letters, a
 * credential word misspelt (one edit, two from six letters: `PWRD`, `TOKN`, `PASWORD`, `SECERT`), unless the word
 * is within an edit of one of `knownWords`, the words of the variables that hold no credential (`SERER` is `SERVER`
 * misspelt, not `SECRET`; `CRET` is `CERT`; `CASS` is `CLASS`). A name taken for a credential wrongly only loses its
 * hint; one missed could be pointed at a variable that is printed.
 */
export function isCredentialName(name: string, knownWords: readonly string[]): boolean {
  return name.slice(PREFIX.length).split('_').some((word) => CREDENTIAL_WORDS.some((c) => word === c ||
    (word.length >= c.length + 2 && word.endsWith(c)) ||
    (word.length >= 4 && editDistance(word, c) <= (c.length >= 6 ? 2 : 1) && !knownWords.some((k) => editDistance(word, k) <= 1))));
}

/** Print `dockyard: warning: <message>` on stderr: the stacks' default for configuration warnings. */
export function printWarning(message: string): void {
  process.stderr.write(`dockyard: warning: ${message}\n`);
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
