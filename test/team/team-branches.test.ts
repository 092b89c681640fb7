// A team's route by branch on Woodpecker (TeamProps.events, TeamProps.branches): its deploy identity and Secrets only
// for the builds the server records as one of its branches, evaluated with the transcriptions of woodpecker v3.17.0 in
// test/woodpecker/upstream.ts: the server stamps the pipeline's branch on each task as
// `woodpecker-ci.org/commit-branch` and drops any label under woodpecker-ci.org the workflow sets
// (pipeline/frontend/builder/builder.go:187-206), and an agent label written `!key` must be on the task with exactly
// that value (server/scheduler/filter.go:77-87): names, not globs.
import { OutputFile, Pipeline, PipelineEvent, RepositoryPipelines, Secret, SecretValue, Step, WoodpeckerCi } from '../../lib';
import { IMAGES } from '../ci/pipeline-fixtures';
import { thrown } from '../util';
import { agentsOf, agentTakes, taskLabels, Workflow } from '../woodpecker/upstream';
import { Engine, platform } from './fixtures';

const { PUSH, TAG, PROMOTE, ROLLBACK, CRON, CUSTOM, PULL_REQUEST } = PipelineEvent;
const ROUTE = { 'dockyard.dev/route': 'web' };
const BRANCHES = ['main', 'release/2.x'];

/** A platform on `engine` with team `web` (acme/web) onboarded with `props` over those. */
function withTeam(engine: Engine, props: object = {}) {
  const p = platform({}, { engine });
  const team = p.teams.addTeam({ name: 'web', repos: ['acme/web'], ...props });
  return { p, team };
}

