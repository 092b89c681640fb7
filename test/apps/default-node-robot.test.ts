import { App } from 'cdk8s';
import { loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';

/**
 * The nodes' own Harbor robot, `node-puller`, lives only while the nodes pull Docker Hub through Harbor's proxy
 * cache. With `DOCKYARD_IMAGE_MIRROR` set the stack declares no proxy cache and writes no node mirror files, and a
 * robot merely left undeclared would stay live in Harbor with its non-expiring secret (the configuration Jobs delete
 * only what `retiredRobots` names: lib/harbor/configure.js, "Retired robots"), so the mirror stack retires it.
 */
function harborRobots(env: NodeJS.ProcessEnv): { retired: string[]; declared: string[] } {
  const objects = defaultStack(new App({ outdir: '/nonexistent' }), loadConfig(env)).toJson();
  const chunks = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'harbor' && o.data?.['config.json'])
    .map((c) => JSON.parse(c.data['config.json']));
  expect(chunks.length).toBeGreaterThan(0);
  return {
    retired: chunks.flatMap((s) => s.retiredRobots ?? []).sort(),
    declared: chunks.flatMap((s) => s.robots.map((r: any) => r.name)).sort(),
  };
}

describe('default stack: the nodes\' robot', () => {
  test('without a mirror, node-puller is declared and nothing is retired', () => {
    const robots = harborRobots({});
    expect(robots.declared).toEqual(['drone', 'node-puller', 'puller']);
    expect(robots.retired).toEqual([]);
  });

  test.each([
    [{ DOCKYARD_IMAGE_MIRROR: 'registry.example.com/mirror' }],
    [{ DOCKYARD_IMAGE_MIRROR: 'registry.example.com:5000/mirror', DOCKYARD_IMAGE_MIRROR_USER: 'bob' }],
  ])('with a mirror (%j), node-puller is retired, and only it', (env) => {
    const robots = harborRobots(env);
    expect(robots.retired).toEqual(['node-puller']);
    expect(robots.declared).toEqual(['drone', 'puller']);
  });
});
