import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { loadTeamsConfig } from './config';
import { teamsStack } from './stack';

// `npm run synth:teams` runs this file: the default platform plus DOCKYARD_TEAMS teams (default 3), into dist-teams/
runSynth(() => {
  const config = loadTeamsConfig();
  const app = new App();
  teamsStack(app, config);
  synthesize(app, new LocalSecretStore({ statePath: config.statePath }));
  printRequiredSecrets(app);
});
