/**
 * How the example stacks read their `DOCKYARD_*` environment: one place for the two rules every variable follows.
 *
 * - An empty value is the variable unset, as most command-line tools read it: `DOCKYARD_GIT_SERVER=` in a CI job
 *   that exports every variable, set or not, means "none", not an empty URL to refuse.
 * - A `DOCKYARD_*` variable that no Dockyard stack or command reads is reported in one warning line, with the
 *   known name it is closest to: `DOCKYARD_ROTAT=...` rotated nothing, `DOCKYARD_STAT=...` started a new secret
 *   state, and neither said why. A warning, not a failure: an app of the user's own may read variables of its own
 *   under the same prefix (`SecretValue.input('DOCKYARD_SLACK_WEBHOOK', ...)`), exported in the same shell.
 *   The value is never printed: it may be a token.
 */

import { describeValue } from '../../lib';
import { editDistance } from '../../lib/core/text';
import { closest, markVariableReported } from '../../lib/core/variable-names';
import { printWarning } from '../../lib/core/warn';
import { OTHER_VARIABLES } from './other-variables';

const PREFIX = 'DOCKYARD_';

// the stacks' default for configuration warnings, as the library prints its own; the variables outside the table
export { printWarning, OTHER_VARIABLES };

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
    // LocalSecretStore, which checks the names of its own variables, then says nothing more of it
    markVariableReported(name);
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

