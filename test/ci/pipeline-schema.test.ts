// The rendered files validate against the engines' schemas (vendored under test/schemas, see its README): Drone's
// documents against SchemaStore's drone.json, Woodpecker's workflows against the schema its own linter uses at
// v3.17.0 (pipeline/frontend/yaml/linter/schema/schema.go). Both are JSON Schema draft-07, Ajv's default draft.
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { CiEngineKind, ImageTag, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, Step } from '../../lib';
import { demoPipelines, DEPLOYER, IMAGES, platform, REPO } from './pipeline-fixtures';

const SCHEMAS = path.join(__dirname, '..', 'schemas');
const load = (file: string) => JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));

// the schemas use "minLength" on arrays and "format": "uri", which Ajv's strict mode refuses; neither matters here
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(load('kubernetes-definitions.subset.json'));
const drone = ajv.compile(load('drone.schema.json'));
const woodpecker = ajv.compile(load('woodpecker-v3.17.0.schema.json'));

/** Every pipeline feature at once: branches, dependencies, pull secret, step events, env, secrets, deploys, tags. */
function everything(): Pipeline[] {
  const build = new Pipeline({
    name: 'build', events: [PipelineEvent.PUSH, PipelineEvent.CRON, PipelineEvent.CUSTOM], branches: ['main'], pullSecret: 'harbor-pull',
  });
  build.addStep(Step.run('test', { image: IMAGES.go, commands: ['go test ./...'], env: { A: 'a b: c', B: '${NOT_SUBSTITUTED}' } }));
  build.addStep(Step.buildImage('publish', {
    repository: 'harbor.example.com/apps/demo', tags: [ImageTag.of('latest'), ImageTag.commitSha()], dockerConfig: SecretRef.of('harbor-push', 'docker_config'),
    events: [PipelineEvent.PUSH],
  }));
  const release = new Pipeline({
    name: 'release', events: [PipelineEvent.TAG],
    steps: [Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') })],
  });
  return [build, release, ...demoPipelines().slice(1), new Pipeline({
    name: 'hotfix', events: [PipelineEvent.CUSTOM], dependsOn: ['deploy'],
    steps: [Step.deploy('rollout', { identity: DEPLOYER, image: IMAGES.psql, commands: ['kubectl rollout restart deploy/demo'], secrets: { PW: SecretRef.of('demo-database', 'password') } })],
  })];
}

function rendered(kind: CiEngineKind): { path: string; docs: any[] }[] {
  const { chart, engine } = platform(kind);
  const files = new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines: everything() }).render();
  return files.map((f) => ({ path: f.path, docs: parseAllDocuments(f.content).map((d) => d.toJS()) }));
}

describe('rendered pipelines validate against the engines\' schemas', () => {
  test('every document of the .drone.yml is valid for SchemaStore\'s drone.json', () => {
    const [file] = rendered(CiEngineKind.DRONE);
    expect(file.docs.map((d) => d.kind)).toEqual(['secret', 'secret', 'secret', 'secret', 'pipeline', 'pipeline', 'pipeline', 'pipeline']);
    for (const doc of file.docs) {
      expect({ name: doc.name, valid: drone(doc), errors: drone.errors ?? null }).toEqual({ name: doc.name, valid: true, errors: null });
    }
  });

  test('every Woodpecker workflow is valid for the v3.17.0 schema', () => {
    const files = rendered(CiEngineKind.WOODPECKER);
    expect(files.map((f) => f.path)).toEqual(['build', 'release', 'deploy', 'hotfix'].map((n) => `pipelines/demo.woodpecker/${n}.yaml`));
    for (const file of files) {
      expect(file.docs).toHaveLength(1);
      expect({ path: file.path, valid: woodpecker(file.docs[0]), errors: woodpecker.errors ?? null }).toEqual({ path: file.path, valid: true, errors: null });
    }
  });

  test('the schemas are not vacuous: what each engine would reject, they reject', () => {
    const [droneFile] = rendered(CiEngineKind.DRONE);
    const pipeline = structuredClone(droneFile.docs.find((d) => d.kind === 'pipeline'));
    pipeline.steps[0].enviroment = pipeline.steps[0].environment; // a misspelt key
    expect(drone(pipeline)).toBe(false);
    expect(drone({ kind: 'secret', name: 'x', get: { path: 'harbor-push' } })).toBe(false); // no key
    const [workflow] = rendered(CiEngineKind.WOODPECKER);
    expect(woodpecker({ ...workflow.docs[0], when: [{ event: ['promote'] }] })).toBe(false); // a Drone event name
    const secretsAsMap = structuredClone(workflow.docs[0]);
    secretsAsMap.steps[1].backend_options.kubernetes.secrets = [{ name: 'harbor-push', key: 'docker_config', target: { env: 'A', file: '/a' } }];
    expect(woodpecker(secretsAsMap)).toBe(false);
    expect(woodpecker(parse('steps:\n  - name: a\n    image: alpine:3\n    commands: [true]\n    from_secret: x\n'))).toBe(false);
  });
});
