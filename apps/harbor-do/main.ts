import * as path from 'path';
import { App } from 'cdk8s';
import { LocalSecretStore, Secret, writeManifests } from '../../lib';
import { harborOnDigitalOcean } from './stack';

const app = new App();
harborOnDigitalOcean(app);
// Harbor's internal credentials are generated locally; the managed services' come from Secrets you create
const store = new LocalSecretStore({ statePath: process.env.DOCKYARD_STATE ?? '.dockyard/harbor-do-secrets.json' });
const secrets = store.render(app);
writeManifests(app);
store.writeManifest(path.join(app.outdir, 'secrets.local.yaml'), secrets);
for (const s of Secret.requiredIn(app)) {
  process.stderr.write(`dockyard: create Secret ${s.namespace}/${s.secretName} (keys: ${s.keys.join(', ')}): ${s.description ?? ''}\n`);
}
