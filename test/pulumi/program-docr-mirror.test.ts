import { registered, settled, setup } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program mirroring every image to the Container Registry it creates, under Pulumi mocks: the
 * registry takes the name the mirror gives (an account has one registry, do.md §1.6, so it is the one the images
 * were copied to) and the tier set, and every namespace with a pod gets its token's pull secret.
 */
describe('the DigitalOcean program with imageMirror on the Container Registry', () => {
  beforeAll(async () => {
    await setup();
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    deployDigitalOcean({
      ...DIGITALOCEAN_EXAMPLE, containerRegistry: true, containerRegistryTier: 'professional', imageMirror: 'registry.digitalocean.com/acme/mirror',
    }, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('creates the registry under the mirror\'s name, on the tier set', () => {
    const registries = registered.filter((r) => r.type === 'digitalocean:index/containerRegistry:ContainerRegistry');
    expect(registries.map((r) => [r.inputs.name, r.inputs.subscriptionTierSlug])).toEqual([['acme', 'professional']]);
  });

  test('gives every namespace with a pod the registry token\'s pull secret', () => {
    const copies = registered.filter((r) => r.type === 'kubernetes:core/v1:Secret' && r.inputs.metadata.name === 'docr-credentials');
    expect(copies.map((s) => s.inputs.metadata.namespace).sort()).toEqual(['dockyard', 'dockyard-builds', 'harbor']);
  });
});
