import { registered, settled, setup, warningsDuring } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

// The program's retiredTeams setting reaches the charts: Harbor's configuration deletes the team's robots. Under
// Pulumi nothing else would (no secret state warns of a team taken out of `teams`)
test('the DigitalOcean program retires the robots of its retiredTeams', async () => {
  await setup();
  const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
  deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, teams: [{ name: 'payments', repos: ['example/payments'] }], retiredTeams: ['billing'] },
    'github-oauth-client-secret');
  await settled(100);
  const retired = registered.filter((r) => r.inputs?.kind === 'ConfigMap' && /^harbor-configure(-[0-9a-f]+)?-[0-9a-f]{8}$/.test(r.inputs.metadata.name))
    .flatMap((c) => JSON.parse(c.inputs.data['config.json']).retiredRobots ?? []);
  expect(retired).toEqual(expect.arrayContaining(['billing-pull', 'billing-push']));
}, 60_000);

// The last team taken out of `teams` without retiredTeams: the program must warn of its robots as it warns of any
// other team's (test/pulumi/previous-mark.ts, 'a team dropped from the code'), not let them go because no TeamPlatform
// is left to list the teams (lib/harbor/left-robots.ts leaves a pair <x>-push/<x>-pull to the TeamPlatform)
describe('the last team taken out of teams', () => {
  const deploy = async (mark: string | undefined, settings: object) => {
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    return deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, ...settings }, 'github-oauth-client-secret', undefined, undefined, undefined, mark).mark;
  };
  const robotWarning = 'team "search"\'s Harbor robots robot$search-push and robot$search-pull were made for it by an earlier update (the stack ' +
    'output dockyardMark lists the team), declared by platform/Harbor, but platform/Teams neither onboards the team (addTeam) nor retires it ' +
    '(retireTeam): the robots keep their permissions and secrets, which never expire; if the team left, move it from the teams setting ' +
    'to retiredTeams (the DigitalOcean program), or call retireTeam("search") in a program of your own';

  test.each(['drone', 'woodpecker'])('on %s, is warned of for its robots until it is in retiredTeams, as any other team is', async (ciEngine) => {
    await setup();
    const before = await deploy(undefined, { ciEngine, teams: [{ name: 'search', repos: ['example/search'] }] });
    await settled(100);
    expect(before).toContain(JSON.stringify('harbor-team harbor/platform/Teams\tsearch'));
    let next = '';
    const marks: string[] = [];
    const dropped = await warningsDuring(async () => {
      next = await deploy(before, { ciEngine });
      marks.push(next);
    });
    expect(dropped.filter((w) => w.includes('robot$search'))).toEqual([robotWarning]);
    // its project too, by Harbor's own list
    expect(dropped.filter((w) => w.startsWith('Harbor project search of '))).toHaveLength(1);
    // carried on: the next run warns again
    const again = await warningsDuring(async () => {
      next = await deploy(next, { ciEngine });
      marks.push(next);
    });
    expect(again.filter((w) => w.includes('robot$search'))).toEqual([robotWarning]);
    const retired = await warningsDuring(async () => {
      next = await deploy(next, { ciEngine, retiredTeams: ['search'] });
      marks.push(next);
    });
    expect(retired.filter((w) => w.includes('search'))).toEqual([]);
    // its team and robots leave the mark's lists
    expect(next.split('\n').filter((l) => /"harbor-(team|robot) [^"]*\\tsearch/.test(l))).toEqual([]);
    // and no mark of the program lists a team as left unretired (lib/harbor/left-robots.ts recordTeamsLeft): the
    // warnings above come from the teams' list, carried on; a synth's list of left teams, filled by the secret state's
    // reviews, which the program has not, would only change dockyardMark (README Upgrade notes)
    expect([before, ...marks].join('').split('\n').filter((l) => l.includes('harbor-left-team'))).toEqual([]);
  }, 120_000);
});
