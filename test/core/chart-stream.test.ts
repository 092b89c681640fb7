// `synthesize` writes a DockyardChart's manifest object by object (DockyardChart._toYamlChunks, lib/core/chart.ts)
// instead of `toYaml(chart.toJson())`: the bytes, the errors and the warnings must be the same. Each case builds the
// same chart twice, in two apps, and compares the two ways.
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { DockyardChart, toYaml } from '../../lib';
import { kube } from '../../lib/core/k8s';
import { EXAMPLE_STACKS } from '../stacks';

/** The result of `fn`: its value, or the message it threw, and what it wrote on stderr. */
function outcome(fn: () => string): { value?: string; error?: string; stderr: string } {
  let stderr = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { value: fn(), stderr };
  } catch (e) {
    return { error: String((e as Error).message), stderr };
  } finally {
    spy.mockRestore();
  }
}

/** Both ways of writing the chart `build` makes, each in an app of its own. */
function bothWays(build: (app: App) => Chart) {
  const viaJson = outcome(() => toYaml(build(new App()).toJson()));
  const streamed = outcome(() => Buffer.concat((build(new App()) as DockyardChart)._toYamlChunks()).toString('utf8'));
  return { viaJson, streamed };
}

const big = (kib: number) => 'x'.repeat(kib * 1024);

