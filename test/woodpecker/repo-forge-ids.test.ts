// WoodpeckerCi's repoForgeIds: routes that follow a repository through a rename, evaluated with the transcription of
// Woodpecker v3.17.0's scheduler filter (test/woodpecker/upstream.ts). Woodpecker updates a repository's full name
// when the forge reports a rename (server/api/hook.go:185-195, `repo.Update(repoFromForge)`), and the task's `repo`
// label is that name (server/model/task.go:57-66); the forge ID it stamps as `woodpecker-ci.org/repo-forge-id`
// stays (pipeline/frontend/builder/builder.go:199, after dropping any a pipeline sets, :187-194).
import { GitProvider, PipelineEvent, Secret, SecretValue } from '../../lib';
import { synth, testChart, thrown } from '../util';
import { woodpeckerCi } from './fixtures';
import { agentFilterLabels, agentsOf, agentTakes, taskLabels, Workflow } from './upstream';

const DEPLOY_EVENTS = [PipelineEvent.PUSH, PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK];
const API_ID = '123456789';

/** An engine with route `release` of acme/api (pinned by `pins`, if given) and acme/web, and the route's secret. */
function engine(pins?: Record<string, string>) {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart, pins === undefined ? {} : { repoForgeIds: pins });
  ci.addRoute({ name: 'release', repos: ['acme/api', 'acme/web'], events: DEPLOY_EVENTS, namespace: 'deploy' });
  ci.addPipelineSecret('Token', { name: 'deploy-token', repos: ['acme/api', 'acme/web'], events: DEPLOY_EVENTS, values: { token: SecretValue.hex(16) } });
  const agents = agentsOf(synth(chart));
  const routed = ci.pipelineLabels(ci.grants.routes.get('release'));
  const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);
  return { chart, ci, agents, routed, takers };
}

