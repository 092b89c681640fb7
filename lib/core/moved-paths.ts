import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

// The secret state records which construct declared each key (`SecretState.declaredBy`), by its path, and a robot's
// retirement, and the reviews of robots left in Harbor, compare that path with where the robot's Harbor is now. A
// component wrapped in a new construct, or moved into another chart of the stack, keeps its values (its Secrets keep
// their names) but changes every path: a robot retired in that synth then matched no record, kept its revoked value,
// and got it back when declared again (an accidental-rotation trial). So the paths of the keys not declared now follow
// the paths of those declared now: where a declared key's recorded construct is gone from a chart the stack still
// has, its old path and new path give the move, and every other key recorded below the old path is moved with it.
// Not exported from lib/core.

/**
 * `recorded` (the state's `declaredBy`) with the keys not declared now moved as the declared keys' paths moved
 * (`declaring`, each declared key's path now). A move is taken from a declared key whose recorded path is gone from
 * `all` (the app's constructs) while its first segment is a chart of the app, or one of this stack's previous output
 * (`previousCharts`, which its mark lists: a chart renamed): another stack's chart is no move of this one, even where
 * the two declare a Secret alike (a shared state's). Each move is known at every depth of the part both paths share at
 * their end (`dockyard/Harbor/Robot-a/Secret` to `dockyard/Registry/Harbor/Robot-a/Secret` moves `dockyard/Harbor` to
 * `dockyard/Registry/Harbor`, and so on), and a key's path follows the longest one that fits it, unless two declared
 * keys moved it to different places; a part of a path that is still there (the chart a component was wrapped in) is
 * no move.
 */
export function followMovedPaths(recorded: Readonly<Record<string, string>>, declaring: ReadonlyMap<string, string>,
  all: readonly IConstruct[], previousCharts: ReadonlySet<string> = new Set()): Readonly<Record<string, string>> {
  let present: Set<string> | undefined;
  let charts: Set<string> | undefined;
  const moves = new Map<string, Set<string>>();
  for (const [key, now] of declaring) {
    const before = recorded[key];
    if (before === undefined || before === now) {
      continue;
    }
    present ??= new Set(all.map((c) => c.node.path));
    charts ??= new Set(all.filter((c) => Chart.isChart(c)).map((c) => c.node.path));
    const old = before.split('/');
    // this stack's chart, or one it renamed since its previous output (whose mark lists its charts)
    const ours = charts.has(old[0]) || previousCharts.has(old[0]);
    if (present.has(before) || !ours) {
      continue;
    }
    const next = now.split('/');
    let shared = 0;
    while (shared < Math.min(old.length, next.length) - 1 && old[old.length - 1 - shared] === next[next.length - 1 - shared]) {
      shared++;
    }
    for (let i = 0; i < shared; i++) {
      const from = old.slice(0, old.length - shared + i).join('/');
      // a construct still there did not move (the chart a component left, or the one it was wrapped in)
      if (!present.has(from)) {
        const to = next.slice(0, next.length - shared + i).join('/');
        moves.set(from, (moves.get(from) ?? new Set()).add(to));
      }
    }
  }
  if (moves.size === 0) {
    return recorded;
  }
  const out: Record<string, string> = { ...recorded };
  for (const [key, path] of Object.entries(recorded)) {
    if (declaring.has(key) || present!.has(path)) {
      continue;
    }
    const segments = path.split('/');
    for (let n = segments.length - 1; n > 0; n--) {
      const targets = moves.get(segments.slice(0, n).join('/'));
      if (targets !== undefined) {
        if (targets.size === 1) out[key] = [[...targets][0], ...segments.slice(n)].join('/');
        break;
      }
    }
  }
  return out;
}
