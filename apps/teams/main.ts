import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { stackOutdir } from '../default/config';
import { loadTeamsConfig, TEAMS_OUTDIR } from './config';
import { teamsStack } from './stack';

// `npm run synth:teams` runs this file: the default platform plus DOCKYARD_TEAMS teams (default 3), into dist-teams/
// (CDK8S_OUTDIR where it is set), run by npm or directly
runSynth(() => {
  const outdir = stackOutdir(process.env, TEAMS_OUTDIR);
  const config = loadTeamsConfig(process.env, outdir);
  const app = new App({ outdir });
  teamsStack(app, config);
  synthesize(app, new LocalSecretStore({ statePath: config.statePath }));
  printRequiredSecrets(app);
});