describe('WoodpeckerCi repoForgeIds', () => {
  test('without a pin, a renamed repository\'s routed pipelines wait for an agent forever', () => {
    const { routed, takers } = engine();
    expect(takers({ repo: 'acme/api', forgeId: API_ID, event: 'push', labels: routed })).toEqual(['woodpecker-release-push-c7198fbc']);
    // the same repository, renamed on the forge: no agent takes it
    expect(takers({ repo: 'acme/api-v2', forgeId: API_ID, event: 'push', labels: routed })).toEqual([]);
  });

  const pinned = engine({ 'acme/api': API_ID });

  test('a pinned repository\'s agents take any name and require the forge ID; the others stay pinned by name', () => {
    expect(pinned.agents.map((a) => [a.name, a.labels])).toEqual([
      ['woodpecker-agent', 'repo=*'],
      // the agents keep their names: they are the repository's as the code spells it
      ['woodpecker-release-push-c7198fbc', `!woodpecker-ci.org/event=push,!woodpecker-ci.org/repo-forge-id=${API_ID},dockyard.dev/route=release,repo=*`],
      ['woodpecker-release-deploy-c7198fbc', `!woodpecker-ci.org/event=deployment,!woodpecker-ci.org/repo-forge-id=${API_ID},dockyard.dev/route=release,repo=*`],
      ['woodpecker-release-push-86f279ce', '!woodpecker-ci.org/event=push,dockyard.dev/route=release,repo=acme/web'],
      ['woodpecker-release-deploy-86f279ce', '!woodpecker-ci.org/event=deployment,dockyard.dev/route=release,repo=acme/web'],
    ]);
  });

  test('the pinned route takes the repository\'s pipelines under its old name and its new one, each event on its own agent', () => {
    const { routed, takers } = pinned;
    for (const repo of ['acme/api', 'acme/api-v2', 'platform/api']) {
      expect(takers({ repo, forgeId: API_ID, event: 'push', labels: routed })).toEqual(['woodpecker-release-push-c7198fbc']);
      expect(takers({ repo, forgeId: API_ID, event: 'deployment', labels: routed })).toEqual(['woodpecker-release-deploy-c7198fbc']);
      // a pull request of it, carrying the route's label, waits as before: the agents require their events
      expect(takers({ repo, forgeId: API_ID, event: 'pull_request', labels: routed })).toEqual([]);
    }
    // the route's secret is where the pinned agents run, and they read it
    const agent = pinned.agents.find((a) => a.name === 'woodpecker-release-push-c7198fbc')!;
    expect(agent).toMatchObject({ namespace: 'deploy', nativeSecrets: true });
    expect(Secret.allIn(pinned.chart).find((s) => s.secretName === 'deploy-token')!.namespaces).toEqual(['deploy']);
  });

  test('a new repository given the old name, or another claiming the ID in its labels, gets nothing of the route', () => {
    const { routed, takers } = pinned;
    expect(takers({ repo: 'acme/api', forgeId: '987654321', event: 'push', labels: routed })).toEqual([]);
    // without the route's label it goes to the pool, in the default build namespace
    expect(takers({ repo: 'acme/api', forgeId: '987654321', event: 'push' })).toEqual(['woodpecker-agent']);
    const forged = { ...routed, 'woodpecker-ci.org/repo-forge-id': API_ID, '!woodpecker-ci.org/repo-forge-id': API_ID };
    expect(takers({ repo: 'mallory/api', forgeId: '55', event: 'push', labels: forged })).toEqual([]);
    // the unpinned repository of the route keeps its agents, and never reaches the pinned ones
    expect(takers({ repo: 'acme/web', forgeId: '77', event: 'push', labels: routed })).toEqual(['woodpecker-release-push-86f279ce']);
  });

  test('a pin matches the route\'s repository in any case, and a Bitbucket UUID is a label the agent starts with', () => {
    const chart = testChart('ci');
    const uuid = '{21fa9bf8-b5b2-4891-97ed-d590bad0f871}';
    const bitbucket = GitProvider.bitbucketCloud({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'woodpecker-oauth').key('client-secret') });
    const ci = woodpeckerCi(chart, { gitProvider: bitbucket, repoForgeIds: { 'acme/api': uuid } });
    ci.addRoute({ name: 'release', repos: ['Acme/API'], events: [PipelineEvent.PUSH], namespace: 'deploy' });
    const agents = agentsOf(synth(chart));
    const agent = agents.find((a) => a.name.startsWith('woodpecker-release-push-'))!;
    // cmd/agent/core/agent.go:347-363 cuts each item at its first "=": the braces stay in the value
    expect(agentFilterLabels({ WOODPECKER_AGENT_LABELS: agent.labels }, 'h')).toMatchObject({ '!woodpecker-ci.org/repo-forge-id': uuid, repo: '*' });
    const labels = ci.pipelineLabels(ci.grants.routes.get('release'));
    expect(agents.filter((a) => agentTakes(taskLabels({ repo: 'acme/renamed', forgeId: uuid, event: 'push', labels }), a.filter)).map((a) => a.name))
      .toEqual([agent.name]);
  });

  describe('refuses', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['an ID that is not GitHub\'s', { 'acme/api': 'abc' }, 'invalid repoForgeIds {"acme/api":"abc"}: "abc" must be GitHub\'s numeric repository ID, e.g. ' +
        '"123456789" (`gh api repos/<owner>/<name> --jq .id`)'],
      ['a leading zero, which Woodpecker never writes', { 'acme/api': '0123' }, 'invalid repoForgeIds {"acme/api":"0123"}: "0123" must be GitHub\'s numeric ' +
        'repository ID, e.g. "123456789" (`gh api repos/<owner>/<name> --jq .id`)'],
      ['a glob', { 'acme/*': '1' }, 'invalid repoForgeIds {"acme/*":"1"}: "acme/*" must be an exact "owner/name" slug: Woodpecker routes by exact ' +
        'repository (an agent\'s repo label matches one repository, or every one with "*")'],
      ['an ID past 64 bits', { 'acme/api': '9223372036854775808' }, 'invalid repoForgeIds {"acme/api":"9223372036854775808"}: "9223372036854775808" ' +
        'must be GitHub\'s numeric repository ID, e.g. "123456789" (`gh api repos/<owner>/<name> --jq .id`)'],
      ['one ID for two repositories', { 'acme/api': '1', 'acme/web': '1' }, 'invalid repoForgeIds {"acme/api":"1","acme/web":"1"}: must give each ' +
        'repository an ID of its own: "1" is one repository on the forge'],
      ['one repository in two cases', { 'acme/api': '1', 'Acme/API': '2' }, 'invalid repoForgeIds {"Acme/API":"2","acme/api":"1"}: must name each ' +
        'repository once: the forge compares repository names in any case'],
    ];
    test.each(cases)('%s', (_, pins, message) => {
      expect(thrown(() => woodpeckerCi(testChart('ci'), { repoForgeIds: pins })).message).toBe(message);
    });

    test('a number rather than a string, and a list rather than a map', () => {
      expect(thrown(() => woodpeckerCi(testChart('ci'), { repoForgeIds: { 'acme/api': 42 as unknown as string } })).message)
        .toMatch(/^invalid repoForgeIds \{"acme\/api":42\}: 42 must be GitHub's numeric repository ID/);
      expect(thrown(() => woodpeckerCi(testChart('ci'), { repoForgeIds: ['acme/api'] as unknown as Record<string, string> })).message)
        .toBe('invalid repoForgeIds ["acme/api"]: must map "owner/name" repositories to their forge\'s IDs, e.g. { "acme/api": "123456789" }');
    });

    test('a repository of an owner Woodpecker never activates, naming this prop', () => {
      expect(thrown(() => woodpeckerCi(testChart('ci'), { repoOwners: ['acme'], repoForgeIds: { 'labs/api': '1' } })).message)
        .toMatch(/^invalid repoForgeIds \{"labs\/api":"1"\}: "labs\/api" must be a repository of one of the server.s repoOwners \("acme"\)/);
    });

    test('a numeric ID on Bitbucket, and a UUID on GitHub', () => {
      const chart = testChart('ci');
      const bitbucket = GitProvider.bitbucketCloud({ clientId: 'abc123', clientSecret: Secret.fromSecretName(chart, 'OAuth', 'woodpecker-oauth').key('client-secret') });
      expect(thrown(() => woodpeckerCi(chart, { gitProvider: bitbucket, repoForgeIds: { 'acme/api': '42' } })).message).toBe('invalid repoForgeIds ' +
        '{"acme/api":"42"}: "42" must be Bitbucket\'s repository UUID in braces and lower case, e.g. "{21fa9bf8-b5b2-4891-97ed-d590bad0f871}" ' +
        '(`GET /2.0/repositories/<workspace>/<slug>`, its "uuid")');
      expect(thrown(() => woodpeckerCi(testChart('ci'), { repoForgeIds: { 'acme/api': '{21fa9bf8-b5b2-4891-97ed-d590bad0f871}' } })).message)
        .toMatch(/^invalid repoForgeIds .*: "\{21fa9bf8-b5b2-4891-97ed-d590bad0f871\}" must be GitHub's numeric repository ID/);
    });

    test('at synth, a pin of a repository no route runs, which would pin nothing', () => {
      const chart = testChart('ci');
      const ci = woodpeckerCi(chart, { repoForgeIds: { 'acme/api': API_ID, 'acme/ap': '5' } });
      ci.addRoute({ name: 'release', repos: ['acme/api'], events: [PipelineEvent.PUSH], namespace: 'deploy' });
      expect(thrown(() => synth(chart)).message).toBe('invalid repoForgeIds {"acme/ap":"5"}: "acme/ap" must be a repository a route runs: no route ' +
        'runs it, so its pin would take nothing; add its route, or remove the pin');
    });
  });
});
