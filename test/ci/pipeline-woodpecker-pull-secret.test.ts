// A typed pipeline's pull secret against a real WoodpeckerCi: the engine lists a pull secret only on the agents of
// the build namespaces that hold it (WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES, woodpecker v3.17.0
// pipeline/backend/kubernetes/pod.go:226-227), so a pipeline that runs anywhere else would pull without it. Drone's
// secrets extension serves a pull secret to each build of its repositories and events, wherever it runs.
import {
  DroneCi, DroneKubeRunner, DroneSecretsExtension, OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, SecretValue, Step,
} from '../../lib';
import { droneServer } from '../drone/fixtures';
import { container, synth, testChart, thrown } from '../util';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { literalEnv } from '../woodpecker/upstream';
import { IMAGES } from './pipeline-fixtures';

const { PUSH, TAG, CRON } = PipelineEvent;

/** acme/app's pushes and tags routed into `deploy`, and a pull secret for acme/app's every event but pull requests. */
function woodpeckerApp(events: PipelineEvent[]) {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  ci.addRoute({ name: 'app-build', repos: ['acme/app'], events: [PUSH, TAG], namespace: 'deploy' });
  ci.addImagePullSecret('Pull', { name: 'pull', repos: ['acme/app'], dockerConfig: SecretValue.hex(16) });
  const pipeline = new Pipeline({ name: 'build', events, pullSecret: 'pull', steps: [Step.run('test', { image: IMAGES.go, commands: ['go test ./...'] })] });
  const repo = new RepositoryPipelines(chart, 'App', { engine: ci, repo: 'acme/app', pipelines: [pipeline] });
  return { chart, ci, repo };
}

describe('a typed pipeline\'s pull secret on Woodpecker', () => {
  test('is refused for an event no agent that lists it runs: cron runs on the pool, which does not', () => {
    const { chart, repo } = woodpeckerApp([CRON]);
    const [file] = OutputFile.allIn(repo);
    synth(chart);
    expect(thrown(() => file.content()).message).toBe('invalid pipelines.build.pullSecret "pull": must be in the namespace where acme/app\'s ' +
      'cron pipelines run, the default build namespace ci-builds (no route): pull secret pull is in deploy only, as it goes only where every ' +
      'agent runs repositories and events it is granted to, and only the agents there list it');
  });

  test('renders for the route\'s events, whose agents list it', () => {
    const { chart, ci, repo } = woodpeckerApp([PUSH, TAG]);
    const objects = synth(chart);
    const [file] = repo.render();
    expect(file.path).toBe('pipelines/app.woodpecker/build.yaml');
    expect(file.content).toContain('dockyard.dev/route: app-build');
    const agents = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent')
      .map((sts) => [sts.metadata.name, literalEnv(container(sts)).WOODPECKER_BACKEND_K8S_PULL_SECRET_NAMES]);
    expect(agents).toEqual([['woodpecker-agent', undefined], ['woodpecker-app-build-push-5f89da04', 'pull'], ['woodpecker-app-build-tag-5f89da04', 'pull']]);
    expect(ci.grants.pullSecrets.get('pull')!.namespaces).toEqual(['deploy']);
  });

  test('rendered before synth, places the engine\'s secrets first, and the engine then takes no more routes', () => {
    const { ci, repo } = woodpeckerApp([PUSH]);
    expect(ci.grants.pullSecrets.get('pull')!.namespaces).toEqual([]);
    expect(repo.render()).toHaveLength(1);
    expect(ci.grants.pullSecrets.get('pull')!.namespaces).toEqual(['deploy']);
    expect(thrown(() => ci.addRoute({ name: 'late', repos: ['acme/app'], events: [CRON], namespace: 'deploy' })).message)
      .toBe('invalid name "late": must be added before the chart is synthesized: routes and secrets are placed then (route "late")');
  });
});

test('on Drone, a pull secret reaches every pipeline of its repositories and events, wherever it runs: no namespaces recorded', () => {
  const chart = testChart('ci');
  const server = droneServer(chart);
  const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
  const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
  const engine = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  engine.addRoute({ name: 'app-build', repos: ['acme/app'], events: [PUSH, TAG], namespace: 'deploys' });
  engine.addImagePullSecret('Pull', { name: 'pull', repos: ['acme/app'], dockerConfig: SecretValue.hex(16) });
  expect(engine.grants.pullSecrets.get('pull')).toEqual({ name: 'pull', repos: ['acme/app'], events: [PUSH, TAG, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK, CRON, PipelineEvent.CUSTOM] });
  const pipeline = new Pipeline({ name: 'nightly', events: [CRON], pullSecret: 'pull', steps: [Step.run('test', { image: IMAGES.go, commands: ['true'] })] });
  const [file] = new RepositoryPipelines(chart, 'App', { engine, repo: 'acme/app', pipelines: [pipeline] }).render();
  expect(file.content).toContain('image_pull_secrets:');
});
