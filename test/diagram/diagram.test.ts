import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { platformDiagram, platformGraph, runDiagramCli, toDot } from '../../lib/diagram';
import { EXAMPLE_STACKS, ExampleStack } from '../stacks';
import { svgTexts } from './svg';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const NAME_LABEL = 'kubernetes.io/metadata.name';

let stack: ExampleStack;
let dot: string;
let svg: string;
const roots: string[] = [];

beforeAll(async () => {
  stack = EXAMPLE_STACKS.find((s) => s.name === 'default')!.synth();
  ({ dot, svg } = await platformDiagram(stack.objects));
});
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

function tempDir(files: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-diagram-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(root, file), content);
  return root;
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runDiagramCli(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

/** The edges of a DOT source of one class, as `from -> to` with their labels. */
function dotEdges(source: string, cls: string): { key: string; label: string }[] {
  const unquote = (s: string) => s.replace(/\\(.)/g, '$1');
  return source.split('\n').flatMap((line) => {
    const m = /^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)" \[class="([^"]*)", label="((?:[^"\\]|\\.)*)"/.exec(line);
    return m && m[3] === cls ? [{ key: `${unquote(m[1])} -> ${unquote(m[2])}`, label: unquote(m[4]) }] : [];
  });
}

const workloadsOf = (objects: any[]) => objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
const podLabels = (w: any) => (w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template).metadata?.labels ?? {};
const matches = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

/**
 * The (peer, workload) paths the NetworkPolicies admit, computed on their own from the default stack's policies, which
 * use only `matchLabels`, a namespace pinned by name, and no ipBlock.
 */
function expectedPaths(objects: any[]): Map<string, string> {
  const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const workloads = workloadsOf(objects);
  const ports = new Map<string, Set<number>>();
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    if (!(policy.spec.policyTypes ?? ['Ingress']).includes('Ingress')) continue;
    const ns = policy.metadata.namespace;
    const selector = policy.spec.podSelector.matchLabels ?? {};
    expect(policy.spec.podSelector.matchExpressions).toBeUndefined();
    const targets = Object.keys(selector).length === 0 ? [`pods/${ns}/*`]
      : workloads.filter((w) => w.metadata.namespace === ns && matches(selector, podLabels(w)))
        .map((w) => `workload/${ns}/${w.kind}/${w.metadata.name}`);
    for (const rule of policy.spec.ingress ?? []) {
      expect(rule.from?.length).toBeGreaterThan(0);
      for (const peer of rule.from) {
        expect(peer.ipBlock).toBeUndefined();
        const peerNs: string = peer.namespaceSelector ? peer.namespaceSelector.matchLabels[NAME_LABEL] : ns;
        expect(peerNs).toBeDefined();
        const sources = peer.podSelector === undefined
          ? [namespaces.has(peerNs) ? `pods/${peerNs}/*` : `namespace/${peerNs}`]
          : workloads.filter((w) => w.metadata.namespace === peerNs && matches(peer.podSelector.matchLabels, podLabels(w)))
            .map((w) => `workload/${peerNs}/${w.kind}/${w.metadata.name}`);
        expect(sources.length).toBeGreaterThan(0);
        for (const source of sources) {
          for (const target of targets) {
            const key = `${source} -> ${target}`;
            const set = ports.get(key) ?? new Set();
            rule.ports.forEach((p: any) => set.add(p.port));
            ports.set(key, set);
          }
        }
      }
    }
  }
  return new Map([...ports].map(([key, set]) => [key, [...set].sort((a, b) => a - b).join(', ')]));
}

