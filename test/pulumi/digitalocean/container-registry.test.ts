import * as pulumi from '@pulumi/pulumi';
import type * as Module from '../../../lib/pulumi/digitalocean/container-registry';
import { childrenOf, expectParent, get, one, options, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/container-registry');
});

describe('ContainerRegistry', () => {
  test('defaults: a basic registry and read-only Docker credentials for it', async () => {
    const docr = new m.ContainerRegistry('docr', {}, { transformations: [recordParent] });
    const json = await get(docr.dockerConfigJson);
    await settled();

    expect(one('docr', T.registry).inputs).toEqual({ subscriptionTierSlug: 'basic' });
    expect(one('docr', T.credentials).inputs).toEqual({ registryName: 'docr-registry-a1b2c3', write: false });

    expect(docr.serverUrl).toBe('registry.digitalocean.com');
    expect(await get(docr.registryName)).toBe('docr-registry-a1b2c3');
    expect(await get(docr.endpoint)).toBe('registry.digitalocean.com/docr-registry-a1b2c3');
    // the provider's Docker config, verbatim: usable as `.dockerconfigjson`
    expect(Object.keys(JSON.parse(json).auths)).toEqual(['registry.digitalocean.com']);
    expect(await pulumi.isSecret(docr.dockerConfigJson)).toBe(true);
    expect(expectParent('docr', docr)).toEqual([T.credentials, T.registry].sort());
  });

  test('a named professional registry in a region, with push credentials that expire, and a warning that up does not renew them', async () => {
    const writes: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { writes.push(String(s)); return true; });
    let docr: Module.ContainerRegistry;
    try {
      docr = new m.ContainerRegistry('docrw', {
        registryName: 'dockyard', subscriptionTier: 'professional', region: 'fra1', write: true, expirySeconds: 3600,
      }, { transformations: [recordParent] });
      new m.ContainerRegistry('docrn', { createRegistry: false, registryName: 'dockyard' });
    } finally {
      stderr.mockRestore();
    }
    // terraform-provider-digitalocean 42df50b8 digitalocean/registry/resource_container_registry_docker_credentials.go:
    // only Read (updateExpiredDockerCredentials) issues new credentials once credential_expiration_time has passed,
    // and Update only when expiry_seconds or write changes, so a plain `pulumi up` keeps the expired ones; one line,
    // for the registry that sets an expiry alone
    expect(writes).toEqual(['dockyard: warning: ContainerRegistry "docrw": expirySeconds 3600 makes the registry credentials expire, and ' +
      '`pulumi up` does not renew them: the provider issues new ones only when it reads them after they expired (pulumi refresh, or ' +
      'pulumi up --refresh), and from the expiry until then every pull with a pull secret made from dockerConfigJson fails. Run pulumi ' +
      'up --refresh soon after each expiry, or leave expirySeconds unset for credentials that last about 50 years\n']);
    await get(docr.dockerConfigJson);
    await settled();
    expect(one('docrw', T.registry).inputs).toEqual({ name: 'dockyard', subscriptionTierSlug: 'professional', region: 'fra1' });
    expect(one('docrw', T.credentials).inputs).toEqual({ registryName: 'dockyard', write: true, expirySeconds: 3600 });
    expect(await get(docr.endpoint)).toBe('registry.digitalocean.com/dockyard');
    expectParent('docrw', docr);
  });

  test('an existing registry: credentials only', async () => {
    const docr = new m.ContainerRegistry('docrx', { createRegistry: false, registryName: 'existing' }, { transformations: [recordParent] });
    await get(docr.dockerConfigJson);
    await settled();
    expect(childrenOf('docrx').map((r) => r.type)).toEqual([T.credentials]);
    expect(one('docrx', T.credentials).inputs).toEqual({ registryName: 'existing', write: false });
    expect(await get(docr.registryName)).toBe('existing');
    expect(await pulumi.isSecret(docr.dockerConfigJson)).toBe(true);
    expectParent('docrx', docr);
  });

  test.each<[string, Module.ContainerRegistryArgs, string]>([
    ['an unknown tier', { subscriptionTier: 'enterprise' }, 'invalid subscriptionTier "enterprise": must be one of starter, basic, professional'],
    ['an existing registry without its name', { createRegistry: false }, 'missing registryName: is required when createRegistry is false'],
    ['a bad registry name', { registryName: 'My_Registry' }, 'invalid registryName "My_Registry": must be a DNS-1123 label: at most 63 ' +
      'lower-case letters, digits and "-", starting and ending with a letter or digit'],
    ['a 64-character registry name', { registryName: 'r'.repeat(64) }, `invalid registryName "${'r'.repeat(64)}": must be a DNS-1123 label: `],
    ['a zero expiry', { expirySeconds: 0 }, 'invalid expirySeconds 0: must be an integer from 1 to 1576799999'],
    ['a too long expiry', { expirySeconds: 1576800000 }, 'invalid expirySeconds 1576800000'],
    // Spaces is in tor1, the registry isn't (DOCR_REGIONS)
    ['a region without a registry', { region: 'tor1' },
      'invalid region "tor1": must be a region with DigitalOcean Container Registry: ams3, blr1, fra1, nyc3, sfo2, sfo3, sgp1, syd1'],
  ])('rejects %s before registering anything', (_what, args, message) => {
    const before = registered.length;
    expect(() => new m.ContainerRegistry('bad', args)).toThrow(message);
    expect(registered.length).toBe(before);
  });
});

describe('ContainerRegistry protection', () => {
  test('its registry is protected unless the options say protect: false', async () => {
    new m.ContainerRegistry('crsafe', {}, { transformations: [recordParent] });
    await settled();
    expect(options.get(`${T.registry}::crsafe-registry`)!.protect).toBe(true);
    new m.ContainerRegistry('crloose', {}, { transformations: [recordParent], protect: false });
    await settled();
    expect(options.get(`${T.registry}::crloose-registry`)!.protect).toBe(false);
  });
});
