import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, synthesize } from '../../lib';
import { harborOnDigitalOcean } from './stack';

const app = new App();
harborOnDigitalOcean(app);
// Harbor's internal credentials are generated locally; the managed services' come from Secrets you create
synthesize(app, new LocalSecretStore({ statePath: process.env.DOCKYARD_STATE ?? '.dockyard/harbor-do-secrets.json' }));
printRequiredSecrets(app);
