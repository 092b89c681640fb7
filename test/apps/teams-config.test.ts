import * as fs from 'fs';
import { DEFAULT_CONFIG, WOODPECKER_HOST } from '../../apps/default/config';
import { LEGACY_TEAMS_STATE_PATH, loadTeamsConfig, MAX_TEAMS } from '../../apps/teams/config';
import { teamName, teamsStack } from '../../apps/teams/stack';
import { CiEngineKind } from '../../lib';
import { MAX_OBJECT_BYTES, objectSize } from '../../lib/core/object-size';
import { synthStack } from '../stacks';
import { inEmptyFolder } from '../util';

// a state named outright: the default one depends on what the working folder holds (inEmptyFolder tests it)
const STATE = { DOCKYARD_STATE: 'state/teams.json' };

describe('apps/teams configuration', () => {
  test('3 teams and the default stack\'s state by default; DOCKYARD_TEAMS and DOCKYARD_STATE override them', () => {
    // the same platform as `npm run synth`, so the same platform credentials: dist-teams/ applied over dist/ rotates nothing
    expect(inEmptyFolder(() => loadTeamsConfig({}))).toMatchObject({ teams: 3, statePath: DEFAULT_CONFIG.statePath, organization: 'example' });
    expect(loadTeamsConfig({ DOCKYARD_TEAMS: '1000', DOCKYARD_STATE: 'state/teams.json' })).toMatchObject({ teams: 1000, statePath: 'state/teams.json' });
    expect(loadTeamsConfig({ ...STATE, DOCKYARD_TEAMS: '0' }).teams).toBe(0);
    expect([1, 42, 1000].map(teamName)).toEqual(['team-0001', 'team-0042', 'team-1000']);
  });

  test('its output directory where none is given is apps/teams\' own, dist-teams/, which the state must stay out of; an empty CDK8S_OUTDIR is unset', () => {
    // as apps/teams/main.ts synthesizes (stackOutdir): a state inside dist-teams/ would be replaced with it at every synth
    for (const env of [{}, { CDK8S_OUTDIR: '' }]) {
      expect(() => loadTeamsConfig({ ...env, DOCKYARD_STATE: 'dist-teams/secrets.json' })).toThrow(/^invalid DOCKYARD_STATE "dist-teams\/secrets\.json": is inside the output directory; /);
      expect(loadTeamsConfig({ ...env, DOCKYARD_STATE: 'dist/secrets.json' }).statePath).toBe('dist/secrets.json');
    }
    expect(() => loadTeamsConfig({ CDK8S_OUTDIR: 'dist', DOCKYARD_STATE: 'dist/secrets.json' })).toThrow(/^invalid DOCKYARD_STATE "dist\/secrets\.json": is inside the output directory; /);
  });

  test('the state it kept apart before is never picked silently: the synth fails naming DOCKYARD_STATE and both states', () => {
    inEmptyFolder(() => {
      fs.mkdirSync('.dockyard');
      fs.writeFileSync(LEGACY_TEAMS_STATE_PATH, '{}');
      expect(() => loadTeamsConfig({})).toThrow('missing DOCKYARD_STATE: must be set: .dockyard/teams-secrets.json is there, the state this example ' +
        'kept apart before it took the default stack\'s (.dockyard/secrets.json); if your cluster runs dist-teams/, back up .dockyard/secrets.json ' +
        'and secrets.lock.json and move .dockyard/teams-secrets.json and teams-secrets.lock.json in their place (npm run synth reads that state ' +
        'too), else set DOCKYARD_STATE=.dockyard/secrets.json, move dist-teams/ away (its Secrets are that state\'s) and delete .dockyard/teams-secrets.json once nothing applies it');
      expect(loadTeamsConfig({ DOCKYARD_STATE: LEGACY_TEAMS_STATE_PATH }).statePath).toBe(LEGACY_TEAMS_STATE_PATH);
      expect(loadTeamsConfig({ DOCKYARD_STATE: '.dockyard/secrets.json' }).statePath).toBe('.dockyard/secrets.json');
    });
  });

  // on Drone the runner's one policy file (ConfigMap drone-runner-config) grows by about 227 bytes per team: 994.0 KiB
  // at 4,500 teams (synthesized once), over the 1 MiB every object may have near 4,630, where 4,700 fails the synth
  test('at most 4,500 teams', () => {
    expect(MAX_TEAMS).toBe(4500);
    expect(loadTeamsConfig({ ...STATE, DOCKYARD_TEAMS: '4500' }).teams).toBe(4500);
  });

  // every object that grows from 2 to 3 teams, generated Secrets included, grown linearly to MAX_TEAMS, stays within
  // the 1 MiB every object may have (teams past the first are alike, so each adds the same); Harbor's configuration
  // chunks are left out: they split before they reach their bound (test/harbor/configure-chunks.test.ts)
  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('on %s, no object grows past 1 MiB by MAX_TEAMS teams', (ci) => {
    const sizes = (teams: number) => {
      const stack = synthStack(`teams-${teams}`, (app) => teamsStack(app, { ...DEFAULT_CONFIG, ...(ci === CiEngineKind.WOODPECKER ? { ci, host: WOODPECKER_HOST } : {}), teams }));
      expect(stack.secrets.length).toBeGreaterThan(10);
      return new Map([...stack.objects, ...stack.secrets].map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, objectSize(o).json]));
    };
    const [two, three] = [sizes(2), sizes(3)];
    const growing = [...three].filter(([key, size]) => !/\/harbor-configure(-|$)/.test(key) && two.has(key) && size > two.get(key)!)
      .map(([key, size]) => ({ key, atMax: size + (MAX_TEAMS - 3) * (size - two.get(key)!) }));
    expect(growing.filter((g) => g.atMax > MAX_OBJECT_BYTES)).toEqual([]);
    // the test measures something: on Drone the runner's policy file grows with every team, to near the limit
    if (ci === CiEngineKind.DRONE) {
      expect(growing.find((g) => g.key === 'ConfigMap dockyard/drone-runner-config')?.atMax).toBeGreaterThan(0.9 * MAX_OBJECT_BYTES);
    }
  });

  test.each(['-1', '3.5', 'many', ' 3', '4501', '4700', '5000', '1e3'])('refuses DOCKYARD_TEAMS=%j in one line', (value) => {
    expect(() => loadTeamsConfig({ ...STATE, DOCKYARD_TEAMS: value }))
      .toThrow(`invalid DOCKYARD_TEAMS ${JSON.stringify(value)}: must be a whole number from 0 to 4500`);
  });

  test('DOCKYARD_TEAM_SHARDS: 1 by default, a whole number from 1 to 256, each refusal one line', () => {
    expect(loadTeamsConfig({ ...STATE }).teamShards).toBe(1);
    expect(loadTeamsConfig({ ...STATE, DOCKYARD_TEAM_SHARDS: '16' }).teamShards).toBe(16);
    expect(loadTeamsConfig({ ...STATE, DOCKYARD_TEAM_SHARDS: '256' }).teamShards).toBe(256);
    for (const value of ['0', '257', '-1', '1.5', 'many', ' 4', '1e2', '0004']) {
      expect(() => loadTeamsConfig({ ...STATE, DOCKYARD_TEAM_SHARDS: value }))
        .toThrow(new RegExp(`^invalid DOCKYARD_TEAM_SHARDS ${JSON.stringify(value).replace(/[.]/g, '\\.')}: must be a whole number from 1 to 256$`));
    }
  });

  test('the default stack\'s variables are checked as there', () => {
    expect(() => loadTeamsConfig({ ...STATE, DOCKYARD_ORG: 'acme,evil' })).toThrow(/^invalid DOCKYARD_ORG "acme,evil"/);
    expect(() => loadTeamsConfig({ DOCKYARD_STATE: 'dist/state.json' }, 'dist')).toThrow(/^invalid DOCKYARD_STATE "dist\/state.json": is inside the output directory/);
  });
});
