// TeamPlatform on Woodpecker: the same onboarding through ICiEngine, with what Woodpecker cannot express refused.
import { App } from 'cdk8s';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { teamsStack } from '../../apps/teams/stack';
import { CiEngineKind } from '../../lib';
import { EXAMPLE_STACKS } from '../stacks';
import { container, envOf } from '../util';

const config = { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, teams: 2 };

describe('teams on Woodpecker', () => {
  const stack = EXAMPLE_STACKS.find((s) => s.name === 'teams-woodpecker')!.synth();

  test('each team\'s repository runs, for each event but pull requests, on agents of its own in its build namespace', () => {
    const agents = stack.objects.filter((o) => o.kind === 'StatefulSet' && /team-0001/.test(o.metadata.name)).map((s) => envOf(container(s)));
    // one agent per repository and Woodpecker event: push, tag, deployment (promote and rollback), cron, manual
    // (server/scheduler/filter.go requires a `!`-label's value exactly, so one event each)
    expect(agents.map((e) => e.WOODPECKER_BACKEND_K8S_NAMESPACE.value)).toEqual(Array(5).fill('team-0001-builds'));
    expect(agents.map((e) => e.WOODPECKER_AGENT_LABELS.value.split(',').find((l: string) => l.startsWith('!'))).sort()).toEqual([
      '!woodpecker-ci.org/event=cron', '!woodpecker-ci.org/event=deployment', '!woodpecker-ci.org/event=manual',
      '!woodpecker-ci.org/event=push', '!woodpecker-ci.org/event=tag',
    ]);
    expect(agents.every((e) => e.WOODPECKER_AGENT_LABELS.value.split(',').includes('repo=example/team-0001-app'))).toBe(true);
    // the deploy identity is named by steps, so only these agents allow it
    expect(agents.every((e) => e.WOODPECKER_BACKEND_K8S_SERVICE_ACCOUNT_NAME_ALLOW_FROM_STEP.value === 'true')).toBe(true);
  });

  test('a team\'s pipeline and pull secrets lie in its own build namespace only', () => {
    // declared in the engine's namespace, which keys their values in the secret state, but rendered only where read
    const where = (name: string) => stack.secrets.filter((s) => s.metadata.name === name).map((s) => s.metadata.namespace).sort();
    expect(where('team-0001-harbor-push')).toEqual(['team-0001-builds']);
    expect(where('team-0002-harbor-push')).toEqual(['team-0002-builds']);
    expect(where('team-0001-harbor-pull')).toEqual(['team-0001-builds']);
  });

  test('refuses what Woodpecker cannot express: repository globs, and a dedicated runner', () => {
    const withTeam = (team: object) => () => {
      const app = new App();
      const chart = teamsStack(app, { ...config, teams: 0 });
      const platform = chart.node.findChild('Teams') as any;
      platform.addTeam(team);
      chart.toJson();
    };
    expect(withTeam({ name: 'web', repos: ['example/web-*'] }))
      .toThrow(/^invalid repos \["example\/web-\*"\]: "example\/web-\*" must be an exact "owner\/name" slug: Woodpecker routes by exact repository/);
    expect(withTeam({ name: 'infra', repos: ['example/infra'], dedicatedRunner: true }))
      .toThrow('invalid dedicatedRunner true: must be false on woodpecker: every route there runs on agents of its own already');
    // the example server admits repositories of its organization only (WOODPECKER_REPO_OWNERS; woodpecker v3.17.0
    // server/api/repo.go:113-116 refuses to activate any other), so a team's repository elsewhere would never build
    expect(withTeam({ name: 'search', repos: ['other/search-api'] }))
      .toThrow(/^invalid repos \["other\/search-api"\]: "other\/search-api" must be a repository of one of the server's repoOwners \("example"\)/);
  });
});
