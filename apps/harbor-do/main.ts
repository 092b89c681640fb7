import { App } from 'cdk8s';
import { checkStatePath, LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { DEFAULT_OUTDIR, readStackEnv } from '../default/config';
import { harborOnDigitalOcean } from './stack';

runSynth(() => {
  const env = readStackEnv(process.env);
  // checked as the other stacks check it: not blank, not a directory, outside the output directory (CDK8S_OUTDIR)
  const statePath = checkStatePath('DOCKYARD_STATE', env.DOCKYARD_STATE ?? '.dockyard/harbor-do-secrets.json', env.CDK8S_OUTDIR ?? DEFAULT_OUTDIR);
  const app = new App();
  harborOnDigitalOcean(app);
  // Harbor's internal credentials are generated locally; the managed services' come from Secrets you create
  synthesize(app, new LocalSecretStore({ statePath }));
  printRequiredSecrets(app);
});
