// The order of the addTeam calls is no input of the platform: teams are often onboarded from a list, a file or a
// directory listing, whose order may change without anything else changing, and every object that changes restarts
// the pods that read it (the shared Drone runner reads its policies once, at start: drone-runner-kube v1.0.0-rc.5
// command/daemon/daemon.go loads DRONE_POLICY_FILE before it polls) or runs a Harbor configure Job again.
import { parse } from 'yaml';
import { CiRouteProps, DockyardChart, PipelineEvent, Team, TeamPlatform, TeamProps } from '../../lib';
import { matchPolicy, parsePolicies, runnerConfigFiles } from '../drone/upstream';
import { Engine, platform } from './fixtures';

/** Every object of `objects` by kind, namespace and name, as JSON: the manifest's content without its order. */
function byIdentity(objects: any[]): Map<string, string> {
  return new Map(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, JSON.stringify(o)]));
}

const TEAMS: Record<Engine, TeamProps[]> = {
  drone: [
    { name: 'alpha', repos: ['acme/alpha-*'], dedicatedRunner: true },
    { name: 'bravo', repos: ['acme/bravo-*'], namespaces: ['bravo', 'bravo-staging'] },
    { name: 'charlie', repos: ['acme/charlie-api', 'acme/charlie-web'] },
    { name: 'delta', repos: ['acme/delta-*'], dedicatedRunner: true },
  ],
  woodpecker: [
    { name: 'alpha', repos: ['acme/alpha-app'] },
    { name: 'bravo', repos: ['acme/bravo-app'], namespaces: ['bravo', 'bravo-staging'] },
    { name: 'charlie', repos: ['acme/charlie-api', 'acme/charlie-web'] },
  ],
};

/** A platform with `teams`, in that order, and the platform's own route `release` added after the first `before` of them. */
function build(engine: Engine, teams: readonly TeamProps[], before: number) {
  const p = platform({}, { engine });
  const route: CiRouteProps = { name: 'release', repos: ['acme/release'], events: [PipelineEvent.PUSH, PipelineEvent.TAG], namespace: 'release' };
  teams.forEach((team, i) => {
    if (i === before) {
      p.ci.addBuildNamespace('release');
      p.ci.addRoute(route);
    }
    p.teams.addTeam(team);
  });
  return p.objects();
}

describe.each(['drone', 'woodpecker'] as const)('teams onboarded in another order, on %s', (engine) => {
  test('write the same objects, each with the same content', () => {
    const teams = TEAMS[engine];
    const first = byIdentity(build(engine, teams, 1));
    const reversed = byIdentity(build(engine, [...teams].reverse(), teams.length - 1));
    expect([...reversed.keys()].sort()).toEqual([...first.keys()].sort());
    const changed = [...first].filter(([identity, json]) => reversed.get(identity) !== json).map(([identity]) => identity);
    expect(changed).toEqual([]);
  });
});

describe('the shared Drone runner\'s policies', () => {
  test('come after the platform\'s own, in the order of the teams\' names', () => {
    const p = platform();
    p.teams.addTeam({ name: 'zulu', repos: ['acme/zulu'] });
    p.ci.addBuildNamespace('release');
    p.ci.addRoute({ name: 'release', repos: ['acme/release'], events: [PipelineEvent.PUSH], namespace: 'release' });
    p.teams.addTeam({ name: 'mike', repos: ['acme/mike'] });
    p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha'] });
    const config = runnerConfigFiles(p.objects());
    const names = parsePolicies(config['policies.yaml']).map((policy) => policy.name);
    expect(names).toEqual(['pull-request-refs', 'release', 'alpha', 'mike', 'zulu', 'other-events', 'default']);
    // the guard and the namespace rules follow the same order
    const guard = parsePolicies(config['policies.yaml']).find((policy) => policy.name === 'other-events')!;
    expect(guard.match?.repo).toEqual(['acme/release', 'acme/alpha', 'acme/mike', 'acme/zulu']);
    expect(Object.keys(parse(config['namespace-rules.yaml']))).toEqual(['release', 'alpha-builds', 'mike-builds', 'zulu-builds']);
  });

  test('every pipeline is placed as it would be with the policies in the order added', () => {
    // a team's repositories match no other policy (refused otherwise), so moving the teams' policies after the
    // platform's changes no build's policy (engine/policy/match.go:12-24: the first that matches)
    const p = platform();
    p.teams.addTeam({ name: 'zulu', repos: ['acme/zulu-*'] });
    p.ci.addBuildNamespace('release');
    p.ci.addRoute({ name: 'release', repos: ['acme/release'], namespace: 'release', events: [PipelineEvent.PUSH, PipelineEvent.TAG] });
    p.runner.addBuildNamespace('site');
    p.runner.addPolicy({ name: 'site', repos: ['acme/site', 'other/*'], namespace: 'site', events: [PipelineEvent.PUSH] });
    p.teams.addTeam({ name: 'mike', repos: ['acme/mike-*'] });
    p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha-api', 'acme/alpha-web'] });
    const rendered = parsePolicies(runnerConfigFiles(p.objects())['policies.yaml']);
    expect(rendered.map((q) => q.name)).toEqual(['pull-request-refs', 'release', 'site', 'alpha', 'mike', 'zulu', 'other-events', 'default']);
    // the same documents in the order their calls were made
    const byName = new Map(rendered.map((q) => [q.name, q]));
    const added = ['pull-request-refs', 'zulu', 'release', 'site', 'mike', 'alpha', 'other-events', 'default'].map((name) => byName.get(name)!);
    for (const repo of ['acme/zulu-api', 'acme/release', 'acme/site', 'other/x', 'acme/mike-api', 'acme/alpha-web', 'acme/none']) {
      for (const event of ['push', 'tag', 'pull_request', 'promote', 'rollback', 'cron', 'custom']) {
        for (const ref of [undefined, 'refs/pull/7/head']) {
          const build = { repo, event, ref };
          expect([repo, event, ref, matchPolicy(rendered, build)?.name]).toEqual([repo, event, ref, matchPolicy(added, build)?.name]);
        }
      }
    }
  });
});

