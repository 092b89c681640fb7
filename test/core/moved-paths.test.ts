import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { followMovedPaths } from '../../lib/core/moved-paths';

// The state's record of who declared each key follows a component that moved (lib/core/moved-paths.ts), so that a
// robot retired, or left, by a Harbor wrapped in a new construct is still known as that Harbor's.

/** An app with chart `dockyard` and the constructs at `paths` below it (each path from the chart). */
function appWith(paths: string[]): Construct[] {
  const app = new App();
  const chart = new Chart(app, 'dockyard');
  for (const p of paths) {
    let scope: Construct = chart;
    for (const id of p.split('/')) {
      scope = (scope.node.tryFindChild(id) as Construct | undefined) ?? new Construct(scope, id);
    }
  }
  return app.node.findAll();
}

describe('followMovedPaths', () => {
  test('a key not declared now follows the move of a declared key of the same component, at the deepest part that moved', () => {
    const all = appWith(['Registry/Harbor/Core/Secret', 'Registry/Harbor/Robot-keep/Secret']);
    const recorded = {
      'harbor/core/key': 'dockyard/Harbor/Core/Secret',
      'harbor/robot-keep/secret': 'dockyard/Harbor/Robot-keep/Secret',
      'harbor/robot-gone/secret': 'dockyard/Harbor/Robot-gone/Secret',
    };
    const declaring = new Map([['harbor/core/key', 'dockyard/Registry/Harbor/Core/Secret'], ['harbor/robot-keep/secret', 'dockyard/Registry/Harbor/Robot-keep/Secret']]);
    expect(followMovedPaths(recorded, declaring, all)['harbor/robot-gone/secret']).toBe('dockyard/Registry/Harbor/Robot-gone/Secret');
  });

  test('what did not move keeps its path: a component beside one that moved, the chart a component was wrapped in', () => {
    // Redis wrapped in Cache, Harbor where it was: a robot Harbor left stays Harbor's, not moved into Cache
    const all = appWith(['Cache/Redis/Password/Secret', 'Harbor/Core/Secret']);
    const recorded = {
      'cache/redis/password': 'dockyard/Redis/Password/Secret',
      'harbor/core/key': 'dockyard/Harbor/Core/Secret',
      'harbor/robot-gone/secret': 'dockyard/Harbor/Robot-gone/Secret',
      'other/thing/key': 'dockyard/Thing/Secret',
    };
    const declaring = new Map([['cache/redis/password', 'dockyard/Cache/Redis/Password/Secret'], ['harbor/core/key', 'dockyard/Harbor/Core/Secret']]);
    const out = followMovedPaths(recorded, declaring, all);
    expect(out['harbor/robot-gone/secret']).toBe('dockyard/Harbor/Robot-gone/Secret');
    expect(out['other/thing/key']).toBe('dockyard/Thing/Secret');
  });

  test('another stack\'s chart, and two moves of one part to different places, move nothing', () => {
    const all = appWith(['Harbor/Core/Secret', 'A/Harbor/Robot-x/Secret', 'B/Harbor/Robot-y/Secret']);
    // declared now by this stack, last recorded as another stack's (chart "other", not in this app)
    expect(followMovedPaths({ 'h/core/key': 'other/Harbor/Core/Secret', 'h/robot-ci/secret': 'other/Harbor/Robot-ci/Secret' },
      new Map([['h/core/key', 'dockyard/Harbor/Core/Secret']]), all)['h/robot-ci/secret']).toBe('other/Harbor/Robot-ci/Secret');
    // dockyard/Harbor moved to both A/Harbor and B/Harbor: ambiguous
    const recorded = { x: 'dockyard/Harbor/Robot-x/Secret', y: 'dockyard/Harbor/Robot-y/Secret', z: 'dockyard/Harbor/Robot-z/Secret' };
    const declaring = new Map([['x', 'dockyard/A/Harbor/Robot-x/Secret'], ['y', 'dockyard/B/Harbor/Robot-y/Secret']]);
    expect(followMovedPaths(recorded, declaring, appWith(['A/Harbor/Robot-x/Secret', 'B/Harbor/Robot-y/Secret'])).z).toBe('dockyard/Harbor/Robot-z/Secret');
  });
});
