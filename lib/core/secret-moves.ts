// Keys of the local secret state that follow a Secret to another namespace or name (`DOCKYARD_MOVE`), and the check
// that a Secret which changed namespace or name is not silently given new values. The state keys a value by
// `<namespace>/<secret>/<key>`, so without them a construct moved to another namespace, or given another name (a
// component's `name` prop), finds none of its values and makes every one anew: Harbor's `secret-key` among them,
// which encrypts what Harbor stored in its database.
import { SecretValue, SecretValueKind } from './secret';
import { secretOfStateKey } from './secret-record-review';
import { describeValue, isDnsLabel, isDnsSubdomain } from './validation';

/**
 * One `DOCKYARD_MOVE` entry: the values of namespace `from` go to the same Secrets and keys in `to`; or, where both
 * are `<namespace>/<secret>`, the values of that one Secret go to the same keys of the other.
 */
export interface SecretMove {
  readonly from: string;
  readonly to: string;
}

/** Whether `side` of a move names one Secret, `<namespace>/<secret>`, rather than a namespace. */
function isSecretSide(side: string): boolean {
  return side.includes('/');
}

/** The state key `key` goes to under `move`, if the move takes it. */
export function moveTarget(move: SecretMove, key: string): string | undefined {
  const prefix = `${move.from}/`;
  return key.startsWith(prefix) && !key.startsWith('file:') ? `${move.to}/${key.slice(prefix.length)}` : undefined;
}

/** Whether `side` is a namespace, or a namespace and a Secret name. */
function isMoveSide(side: string | undefined): boolean {
  if (side === undefined) return false;
  const [namespace, name, ...rest] = side.split('/');
  return rest.length === 0 && isDnsLabel(namespace) && (name === undefined || isDnsSubdomain(name));
}

/** The error of a move or of a moved Secret; the store throws it as it throws its own state errors. */
export type MoveError = (message: string) => Error;

/**
 * Parse `DOCKYARD_MOVE` entries, `<old namespace>=<new namespace>` (two DNS labels) or
 * `<old namespace>/<old secret>=<new namespace>/<new secret>` (a Secret renamed, or moved alone): the two sides
 * different and of one form, each moved from once.
 */
