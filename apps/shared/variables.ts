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

const PREFIX = 'DOCKYARD_';

/**
 * The variables read outside the stacks' configuration table: by `npm test`'s prerequisite check, and, as a secret
 * input, by the DigitalOcean program.
 */
export const OTHER_VARIABLES: readonly string[] = ['DOCKYARD_NO_INSTALL', 'DOCKYARD_DOCR_TOKEN'];

/**
 * `env` with every empty `DOCKYARD_*` value left out, and every `DOCKYARD_*` name not in `known` (nor in
 * `OTHER_VARIABLES`): each such name, set or empty, is passed to `warn`, in name order, with the closest known name
 * if one is near. Reading the result again warns of nothing.
 */
export function stackEnv(env: NodeJS.ProcessEnv, known: readonly string[], warn: (message: string) => void = printWarning): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const unknown: string[] = [];
  const all = [...known, ...OTHER_VARIABLES];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX)) {
      out[name] = value;
    } else if (!all.includes(name)) {
      unknown.push(name);
    } else if (value !== undefined && value !== '') {
      out[name] = value;
    }
  }
  for (const name of unknown.sort()) {
    const near = closest(name, all);
    warn(`${name} is not a variable any Dockyard stack reads, and is ignored${near ? ` (did you mean ${near}?)` : ''}; ` +
      'the stacks\' variables are in the README\'s configuration table');
  }
  return out;
}

function printWarning(message: string): void {
  process.stderr.write(`dockyard: warning: ${message}\n`);
}

/**
 * The known name a typo could have made `name`, comparing the parts after `DOCKYARD_`: the nearest by edit distance
 * when that is at most a third of the shorter part (at least 1: `DOCKYARD_STAT`, `DOCKYARD_SATE`), else the one that
 * shares the longest beginning with it, of four characters or more, or of all of a shorter part of three or more
 * (`DOCKYARD_ROTATION`, `DOCKYARD_API`). Ties go to the first in `known`.
 */
export function closest(name: string, known: readonly string[]): string | undefined {
  const rest = name.slice(PREFIX.length);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const other = candidate.slice(PREFIX.length);
    const d = editDistance(rest, other);
    if (d <= Math.max(1, Math.floor(Math.min(rest.length, other.length) / 3)) && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  let bestShared = 0;
  for (const candidate of known) {
    const other = candidate.slice(PREFIX.length);
    let shared = 0;
    while (shared < rest.length && shared < other.length && rest[shared] === other[shared]) shared++;
    if (shared >= Math.min(4, rest.length, other.length) && shared >= 3 && shared > bestShared) {
      best = candidate;
      bestShared = shared;
    }
  }
  return best;
}

/** Levenshtein distance, by one row of the usual table. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}