describe('platform diagram of the default stack', () => {
  test('the SVG is well-formed XML that names every workload and namespace', () => {
    const texts = new Set(svgTexts(svg));
    const workloads = workloadsOf(stack.objects);
    expect(workloads.length).toBeGreaterThan(5);
    for (const w of workloads) {
      expect(texts).toContain(w.metadata.name);
      expect(texts).toContain(w.kind);
    }
    const namespaces = new Set([...stack.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name),
      ...workloads.map((w) => w.metadata.namespace)]);
    expect(namespaces.size).toBeGreaterThanOrEqual(5);
    for (const ns of namespaces) expect(texts).toContain(`namespace ${ns}`);
    // the ingress controller's namespace is outside the stack: a node of its own
    expect(texts).toContain('namespace ingress-nginx');
  });

  test('the DOT has exactly one edge for each (peer, workload) path the NetworkPolicies admit, labelled with its ports', () => {
    const expected = expectedPaths(stack.objects);
    const edges = dotEdges(dot, 'network');
    expect(edges.length).toBe(new Set(edges.map((e) => e.key)).size);
    expect(new Map(edges.map((e) => [e.key, e.label]))).toEqual(expected);
    // spot checks of the security model in the README
    expect(expected.get('namespace/ingress-nginx -> workload/dockyard/Deployment/drone')).toBe('8080');
    expect(expected.get('workload/dockyard/Deployment/drone-runner -> workload/dockyard/Deployment/drone-secrets')).toBe('3000');
    expect([...expected.keys()].filter((k) => k.endsWith('-> workload/dockyard/Deployment/drone-runner'))).toEqual([]);
  });

  test('each workload is linked to the Secrets it reads, by name', () => {
    const edges = new Map(dotEdges(dot, 'secret').map((e) => [e.key, e.label]));
    expect(edges.get('secret/dockyard/drone-oauth -> workload/dockyard/Deployment/drone')).toBe('env');
    expect(edges.get('secret/harbor/harbor-registry-htpasswd -> workload/harbor/Deployment/harbor-registry')).toBe('volume');
    expect(edges.get('secret/dockyard/registry-credentials -> workload/dockyard/Deployment/drone')).toBe('imagePullSecrets');
    for (const w of workloadsOf(stack.objects)) {
      const spec = (w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template).spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const env of c.env ?? []) {
          const name = env.valueFrom?.secretKeyRef?.name;
          if (name) expect(edges.has(`secret/${w.metadata.namespace}/${name} -> workload/${w.metadata.namespace}/${w.kind}/${w.metadata.name}`)).toBe(true);
        }
      }
    }
  });

  test('no secret value appears in the DOT or the SVG', () => {
    const values = stack.secrets.flatMap((s) => [
      ...Object.values<string>(s.data ?? {}).flatMap((b64) => [b64, Buffer.from(b64, 'base64').toString('utf8')]),
      ...Object.values<string>(s.stringData ?? {}),
    ]).filter((v) => v.length >= 8);
    expect(values.length).toBeGreaterThan(10);
    for (const value of values) {
      expect(dot.includes(value)).toBe(false);
      expect(svg.includes(value)).toBe(false);
    }
  });

  test('the same objects give a byte-identical DOT and SVG', async () => {
    const again = await platformDiagram(JSON.parse(JSON.stringify(stack.objects)));
    expect(again.dot).toBe(dot);
    expect(again.svg).toBe(svg);
    // and the order of the objects does not matter
    expect(toDot(platformGraph([...stack.objects].reverse()))).toBe(dot);
  });
});

describe('dockyard-diagram CLI', () => {
  test('draws a synthesized directory as its platform.dot and platform.svg, the same twice, without reading *.local.yaml', async () => {
    const secretsYaml = stack.secrets.map((s) => JSON.stringify(s)).join('\n---\n') + '\n: not yaml: [';
    const dir = tempDir({ 'dockyard.k8s.yaml': stack.yaml, 'secrets.local.yaml': secretsYaml });
    const first = await cli([dir]);
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(first.stdout).toMatch(/^dockyard-diagram: wrote .*platform\.dot and .*platform\.svg: 6 namespaces, \d+ workloads/);
    const fileDot = fs.readFileSync(path.join(dir, 'platform.dot'), 'utf8');
    const fileSvg = fs.readFileSync(path.join(dir, 'platform.svg'), 'utf8');
    // the YAML holds the same objects as the stack in memory
    expect(fileDot).toBe(dot);
    expect(fileSvg).toBe(svg);

    const out = tempDir();
    expect((await cli(['--out', out, dir])).status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'platform.dot'))).toEqual(Buffer.from(fileDot));
    expect(fs.readFileSync(path.join(out, 'platform.svg'))).toEqual(Buffer.from(fileSvg));
  });

  test('a missing input directory fails with one line naming it', async () => {
    const missing = path.join(tempDir(), 'dist');
    const result = await cli([missing]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`dockyard-diagram: no such file or directory: ${missing}\n`);
  });

  test('an empty input directory fails with one line naming it', async () => {
    const empty = tempDir();
    const result = await cli([empty]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`dockyard-diagram: no *.yaml or *.yml files in ${empty}\n`);
    expect(fs.readdirSync(empty)).toEqual([]);

    const nothing = tempDir({ 'pipeline.yml': 'kind: pipeline\nname: x\n', 'secrets.local.yaml': 'kind: Secret\n' });
    const drawn = await cli([nothing]);
    expect(drawn.status).toBe(1);
    expect(drawn.stderr).toBe(`dockyard-diagram: no namespaces or workloads in ${nothing} (read ${path.join(nothing, 'pipeline.yml')})\n`);
  });

  test('unknown options and invalid YAML fail with one line', async () => {
    expect(await cli(['--frobnicate'])).toMatchObject({ status: 1, stderr: 'dockyard-diagram: unknown option: --frobnicate (see --help)\n' });
    const dir = tempDir({ 'bad.yaml': 'a: [\n' });
    const bad = await cli([dir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^dockyard-diagram: ${path.join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid YAML: [^\\n]*\\n$`));
  });
});
