// What no Woodpecker route can refuse: a deployment of a pull request's code. Evaluated on the default stack's
// demo-deploy route with transcriptions of Woodpecker v3.17.0 (test/woodpecker/upstream.ts): how the server makes a
// deployment pipeline out of a pull request's (server/api/pipeline.go:597-659, server/pipeline/restart.go:32-119) or
// out of a GitHub deployment of the pull request's commit (server/forge/github/parse.go:148-171), the labels it
// queues the task with (pipeline/frontend/builder/builder.go:187-206) and the agent that takes it
// (server/scheduler/filter.go:28-87). Drone pins such builds to the pool (lib/drone/runner.ts `pull-request-refs`);
// the README says why Woodpecker cannot ("What each engine cannot express").
import { App } from 'cdk8s';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { CiEngineKind, RepositoryPipelines } from '../../lib';
import { WoodpeckerCi } from '../../lib/woodpecker';
import {
  agentsOf, agentTakes, deploy, githubDeployment, githubPullRequest, needsApproval, RepoSettings, taskLabels, Workflow,
  workflowOf,
} from './upstream';

const REPO = `${DEFAULT_CONFIG.organization}/demo`;
const chart = defaultStack(new App(), { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST });
const objects = chart.toJson();
const engine = (chart.node.findChild('ExamplePipeline') as RepositoryPipelines).engine as WoodpeckerCi;
/** What the demo's deploy workflows carry, and what a pull request's copy of them carries too. */
const routed = engine.pipelineLabels(engine.grants.routes.get('demo-deploy'));
const agents = agentsOf(objects);
const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);
const deployAgent = agents.find((a) => a.filter['dockyard.dev/route'] === 'demo-deploy')!;

/** The demo repository with "Allow deployments" turned on, as its deploys need, and Woodpecker's default approval. */
const repo: RepoSettings = { allowDeploy: true, requireApproval: 'forks' };
/** A fork's pull request against main: its head commit and its `.woodpecker/` files are the fork's. */
const pr = githubPullRequest(REPO, { number: 7, head: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed', base: 'main', fromFork: true });

describe('a pull request\'s code under a deployment, on Woodpecker', () => {
  test('the deploy route\'s agent runs the demo\'s deployments in dockyard-deploy, as the deploy identity, reading its Secrets', () => {
    expect(deployAgent).toMatchObject({ namespace: 'dockyard-deploy', accountFromStep: true, nativeSecrets: true });
    expect(deployAgent.filter).toMatchObject({ 'repo': REPO, '!woodpecker-ci.org/event': 'deployment', 'dockyard.dev/route': 'demo-deploy' });
  });

  test('the pull request itself runs on the pool only, after approval, and its branch label is the base branch', () => {
    expect(needsApproval(repo, pr)).toBe(true);
    expect(takers(workflowOf(pr, routed))).toEqual([]);
    expect(takers(workflowOf(pr))).toEqual(['woodpecker-agent']);
    // builder.go:205 stamps the pipeline's branch, which for a pull request is its base (parse.go:215)
    expect(taskLabels(workflowOf(pr))['woodpecker-ci.org/commit-branch']).toBe('main');
  });

  test('deploying its pipeline runs the fork\'s workflow files on the deploy route\'s agent, with no approval', () => {
    const deployed = deploy(repo, pr);
    expect(deployed).toMatchObject({ event: 'deployment', commit: pr.commit, configFrom: pr.commit, ref: 'refs/pull/7/head', branch: 'main', fromFork: true });
    expect(takers(workflowOf(deployed, routed))).toEqual([deployAgent.name]);
    // the task is labelled as a deployment of main's head is: no agent label can tell the two apart
    const ofMain = githubDeployment(REPO, { sha: 'a11ce5a11ce5a11ce5a11ce5a11ce5a11ce5a11c', ref: 'main', defaultBranch: 'main' });
    expect(taskLabels(workflowOf(deployed, routed))).toEqual(taskLabels(workflowOf(ofMain, routed)));
  });

  test('a GitHub deployment of the pull request\'s head commit does the same, as the default branch, with no approval', () => {
    const hook = githubDeployment(REPO, { sha: pr.commit, ref: pr.commit.slice(0, 7), defaultBranch: 'main' });
    expect(hook).toMatchObject({ event: 'deployment', commit: pr.commit, configFrom: pr.commit, ref: 'refs/heads/main', branch: 'main' });
    expect(needsApproval(repo, hook)).toBe(false);
    expect(takers(workflowOf(hook, routed))).toEqual([deployAgent.name]);
  });

  test('deploying is refused until the repository allows deployments, which activation leaves off', () => {
    // server/api/repo.go:125 sets AllowDeploy false on activation; pipeline.go:636-639 refuses with 403
    expect(() => deploy({ ...repo, allowDeploy: false }, pr)).toThrow('403 repo does not allow deployments');
  });
});
