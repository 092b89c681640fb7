import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { loadConfig, warnTeamsUnread } from './config';
import { defaultStack } from './stack';

// `npm run synth` runs this file directly; `cdk8s synth` runs it too, after emptying the output directory itself
runSynth(() => {
  warnTeamsUnread(process.env);
  const config = loadConfig();
  const app = new App();
  defaultStack(app, config);
  synthesize(app, new LocalSecretStore({ statePath: config.statePath }));
  printRequiredSecrets(app);
});
