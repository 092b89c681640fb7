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
        'each a DNS label (lower-case letters, digits and "-"), e.g. harbor=registry');
    }
    return { from, to };
  });
  // several namespaces may move into one (merged namespaces); one namespace moves to one place
  const froms = moves.map((m) => m.from);
  const twice = froms.find((n, i) => froms.indexOf(n) !== i);
  if (twice !== undefined) {
    throw fail(`invalid DOCKYARD_MOVE ${describeValue(entries.join(','))}: moves from ${describeValue(twice)} twice; give each old namespace once`);
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
 * The state entries `moves` carry over: for each declared generated root in a move's `to` namespace that the state
 * lacks, the value of the same Secret and key in `from`, if the state holds it and the key record made it by the
 * same recipe; and the derived values kept in `from` for Secrets declared in `to` (certificates, htpasswd lines,
 * each beside its `#inputs` fingerprint), which the store keeps only while they were made from the same inputs.
 * Inputs are not carried: a new namespace's input is read from its variable. A key the state holds in `to` is kept,
 * unless it is `stale` (its value moved away from it before: moving back takes the current value). Returns the
 * entries to set, by new state key, each with the key it came from. An entry that carries nothing fails, as does a key
 * two entries would carry.
 *
 * @param secrets the declared Secrets, as `<namespace>/<secret>/`
 * @param stale the kept keys whose values moved to another namespace since (`SecretState.movedTo`)
 */
export function movedEntries(moves: readonly SecretMove[], roots: ReadonlyMap<string, SecretValue>, secrets: ReadonlySet<string>,
  kept: Readonly<Record<string, string>>, stale: ReadonlySet<string>, recipes: Readonly<Record<string, string>>,
  recipeOf: (v: SecretValue) => string, fail: MoveError): Map<string, { value: string; source: string }> {
  const out = new Map<string, { value: string; source: string }>();
  const carrier = new Map<string, string>();
  for (const { from, to } of moves) {
    let carried = 0;
    for (const [key, value] of Object.entries(kept)) {
      const parts = split(key);
      const target = parts?.namespace === from ? `${to}/${parts.rest}` : undefined;
      if (target === undefined || (target in kept && !stale.has(target))) {
        continue;
      }
      const root = roots.get(target);
      const derived = root === undefined && (key.endsWith(INPUTS) || `${key}${INPUTS}` in kept)
        && secrets.has(`${to}/${parts!.rest.slice(0, parts!.rest.indexOf('/') + 1)}`);
      const fits = root !== undefined && root.kind !== SecretValueKind.INPUT && (recipes[key] === undefined || recipes[key] === recipeOf(root));
      if (!fits && !derived) {
        continue;
      }
      const other = carrier.get(target);
      if (other !== undefined && other !== from) {
        throw fail(`invalid DOCKYARD_MOVE: both ${other} and ${from} hold ${parts!.rest}, which would go to ${target}; move one of them`);
      }
      carrier.set(target, from);
      out.set(target, { value, source: key });
      carried += fits ? 1 : 0;
    }
    if (carried === 0) {
      throw fail(`invalid DOCKYARD_MOVE entry "${from}=${to}": moves nothing: the state holds no key in ${from}, made by the same recipe, ` +
        `of a Secret this stack declares in ${to} without a value of its own (moved already, or another namespace?); unset it`);
    }
  }
  return out;
}

/** The suffix of a derived value's fingerprint entry in the state. */
const INPUTS = '#inputs';

/**
 * The generated roots (random values and keys, not inputs, which the user gives) that the state lacks and does not
 * record, while it holds the same Secret's key in another namespace, declared there by the same construct (by its
 * path, as the state records it: `SecretState.declaredBy`) and not declared there now: a Secret whose namespace
 * changed, whose values a synth would make anew. Another stack's Secret of the same name on a shared state is no
 * such key, nor is any key of a state written before the declaring constructs were recorded. Each with the
 * namespace it came from.
 *
 * @param declaredBy the state's record of which construct declared each key
 * @param declaring the construct path that declares each root now
 */
export function movedWithoutValues(candidates: readonly string[], roots: ReadonlyMap<string, SecretValue>,
  kept: Readonly<Record<string, string>>, declaredBy: Readonly<Record<string, string>>,
  declaring: ReadonlyMap<string, string>): { key: string; from: string }[] {
  const out: { key: string; from: string }[] = [];
  let byRest: Map<string, string[]> | undefined;
  for (const key of candidates) {
    const parts = split(key);
    const value = roots.get(key);
    const path = declaring.get(key);
    if (parts === undefined || value === undefined || value.kind === SecretValueKind.INPUT || path === undefined) {
      continue;
    }
    // the kept keys' namespaces by `<secret>/<key>`, built once, only when some generated root is new
    byRest ??= indexByRest(kept, roots);
    const from = (byRest.get(parts.rest) ?? []).filter((ns) => ns !== parts.namespace && declaredBy[`${ns}/${parts.rest}`] === path).sort();
    if (from.length > 0) {
      out.push({ key, from: from[0] });
    }
  }
  return out;
}

/** The namespaces of the kept keys that `roots` does not declare, by `<secret>/<key>`. */
function indexByRest(kept: Readonly<Record<string, string>>, roots: ReadonlyMap<string, SecretValue>): Map<string, string[]> {
  const byRest = new Map<string, string[]>();
  for (const key of Object.keys(kept)) {
    const parts = split(key);
    if (parts !== undefined && !roots.has(key)) {
      byRest.set(parts.rest, [...(byRest.get(parts.rest) ?? []), parts.namespace]);
    }
  }
  return byRest;
}
