import { loadTeamsConfig, MAX_TEAMS, TEAMS_STATE_PATH } from '../../apps/teams/config';
import { teamName } from '../../apps/teams/stack';

describe('apps/teams configuration', () => {
  test('3 teams and a state of its own by default; DOCKYARD_TEAMS and DOCKYARD_STATE override them', () => {
    expect(loadTeamsConfig({})).toMatchObject({ teams: 3, statePath: TEAMS_STATE_PATH, organization: 'example' });
    expect(loadTeamsConfig({ DOCKYARD_TEAMS: '1000', DOCKYARD_STATE: 'state/teams.json' })).toMatchObject({ teams: 1000, statePath: 'state/teams.json' });
    expect(loadTeamsConfig({ DOCKYARD_TEAMS: '0' }).teams).toBe(0);
    expect([1, 42, 1000].map(teamName)).toEqual(['team-0001', 'team-0042', 'team-1000']);
  });

  // on Drone the runner's one policy file (ConfigMap drone-runner-config) grows by about 227 bytes per team: 994.0 KiB
  // at 4,500 teams (synthesized once), over the 1 MiB every object may have near 4,630, where 4,700 fails the synth
  test('at most 4,500 teams: the runner\'s policy file stays under 1 MiB', () => {
    expect(MAX_TEAMS).toBe(4500);
    expect(loadTeamsConfig({ DOCKYARD_TEAMS: '4500' }).teams).toBe(4500);
  });

  test.each(['', '-1', '3.5', 'many', ' 3', '4501', '4700', '5000', '1e3'])('refuses DOCKYARD_TEAMS=%j in one line', (value) => {
    expect(() => loadTeamsConfig({ DOCKYARD_TEAMS: value }))
      .toThrow(`invalid DOCKYARD_TEAMS ${JSON.stringify(value)}: must be a whole number from 0 to 4500`);
  });

  test('the default stack\'s variables are checked as there', () => {
    expect(() => loadTeamsConfig({ DOCKYARD_ORG: 'acme,evil' })).toThrow(/^invalid DOCKYARD_ORG "acme,evil"/);
    expect(() => loadTeamsConfig({ DOCKYARD_STATE: 'dist/state.json' }, 'dist')).toThrow(/^invalid DOCKYARD_STATE "dist\/state.json": is inside the output directory/);
  });
});
