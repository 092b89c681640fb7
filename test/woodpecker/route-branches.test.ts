// Routes by branch on Woodpecker (CiRouteProps.branches), evaluated with the transcriptions of woodpecker v3.17.0 in
// test/woodpecker/upstream.ts: the server stamps the pipeline's branch on each task as
// `woodpecker-ci.org/commit-branch`, dropping any label under woodpecker-ci.org the pipeline sets
// (pipeline/frontend/builder/builder.go:187-206), and an agent label written `!key` must be on the task with the
// same value (server/scheduler/filter.go:77-87).
import {
  DroneCi, DroneKubeRunner, DroneSecretsExtension, OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, SecretValue, Step,
} from '../../lib';
import { droneServer } from '../drone/fixtures';
import { IMAGES } from '../ci/pipeline-fixtures';
import { serviceAccounts, synth, testChart, thrown } from '../util';
import { woodpeckerCi } from './fixtures';
import {
  agentsOf, agentTakes, assignTo, bitbucketTag, canRunConcurrent, concurrencyGroup, githubDeployment, githubPullRequest, manualPipeline, stepEnvironment, taskLabels, Workflow, workflowOf,
} from './upstream';

const { PUSH, TAG, PROMOTE, CRON, CUSTOM, PULL_REQUEST } = PipelineEvent;
const ROUTE = { 'dockyard.dev/route': 'prod' };

/** acme/api's `events` routed into `deploy` as `deployer`, on `branches`, with a secret for them. */
function engine(branches?: string[], events = [PUSH, CRON, CUSTOM]) {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  serviceAccounts(chart, ['deploy'], ['deployer']);
  ci.addRoute({ name: 'prod', repos: ['acme/api'], events, namespace: 'deploy', serviceAccountName: 'deployer', branches });
  ci.addPipelineSecret('Token', { name: 'deploy-token', repos: ['acme/api'], events, values: { token: SecretValue.hex(16) } });
  return { chart, ci };
}

describe('a route without branches (the default)', () => {
  const { chart } = engine(undefined, [PUSH]);
  const agents = agentsOf(synth(chart));
  const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);

  test('renders its agents as before: one per repository and event, named after the repository alone, requiring no branch', () => {
    expect(agents.map((a) => [a.name, a.labels])).toEqual([
      ['woodpecker-agent', 'repo=*'],
      ['woodpecker-prod-push-c7198fbc', '!woodpecker-ci.org/event=push,dockyard.dev/route=prod,repo=acme/api'],
    ]);
  });

  test('takes a routed push of any branch: the identity is everyone\'s who may push to the repository', () => {
    for (const branch of ['main', 'feature/steal']) {
      expect(takers({ repo: 'acme/api', event: 'push', branch, labels: ROUTE })).toEqual(['woodpecker-prod-push-c7198fbc']);
    }
  });
});