describe('a team whose route takes push, cron and custom on main and release/2.x', () => {
  const { p, team } = withTeam('woodpecker', { events: [PUSH, CRON, CUSTOM], branches: BRANCHES });
  team.addPipelineSecret('Sentry', { name: 'sentry', values: { token: SecretValue.hex(16) } });
  const objects = p.objects();
  const agents = agentsOf(objects);
  const takers = (w: Workflow) => agents.filter((a) => agentTakes(taskLabels(w), a.filter)).map((a) => a.name);
  const pool = agents.find((a) => a.namespace === p.ci.buildNamespace)!;

  test('has one agent per event and branch, each in the team\'s build namespace and requiring the branch the server stamps', () => {
    const own = agents.filter((a) => a !== pool);
    expect(own.map((a) => a.labels.split(',').filter((l) => l.startsWith('!')).join(' '))).toEqual([
      '!woodpecker-ci.org/commit-branch=main !woodpecker-ci.org/event=push', '!woodpecker-ci.org/commit-branch=release/2.x !woodpecker-ci.org/event=push',
      '!woodpecker-ci.org/commit-branch=main !woodpecker-ci.org/event=cron', '!woodpecker-ci.org/commit-branch=release/2.x !woodpecker-ci.org/event=cron',
      '!woodpecker-ci.org/commit-branch=main !woodpecker-ci.org/event=manual', '!woodpecker-ci.org/commit-branch=release/2.x !woodpecker-ci.org/event=manual',
    ]);
    for (const a of own) {
      expect(a).toMatchObject({ namespace: 'web-builds', nativeSecrets: true, accountFromStep: true, pullSecrets: 'web-harbor-pull' });
    }
    expect(p.ci.grants.routes.get('web')).toMatchObject({ events: [PUSH, CRON, CUSTOM], branches: BRANCHES, serviceAccountName: 'deployer' });
  });

  test('a listed branch\'s push, cron and manual builds run as the team; another branch\'s never do', () => {
    for (const [event, branch] of [['push', 'main'], ['push', 'release/2.x'], ['cron', 'main'], ['manual', 'release/2.x']]) {
      expect(takers({ repo: 'acme/web', event, branch, labels: ROUTE })).toEqual([expect.stringMatching(new RegExp(`^woodpecker-web-${event}-`))]);
    }
    // with the route's label a build of another branch waits (no agent has both); without it, it runs on the pool
    expect(takers({ repo: 'acme/web', event: 'push', branch: 'feature/x', labels: ROUTE })).toEqual([]);
    expect(takers({ repo: 'acme/web', event: 'push', branch: 'release/2.x-old', labels: ROUTE })).toEqual([]);
    // exact names: a glob in an agent's required label would only match a branch of that literal name
    expect(takers({ repo: 'acme/web', event: 'push', branch: 'release/3.x', labels: ROUTE })).toEqual([]);
    expect(takers({ repo: 'acme/web', event: 'push', branch: 'feature/x' })).toEqual([pool.name]);
    // the workflow cannot claim a branch: the server drops its woodpecker-ci.org labels and stamps the real one
    const forged = { ...ROUTE, 'woodpecker-ci.org/commit-branch': 'main' };
    expect(takers({ repo: 'acme/web', event: 'push', branch: 'feature/x', labels: forged })).toEqual([]);
  });

  test('its tags and deployments have no route: they run on the pool, without the team\'s identity or Secrets', () => {
    for (const event of ['tag', 'deployment']) {
      expect(takers({ repo: 'acme/web', event, branch: 'main', labels: ROUTE })).toEqual([]);
      expect(takers({ repo: 'acme/web', event, branch: 'main' })).toEqual([pool.name]);
    }
    expect(pool).toMatchObject({ nativeSecrets: false, accountFromStep: false });
  });

  test('its Secrets lie in its build namespace only, granted the route\'s events', () => {
    // rendered apart from the chart's objects (the secrets file), in the namespaces each is shared with
    const where = (name: string) => p.chart.node.findAll().filter((c): c is Secret => c instanceof Secret && c.secretName === name).flatMap((s) => s.namespaces);
    for (const name of ['web-harbor-push', 'web-sentry', 'web-harbor-pull']) {
      expect(where(name)).toEqual(['web-builds']);
    }
    expect(p.ci.grants.secrets.get('web-harbor-push')!.events).toEqual([PUSH, CRON, CUSTOM]);
    expect(p.ci.grants.secrets.get('web-sentry')!.events).toEqual([PUSH, CRON, CUSTOM]);
    expect(p.ci.grants.pullSecrets.get('web-harbor-pull')).toMatchObject({ events: [PUSH, CRON, CUSTOM], namespaces: ['web-builds'] });
  });
});

test('a team\'s events alone, without branches, narrow its route and its secrets', () => {
  const { p } = withTeam('woodpecker', { events: [PUSH, PROMOTE, ROLLBACK] });
  const events = agentsOf(p.objects()).filter((a) => a.namespace === 'web-builds').map((a) => a.filter['!woodpecker-ci.org/event']);
  expect(events).toEqual(['push', 'deployment']);
  expect(p.ci.grants.secrets.get('web-harbor-push')!.events).toEqual([PUSH, PROMOTE, ROLLBACK]);
});

test('a typed pipeline of the team must keep to its branches, and renders with the route\'s label and when: branch:', () => {
  const render = (branches?: string[]) => {
    const { p, team } = withTeam('woodpecker', { events: [PUSH], branches: ['main'] });
    const pipeline = new Pipeline({ name: 'deploy', events: [PUSH], branches, steps: [Step.run('test', { image: IMAGES.go, commands: ['go test ./...'] })] });
    const repo = new RepositoryPipelines(p.chart, 'Web', { engine: team.ci, repo: 'acme/web', pipelines: [pipeline] });
    p.objects();
    return () => OutputFile.allIn(repo)[0].content();
  };
  expect(render(['main'])()).toMatch(/dockyard\.dev\/route: web[\s\S]*branch:\n\s+- main\n/);
  expect(thrown(render(undefined)).message).toMatch(/^invalid pipelines\.deploy\.branches undefined: must list only branches route web takes \(main\)/);
});

