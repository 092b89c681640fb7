import { platformGraph, secretsRead, selectorMatches, toDot } from '../../lib/diagram';

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const deployment = (namespace: string, name: string, labels: Record<string, string>, spec: any = { containers: [] }) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { metadata: { labels }, spec } },
});
const cronJob = (namespace: string, name: string, labels: Record<string, string>) => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace },
  spec: { jobTemplate: { spec: { template: { metadata: { labels }, spec: { containers: [] } } } } },
});
const policy = (namespace: string, name: string, podSelector: any, ingress: any[]) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector, policyTypes: ['Ingress'], ingress },
});
const network = (objects: any[]) => platformGraph(objects).edges.filter((e) => e.kind === 'network').map((e) => `${e.from} -> ${e.to}: ${e.label}`);

describe('platform graph', () => {
  test('resolves pod and namespace selectors, ipBlocks, rules without peers, and peers outside the stack', () => {
    const objects = [
      ns('app', { team: 'a' }), ns('ops', { team: 'a' }), ns('idle'),
      deployment('app', 'api', { app: 'api', tier: 'web' }),
      deployment('app', 'worker', { app: 'worker' }),
      cronJob('ops', 'backup', { app: 'backup' }),
      policy('app', 'api', { matchLabels: { app: 'api' } }, [
        { from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['worker', 'nope'] }] } }], ports: [{ port: 8080 }, { port: 53, protocol: 'UDP' }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9090 }] },
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { app: 'backup' } } }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 443 }] },
        { from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ port: 8080 }] },
      ]),
      policy('app', 'worker', { matchLabels: { app: 'worker' } }, [{ ports: [{ port: 9000, endPort: 9100 }] }]),
      policy('ops', 'ghost', { matchLabels: { app: 'gone' } }, [{ from: [{ podSelector: { matchLabels: { app: 'nobody' } } }], ports: [{ port: 1 }] }]),
    ];
    expect(network(objects)).toEqual([
      'anywhere -> workload/app/Deployment/worker: 9000-9100',
      'ip-block/10.0.0.0/8 except 10.1.0.0/16 -> workload/app/Deployment/api: 443',
      'namespace/monitoring -> workload/app/Deployment/api: 9090',
      'namespaces/team=a/* -> workload/app/Deployment/api: 8080',
      'pods/app/* -> workload/app/Deployment/api: 8080',
      'pods/ops/* -> workload/app/Deployment/api: 8080',
      'pods/ops/app=nobody -> pods/ops/app=gone: 1',
      'workload/app/Deployment/worker -> workload/app/Deployment/api: 53/UDP, 8080',
      'workload/ops/CronJob/backup -> workload/app/Deployment/api: any port',
    ]);
    const graph = platformGraph(objects);
    expect(graph.namespaces).toEqual(['app', 'idle', 'ops']);
    expect(graph.nodes.find((n) => n.id === 'empty/idle')).toMatchObject({ namespace: 'idle', label: ['no workloads'] });
    expect(graph.nodes.find((n) => n.id === 'workload/ops/CronJob/backup')?.label).toEqual(['backup', 'CronJob, no ingress policy']);
    expect(toDot(graph)).toContain('subgraph "cluster_idle" {');
  });

  test('egress-only policies draw no ingress path', () => {
    const egress = { ...policy('app', 'api', {}, []), spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } };
    expect(network([ns('app'), deployment('app', 'api', { app: 'api' }), egress])).toEqual([]);
  });

  test('reads Secret names from env, envFrom, volumes, projected volumes and imagePullSecrets, never their data', () => {
    const read = secretsRead({
      initContainers: [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }, { name: 'B', value: 'literal' }] }],
      containers: [{ envFrom: [{ secretRef: { name: 's-from' } }, { configMapRef: { name: 'cm' } }] }],
      volumes: [{ name: 'v', secret: { secretName: 's-vol' } }, { name: 'p', projected: { sources: [{ secret: { name: 's-proj' } }, { configMap: { name: 'cm' } }] } }],
      imagePullSecrets: [{ name: 's-pull' }, { name: 's-env' }],
    });
    expect(Object.fromEntries([...read].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      's-env': ['env', 'imagePullSecrets'], 's-from': ['envFrom'], 's-vol': ['volume'], 's-proj': ['projected volume'], 's-pull': ['imagePullSecrets'],
    });
    const objects = [ns('app'), deployment('app', 'api', {}, { containers: [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] }),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'app' }, stringData: { k: 'hunter2-super-secret' } }];
    const dot = toDot(platformGraph(objects));
    expect(dot).toContain('"secret/app/s" -> "workload/app/Deployment/api" [class="secret", label="env"');
    expect(dot).not.toContain('hunter2');
  });

  test('label selectors match as Kubernetes does', () => {
    const labels = { a: '1', b: '2' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['3'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});
