import { IConstruct } from 'constructs';

/**
 * Constructs of a few kinds, recorded by app root as they are made, so that finding the few of them in an app
 * (`Secret.requiredIn`, `OutputFile.allIn`, a pod's Secret by name) need not walk a tree of tens of thousands of
 * constructs: what `scope.node.findAll()` would give, filtered by kind, in the same order.
 */

/** Per root, the constructs of each kind, in the order they were made. */
const byRoot = new WeakMap<IConstruct, Map<Function, IConstruct[]>>();

/**
 * Record `construct` as one of `kind`: call it from the constructor of `kind`, so every instance is recorded.
 *
 * @internal
 */
export function recordInstance(kind: Function, construct: IConstruct): void {
  const root = construct.node.root;
  let kinds = byRoot.get(root);
  if (kinds === undefined) {
    kinds = new Map();
    byRoot.set(root, kinds);
  }
  const list = kinds.get(kind);
  if (list === undefined) {
    kinds.set(kind, [construct]);
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
 * The recorded instances of `kind` below `root` that `match`, the first of them in the tree's pre-order:
 * `root.node.findAll().find((c) => c instanceof kind && match(c))`, without walking the tree.
 *
 * @internal
 */
export function firstInstance<T extends IConstruct>(root: IConstruct, kind: abstract new (...args: any[]) => T,
  candidates: readonly T[], match: (c: T) => boolean): T | undefined {
  return inTreeOrder(candidates.filter((c) => c instanceof kind && reaches(root, c) && match(c)))[0];
}

/** Whether `scope.node.findAll()` includes `c`: `scope` is `c` or an ancestor, and every link between them holds. */
function reaches(scope: IConstruct, c: IConstruct): boolean {
  for (let child = c; child !== scope;) {
    const parent = child.node.scope;
    // a construct removed from its parent (`tryRemoveChild`) is no longer in the tree
    if (parent === undefined || parent.node.tryFindChild(child.node.id) !== child) {
      return false;
    }
    child = parent;
  }
  return true;
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