test('retireTeam with the team\'s events and branches refuses its agents the server\'s gRPC port; without them, other names', () => {
  const closed = (options: object) => {
    const p = platform({}, { engine: 'woodpecker' });
    p.teams.retireTeam('web', { repos: ['acme/web'], ...options });
    const policy = p.objects().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker');
    return (JSON.stringify(policy).match(/woodpecker-web-[a-z]+-[0-9a-f]{8}/g) ?? []).sort();
  };
  // the agents addTeam made for the branches are the ones retireTeam closes
  const made = agentsOf(withTeam('woodpecker', { events: [PUSH, CRON], branches: BRANCHES }).p.objects()).map((a) => a.name).filter((n) => n.startsWith('woodpecker-web-'));
  expect(closed({ events: [PUSH, CRON], branches: BRANCHES })).toEqual([...made].sort());
  expect(closed({})).toHaveLength(5);
  expect(closed({})).not.toContain(made[0]);
});

// Giving a live team `events` or `branches` renames its agents (their names hold the event and branch): the agents it
// had keep taking its every branch's builds as `deployer` while an apply without pruning leaves them running, so the
// README has the platform close them with the engine's closeRoute and the team's former events and branches.
test('a team given branches later: closeRoute with its former route names the agents it had, none it has now', () => {
  const agentNames = (objects: any[]) => agentsOf(objects).map((a) => a.name).filter((n) => n.startsWith('woodpecker-web-'));
  const before = agentNames(withTeam('woodpecker').p.objects());
  const { p } = withTeam('woodpecker', { events: [PUSH, CRON, CUSTOM], branches: BRANCHES });
  (p.ci as WoodpeckerCi).closeRoute('web', ['acme/web']);
  const objects = p.objects();
  const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'woodpecker');
  const closed: string[] = (JSON.stringify(policy).match(/woodpecker-web-[a-z]+-[0-9a-f]{8}/g) ?? []).sort();
  expect(before).toHaveLength(5);
  expect(closed).toEqual([...before].sort());
  const now = agentNames(objects);
  expect(now).toHaveLength(6);
  expect(now.filter((n) => closed.includes(n))).toEqual([]);
});

