import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, runSynth, synthesize } from '../../lib';
import { checkStateOutside, readStackEnv, stackOutdir } from '../default/config';
import { warnUnread } from '../shared/variables';
import { harborOnDigitalOcean } from './stack';

/** The output directory of this example where `CDK8S_OUTDIR` is unset or empty (`stackOutdir`). */
const HARBOR_DO_OUTDIR = 'dist-harbor-do';

runSynth(() => {
  const env = readStackEnv(process.env);
  // its settings are the code's (apps/harbor-do/stack.ts): the default stack's host, issuer or engine variables
  // would change nothing here
  warnUnread(env, ['DOCKYARD_STATE', 'DOCKYARD_ROTATE', 'DOCKYARD_MOVE', 'DOCKYARD_VERSION_CHANGE', 'DOCKYARD_DEBUG'], 'apps/harbor-do');
  // checked as the other stacks check it: not blank, not a directory, outside the output directory (CDK8S_OUTDIR)
  // where the output directory holds the default state (CDK8S_OUTDIR=.), the refusal names CDK8S_OUTDIR, which the user set
  const outdir = stackOutdir(env, HARBOR_DO_OUTDIR);
  const statePath = checkStateOutside(env, outdir, '.dockyard/harbor-do-secrets.json');
  const app = new App({ outdir });
  harborOnDigitalOcean(app);
  // Harbor's internal credentials are generated locally; the managed services' come from Secrets you create
  synthesize(app, new LocalSecretStore({ statePath }));
  printRequiredSecrets(app);
});