describe('a DockyardChart written object by object', () => {
  const stacks: [string, (app: App) => Chart][] = [
    ...EXAMPLE_STACKS.map(({ name, build }) => [name, (app: App) => build(app)] as [string, (app: App) => Chart]),
    ['teams (20)', (app) => teamsStack(app, { ...DEFAULT_CONFIG, teams: 20 })],
  ];

  test.each(stacks)('the %s stack is the same bytes as toYaml(toJson())', (_name, build) => {
    const { viaJson, streamed } = bothWays(build);
    expect(viaJson.value).toBeDefined();
    expect(streamed).toEqual(viaJson);
  });

  /** A chart with every case the streaming must put back in toJson's order. */
  const tricky = (extra: (chart: Chart) => void) => (app: App) => {
    const chart = new DockyardChart(app, 'c', { namespace: 'apps' });
    kube(chart, 'Cm0', 'ConfigMap', { metadata: { name: 'early' }, data: { a: '1' } });
    // a workload that reads a ConfigMap defined after it, and one defined before it
    kube(chart, 'Web', 'Deployment', {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx', envFrom: [{ configMapRef: { name: 'late' } }, { configMapRef: { name: 'early' } }, { configMapRef: { name: 'last' } }] }] },
        },
      },
    });
    kube(chart, 'Ns1', 'Namespace', { metadata: { name: 'one' } });
    kube(chart, 'Role', 'ClusterRole', { metadata: { name: 'reader' }, rules: [] });
    kube(chart, 'Cm1', 'ConfigMap', { metadata: { name: 'late' }, data: { b: Lazy.any({ produce: () => '2' }) as any } });
    kube(chart, 'Ns2', 'Namespace', { metadata: { name: 'two' } });
    kube(chart, 'Cm2', 'ConfigMap', { metadata: { name: 'last' }, data: { a: 'after' } });
    extra(chart);
    kube(chart, 'Ns3', 'Namespace', { metadata: { name: 'three' } });
    return chart;
  };

  test('namespaces first, checksums over ConfigMaps defined later, cluster objects without a namespace', () => {
    const { viaJson, streamed } = bothWays(tricky(() => undefined));
    expect(viaJson.value).toMatch(/^apiVersion: v1\nkind: Namespace\n/);
    expect(viaJson.value).toContain('dockyard.dev/inputs-checksum');
    expect(streamed).toEqual(viaJson);
  });

  test('ServiceAccounts that list pull secrets after the namespaces, before the workloads made before them', () => {
    const { viaJson, streamed } = bothWays(tricky((chart) => {
      kube(chart, 'Account', 'ServiceAccount', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'harbor-pull' }] });
    }));
    const kinds = [...viaJson.value!.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    expect(kinds.indexOf('ServiceAccount')).toBe(kinds.lastIndexOf('Namespace') + 1);
    expect(kinds.indexOf('ServiceAccount')).toBeLessThan(kinds.indexOf('Deployment'));
    expect(streamed).toEqual(viaJson);
  });

  test('a large object warns, in toJson\'s order, and its document stays in place', () => {
    const { viaJson, streamed } = bothWays(tricky((chart) => {
      kube(chart, 'Big1', 'ConfigMap', { metadata: { name: 'big1' }, data: { x: big(260) } });
      kube(chart, 'Small', 'ConfigMap', { metadata: { name: 'small' }, data: { x: 'y' } });
      kube(chart, 'Big2', 'ConfigMap', { metadata: { name: 'big2' }, data: { x: big(300) } });
    }));
    expect(viaJson.stderr).toMatch(/big1[^\n]*\n[^\n]*big2/);
    expect(streamed).toEqual(viaJson);
  });

  test('an object too large for any cluster fails the same way', () => {
    const { viaJson, streamed } = bothWays(tricky((chart) => {
      kube(chart, 'Huge', 'ConfigMap', { metadata: { name: 'huge' }, data: { x: big(1100) } });
    }));
    expect(viaJson.error).toMatch(/ConfigMap apps\/huge/);
    expect(streamed).toEqual(viaJson);
  });

  test('a number YAML cannot write fails only after every object is finished, with toYaml\'s error', () => {
    const { viaJson, streamed } = bothWays(tricky((chart) => {
      kube(chart, 'Nan', 'ConfigMap', { metadata: { name: 'nan' }, data: { x: NaN as any } });
      kube(chart, 'Inf', 'ConfigMap', { metadata: { name: 'inf' }, data: { x: Infinity as any } });
      kube(chart, 'Huge', 'ConfigMap', { metadata: { name: 'huge' }, data: { x: big(1100) } });
    }));
    // the size check comes first
    expect(viaJson.error).toMatch(/ConfigMap apps\/huge/);
    expect(streamed).toEqual(viaJson);
    const yamlOnly = bothWays(tricky((chart) => {
      kube(chart, 'Inf', 'ConfigMap', { metadata: { name: 'inf' }, data: { x: Infinity as any } });
      kube(chart, 'Nan', 'Namespace', { metadata: { name: 'nan', labels: { n: NaN as any } } });
    }));
    // the Namespace's NaN comes first in the file, though defined after the ConfigMap's Infinity
    expect(yamlOnly.viaJson.error).toBe('toYaml: cannot write the non-finite number NaN');
    expect(yamlOnly.streamed).toEqual(yamlOnly.viaJson);
  });

  test('an error while rendering wins over everything found after rendering', () => {
    const { viaJson, streamed } = bothWays(tricky((chart) => {
      kube(chart, 'Huge', 'ConfigMap', { metadata: { name: 'huge' }, data: { x: big(1100) } });
      kube(chart, 'Broken', 'ConfigMap', { metadata: { name: 'broken' }, data: Lazy.any({ produce: () => { throw new Error('no data'); } }) as any });
    }));
    expect(viaJson.error).toMatch(/no data/);
    expect(streamed).toEqual(viaJson);
  });

  test('a chart with dependencies, or a subclass that renders itself, goes through toJson', () => {
    const withDependency = bothWays(tricky((chart) => {
      const a = kube(chart, 'A', 'ConfigMap', { metadata: { name: 'a' } });
      const b = kube(chart, 'B', 'ConfigMap', { metadata: { name: 'b' } });
      a.addDependency(b);
    }));
    expect(withDependency.streamed).toEqual(withDependency.viaJson);
    class Own extends DockyardChart {
      public toJson(): any[] {
        return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'own' } }];
      }
    }
    const own = bothWays((app) => new Own(app, 'own'));
    expect(own.streamed).toEqual({ value: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n', stderr: '' });
  });

  test('an ApiObject that renders as something else than an object is finished as toJson would', () => {
    class Odd extends ApiObject {
      public toJson(): any {
        return this.name === 'null' ? null : { kind: 7, metadata: undefined };
      }
    }
    const odd = (name: string) => (app: App) => {
      const chart = tricky(() => undefined)(app);
      new Odd(new Construct(chart, 'Odd'), 'X', { apiVersion: 'v1', kind: 'Odd', metadata: { name } });
      return chart;
    };
    for (const name of ['null', 'shapeless']) {
      const { viaJson, streamed } = bothWays(odd(name));
      expect(streamed).toEqual(viaJson);
    }
  });
});