describe('refused, each in one line naming the prop and the team, leaving the name free', () => {
  const refusal = (engine: Engine, props: object) => {
    const p = platform({}, { engine });
    const message = thrown(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'], ...props })).message;
    // nothing of the refused team stays: the same name onboards
    expect(() => p.teams.addTeam({ name: 'web', repos: ['acme/web'] })).not.toThrow();
    return message;
  };

  test('branches on Drone, which routes by repository and event only', () => {
    expect(refusal('drone', { branches: ['main'] })).toBe('invalid branches ["main"]: must be left out on Drone, which routes by repository and ' +
      'event only: a custom build names any commit as the branch it gives, and the secrets extension serves every branch of a repository and ' +
      'event alike, so a runner policy by branch would keep neither other branches\' code nor their secret requests out; route by branch on ' +
      'Woodpecker (team "web")');
    expect(refusal('drone', { events: [PUSH], branches: ['main'] })).toMatch(/^invalid branches \["main"\]: must be left out on Drone/);
    // a team's own runner takes its policy from the team, not through the engine's route check
    expect(refusal('drone', { branches: ['main'], dedicatedRunner: true })).toMatch(/^invalid branches \["main"\]: must be left out on Drone/);
  });

  test('events on Drone', () => {
    expect(refusal('drone', { events: [PUSH] })).toBe('invalid events ["push"]: must be left out on Drone: a team\'s route there takes every ' +
      'event but pull requests (push, tag, promote, rollback, cron, custom); a narrower one is Woodpecker\'s, for a route by branch (team "web")');
  });

  test('branches with the default events, whose tags and deployments carry no branch of their own', () => {
    expect(refusal('woodpecker', { branches: ['main'] })).toMatch(new RegExp('^invalid branches \\["main"\\]: must be left out of a route for ' +
      'tag, promote, rollback, as a route by branch takes only push, cron, custom \\(give it events: push, cron, custom, or fewer\\): a tag ' +
      'carries no branch on Gitea and GitLab, .* \\(team "web"\\)$'));
    expect(refusal('woodpecker', { events: [PUSH, TAG], branches: ['main'] })).toMatch(/^invalid branches \["main"\]: must be left out of a route for tag, /);
  });

  test.each([
    ['a glob, which an agent compares as a string', { events: [PUSH], branches: ['release/*'] },
      'invalid branches ["release/*"]: "release/*" must be an exact branch name of letters, digits, ".", "_", "-" and "/", starting with a ' +
      'letter or digit, as git allows it (no globs: an agent compares the branch exactly) (team "web")'],
    ['no branch', { events: [PUSH], branches: [] }, 'invalid branches []: must not be empty (team "web")'],
    ['pull requests', { events: [PUSH, PULL_REQUEST] }, 'invalid events ["push","pull_request"]: must not include pull_request: a team\'s pull ' +
      'requests, forks\' included, run in the engine\'s shared build namespace, never in its own as its deploy identity; give some of push, tag, ' +
      'promote, rollback, cron, custom (team "web")'],
    ['no event', { events: [] }, 'invalid events []: must not be empty (team "web")'],
    ['an event that is none', { events: ['deploy'] }, 'invalid events ["deploy"]: "deploy" must be one of push, tag, promote, rollback, cron, ' +
      'custom, pull_request (team "web")'],
    ['promote without rollback, one Woodpecker event', { events: [PUSH, PROMOTE] }, 'invalid events ["push","promote"]: must list promote and ' +
      'rollback together or neither: Woodpecker has one event, deployment, for both, so granting one would grant the other (team "web")'],
  ])('on Woodpecker, %s', (_what, props, message) => {
    expect(refusal('woodpecker', props)).toBe(message);
  });

  test('a team secret for an event the team\'s route does not run', () => {
    const { team } = withTeam('woodpecker', { events: [PUSH, CRON, CUSTOM], branches: ['main'] });
    expect(thrown(() => team.addPipelineSecret('A', { name: 'a', values: { token: SecretValue.hex(16) }, events: [PUSH, TAG, CRON, CUSTOM] })).message)
      .toBe('invalid events ["push","tag","cron","custom"]: tag must be among the events of the team\'s route (push, cron, custom) on Woodpecker: ' +
        'the team\'s other events run on the pool agent, in the engine\'s default build namespace, where no secret of the team\'s lies (team "web")');
    expect(thrown(() => team.addPipelineSecret('B', { name: 'b', values: { token: SecretValue.hex(16) }, events: [PUSH] })).message)
      .toMatch(/^invalid events \["push"\]: must include every event of the team's route \(push, cron, custom\) on Woodpecker, or be left unset/);
  });

  test('retireTeam\'s events and branches, as addTeam\'s', () => {
    const drone = platform({}, { engine: 'drone' });
    expect(thrown(() => drone.teams.retireTeam('web', { repos: ['acme/web'], branches: ['main'] })).message)
      .toMatch(/^invalid branches \["main"\]: must be left out on Drone, which routes by repository and event only/);
    const woodpecker = platform({}, { engine: 'woodpecker' });
    expect(thrown(() => woodpecker.teams.retireTeam('web', { repos: ['acme/web'], branches: ['main'] })).message)
      .toMatch(/^invalid branches \["main"\]: must be left out of a route for tag, promote, rollback/);
    expect(thrown(() => woodpecker.teams.retireTeam('web', { repos: ['acme/web'], events: [PUSH, PULL_REQUEST] })).message)
      .toMatch(/^invalid events \["push","pull_request"\]: must not include pull_request/);
    // a refusal retires nothing
    expect(woodpecker.teams.retiredTeams).toEqual([]);
    expect((woodpecker.ci as WoodpeckerCi).kind).toBe('woodpecker');
  });
});
