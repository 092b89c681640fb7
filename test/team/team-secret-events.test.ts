// The events of a team's pipeline secret: refused at addPipelineSecret, naming the prop and the team, where they
// would not do what they say (a new user's trial: `allowPullRequests: true` alone gave pull requests nothing, and on
// Woodpecker a narrower list was refused at synth naming the team's route and its repositories).
import { DEFAULT_EVENTS, PipelineEvent, Secret, SecretValue } from '../../lib';
import { Engine, platform } from './fixtures';

const values = { token: SecretValue.hex(16) };

function team(engine: Engine) {
  const p = platform({}, { engine });
  return { p, team: p.teams.addTeam({ name: 'web', repos: ['acme/web'] }) };
}

test('on Drone, allowPullRequests without pull_request in events is refused: it only allows listing it', () => {
  const { team: web } = team('drone');
  expect(() => web.addPipelineSecret('A', { name: 'a', values, allowPullRequests: true })).toThrow(
    'invalid allowPullRequests true: gives nothing without pull_request in events, which is unset: every event but pull requests; list the ' +
    'events, pull_request among them (team "web")');
  expect(() => web.addPipelineSecret('B', { name: 'b', values, events: [PipelineEvent.PUSH], allowPullRequests: true })).toThrow(
    'invalid allowPullRequests true: gives nothing without pull_request in events, which leaves it out; list the events, pull_request among them (team "web")');
});

describe.each(['drone', 'woodpecker'] as const)('on %s', (engine) => {
  test('the default events are accepted, and synthesize', () => {
    const { p, team: web } = team(engine);
    web.addPipelineSecret('A', { name: 'a', values });
    web.addPipelineSecret('B', { name: 'b', values, events: [...DEFAULT_EVENTS] });
    expect(() => p.objects()).not.toThrow();
  });

  test('an empty list of events is the engine\'s to refuse, as any grant\'s', () => {
    const { team: web } = team(engine);
    expect(() => web.addPipelineSecret('A', { name: 'a', values, events: [] })).toThrow(/^invalid events \[\]: must not be empty/);
  });
});

test('on Drone a team secret may go to pull requests, and to fewer events than the team\'s route', () => {
  // the secrets extension serves a secret by repository and event (drone-kubernetes-secrets plugin/plugin.go), so
  // the list is enforced whatever namespace the pipeline runs in
  const { team: web } = team('drone');
  const a = web.addPipelineSecret('A', { name: 'a', values, events: [PipelineEvent.PUSH, PipelineEvent.PULL_REQUEST], allowPullRequests: true });
  const b = web.addPipelineSecret('B', { name: 'b', values, events: [PipelineEvent.PROMOTE] });
  expect([a, b].map((s) => (s as Secret).annotations['X-Drone-Events'])).toEqual(['push,pull_request', 'promote']);
});

describe('on Woodpecker, where a team secret is a Secret of the team\'s build namespace', () => {
  test('pull requests are refused: they run in the engine\'s shared build namespace', () => {
    const { team: web } = team('woodpecker');
    for (const events of [undefined, [PipelineEvent.PUSH, PipelineEvent.PULL_REQUEST]]) {
      expect(() => web.addPipelineSecret('A', { name: 'a', values, events, allowPullRequests: true })).toThrow(
        'invalid allowPullRequests true: must not be set on Woodpecker: a team\'s pull requests run in the engine\'s shared build namespace, which holds ' +
        'no secret of the team\'s (team "web")');
    }
    expect(() => web.addPipelineSecret('A', { name: 'a', values, events: [PipelineEvent.PUSH, PipelineEvent.PULL_REQUEST] })).toThrow(
      'invalid events ["push","pull_request"]: must not include pull_request on Woodpecker: a team\'s pull requests run in the engine\'s shared build ' +
      'namespace, which holds no secret of the team\'s (team "web")');
  });

  test('fewer events than the team\'s route are refused: every pipeline there could read it', () => {
    const { team: web } = team('woodpecker');
    expect(() => web.addPipelineSecret('A', { name: 'a', values, events: [PipelineEvent.PROMOTE, PipelineEvent.ROLLBACK] })).toThrow(
      'invalid events ["promote","rollback"]: must include every event of the team\'s route (push, tag, promote, rollback, cron, custom) on ' +
      'Woodpecker, or be left unset: the secret is a Secret of the team\'s build namespace, which its pipelines of push, tag, cron, custom could ' +
      'read as well (team "web")');
  });
});
