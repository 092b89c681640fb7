// Repository names in another case than a route's, on Woodpecker: a route's agent carries `repo=<slug>` and the
// scheduler takes a task only if its `repo` label, the repository's full name as the forge spells it, is the same
// string (v3.17.0 server/model/task.go:64, server/scheduler/filter.go:61-70, a Go `switch` on the value; the forge's
// spelling: server/forge/github/convert.go:88 `from.GetFullName()`). So Woodpecker, like Drone's runner, routes only
// the exact case; test/woodpecker/upstream.ts transcribes the filter, and the grants model must agree with it.
import { Pipeline, PipelineEvent, RepositoryPipelines, Secret, SecretRef, SecretValue, Step } from '../../lib';
import { serviceAccounts, synth, testChart } from '../util';
import { woodpeckerCi } from '../woodpecker/fixtures';
import { agentFilterLabels, agentTakes, literalEnv, taskLabels } from '../woodpecker/upstream';
import { IMAGES } from './pipeline-fixtures';

const { PUSH } = PipelineEvent;

function platform() {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  const source = new Secret(chart, 'Source', { name: 'source', values: { token: SecretValue.hex(32) } });
  serviceAccounts(chart, ['deploy'], ['deployer']);
  ci.addRoute({ name: 'release', repos: ['acme/api'], events: [PUSH], namespace: 'deploy', serviceAccountName: 'deployer' });
  ci.addPipelineSecret('Token', { name: 'deploy-token', repos: ['acme/api'], events: [PUSH], values: { token: SecretValue.copyOf(source.key('token')) } });
  return { chart, ci };
}

describe('Woodpecker routes a repository only in its exact case', () => {
  const { chart, ci } = platform();
  const agents = synth(chart).filter((o) => o.kind === 'StatefulSet' && o.metadata.labels['app.kubernetes.io/component'] === 'agent')
    .map((sts) => ({ name: sts.metadata.name as string, filter: agentFilterLabels(literalEnv(sts.spec.template.spec.containers[0]), 'host') }));
  const takers = (repo: string, labels?: Record<string, string>) =>
    agents.filter((a) => agentTakes(taskLabels({ repo, event: 'push', labels }), a.filter)).map((a) => a.name);

  test('the route\'s agent takes "acme/api" but not the forge\'s "Acme/Api", which only the pool takes', () => {
    const route = ci.grants.routes.get('release')!;
    expect(takers('acme/api', ci.pipelineLabels(route))).toEqual(['woodpecker-release-push-c7198fbc']);
    expect(takers('Acme/Api', ci.pipelineLabels(route))).toEqual([]);
    expect(takers('Acme/Api')).toEqual(['woodpecker-agent']);
  });

  test('routesFor agrees: the route for the exact spelling, none for another', () => {
    expect(ci.grants.routesFor('acme/api', PUSH).map((r) => r.name)).toEqual(['release']);
    expect(ci.grants.routesFor('Acme/Api', PUSH)).toEqual([]);
    expect(ci.grants.routesIgnoringCase('Acme/Api', PUSH).map((r) => r.name)).toEqual(['release']);
  });
});

describe('typed pipelines on Woodpecker for a repository the route names in another case are refused, with one line', () => {
  const render = (repo: string) => () => {
    const { chart, ci } = platform();
    const pipeline = new Pipeline({
      name: 'release', events: [PUSH],
      steps: [Step.run('publish', { image: IMAGES.go, commands: ['true'], secrets: { TOKEN: SecretRef.of('deploy-token', 'token') } })],
    });
    new RepositoryPipelines(chart, 'Api', { engine: ci, repo, pipelines: [pipeline] }).render();
  };

  test('a step secret of a repository whose route is missed by case', () => {
    const error = 'invalid pipelines.release.steps.publish.secrets.TOKEN "deploy-token/token": must reach Acme/Api\'s push pipelines under the ' +
      'route meant for them, not in the default build namespace ci-builds: route release (namespace deploy) matches Acme/Api only ignoring ' +
      'case ("acme/api"), and Woodpecker route agents take a repository only by its exact name; write repositories and their patterns in the ' +
      'forge\'s exact case';
    expect(render('Acme/Api')).toThrow(error);
    try {
      render('Acme/Api')();
    } catch (e) {
      expect((e as Error).message).toBe(error);
    }
    expect(render('acme/api')).not.toThrow();
  });
});
