import { App } from 'cdk8s';
import { LocalSecretStore, printRequiredSecrets, synthesize } from '../../lib';
import { loadConfig } from './config';
import { defaultStack } from './stack';

const app = new App();
defaultStack(app, loadConfig());
synthesize(app, new LocalSecretStore({ statePath: process.env.DOCKYARD_STATE }));
printRequiredSecrets(app);