export function parseMoves(entries: readonly string[], fail: MoveError): SecretMove[] {
  const moves = entries.map((entry) => {
    const [from, to, ...rest] = entry.split('=');
    if (rest.length > 0 || !isMoveSide(from) || !isMoveSide(to) || from === to || isSecretSide(from) !== isSecretSide(to)) {
      throw fail(`invalid DOCKYARD_MOVE entry ${describeValue(entry)}: must be <old namespace>=<new namespace>, two different namespaces, ` +
        'each a DNS label (lower-case letters, digits and "-"), e.g. harbor=registry, or <old namespace>/<old secret>=<new namespace>/<new secret> ' +
        'for one Secret renamed, e.g. harbor/harbor-core=harbor/registry-core');
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

/**
 * The state entries `moves` carry over: for each declared generated root in a move's `to` namespace that the state
 * lacks, the value of the same Secret and key in `from`, if the state holds it and the key record made it by the
 * same recipe; and the derived values kept in `from` for Secrets declared in `to` (certificates, htpasswd lines,
 * each beside its `#inputs` fingerprint), which the store keeps only while they were made from the same inputs.
 * Inputs are not carried: a new namespace's input is read from its variable. A key the state holds in `to` is kept,
 * unless it is `stale` (its value moved away from it before: moving back takes the current value); a `stale` key is
 * never carried from, as its value is an old one. Returns the
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
  for (const move of moves) {
    const { from, to } = move;
    let carried = 0;
    for (const [key, value] of Object.entries(kept)) {
      const target = moveTarget(move, key);
      // a key whose value moved away before holds an old one, which may have been rotated away since: never a source
      if (target === undefined || (target in kept && !stale.has(target)) || stale.has(key)) {
        continue;
      }
      const root = roots.get(target);
      const derived = root === undefined && (key.endsWith(INPUTS) || `${key}${INPUTS}` in kept) && secrets.has(`${secretOfStateKey(target)}/`);
      const fits = root !== undefined && root.kind !== SecretValueKind.INPUT && (recipes[key] === undefined || recipes[key] === recipeOf(root));
      if (!fits && !derived) {
        continue;
      }
      const other = carrier.get(target);
      if (other !== undefined && other !== from) {
        throw fail(`invalid DOCKYARD_MOVE: both ${other} and ${from} hold ${key.slice(from.length + 1)}, which would go to ${target}; move one of them`);
      }
      carrier.set(target, from);
      out.set(target, { value, source: key });
      carried += fits ? 1 : 0;
    }
    if (carried === 0) {
      const what = isSecretSide(from) ? ['of the Secret', 'that this stack declares in the Secret'] : ['in', 'of a Secret this stack declares in'];
      throw fail(`invalid DOCKYARD_MOVE entry "${from}=${to}": moves nothing: the state holds no key ${what[0]} ${from}, made by the same recipe, ` +
        `${what[1]} ${to} without a value of its own (moved already, or another ${isSecretSide(from) ? 'name' : 'namespace'}?); unset it`);
    }
  }
  return out;
}

/** The suffix of a derived value's fingerprint entry in the state. */
const INPUTS = '#inputs';

/** A Secret whose values a synth would make anew, and where they are kept. */
export interface MovedKey {
  /** The state key declared now, which the state lacks. */
  readonly key: string;
  /** The kept key its value is in. */
  readonly source: string;
  /** The `DOCKYARD_MOVE` entry that carries it: `<namespace>=<namespace>`, or `<namespace>/<secret>=<namespace>/<secret>`. */
  readonly entry: string;
}

/**
 * The generated roots (random values and keys, not inputs, which the user gives) that the state lacks and does not
 * record, while it keeps, undeclared now, the same key of the same Secret under another namespace or name: a Secret
 * whose namespace or name changed, whose values a synth would make anew. That other key is the same Secret's where
 * - the same construct declared it (by its path, as the state records it: `SecretState.declaredBy`), under another
 *   namespace (a namespace prop changed) or name (a component's `name` prop); or
 * - the previous output of this very stack held its Secret (`previousSecrets`, `<namespace>/<name>`), whose name the
 *   root's Secret has in another namespace: a component moved below another construct, or into another chart, and
 *   to another namespace in the same edit.
 * Another stack's Secret of the same name on a shared state is no such key (its path differs, and this stack's
 * output never held it), nor is any key of a state written before the declaring constructs were recorded. Each with
 * the key it is kept in, the first in order where several are.
 *
 * @param declaredBy the state's record of which construct declared each key
 * @param declaring the construct path that declares each root now
 * @param previousSecrets the Secrets this stack's previous output held, as `<namespace>/<name>`
 * @param stale the kept keys whose values moved to another key since (`SecretState.movedTo`): old values, no source
 */
export function movedWithoutValues(candidates: readonly string[], roots: ReadonlyMap<string, SecretValue>,
  kept: Readonly<Record<string, string>>, declaredBy: Readonly<Record<string, string>>,
  declaring: ReadonlyMap<string, string>, previousSecrets: ReadonlySet<string> = new Set(), stale: ReadonlySet<string> = new Set()): MovedKey[] {
  const out: MovedKey[] = [];
  let index: KeptIndex | undefined;
  for (const key of candidates) {
    const at = valueKey(key);
    const value = roots.get(key);
    const path = declaring.get(key);
    if (at === undefined || value === undefined || value.kind === SecretValueKind.INPUT || path === undefined) {
      continue;
    }
    // the undeclared kept keys, by declaring path and by `<secret>/<key>`, built once, only when some root is new
    index ??= indexKept(kept, roots, declaredBy, stale);
    const sameConstruct = (index.byPath.get(path) ?? []).filter((k) => valueKey(k)!.dataKey === at.dataKey);
    const sameName = (index.byRest.get(`${at.name}/${at.dataKey}`) ?? [])
      .filter((ns) => ns !== at.namespace && previousSecrets.has(`${ns}/${at.name}`)).map((ns) => `${ns}/${at.name}/${at.dataKey}`);
    const source = sameConstruct.sort()[0] ?? sameName.sort()[0];
    if (source === undefined) {
      continue;
    }
    const from = valueKey(source)!;
    out.push({
      key, source,
      entry: from.name === at.name ? `${from.namespace}=${at.namespace}` : `${from.namespace}/${from.name}=${at.namespace}/${at.name}`,
    });
  }
  return out;
}

/** A state key's namespace, Secret name and key; undefined for a `file:` key or an entry beside a value (`#…`). */
function valueKey(stateKey: string): { namespace: string; name: string; dataKey: string } | undefined {
  const [namespace, name, dataKey, ...rest] = stateKey.split('/');
  return stateKey.startsWith('file:') || stateKey.includes('#') || dataKey === undefined || rest.length > 0 ? undefined : { namespace, name, dataKey };
}

/** The kept keys that the roots do not declare, by the path that declared them and by `<secret>/<key>` (their namespaces). */
interface KeptIndex {
  readonly byPath: Map<string, string[]>;
  readonly byRest: Map<string, string[]>;
}

function indexKept(kept: Readonly<Record<string, string>>, roots: ReadonlyMap<string, SecretValue>, declaredBy: Readonly<Record<string, string>>,
  stale: ReadonlySet<string>): KeptIndex {
  const byPath = new Map<string, string[]>();
  const byRest = new Map<string, string[]>();
  for (const key of Object.keys(kept)) {
    const at = valueKey(key);
    if (at === undefined || roots.has(key) || stale.has(key)) {
      continue;
    }
    const rest = `${at.name}/${at.dataKey}`;
    byRest.set(rest, [...(byRest.get(rest) ?? []), at.namespace]);
    const path = declaredBy[key];
    if (path !== undefined) byPath.set(path, [...(byPath.get(path) ?? []), key]);
  }
  return { byPath, byRest };
}
