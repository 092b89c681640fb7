// The README's platform examples run as written, together, not only compile (readme-examples.test.ts): the
// Postgres, Redis, Harbor, pull-secret, DeployAccess and typed-pipelines blocks, on the engine the CI engine example
// builds, synthesize on either engine. So the relocation example exempts every data service Harbor needs, and the
// pipelines example shows every grant its pipelines need, and the connections out of their build namespaces.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import * as lib from '../../lib';
import { connectionAllowed, type Endpoint } from '../team/network-model';
import { stderrOf } from '../util';

const README = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The first ```ts block after `heading`. */
function blockAfter(heading: string): string {
  const at = README.indexOf(heading);
  expect(at).toBeGreaterThanOrEqual(0);
  const rest = README.slice(at);
  const start = rest.indexOf('```ts\n') + '```ts\n'.length;
  return rest.slice(start, rest.indexOf('```', start));
}

/** The names a block declares at its top level. */
function topLevelNames(code: string): string[] {
  const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  return sf.statements.flatMap((s) => ts.isVariableStatement(s)
    ? s.declarationList.declarations.map((d) => d.name).filter(ts.isIdentifier).map((n) => n.text) : []);
}

/**
 * Run `code` as a README block: its free names come from `scope` (the library's exports and what earlier blocks
 * declared), and what it declares at its top level joins `scope` for the blocks after it.
 */
function runBlock(code: string, scope: Record<string, unknown>): void {
  const declared = topLevelNames(code);
  const js = ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None } }).outputText;
  const params = Object.keys(scope).filter((n) => !declared.includes(n));
  const run = new Function(...params, `${js}\nreturn { ${declared.join(', ')} };`);
  Object.assign(scope, run(...params.map((n) => scope[n])));
}

const hubToken = process.env.DOCKYARD_DOCKERHUB_TOKEN;
beforeAll(() => { process.env.DOCKYARD_DOCKERHUB_TOKEN = 'readme-example-token'; });
afterAll(() => {
  if (hubToken === undefined) delete process.env.DOCKYARD_DOCKERHUB_TOKEN;
  else process.env.DOCKYARD_DOCKERHUB_TOKEN = hubToken;
});

test.each([['drone', 'demo.drone.yml'], ['woodpecker', 'demo.woodpecker']])(
  'the platform and pipelines examples synthesize together on %s', (engine, pipelines) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-readme-pipelines-'));
    const app = new App({ outdir: path.join(dir, 'out') });
    const chart = new lib.DockyardChart(app, 'platform', { namespace: 'dockyard' });
    const scope: Record<string, unknown> = { ...lib, app, chart };
    for (const heading of ['### `Postgres` (in-cluster)', '### `Redis` (in-cluster', '### `Harbor`']) {
      runBlock(blockAfter(heading), scope);
    }
    // the CI engine example builds both engines, each with a database: on a server of its own, as the two are
    // alternatives and together would exceed the connection budget of the Postgres example
    const ciPostgres = new lib.Postgres(chart, 'CiPostgres', { name: 'ci-postgres' });
    const ciScope: Record<string, unknown> = { ...scope, postgres: ciPostgres, droneDb: ciPostgres.addDatabase('drone') };
    runBlock(blockAfter('### In code: `DroneCi` or `WoodpeckerCi`'), ciScope);
    expect(ciScope[engine]).toBeDefined();
    // the pull secrets example gives the engine's pool (`ci.buildNamespace`) its proxy login
    scope.ci = ciScope[engine];
    for (const heading of ['### Pull secrets, image relocation', '### `DeployAccess`']) {
      runBlock(blockAfter(heading), scope);
    }
    runBlock(blockAfter('### Typed pipelines: `RepositoryPipelines`'), { ...scope, ci: ciScope[engine] });
    stderrOf(() => lib.synthesize(app, new lib.LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    expect(fs.existsSync(path.join(dir, 'out', 'pipelines', pipelines))).toBe(true);
    const yaml = fs.readFileSync(path.join(dir, 'out', 'platform.k8s.yaml'), 'utf8');
    // Harbor's data services stay upstream; other Docker Hub images come through Harbor's proxy cache
    expect(yaml).toContain('image: docker.io/library/postgres:17.9-bookworm\n');
    expect(yaml).toContain('image: docker.io/valkey/valkey:8.1.11\n');
    expect(yaml).toMatch(/image: harbor\.acme\.dev\/dockerhub\/drone\/drone:/);
    // the pipelines' connections, which the synth does not check and a dropped one fails only as a timeout: the
    // migration (deploy events, namespace `deploys`) reaches PostgreSQL, kaniko's push (namespace `publish`) the
    // ingress controller that Harbor's public host ends at in the cluster (ingress-nginx chart 4.14.1's labels)
    const objects = parseAllDocuments(yaml).map((d) => d.toJS());
    const postgresPod = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres').spec.template.metadata.labels;
    const postgres: Endpoint = { ip: '10.244.0.5', namespace: 'dockyard', podLabels: postgresPod };
    const controller: Endpoint = {
      ip: '10.244.0.6', namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    };
    const buildPod = (namespace: string): Endpoint => ({ ip: '10.244.1.7', namespace, podLabels: {} });
    expect(connectionAllowed(objects, buildPod('deploys'), postgres, 5432)).toBe(true);
    expect(connectionAllowed(objects, buildPod('publish'), controller, 443)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
