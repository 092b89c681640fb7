import { IConstruct } from 'constructs';
import { reaches } from './in-tree';

/**
 * Constructs of a few kinds, recorded by app root as they are made, so that finding the few of them in an app
 * (`Secret.requiredIn`, `OutputFile.allIn`, a pod's Secret by name) need not walk a tree of tens of thousands of
 * constructs: what `scope.node.findAll()` would give, filtered by kind, in the same order.
 */

/** Per root, the constructs of each kind, in the order they were made. */
const byRoot = new WeakMap<IConstruct, Map<Function, IConstruct[]>>();

/** Per root, the constructs of each kind recorded with a name, by name, in the order they were made. */
const byName = new WeakMap<IConstruct, Map<Function, Map<string, IConstruct[]>>>();

/**
 * Record `construct` as one of `kind`: call it from the constructor of `kind`, so every instance is recorded. With
 * a `name`, `firstInstance` finds it by that name in one lookup, however many of its kind the app holds.
 *
 * @internal
 */
export function recordInstance(kind: Function, construct: IConstruct, name?: string): void {
  const root = construct.node.root;
  append(entryOf(byRoot, root, () => new Map<Function, IConstruct[]>()), kind, construct);
  if (name !== undefined) {
    const kinds = entryOf(byName, root, () => new Map<Function, Map<string, IConstruct[]>>());
    append(entryOf(kinds, kind, () => new Map<string, IConstruct[]>()), name, construct);
  }
}

/** `map.get(key)`, set to `make()` first if absent. */
function entryOf<K extends object, V>(map: Map<K, V> | WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Append `construct` to the list of `key`. */
function append<K>(lists: Map<K, IConstruct[]>, key: K, construct: IConstruct): void {
  const list = lists.get(key);
  if (list === undefined) {
    lists.set(key, [construct]);
  } else {
    list.push(construct);
  }
}

/** Up to how many recorded instances are put in tree order directly; beyond, the tree is walked. */
const FEW = 16;

/**
 * `scope.node.findAll().filter((c) => c instanceof kind)`, for a `kind` that records its instances: the recorded
 * ones that `scope` reaches, in the tree's pre-order.
 *
 * @internal
 */
export function instancesIn<T extends IConstruct>(scope: IConstruct, kind: abstract new (...args: any[]) => T): T[] {
  const recorded = byRoot.get(scope.node.root)?.get(kind) ?? [];
  if (recorded.length > FEW) {
    return scope.node.findAll().filter((c): c is T => c instanceof kind);
  }
  return inTreeOrder(recorded.filter((c): c is T => c instanceof kind && reaches(scope, c)));
}

/**
 * The first instance of `kind` recorded with `name` in the app of `scope` that `match`es, in the tree's pre-order:
 * `scope.node.root.node.findAll().find((c) => c instanceof kind && <its name is name> && match(c))`, without
 * walking the tree: only the instances of that name are looked at.
 *
 * @internal
 */
export function firstInstance<T extends IConstruct>(scope: IConstruct, kind: abstract new (...args: any[]) => T,
  name: string, match: (c: T) => boolean): T | undefined {
  const root = scope.node.root;
  const named = byName.get(root)?.get(kind)?.get(name) ?? [];
  return inTreeOrder(named.filter((c): c is T => c instanceof kind && reaches(root, c) && match(c)))[0];
}

/** `constructs` (of one tree, distinct) sorted as `findAll` lists them: parents first, siblings as `children`. */
function inTreeOrder<T extends IConstruct>(constructs: T[]): T[] {
  return constructs.length < 2 ? constructs : constructs.sort((a, b) => {
    const pa = a.node.scopes;
    const pb = b.node.scopes;
    let i = 0;
    while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
    if (i === pa.length) return -1;
    if (i === pb.length) return 1;
    const siblings = pa[i - 1].node.children;
    return siblings.indexOf(pa[i]) - siblings.indexOf(pb[i]);
  });
}