describe('a route by branch', () => {
  const { chart, ci } = engine(['main', 'release/2.x'], [PUSH, CRON, CUSTOM]);
  const agents = agentsOf(synth(chart));
  const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);
  const pushMain = agents.find((a) => a.filter['!woodpecker-ci.org/event'] === 'push' && a.filter['!woodpecker-ci.org/commit-branch'] === 'main')!;

  test('has one agent per repository, event and branch, each requiring the branch the server stamps', () => {
    expect(agents.map((a) => a.name)).toEqual([
      'woodpecker-agent',
      'woodpecker-prod-push-fc6ff226', 'woodpecker-prod-push-f74fff12',
      'woodpecker-prod-cron-fc6ff226', 'woodpecker-prod-cron-f74fff12',
      'woodpecker-prod-manual-fc6ff226', 'woodpecker-prod-manual-f74fff12',
    ]);
    expect(agents.slice(1, 3).map((a) => a.labels)).toEqual([
      '!woodpecker-ci.org/commit-branch=main,!woodpecker-ci.org/event=push,dockyard.dev/route=prod,repo=acme/api',
      '!woodpecker-ci.org/commit-branch=release/2.x,!woodpecker-ci.org/event=push,dockyard.dev/route=prod,repo=acme/api',
    ]);
    // every agent of the route reads its namespace's Secrets and lets steps run as its ServiceAccount, not only the
    // last of a repository's event
    for (const a of agents.slice(1)) {
      expect(a).toMatchObject({ namespace: 'deploy', nativeSecrets: true, accountFromStep: true });
    }
    expect(ci.grants.routes.get('prod')!.branches).toEqual(['main', 'release/2.x']);
  });

  test('a listed branch\'s build runs on its own agent, for each of the route\'s events', () => {
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'main', labels: ROUTE })).toEqual([pushMain.name]);
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'release/2.x', labels: ROUTE })).toEqual(['woodpecker-prod-push-f74fff12']);
    expect(takers({ repo: 'acme/api', event: 'cron', branch: 'main', labels: ROUTE })).toEqual(['woodpecker-prod-cron-fc6ff226']);
    expect(takers({ repo: 'acme/api', event: 'manual', branch: 'main', labels: ROUTE })).toEqual(['woodpecker-prod-manual-fc6ff226']);
  });

  test('another branch\'s build never gets the identity: with the route\'s label it waits, without it it runs on the pool', () => {
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'feature/steal', labels: ROUTE })).toEqual([]);
    // a branch's own labels cannot claim the branch: the server drops them and stamps the real one (builder.go:187-206)
    const forged = { ...ROUTE, 'woodpecker-ci.org/commit-branch': 'main', '!woodpecker-ci.org/commit-branch': 'main' };
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'feature/steal', labels: forged })).toEqual([]);
    expect(taskLabels({ repo: 'acme/api', event: 'push', branch: 'feature/steal', labels: forged })['woodpecker-ci.org/commit-branch']).toBe('feature/steal');
    // exact: a branch whose name begins with a listed one is another branch
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'main-old', labels: ROUTE })).toEqual([]);
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'feature/steal' })).toEqual(['woodpecker-agent']);
    expect(agents[0]).toMatchObject({ namespace: 'ci-builds', nativeSecrets: false, accountFromStep: false });
  });

  test('no agent stands in for the route: the queue would hand it main\'s builds whenever the route\'s agents are busy', () => {
    const main = taskLabels({ repo: 'acme/api', event: 'push', branch: 'main', labels: ROUTE });
    // fifo.go:314-341: the best-scoring idle agent gets the task; with the route's agent busy, main's build waits
    expect(assignTo(main, agents)).toBe(pushMain);
    expect(assignTo(main, agents.filter((a) => a !== pushMain))).toBeUndefined();
    // an agent taking the route's other branches could require no branch (no label can say "not main"), so it would
    // take main's build too, without the identity, each time the route's agent was busy
    const standIn = { name: 'stand-in', filter: { repo: 'acme/api', 'dockyard.dev/route': 'prod', '!woodpecker-ci.org/event': 'push', 'org-id': '*' } };
    expect(assignTo(main, [...agents.filter((a) => a !== pushMain), standIn])).toBe(standIn);
  });

  test('a waiting build of another branch holds back the branch\'s later builds of its concurrency group', () => {
    // a deploy workflow with `concurrency: limit: 1` and no `when: branch:`, pushed to a feature branch first
    const group = concurrencyGroup(1, 'deploy');
    const feature = { pipelineId: 10, created: 100, name: 'deploy', limit: 1, group };
    const main = { pipelineId: 11, created: 200, name: 'deploy', limit: 1, group };
    expect(takers({ repo: 'acme/api', event: 'push', branch: 'feature/x', labels: ROUTE })).toEqual([]);
    expect(canRunConcurrent(main, [], [feature, main])).toBe(false);
    // once it is cancelled, or skipped by `when: branch:` so that it never queues, main's starts
    expect(canRunConcurrent(main, [], [main])).toBe(true);
  });

  test('a manual pipeline of a listed branch runs that branch\'s head on the route, with the variables its trigger gives every step', () => {
    // anyone with push access may start one (server/router/api.go:115): the code is the branch's, the variables theirs
    const manual = manualPipeline('acme/api', { branch: 'main', head: 'c0ffee', variables: { GIT_CONFIG_COUNT: '1' } });
    expect(takers(workflowOf(manual, ROUTE))).toEqual(['woodpecker-prod-manual-fc6ff226']);
    expect(stepEnvironment({ CI_COMMIT_BRANCH: 'main' }, manual.variables)).toMatchObject({ GIT_CONFIG_COUNT: '1' });
  });
});

