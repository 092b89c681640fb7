import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { readStackEnv } from '../default/config';
import { harborOnDigitalOcean } from './stack';

runSynth(() => {
  const env = readStackEnv(process.env);
  const app = new App();
  harborOnDigitalOcean(app);
  // Harbor's internal credentials are generated locally; the managed services' come from Secrets you create
  synthesize(app, new LocalSecretStore({ statePath: env.DOCKYARD_STATE ?? '.dockyard/harbor-do-secrets.json' }));
  printRequiredSecrets(app);
});
