import { IConstruct } from 'constructs';

// Whether a construct is still part of its tree. `tryRemoveChild` (a team refused halfway, `TeamPlatform.addTeam`;
// a caller retrying a construct that threw) unlinks a construct from its parent but leaves its `scope` set, so a
// registry that recorded it must ask this before it counts it. Not exported from lib/core.

/** Whether `scope.node.findAll()` includes `c`: `scope` is `c` or an ancestor, and every link between them holds. */
export function reaches(scope: IConstruct, c: IConstruct): boolean {
  for (let child = c; child !== scope;) {
    const parent = child.node.scope;
    if (parent === undefined || parent.node.tryFindChild(child.node.id) !== child) {
      return false;
    }
    child = parent;
  }
  return true;
}

/** Whether `construct` is still a child of each of its scopes up to the root. */
export function isInTree(construct: IConstruct): boolean {
  return reaches(construct.node.root, construct);
}
