import * as pulumi from '@pulumi/pulumi';
import { spacesEndpoint } from '../../../lib/core/bucket';
import type * as Module from '../../../lib/pulumi/digitalocean/spaces';
import { SPACES_REGIONS } from '../../../lib/pulumi/digitalocean/spaces-rules';
import { expectParent, get, one, options, recordParent, registered, settled, setup, T } from './harness';

let m: typeof Module;

beforeAll(async () => {
  await setup();
  // Pulumi provider modules must load after setMocks.
  m = await import('../../../lib/pulumi/digitalocean/spaces');
});

describe('SpacesBucket', () => {
  test('its endpoint is core\'s spacesEndpoint, which takes every region a SpacesBucket accepts', () => {
    for (const region of SPACES_REGIONS) {
      expect(spacesEndpoint('region', region)).toBe(`https://${region}.digitaloceanspaces.com`);
    }
  });

  test('a private bucket that aborts incomplete uploads after 1 day, and a readwrite key for it only', async () => {
    const store = new m.SpacesBucket('store', { region: 'fra1' }, { transformations: [recordParent] });
    expect(await get(store.bucket)).toBe('store-bucket-a1b2c3');
    await settled();

    const bucket = one('store', T.bucket);
    expect(bucket.inputs).toEqual({
      region: 'fra1',
      acl: 'private',
      forceDestroy: false,
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadDays: 1 }],
    });
    const key = one('store', T.key);
    // the grant names the bucket the component created, and no other
    expect(key.inputs).toEqual({ grants: [{ bucket: 'store-bucket-a1b2c3', permission: 'readwrite' }] });

    expect(store.region).toBe('fra1');
    expect(store.endpoint).toBe('https://fra1.digitaloceanspaces.com');
    expect(await get(store.accessKey)).toBe('access-key(store-key)');
    expect(await get(store.secretKey)).toBe('secret-key(store-key)');
    expect(await pulumi.isSecret(store.accessKey)).toBe(true);
    expect(await pulumi.isSecret(store.secretKey)).toBe(true);
    expect(await pulumi.isSecret(store.bucket)).toBe(false);
    expect(expectParent('store', store)).toEqual([T.bucket, T.key].sort());
  });

  test('a named bucket and key, a longer abort window and force-destroy', async () => {
    const store = new m.SpacesBucket('named', {
      region: 'nyc3', bucketName: 'dockyard-registry', abortIncompleteMultipartUploadDays: 7, forceDestroy: true, keyName: 'harbor',
    }, { transformations: [recordParent] });
    expect(await get(store.bucket)).toBe('dockyard-registry');
    await settled();
    expect(one('named', T.bucket).inputs).toEqual({
      name: 'dockyard-registry',
      region: 'nyc3',
      acl: 'private',
      forceDestroy: true,
      lifecycleRules: [{ id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadDays: 7 }],
    });
    expect(one('named', T.key).inputs).toEqual({ name: 'harbor', grants: [{ bucket: 'dockyard-registry', permission: 'readwrite' }] });
    expect(store.endpoint).toBe('https://nyc3.digitaloceanspaces.com');
    expectParent('named', store);
  });

  test('an expiration adds a rule that deletes the objects under its prefix after its days, beside the abort rule', async () => {
    new m.SpacesBucket('logs', { region: 'fra1', bucketName: 'acme-logs', expiration: { prefix: 'logs/', days: 30 } }, { transformations: [recordParent] });
    await settled();
    // terraform-provider-digitalocean 401992a digitalocean/spaces/resource_spaces_bucket.go:660-662 filters a rule by
    // its prefix, and :696-697 sends Expiration.Days only when above 0; the whole list is the bucket's configuration
    // (:720-728 PutBucketLifecycleConfiguration), so both rules are in it
    expect(one('logs', T.bucket).inputs.lifecycleRules).toEqual([
      { id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadDays: 1 },
      { id: 'expire', enabled: true, prefix: 'logs/', expiration: { days: 30 } },
    ]);
  });

  test.each<[string, Partial<Module.SpacesBucketArgs>, string]>([
    ['an expiration of 0 days, which the provider would drop', { expiration: { prefix: 'logs/', days: 0 } }, 'invalid expiration.days 0: must be an integer of at least 1'],
    ['an expiration prefix with a leading "/"', { expiration: { prefix: '/logs/', days: 7 } }, 'invalid expiration.prefix "/logs/": must be path segments'],
    ['an expiration prefix without a trailing "/"', { expiration: { prefix: 'logs', days: 7 } }, 'invalid expiration.prefix "logs": must be path segments'],
    ['a region without Spaces', { region: 'nyc1' }, 'invalid region "nyc1": must be a region with Spaces: ams3, atl1'],
    ['a bucket name with upper case', { bucketName: 'Dockyard' }, 'invalid bucketName "Dockyard": must be an S3 bucket name: 3 to 63 lower-case ' +
      'letters, digits, "." and "-", starting and ending with a letter or digit'],
    ['a too short bucket name', { bucketName: 'ab' }, 'invalid bucketName "ab"'],
    // names the Spaces (S3) server refuses to make, so `pulumi up` would fail at the bucket (lib/core/bucket.ts)
    ['a bucket name with two dots together', { bucketName: 'acme..images' }, 'invalid bucketName "acme..images": must be an S3 bucket name'],
    ['a bucket name of an IPv4 address', { bucketName: '10.0.0.1' }, 'invalid bucketName "10.0.0.1": must be an S3 bucket name'],
    ['0 days', { abortIncompleteMultipartUploadDays: 0 }, 'invalid abortIncompleteMultipartUploadDays 0: must be an integer of at least 1'],
    ['fractional days', { abortIncompleteMultipartUploadDays: 1.5 }, 'invalid abortIncompleteMultipartUploadDays 1.5'],
  ])('rejects %s before registering anything', (_what, override, message) => {
    const before = registered.length;
    expect(() => new m.SpacesBucket('bad', { region: 'fra1', ...override })).toThrow(message);
    expect(registered.length).toBe(before);
  });
});

test('takes a bucket name with a ".", as the library does (checkS3Bucket, lib/core/bucket.ts)', async () => {
  const store = new m.SpacesBucket('dotted', { region: 'fra1', bucketName: 'acme.images' });
  expect(await get(store.bucket)).toBe('acme.images');
  await settled();
  expect(one('dotted', T.bucket).inputs).toMatchObject({ name: 'acme.images' });
});

describe('SpacesBucket protection', () => {
  test('its bucket is protected unless the options say protect: false', async () => {
    new m.SpacesBucket('sbsafe', { region: 'fra1' }, { transformations: [recordParent] });
    await settled();
    expect(options.get(`${T.bucket}::sbsafe-bucket`)!.protect).toBe(true);
    // versioning is the console's: terraform-provider-digitalocean v2.99.1 digitalocean/spaces/resource_spaces_bucket.go
    // :97-112 suppresses only the block's count going 1 → 0, so `enabled` read back true (:362-383) is a change, and
    // the update puts `Suspended` (:293-297, :602-617; by design, digitalocean/terraform-provider-digitalocean#409)
    expect(options.get(`${T.bucket}::sbsafe-bucket`)!.ignoreChanges).toEqual(['versioning']);
    expect('versioning' in one('sbsafe', T.bucket).inputs).toBe(false);
    new m.SpacesBucket('sbloose', { region: 'fra1' }, { transformations: [recordParent], protect: false });
    await settled();
    expect(options.get(`${T.bucket}::sbloose-bucket`)!.protect).toBe(false);
  });
});