describe('a policy added to the shared runner directly', () => {
  // it is no grant (DroneCi.addRoute makes one), so the grants' overlap checks never saw it, and it comes before every
  // team's policy: the team's pushes would run where it places them
  const policy = { name: 'publish', namespace: 'publish', repos: ['acme/*'], events: [PipelineEvent.PUSH] };

  test('is refused when a team added after it overlaps it, naming both', () => {
    const p = platform();
    p.runner.addBuildNamespace('publish');
    p.runner.addPolicy(policy);
    expect(() => p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha-*'] })).toThrow(
      'invalid repos "acme/alpha-*": must not overlap the shared runner\'s own policies: team "alpha"\'s pattern can match the same repository as ' +
      '"acme/*" of the runner policy "publish", which would place the team\'s pipelines; narrow one of them');
  });

  test('is refused at synth when added after a team it overlaps', () => {
    const p = platform();
    p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha-*'] });
    p.runner.addBuildNamespace('publish');
    p.runner.addPolicy(policy);
    expect(() => p.app.synth()).toThrow(
      'invalid repos "acme/*": of the runner policy "publish" must not overlap the repositories of team "alpha": it can match the same ' +
      'repository as "acme/alpha-*", and a team\'s policy comes after every other, so it would place the team\'s pipelines; narrow one of them');
  });

  test('is refused at synth for a Team made without a TeamPlatform, which no addTeam checked', () => {
    const p = platform();
    new Team(p.chart, 'Alpha', { ci: p.ci, harbor: p.harbor, ingressPeers: [], sharedProjects: [], appEgress: [] }, { name: 'alpha', repos: ['acme/alpha-*'] });
    p.runner.addBuildNamespace('publish');
    p.runner.addPolicy(policy);
    expect(() => p.app.synth()).toThrow('invalid repos "acme/*": of the runner policy "publish" must not overlap the repositories of team "alpha"');
  });

  test('a route of the platform\'s in another chart than the teams is refused in the route\'s words, as in one chart', () => {
    // synthesize renders a chart before it validates the next, so the runner, which checks as its policies render,
    // may refuse the route before TeamPlatform's validation does: both name it as a route
    const p = platform();
    const other = new DockyardChart(p.app, 'teams', { namespace: 'ci' });
    const teams = new TeamPlatform(other, 'Teams', { ci: p.ci, harbor: p.harbor, sharedProjects: ['dockerhub'] });
    teams.addTeam({ name: 'pay', repos: ['acme/pay-*'] });
    p.ci.addBuildNamespace('release');
    p.ci.addRoute({ name: 'release', repos: ['acme/pay-api'], namespace: 'release' });
    expect(() => p.chart.toJson()).toThrow(new Error('invalid repos "acme/pay-api": of the route "release" must not overlap the repositories of ' +
      'team "pay": it can match the same repository as "acme/pay-*", so it would apply to the team\'s repositories too; narrow one of them'));
  });

  test('is accepted beside a team on a runner of its own: the shared runner fails that team\'s pipelines first (another-runner)', () => {
    const p = platform();
    p.runner.addBuildNamespace('publish');
    p.runner.addPolicy(policy);
    p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha-*'], dedicatedRunner: true });
    const policies = parsePolicies(runnerConfigFiles(p.objects())['policies.yaml']);
    expect(matchPolicy(policies, { repo: 'acme/alpha-api', event: 'push' })?.name).toBe('another-runner');
  });

  test('of other repositories is accepted, before and after the teams', () => {
    const p = platform();
    p.runner.addBuildNamespace('publish');
    p.runner.addPolicy({ ...policy, repos: ['acme/site'] });
    p.teams.addTeam({ name: 'alpha', repos: ['acme/alpha-*'] });
    p.runner.addPolicy({ ...policy, name: 'docs', repos: ['acme/docs'] });
    const names = parsePolicies(runnerConfigFiles(p.objects())['policies.yaml']).map((q) => q.name);
    expect(names).toEqual(['pull-request-refs', 'publish', 'docs', 'alpha', 'other-events', 'default']);
  });
});
