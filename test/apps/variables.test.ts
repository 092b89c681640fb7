import { CONFIG_VARIABLE_NAMES, DEFAULT_CONFIG, loadConfig } from '../../apps/default/config';
import { loadTeamsConfig, TEAMS_STATE_PATH } from '../../apps/teams/config';
import { closest, OTHER_VARIABLES, stackEnv } from '../../apps/shared/variables';

/** `loadConfig(env)` with its warnings collected. */
function warnings(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  loadConfig(env, { warn: (m) => out.push(m) });
  return out;
}

describe('the stacks\' DOCKYARD_* environment', () => {
  test('an empty value is the variable unset', () => {
    const config = loadConfig({
      DOCKYARD_HOST: '', DOCKYARD_GIT_SERVER: '', DOCKYARD_IMAGE_MIRROR: '', DOCKYARD_IMAGE_MIRROR_USER: '', DOCKYARD_API_SERVER: '', DOCKYARD_STATE: '',
    }, { warn: () => { throw new Error('no warning expected'); } });
    expect(config).toEqual({ ...DEFAULT_CONFIG, gitServer: undefined, imageMirror: undefined, imageMirrorUser: undefined, apiServer: undefined });
    // gitea needs a server: empty is as missing as unset
    expect(() => loadConfig({ DOCKYARD_GIT_PROVIDER: 'gitea', DOCKYARD_GIT_SERVER: '' })).toThrow(/^missing DOCKYARD_GIT_SERVER: must be set for DOCKYARD_GIT_PROVIDER "gitea"/);
    // apps/teams: an empty state and team count are their defaults
    const teams = loadTeamsConfig({ DOCKYARD_STATE: '', DOCKYARD_TEAMS: '' }, 'dist-teams', () => { throw new Error('no warning expected'); });
    expect(teams.statePath).toBe(TEAMS_STATE_PATH);
    expect(teams.teams).toBe(3);
  });

  test('a variable no stack reads is ignored with one warning line naming it and the closest known name, never its value', () => {
    const secret = 'dckr_pat_0123456789abcdef';
    const found = warnings({ DOCKYARD_STAT: secret, DOCKYARD_ROTATION: 'all', DOCKYARD_API: 'https://10.0.0.1', DOCKYARD_ZZZ_UNRELATED: 'x', DOCKYARD_EMPTY: '' });
    expect(found).toEqual([
      'DOCKYARD_API is not a variable any Dockyard stack reads, and is ignored (did you mean DOCKYARD_API_SERVER?); the stacks\' variables are in the README\'s configuration table',
      'DOCKYARD_EMPTY is not a variable any Dockyard stack reads, and is ignored; the stacks\' variables are in the README\'s configuration table',
      'DOCKYARD_ROTATION is not a variable any Dockyard stack reads, and is ignored (did you mean DOCKYARD_ROTATE?); the stacks\' variables are in the README\'s configuration table',
      'DOCKYARD_STAT is not a variable any Dockyard stack reads, and is ignored (did you mean DOCKYARD_STATE?); the stacks\' variables are in the README\'s configuration table',
      'DOCKYARD_ZZZ_UNRELATED is not a variable any Dockyard stack reads, and is ignored; the stacks\' variables are in the README\'s configuration table',
    ]);
    expect(found.join('\n')).not.toContain(secret);
    // ignored: a misspelled state does not move the state
    expect(loadConfig({ DOCKYARD_STAT: 'elsewhere.json' }, { warn: () => undefined }).statePath).toBe(DEFAULT_CONFIG.statePath);
  });

  test('every variable of the table, and those other commands read, passes without a warning', () => {
    const env = Object.fromEntries([...CONFIG_VARIABLE_NAMES, ...OTHER_VARIABLES].map((n) => [n, 'x']));
    const out: string[] = [];
    expect(stackEnv(env, CONFIG_VARIABLE_NAMES, (m) => out.push(m))).toEqual(env);
    expect(out).toEqual([]);
    // other variables pass through untouched, empty or not
    expect(stackEnv({ HOME: '/root', EMPTY: '' }, CONFIG_VARIABLE_NAMES)).toEqual({ HOME: '/root', EMPTY: '' });
  });

  test('apps/teams warns once, not once for itself and once for the default stack\'s reader', () => {
    const out: string[] = [];
    loadTeamsConfig({ DOCKYARD_TEAM: '5' }, 'dist-teams', (m) => out.push(m));
    expect(out).toEqual([expect.stringMatching(/^DOCKYARD_TEAM is not a variable .*\(did you mean DOCKYARD_TEAMS\?\)/)]);
  });

  test('closest: a few edits for the length, else a shared beginning', () => {
    const known = ['DOCKYARD_CI', 'DOCKYARD_STATE', 'DOCKYARD_ROTATE', 'DOCKYARD_API_SERVER'];
    expect(closest('DOCKYARD_API', known)).toBe('DOCKYARD_API_SERVER');
    expect(closest('DOCKYARD_ROTATION', known)).toBe('DOCKYARD_ROTATE');
    expect(closest('DOCKYARD_C', known)).toBe('DOCKYARD_CI');
    expect(closest('DOCKYARD_XY', known)).toBeUndefined();
    expect(closest('DOCKYARD_STATES', known)).toBe('DOCKYARD_STATE');
    expect(closest('DOCKYARD_SATE', known)).toBe('DOCKYARD_STATE');
    expect(closest('DOCKYARD_ROTTAE', known)).toBe('DOCKYARD_ROTATE');
    expect(closest('DOCKYARD_API_SERVER_URL', known)).toBe('DOCKYARD_API_SERVER');
    expect(closest('DOCKYARD_AP', known)).toBeUndefined();
    expect(closest('DOCKYARD_HOSTNAME_X', known)).toBeUndefined();
  });
});
