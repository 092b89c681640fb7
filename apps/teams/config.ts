import * as fs from 'fs';
import { invalid, missing } from '../../lib';
import { DEFAULT_CONFIG, DefaultStackConfig, loadConfig, readStackEnv, stackOutdir } from '../default/config';
import { MAX_OUTPUT_SHARDS } from '../../lib/core/output-shards';
import { MAX_TEAMS } from '../shared/limits';

export { MAX_TEAMS };

/** The settings of the multi-team example: the default stack's, and how many teams to onboard. */
export interface TeamsConfig extends DefaultStackConfig {
  /** How many example teams (`DOCKYARD_TEAMS`). */
  readonly teams: number;
  /**
   * How many files the teams' objects are split into (`DOCKYARD_TEAM_SHARDS`, `TeamPlatformProps.outputShards`).
   *
   * @default 1
   */
  readonly teamShards?: number;
}

/** The output directory of this example where `CDK8S_OUTDIR` is unset or empty (`stackOutdir`). */
export const TEAMS_OUTDIR = 'dist-teams';

/**
 * The secret state this example kept apart from the default stack's before it shared it: a stack that still has it
 * must say which of the two it means (`loadTeamsConfig`).
 */
export const LEGACY_TEAMS_STATE_PATH = '.dockyard/teams-secrets.json';

/**
 * Read `DOCKYARD_TEAMS` (default 3), `DOCKYARD_TEAM_SHARDS` (default 1) and the default stack's `DOCKYARD_*` variables, empty ones as unset. The secret
 * state is the default stack's (`.dockyard/secrets.json`): the example is that platform plus teams, so its platform
 * Secrets are the ones `npm run synth` made, and applying `dist-teams/` over `dist/` rotates nothing. With its own
 * state (as before), every platform credential differed from `dist/`'s, the data-loss keys included. Where that
 * state is still there and `DOCKYARD_STATE` is unset, the synth fails naming both, rather than pick one.
 */
export function loadTeamsConfig(given: NodeJS.ProcessEnv = process.env, outdir = stackOutdir(given, TEAMS_OUTDIR),
  warn?: (message: string) => void): TeamsConfig {
  const env = readStackEnv(given, warn);
  const text = env.DOCKYARD_TEAMS ?? '3';
  if (!/^\d{1,5}$/.test(text) || Number(text) > MAX_TEAMS) {
    invalid('DOCKYARD_TEAMS', text, `must be a whole number from 0 to ${MAX_TEAMS}`);
  }
  const shards = env.DOCKYARD_TEAM_SHARDS ?? '1';
  if (!/^\d{1,3}$/.test(shards) || Number(shards) < 1 || Number(shards) > MAX_OUTPUT_SHARDS) {
    invalid('DOCKYARD_TEAM_SHARDS', shards, `must be a whole number from 1 to ${MAX_OUTPUT_SHARDS}`);
  }
  if (env.DOCKYARD_STATE === undefined && fs.existsSync(LEGACY_TEAMS_STATE_PATH)) {
    missing('DOCKYARD_STATE', `must be set: ${LEGACY_TEAMS_STATE_PATH} is there, the state this example kept apart before it took the default ` +
      `stack's (${DEFAULT_CONFIG.statePath}); if your cluster runs dist-teams/, back up ${DEFAULT_CONFIG.statePath} and secrets.lock.json and ` +
      `move ${LEGACY_TEAMS_STATE_PATH} and teams-secrets.lock.json in their place (npm run synth reads that state too), else set ` +
      `DOCKYARD_STATE=${DEFAULT_CONFIG.statePath}, move dist-teams/ away (its Secrets are that state's) and delete ${LEGACY_TEAMS_STATE_PATH} ` +
      'once nothing applies it');
  }
  return { ...loadConfig(env, { outdir, warn }), teams: Number(text), teamShards: Number(shards) };
}
