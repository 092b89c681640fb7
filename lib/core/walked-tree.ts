import { IConstruct } from 'constructs';

// A tree walk handed from `synthesize`, which walks the app once, to the secret store it opens next, which would
// otherwise walk it again (a thousand teams' app is tens of thousands of constructs). Not exported from lib/core.

/** Walks of a tree (`findAll`) that the next `open` of its root takes instead of walking it again. */
const walked = new WeakMap<IConstruct, IConstruct[]>();

/**
 * Run `fn`, in which the next secret store to open `scope` (`transaction`, `render`) takes `constructs` as
 * `scope.node.findAll()`: for a caller that has just walked the tree, and runs nothing that could add to it
 * before the store opens.
 */
export function withWalkedTree<T>(scope: IConstruct, constructs: IConstruct[], fn: () => T): T {
  walked.set(scope, constructs);
  try {
    return fn();
  } finally {
    walked.delete(scope);
  }
}

/** The walk `withWalkedTree` hands to the first taker within it, if any: taken once. */
export function takeWalkedTree(scope: IConstruct): IConstruct[] | undefined {
  const constructs = walked.get(scope);
  walked.delete(scope);
  return constructs;
}