describe('events whose branch label is not the branch of the code they run', () => {
  // the agents a route by branch would have for these events, if it took them
  const requiring = (event: string) => ({ repo: 'acme/api', 'dockyard.dev/route': 'prod', '!woodpecker-ci.org/event': event, '!woodpecker-ci.org/commit-branch': 'main', 'org-id': '*' });

  test('a Bitbucket tag named like the branch carries it (bitbucket/convert.go:198-213)', () => {
    const tag = bitbucketTag('acme/api', { name: 'main', commit: 'feature-commit' });
    expect(agentTakes(taskLabels(workflowOf(tag, ROUTE)), requiring('tag'))).toBe(true);
  });

  test('a GitHub deployment of any commit\'s SHA is the default branch (github/parse.go:162-166)', () => {
    const deployment = githubDeployment('acme/api', { sha: 'feature-commit-sha', ref: 'feature-commit', defaultBranch: 'main' });
    expect(agentTakes(taskLabels(workflowOf(deployment, ROUTE)), requiring('deployment'))).toBe(true);
  });

  test('a fork\'s pull request into the branch is the branch on GitHub (github/parse.go:215)', () => {
    const pr = githubPullRequest('acme/api', { number: 7, head: 'fork-commit', base: 'main', fromFork: true });
    expect(agentTakes(taskLabels(workflowOf(pr, ROUTE)), requiring('pull_request'))).toBe(true);
  });
});

describe('branches refused', () => {
  const route = (branches: unknown, events: PipelineEvent[] | 'default' = [PUSH], allowPullRequests?: boolean) => () => {
    const chart = testChart('ci');
    woodpeckerCi(chart).addRoute({
      name: 'prod', repos: ['acme/api'], events: events === 'default' ? undefined : events, allowPullRequests, namespace: 'deploy', branches: branches as string[],
    });
  };
  const RULE = 'must be an exact branch name of letters, digits, ".", "_", "-" and "/", starting with a letter or digit, as git allows it ' +
    '(no globs: an agent compares the branch exactly) (route "prod")';
  test.each([
    ['a glob, which an agent compares as a string', route(['release/*']), `invalid branches ["release/*"]: "release/*" ${RULE}`],
    ['"*", which is no wildcard in a required label', route(['*']), `invalid branches ["*"]: "*" ${RULE}`],
    ['a "," that would split the agent\'s labels', route(['main,prod']), `invalid branches ["main,prod"]: "main,prod" ${RULE}`],
    ['a "$"', route(['$BRANCH']), `invalid branches ["$BRANCH"]: "$BRANCH" ${RULE}`],
    ['"..", which git refuses', route(['a..b']), `invalid branches ["a..b"]: "a..b" ${RULE}`],
    ['a trailing "/"', route(['feature/']), `invalid branches ["feature/"]: "feature/" ${RULE}`],
    ['a part starting with "."', route(['feature/.x']), `invalid branches ["feature/.x"]: "feature/.x" ${RULE}`],
    ['a part ending in ".lock"', route(['x.lock']), `invalid branches ["x.lock"]: "x.lock" ${RULE}`],
    ['no branch', route([]), 'invalid branches []: must not be empty (route "prod")'],
    ['a branch twice', route(['main', 'main']), 'invalid branches ["main","main"]: must not repeat "main" (route "prod")'],
    ['a string, not a list', route('main'), 'invalid branches "main": must be a list of branch names (route "prod")'],
  ])('%s', (_what, fn, message) => {
    expect(thrown(fn).message).toBe(message);
  });

  test('with the default events, whose tags and deployments carry no branch of their own', () => {
    expect(thrown(route(['main'], 'default')).message).toBe('invalid branches ["main"]: must be left out of a route for tag, promote, rollback, ' +
      'as a route by branch takes only push, cron, custom (give it events: push, cron, custom, or fewer): a tag carries no branch on Gitea and ' +
      'GitLab, its own name on Bitbucket (server/forge/bitbucket/convert.go:198-213, so a tag named like the branch would match) and the base_ref ' +
      'GitHub sends on GitHub (server/forge/github/parse.go:125-134); a deployment keeps the branch of the pipeline it deploys, a pull ' +
      'request\'s base branch included (server/pipeline/restart.go:135-144), and a GitHub deployment of a commit SHA is the default branch ' +
      '(server/forge/github/parse.go:162-166) (route "prod")');
  });

  test('with pull requests, whose branch is the base branch or a fork\'s', () => {
    expect(thrown(route(['main'], [PUSH, PULL_REQUEST], true)).message).toMatch(/^invalid branches \["main"\]: must be left out of a route for pull_request, .*a pull request carries its base branch/);
    expect(thrown(route(['main'], [PROMOTE])).message).toMatch(/must be left out of a route for promote, .*a deployment keeps the branch/);
    expect(thrown(route(['main'], [TAG])).message).toMatch(/must be left out of a route for tag, /);
  });

  test('on Drone, where a custom build names its commit and branch apart', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension, buildNamespace: 'builds', extraBuildNamespaces: ['deploys'] });
    const ci = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
    expect(thrown(() => ci.addRoute({ name: 'prod', repos: ['acme/api'], events: [PUSH], namespace: 'deploys', branches: ['main'] })).message)
      .toBe('invalid branches ["main"]: must be left out on Drone, which routes by repository and event only: a custom build names any commit as ' +
        'the branch it gives, and the secrets extension serves every branch of a repository and event alike, so a runner policy by branch ' +
        'would keep neither other branches\' code nor their secret requests out; route by branch on Woodpecker (route "prod")');
    expect(ci.grants.routes.size).toBe(0);
  });
});

