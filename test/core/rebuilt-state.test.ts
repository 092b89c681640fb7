// A secret state rebuilt from the cluster's Secrets (README, "Restore") has every value but `#digest-key`, the key of
// the pods' input checksums and the Jobs' digests, which no Secret holds. The synth draws a new one, so the apply
// rolls every workload that reads a generated value and runs every digest-named Job once more: the synth says so,
// rather than leaving a user who only restored their credentials to find every pod restarting.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { DockyardChart, LocalSecretStore, Secret, SecretValue, synthesize } from '../../lib';
import { stderrOf } from '../util';

const WARNING = /^dockyard: warning: the secret state ".*state\.json" held no #digest-key .*: this synth drew a new one, so once applied every workload that reads a generated value rolls once/m;

// both states that lack the key are named, so that a user upgrading from a release before it (7ac10d2, 12-02, when
// the key came) is not told the state was rebuilt, nor sent to a backup that holds no key either
const CAUSES = 'so a state rebuilt from the cluster\'s Secrets lacks it, as does one last written by a release from before 12-02)';
const BACKUP = 'if a backup of the state holds a #digest-key, take it instead';

test('a state without #digest-key, as one rebuilt from the cluster\'s Secrets, is warned of once', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-rebuilt-'));
  const statePath = path.join(dir, 'state.json');
  const run = () => stderrOf(() => {
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'test', { namespace: 'ci' });
    new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
    synthesize(app, new LocalSecretStore({ statePath }));
  });
  // a new state draws its key as it draws every value: nothing to warn of
  expect(run()).not.toMatch(WARNING);
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
  expect(state.values['#digest-key']).toMatch(/^[0-9a-f]{64}$/);
  expect(run()).not.toMatch(WARNING);
  // rebuilt as the README says: the values of the Secrets, and nothing else
  const password = state.values['ci/db/password'];
  fs.writeFileSync(statePath, JSON.stringify({ version: 1, values: { 'ci/db/password': password } }), { mode: 0o600 });
  const warned = run();
  expect(warned).toMatch(WARNING);
  expect(warned).toContain(CAUSES);
  expect(warned).toContain(BACKUP);
  expect(JSON.parse(fs.readFileSync(statePath, 'utf8')).values['ci/db/password']).toBe(password);
  // the key drawn is kept: the next synth has nothing to say
  expect(run()).not.toMatch(WARNING);
  fs.rmSync(dir, { recursive: true, force: true });
});
