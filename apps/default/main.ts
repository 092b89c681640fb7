import * as path from 'path';
import { App } from 'cdk8s';
import { LocalSecretStore, Secret, writeManifests } from '../../lib';
import { loadConfig } from './config';
import { defaultStack } from './stack';

/** The file of generated Secrets, beside the main manifests and git-ignored. */
export const SECRETS_FILE = 'secrets.local.yaml';

const app = new App();
defaultStack(app, loadConfig());
// render the credentials first: if that fails, nothing is written
const store = new LocalSecretStore({ statePath: process.env.DOCKYARD_STATE });
const secrets = store.render(app);
writeManifests(app);
store.writeManifest(path.join(app.outdir, SECRETS_FILE), secrets);
for (const s of Secret.requiredIn(app)) {
  process.stderr.write(`dockyard: create Secret ${s.namespace}/${s.secretName} (keys: ${s.keys.join(', ')}): ${s.description ?? ''}\n`);
}
