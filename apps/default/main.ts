import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { DEFAULT_OUTDIR, loadConfig, stackOutdir, warnTeamsUnread } from './config';
import { defaultStack } from './stack';

// `npm run synth` runs this file directly; `cdk8s synth` runs it too, after emptying the output directory itself
runSynth(() => {
  warnTeamsUnread(process.env);
  // an empty CDK8S_OUTDIR is unset here too, where cdk8s's App would write into the working directory
  const outdir = stackOutdir(process.env, DEFAULT_OUTDIR);
  const config = loadConfig(process.env, { outdir });
  const app = new App({ outdir });
  defaultStack(app, config);
  synthesize(app, new LocalSecretStore({ statePath: config.statePath }));
  printRequiredSecrets(app);
});
