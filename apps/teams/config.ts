import { invalid } from '../../lib';
import { DEFAULT_OUTDIR, DefaultStackConfig, loadConfig } from '../default/config';

/** The settings of the multi-team example: the default stack's, and how many teams to onboard. */
export interface TeamsConfig extends DefaultStackConfig {
  /** How many example teams (`DOCKYARD_TEAMS`). */
  readonly teams: number;
}

/**
 * The most teams the example onboards. On Drone, the runner's policy file (ConfigMap `drone-runner-config`, which
 * the runner reads as one file) grows by about 227 bytes per team and passes the 1 MiB every object may have near
 * 4,630 teams (994.0 KiB at 4,500); past that a stack needs dedicated runners, each with its teams' policies.
 */
export const MAX_TEAMS = 4500;

/** The secret state of this example, apart from the default stack's. */
export const TEAMS_STATE_PATH = '.dockyard/teams-secrets.json';

/**
 * Read `DOCKYARD_TEAMS` (default 3) and the default stack's `DOCKYARD_*` variables; the secret state defaults to
 * `.dockyard/teams-secrets.json`, so the example never adds keys to the default stack's state.
 */
export function loadTeamsConfig(env: NodeJS.ProcessEnv = process.env, outdir = env.CDK8S_OUTDIR ?? DEFAULT_OUTDIR): TeamsConfig {
  const text = env.DOCKYARD_TEAMS ?? '3';
  if (!/^\d{1,5}$/.test(text) || Number(text) > MAX_TEAMS) {
    invalid('DOCKYARD_TEAMS', text, `must be a whole number from 0 to ${MAX_TEAMS}`);
  }
  return { ...loadConfig({ ...env, DOCKYARD_STATE: env.DOCKYARD_STATE ?? TEAMS_STATE_PATH }, { outdir }), teams: Number(text) };
}
