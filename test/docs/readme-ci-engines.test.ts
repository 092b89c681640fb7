// The README's "In code: DroneCi or WoodpeckerCi" example runs as written, not only compiles (readme-examples.test.ts):
// its block is transpiled and run against the library, with the prelude's chart, postgres and droneDb, and the app
// it builds synthesizes with both engines' servers in their namespace and their build namespaces.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { App } from 'cdk8s';
import * as lib from '../../lib';
import { stderrOf } from '../util';

const README = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

/** The first ```ts block after `heading`. */
function blockAfter(heading: string): string {
  const rest = README.slice(README.indexOf(heading));
  expect(rest.length).toBeLessThan(README.length);
  const start = rest.indexOf('```ts\n') + '```ts\n'.length;
  return rest.slice(start, rest.indexOf('```', start));
}

test('the CI engine example builds both engines and synthesizes', () => {
  const code = ts.transpileModule(blockAfter('### In code: `DroneCi` or `WoodpeckerCi`'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-readme-ci-'));
  const app = new App({ outdir: path.join(dir, 'out') });
  const chart = new lib.DockyardChart(app, 'platform', { namespace: 'dockyard' });
  const postgres = new lib.Postgres(chart, 'Postgres', {});
  const droneDb = postgres.addDatabase('drone');
  const names = Object.keys(lib);
  // the block's free names are the library's exports and the prelude's variables
  const run = new Function('lib', 'chart', 'postgres', 'droneDb', `const { ${names.join(', ')} } = lib;\n${code}\nreturn { drone, woodpecker };`);
  const { drone, woodpecker } = run(lib, chart, postgres, droneDb);
  expect(drone).toBeInstanceOf(lib.DroneCi);
  expect(woodpecker).toBeInstanceOf(lib.WoodpeckerCi);
  stderrOf(() => lib.synthesize(app, new lib.LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
  const kinds = fs.readFileSync(path.join(dir, 'out', 'platform.k8s.yaml'), 'utf8');
  for (const [kind, name] of [['Deployment', 'drone'], ['Deployment', 'drone-runner'], ['Deployment', 'drone-secrets'], ['Namespace', 'drone-builds'],
    ['Deployment', 'woodpecker'], ['StatefulSet', 'woodpecker-agent'], ['Namespace', 'woodpecker-builds']]) {
    expect(kinds).toMatch(new RegExp(`^kind: ${kind}\\nmetadata:\\n(?:  .*\\n)*?  name: ${name}\\n`, 'm'));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