test('closeRoute with the route\'s branches refuses its branch agents the server\'s gRPC port', () => {
  const chart = testChart('ci');
  const ci = woodpeckerCi(chart);
  ci.closeRoute('prod', ['acme/api'], [PUSH], ['main', 'release/2.x']);
  const policy = synth(chart).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker');
  const text = JSON.stringify(policy);
  expect(text).toContain('woodpecker-prod-push-fc6ff226');
  expect(text).toContain('woodpecker-prod-push-f74fff12');
  expect(text).not.toContain('woodpecker-prod-push-c7198fbc');
  const other = woodpeckerCi(testChart('ci'));
  expect(thrown(() => other.closeRoute('prod', ['acme/api'], [PUSH], ['main/'])).message).toMatch(/^invalid branches \["main\/"\]: "main\/" must be an exact branch name/);
  expect(thrown(() => other.closeRoute('prod', ['acme/api'], undefined, ['main'])).message).toMatch(/^invalid branches \["main"\]: must be left out of a route for tag, promote, rollback/);
});

describe('a typed pipeline under a route by branch', () => {
  const pipelineFor = (branches?: string[]) => {
    const { chart, ci } = engine(['main']);
    const pipeline = new Pipeline({ name: 'deploy', events: [PUSH], branches, steps: [Step.run('test', { image: IMAGES.go, commands: ['go test ./...'] })] });
    const repo = new RepositoryPipelines(chart, 'Api', { engine: ci, repo: 'acme/api', pipelines: [pipeline] });
    synth(chart);
    return OutputFile.allIn(repo)[0];
  };

  test('must be limited to the route\'s branches, so that no other branch queues a build no agent takes', () => {
    expect(thrown(() => pipelineFor(undefined).content()).message).toBe('invalid pipelines.deploy.branches undefined: must list only branches ' +
      'route prod takes (main), each exactly, not every branch: a build of another branch carries the route\'s label, which no agent takes, ' +
      'and would wait until cancelled');
    expect(thrown(() => pipelineFor(['main', 'develop']).content()).message).toMatch(/^invalid pipelines\.deploy\.branches \["main","develop"\]: .*not "develop":/);
    expect(thrown(() => pipelineFor(['ma*']).content()).message).toMatch(/not "ma\*":/);
  });

  test('renders with the route\'s label and a when: branch: that skips every other branch (constraint.go:188-190)', () => {
    const content = pipelineFor(['main']).content();
    expect(content).toContain('dockyard.dev/route: prod');
    expect(content).toMatch(/branch:\n\s+- main\n/);
  });
});
