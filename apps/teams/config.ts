import { invalid } from '../../lib';
import { DEFAULT_OUTDIR, DefaultStackConfig, loadConfig, readStackEnv } from '../default/config';
import { MAX_TEAMS } from '../shared/limits';

export { MAX_TEAMS };

/** The settings of the multi-team example: the default stack's, and how many teams to onboard. */
export interface TeamsConfig extends DefaultStackConfig {
  /** How many example teams (`DOCKYARD_TEAMS`). */
  readonly teams: number;
}

/** The secret state of this example, apart from the default stack's. */
export const TEAMS_STATE_PATH = '.dockyard/teams-secrets.json';

/**
 * Read `DOCKYARD_TEAMS` (default 3) and the default stack's `DOCKYARD_*` variables, empty ones as unset; the secret
 * state defaults to `.dockyard/teams-secrets.json`, so the example never adds keys to the default stack's state.
 */
export function loadTeamsConfig(given: NodeJS.ProcessEnv = process.env, outdir = given.CDK8S_OUTDIR ?? DEFAULT_OUTDIR,
  warn?: (message: string) => void): TeamsConfig {
  const env = readStackEnv(given, warn);
  const text = env.DOCKYARD_TEAMS ?? '3';
  if (!/^\d{1,5}$/.test(text) || Number(text) > MAX_TEAMS) {
    invalid('DOCKYARD_TEAMS', text, `must be a whole number from 0 to ${MAX_TEAMS}`);
  }
  return { ...loadConfig({ ...env, DOCKYARD_STATE: env.DOCKYARD_STATE ?? TEAMS_STATE_PATH }, { outdir }), teams: Number(text) };
}
