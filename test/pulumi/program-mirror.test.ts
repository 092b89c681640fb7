import * as pulumi from '@pulumi/pulumi';
import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program pulling every image from a mirror that needs a login, under Pulumi mocks: the password
 * (the secret config `imageMirrorPassword`) reaches every copy of the mirror's pull secret, as a Pulumi secret, and
 * nothing else; without it the program stops before registering anything.
 */
describe('the DigitalOcean program with imageMirror and imageMirrorUser', () => {
  const settings = { ...DIGITALOCEAN_EXAMPLE, imageMirror: 'mirror.acme.dev/airgap', imageMirrorUser: 'puller' };
  let deploy: typeof import('../../apps/digitalocean/program').deployDigitalOcean;

  beforeAll(async () => {
    await setup();
    deploy = (await import('../../apps/digitalocean/program')).deployDigitalOcean;
  }, 60_000);

  test('without imageMirrorPassword, stops naming it before registering anything', () => {
    expect(() => deploy(settings, 'github-oauth-client-secret')).toThrow(
      'missing imageMirrorPassword: must be set with imageMirrorUser: pulumi config set --secret imageMirrorPassword <password or token of puller>');
    expect(registered).toEqual([]);
  });

  test('puts the password into the mirror\'s pull secret in every namespace whose pods pull, each a Pulumi secret', async () => {
    deploy(settings, 'github-oauth-client-secret', pulumi.secret('mirror-token-1234'));
    await settled(100);
    const secrets = registered.filter((r) => r.type === 'kubernetes:core/v1:Secret');
    const copies = secrets.filter((s) => s.inputs.metadata.name === 'image-mirror-credentials');
    expect(copies.map((s) => s.inputs.metadata.namespace).sort()).toEqual(['dockyard', 'dockyard-builds', 'harbor']);
    for (const copy of copies) {
      const auth = JSON.parse(copy.inputs.stringData['.dockerconfigjson']).auths['mirror.acme.dev'];
      expect([auth.username, auth.password, copy.secretInputs]).toEqual(['puller', 'mirror-token-1234', true]);
    }
    // the password is in no other object than its own Secret and the logins that hold it
    const holders = registered.filter((r) => JSON.stringify(r.inputs).includes('mirror-token-1234'))
      .map((r) => `${r.type.replace(/^kubernetes:core\/v1:/, '')} ${r.inputs.metadata?.namespace}/${r.inputs.metadata?.name}`);
    expect(holders.sort()).toEqual([
      'Secret dockyard-builds/image-mirror-credentials', 'Secret dockyard/harbor-pull', 'Secret dockyard/image-mirror-credentials',
      'Secret dockyard/image-mirror-password', 'Secret harbor/image-mirror-credentials',
    ]);
  });
});
