import * as pulumi from '@pulumi/pulumi';
import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * A preview of the DigitalOcean program with dockerHubUser and the secret dockerHubToken, under Pulumi mocks in preview
 * mode: the token's Secret and the configuration Job that reads it are registered, the token a Pulumi secret in its
 * own Secret alone.
 */
describe('a preview of the DigitalOcean program with a Docker Hub login', () => {
  const TOKEN = 'dckr_pat_preview-token-1234';

  beforeAll(async () => {
    await setup({ preview: true });
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    deployDigitalOcean({ ...DIGITALOCEAN_EXAMPLE, dockerHubUser: 'acmebot' }, 'github-oauth-client-secret', undefined, pulumi.secret(TOKEN));
    await settled(100);
  }, 60_000);

  test('registers harbor/dockerhub-token, a secret holding the token, and the Job that reads it', () => {
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'dockerhub-token')!;
    expect([secret.inputs.metadata.namespace, secret.inputs.stringData, secret.secretInputs]).toEqual(['harbor', { token: TOKEN }, true]);
    expect(registered.filter((r) => JSON.stringify(r.inputs).includes(TOKEN)).map((r) => r.inputs.metadata?.name)).toEqual(['dockerhub-token']);
    const env = registered.filter((r) => r.inputs?.kind === 'Job' && r.inputs.metadata.namespace === 'harbor')
      .flatMap((j) => j.inputs.spec.template.spec.containers.flatMap((c: any) => c.env ?? [])).find((e: any) => e.name === 'UPSTREAM_0_PASSWORD');
    expect(env).toEqual({ name: 'UPSTREAM_0_PASSWORD', valueFrom: { secretKeyRef: { name: 'dockerhub-token', key: 'token' } } });
  });
});
