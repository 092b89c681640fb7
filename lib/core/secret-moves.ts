// Keys of the local secret state that follow a Secret to another namespace (`DOCKYARD_MOVE`), and the check that a
// Secret which changed namespace is not silently given new values. The state keys a value by
// `<namespace>/<secret>/<key>`, so without them a construct moved to another namespace finds none of its values and
// makes every one anew: Harbor's `secret-key` among them, which encrypts what Harbor stored in its database.
import { SecretValue, SecretValueKind } from './secret';
import { describeValue, isDnsLabel } from './validation';

/** One `DOCKYARD_MOVE` entry: the values of namespace `from` go to the same Secrets and keys in `to`. */
export interface SecretMove {
  readonly from: string;
  readonly to: string;
}

/** The error of a move or of a moved Secret; the store throws it as it throws its own state errors. */
export type MoveError = (message: string) => Error;

/**
 * Parse `DOCKYARD_MOVE` entries, `<old namespace>=<new namespace>`: two DNS labels, different, each namespace moved
 * from once and to once.
 */
export function parseMoves(entries: readonly string[], fail: MoveError): SecretMove[] {
  const moves = entries.map((entry) => {
    const [from, to, ...rest] = entry.split('=');
    if (rest.length > 0 || !isDnsLabel(from ?? '') || !isDnsLabel(to ?? '') || from === to) {
      throw fail(`invalid DOCKYARD_MOVE entry ${describeValue(entry)}: must be <old namespace>=<new namespace>, two different namespaces, ` +
        'e.g. harbor=registry');
    }
    return { from, to };
  });
  for (const side of ['from', 'to'] as const) {
    const names = moves.map((m) => m[side]);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      throw fail(`invalid DOCKYARD_MOVE ${describeValue(entries.join(','))}: moves ${side} ${describeValue(twice)} twice; give each namespace once`);
    }
  }
  return moves;
}

/** A state key's namespace and the rest, `<secret>/<key>`; undefined for a key of no namespace (a `file:` key). */
function split(stateKey: string): { namespace: string; rest: string } | undefined {
  if (stateKey.startsWith('file:')) {
    return undefined;
  }
  const slash = stateKey.indexOf('/');
  return { namespace: stateKey.slice(0, slash), rest: stateKey.slice(slash + 1) };
}

/**
 * The state entries `moves` carry over: for each declared root in a move's `to` namespace that the state lacks, the
 * value of the same Secret and key in `from`, if the state holds it and the key record made it by the same recipe;
 * and the derived values kept in `from` (certificates, htpasswd lines, each beside its `#inputs` fingerprint), which
 * the store keeps only while they were made from the same inputs. Returns the entries to add, by new state key. An
 * entry that carries nothing fails: it names no namespace the state and the stack share as the move says.
 */
export function movedEntries(moves: readonly SecretMove[], roots: ReadonlyMap<string, SecretValue>, kept: Readonly<Record<string, string>>,
  recipes: Readonly<Record<string, string>>, recipeOf: (v: SecretValue) => string, fail: MoveError): Map<string, string> {
  const out = new Map<string, string>();
  for (const { from, to } of moves) {
    let carried = 0;
    for (const [key, value] of Object.entries(kept)) {
      const parts = split(key);
      const target = parts?.namespace === from ? `${to}/${parts.rest}` : undefined;
      if (target === undefined || target in kept) {
        continue;
      }
      const root = roots.get(target);
      const derived = key.endsWith(INPUTS) || `${key}${INPUTS}` in kept;
      if (root !== undefined ? recipes[key] === undefined || recipes[key] === recipeOf(root) : derived) {
        out.set(target, value);
        carried += root !== undefined ? 1 : 0;
      }
    }
    if (carried === 0) {
      throw fail(`invalid DOCKYARD_MOVE entry "${from}=${to}": moves nothing: the state holds no key in ${from} of a Secret this stack ` +
        `declares in ${to} without a value of its own (moved already, or another namespace?); unset it`);
    }
  }
  return out;
}

/** The suffix of a derived value's fingerprint entry in the state. */
const INPUTS = '#inputs';

/**
 * The generated roots (random values and keys, not inputs, which the user gives) that the state lacks and does not
 * record, while it holds the same Secret and key in another namespace that the stack no longer declares: a Secret
 * moved to another namespace, whose values a synth would make anew. Each with the namespace it came from.
 */
export function movedWithoutValues(candidates: readonly string[], roots: ReadonlyMap<string, SecretValue>,
  kept: Readonly<Record<string, string>>): { key: string; from: string }[] {
  if (candidates.length === 0) {
    return [];
  }
  // the kept keys' namespaces by `<secret>/<key>`, built only when some generated root is new
  const byRest = new Map<string, string[]>();
  for (const key of Object.keys(kept)) {
    const parts = split(key);
    if (parts !== undefined && !roots.has(key)) {
      byRest.set(parts.rest, [...(byRest.get(parts.rest) ?? []), parts.namespace]);
    }
  }
  const out: { key: string; from: string }[] = [];
  for (const key of candidates) {
    const parts = split(key);
    const value = roots.get(key);
    if (parts === undefined || value === undefined || value.kind === SecretValueKind.INPUT) {
      continue;
    }
    const from = (byRest.get(parts.rest) ?? []).filter((ns) => ns !== parts.namespace).sort();
    if (from.length > 0) {
      out.push({ key, from: from[0] });
    }
  }
  return out;
}
