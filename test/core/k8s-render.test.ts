// Dockyard's objects render faster than cdk8s's ApiObject.toJson (lib/core/k8s.ts KubeObject), and must render
// exactly as it does: every object of every example stack (the teams stack with 20 teams), compared with cdk8s's own
// rendering of the same object, and the fallbacks (JSON patches, an app with resolvers of its own) go through cdk8s.
import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { kube } from '../../lib/core/k8s';
import { EXAMPLE_STACKS } from '../stacks';

// what an object does once rendered (`kube`'s `finish`: a Job named by its pod template, lib/core/job.ts) follows
// either rendering, so it is applied to cdk8s's too
const cdk8sRendering = (o: ApiObject) => {
  const rendered = ApiObject.prototype.toJson.call(o);
  (o as unknown as { finish?: (rendered: any) => void }).finish?.(rendered);
  return rendered;
};

describe('KubeObject renders as cdk8s does', () => {
  const builds: [string, (app: App) => Chart][] = [
    ...EXAMPLE_STACKS.map(({ name, build }) => [name, (app: App) => build(app)] as [string, (app: App) => Chart]),
    ['teams (20)', (app) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 20 })],
  ];

  test.each(builds)('every object of the %s stack, key order included', (_name, build) => {
    const app = new App();
    const chart = build(app);
    chart.toJson(); // settle the lazies that depend on the whole chart, as a synth does
    const objects = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(20);
    for (const o of objects) {
      expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(cdk8sRendering(o)));
    }
  });

  test('values of every kind: lazies, tokens, unions, nulls, nested arrays', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const union = new (class { public constructor(public readonly value: string | number) {} })(8080);
    const o = kube(chart, 'X', 'ConfigMap', {
      metadata: { name: 'x', labels: { b: '2', a: '1' } },
      data: Lazy.any({ produce: () => ({ z: 'last', a: Lazy.any({ produce: () => 'lazy' }), n: undefined }) }) as any,
      binaryData: { token: { resolve: () => 'resolved' } } as any,
      immutable: null as any,
    });
    (o as any).props.extra = [[union, null, { y: 1, x: [Lazy.any({ produce: () => 2 })] }]];
    expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(cdk8sRendering(o)));
  });

  test('an object with JSON patches, or an app with its own resolvers, goes through cdk8s', () => {
    const app = new App({ resolvers: [new (class implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (context.value === 'replace-me') context.replaceValue('replaced');
      }
    })()] });
    const chart = new Chart(app, 'c');
    const custom = kube(chart, 'A', 'ConfigMap', { metadata: { name: 'a' }, data: { k: 'replace-me' } });
    expect(custom.toJson().data).toEqual({ k: 'replaced' });
    const patched = kube(new Chart(new App(), 'd'), 'B', 'ConfigMap', { metadata: { name: 'b' }, data: { k: 'v' } });
    patched.addJsonPatch(JsonPatch.add('/data/p', 'patched'));
    expect(patched.toJson().data).toEqual({ k: 'v', p: 'patched' });
  });
});
