// The demo's pipelines against a real DroneCi: its grants pass the checks, and the rendered .drone.yml lands where
// Drone's own rules put it (models in test/drone/upstream.ts, each citing its source).
import { parseAllDocuments } from 'yaml';
import {
  DeployAccess, DroneCi, DroneKubeRunner, DroneSecretsExtension, Pipeline, PipelineEvent, RepositoryPipelines, SecretRef, SecretValue, Step,
} from '../../lib';
import { droneServer } from '../drone/fixtures';
import { parsePolicies, parseRunnerLabels, placeBuild, runnerConfigFiles } from '../drone/upstream';
import { container, envOf, find, synth, testChart } from '../util';
import { IMAGES } from './pipeline-fixtures';

const REPO = 'acme/demo';

function droneDemo(limitEvents?: PipelineEvent[]) {
  const chart = testChart('ci');
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', {
    server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'], labels: { pool: 'demo' }, limitEvents,
  });
  const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  const deployer = new DeployAccess(chart, 'Deployer', { namespace: 'demo', serviceAccountNamespace: 'deploys' });
  engine.addPipelineSecret('Database', { name: 'demo-database', repos: [REPO], values: { url: SecretValue.input('DEMO_DB_URL', 'the URL') } });
  engine.addPipelineSecret('Push', {
    name: 'harbor-push', repos: ['acme/*'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], values: { docker_config: SecretValue.input('PUSH', 'a login') },
  });
  // pull requests build too, so they pull with the login: on Drone a step could print it, so it is asked for
  engine.addImagePullSecret('Pull', {
    name: 'harbor-pull', repos: ['acme/*'], events: [PipelineEvent.PUSH, PipelineEvent.TAG, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK, PipelineEvent.PULL_REQUEST],
    allowPullRequests: true, dockerConfig: SecretValue.input('PULL', 'a login'),
  });
  engine.addRoute({ name: 'demo-deploy', repos: [REPO], namespace: 'deploys', serviceAccountName: deployer.serviceAccountName });
  const pipelines = [
    new Pipeline({
      name: 'build', events: [PipelineEvent.PUSH, PipelineEvent.TAG, PipelineEvent.PULL_REQUEST], pullSecret: 'harbor-pull',
      steps: [
        Step.run('test', { image: IMAGES.go, commands: ['go test ./...'] }),
        Step.buildImage('publish', {
          repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config'), events: [PipelineEvent.PUSH, PipelineEvent.TAG],
        }),
      ],
    }),
    new Pipeline({
      name: 'deploy', events: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK], dependsOn: ['build'],
      // a DeployAccess is a deploy identity as it is
      steps: [Step.deploy('migrate', { identity: deployer, image: IMAGES.psql, commands: ['psql "$DATABASE_URL"'], secrets: { DATABASE_URL: SecretRef.of('demo-database', 'url') } })],
    }),
  ];
  const repo = new RepositoryPipelines(chart, 'Demo', { engine, repo: REPO, pipelines });
  return { chart, repo };
}

// the runner fails a pipeline whose event its DRONE_LIMIT_EVENTS leave out (drone-runner-kube v1.0.0-rc.5
// internal/match/match.go, runner-go v1.12.0 pipeline/runtime/runner.go): the demo's pull-request builds on a runner
// limited to push, tag, promote and rollback are refused at synth, naming the event
test('a pipeline event the runner\'s limitEvents leave out is refused', () => {
  const { PUSH, TAG, PROMOTE, ROLLBACK } = PipelineEvent;
  expect(() => droneDemo([PUSH, TAG, PROMOTE, ROLLBACK]).repo.render()).toThrow('invalid pipelines.build.events ["push","tag","pull_request"]: ' +
    'pull_request must be among the runner\'s limitEvents push, tag, promote, rollback: the runner fails every pipeline of another event');
  expect(droneDemo([PUSH, TAG, PROMOTE, ROLLBACK, PipelineEvent.PULL_REQUEST]).repo.render()).toHaveLength(1);
});

describe('RepositoryPipelines with DroneCi', () => {
  const { chart, repo } = droneDemo();
  const docs = parseAllDocuments(repo.render()[0].content).map((d) => d.toJS());
  const objects = synth(chart);
  const runnerEnv = Object.fromEntries(Object.entries(envOf(container(find(objects, 'Deployment', 'drone-runner'))))
    .filter(([, v]) => (v as any).value !== undefined).map(([k, v]) => [k, (v as any).value as string]));
  const config = runnerConfigFiles(objects);
  const policies = parsePolicies(config['policies.yaml']);
  const rules = parseAllDocuments(config['namespace-rules.yaml'])[0].toJS() as Record<string, string[]>;

  test('every pipeline carries the runner\'s labels as node:, so the server hands it to that runner', () => {
    // harness v2.28.2 scheduler/queue/queue.go:266-276 matches a stage's labels (node:) exactly against the runner's
    const labels = parseRunnerLabels(runnerEnv.DRONE_RUNNER_LABELS);
    for (const pipeline of docs.filter((d) => d.kind === 'pipeline')) {
      expect(pipeline.node).toEqual(labels);
    }
  });

  test('the deploy pipeline runs as the deploy identity for each of its events; the build never does on pull requests', () => {
    // drone-runner-kube v1.0.0-rc.5 engine/policy/match.go:12-24, policy.go:55-107, compiler.go:212-259,634-638
    const deploy = docs.find((d) => d.name === 'deploy');
    for (const event of deploy.trigger.event) {
      expect(placeBuild(runnerEnv, policies, rules, { repo: REPO, event }, { namespace: deploy.metadata.namespace, serviceAccountName: deploy.service_account_name }))
        .toEqual({ namespace: 'deploys', serviceAccountName: 'deployer' });
    }
    expect(placeBuild(runnerEnv, policies, rules, { repo: REPO, event: 'pull_request' })).toEqual({ namespace: 'builds', serviceAccountName: 'default' });
  });

  test('each secret reference names a secret and key DroneCi declares; the pull secret\'s key is where DroneCi stores it', () => {
    const grants = repo.engine.grants;
    const refs = docs.filter((d) => d.kind === 'secret').map((d) => `${d.get.path}/${d.get.name}`);
    expect(refs).toEqual(['demo-database/url', 'harbor-pull/.dockerconfigjson', 'harbor-push/docker_config']);
    for (const ref of refs) {
      const [name, key] = ref.split('/');
      // DroneCi.addImagePullSecret serves the Docker config under .dockerconfigjson (lib/drone/drone-ci.ts)
      const declared = grants.secrets.get(name)?.keys.includes(key) || (grants.pullSecrets.has(name) && key === '.dockerconfigjson');
      expect({ ref, declared }).toEqual({ ref, declared: true });
    }
  });

  test('a secret DroneCi grants only for push and tag is refused for a step that runs on promote', () => {
    const { chart: c } = droneDemo();
    const engine = c.node.findChild('Ci') as DroneCi;
    const bad = new RepositoryPipelines(c, 'Bad', {
      engine, repo: REPO, path: 'pipelines/bad.drone.yml', pipelines: [new Pipeline({
        name: 'release', events: [PipelineEvent.PROMOTE],
        steps: [Step.buildImage('publish', { repository: 'harbor.example.com/apps/demo', dockerConfig: SecretRef.of('harbor-push', 'docker_config') })],
      })],
    });
    expect(() => bad.render()).toThrow('invalid pipelines.release.steps.publish.secrets.DOCKER_CONFIG_JSON "harbor-push/docker_config": ' +
      'must be granted for every event the step runs on: secret harbor-push is granted for push, tag, not promote');
  });
});
