import { DroneLogStorage, HarborStorage, Secret } from '../../lib';
import { checkS3Bucket, checkS3Region, spacesEndpoint } from '../../lib/core/bucket';
import { checkSpacesBucketName } from '../../lib/pulumi/digitalocean/spaces-rules';
import { refusal, testChart } from '../util';

// An S3 bucket's name and region, one rule each (lib/core/bucket.ts), for every construct that takes a bucket.
describe('checkS3Region', () => {
  test('takes the region names of AWS and S3-compatible services', () => {
    for (const region of ['us-east-1', 'eu-central-2', 'fra1', 'garage']) {
      expect(checkS3Region('region', region)).toBe(region);
    }
  });

  test('refuses anything else in one line naming the prop, for Harbor\'s storage and Drone\'s logs alike', () => {
    for (const region of ['', 'US-EAST-1', 'eu central 1', 'us-east-1/x', undefined as unknown as string]) {
      expect(refusal(() => checkS3Region('region', region))).toBe(`invalid region ${region === undefined ? 'undefined' : JSON.stringify(region)}: ` +
        'must be a region name such as "us-east-1"');
    }
    // a number is no region name, though RegExp.test would read 1 as "1"
    expect(refusal(() => checkS3Region('region', 1 as unknown as string))).toBe('invalid region 1: must be a region name such as "us-east-1"');
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Keys', 'keys');
    const base = { bucket: 'images', region: 'Eu_West', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint: 'https://s3.example.com' };
    const message = 'invalid region "Eu_West": must be a region name such as "us-east-1"';
    expect(refusal(() => HarborStorage.s3(base))).toBe(message);
    expect(refusal(() => DroneLogStorage.s3({ bucket: 'logs', region: 'Eu_West', accessKey: keys.key('a'), secretKey: keys.key('s') }))).toBe(message);
    expect(checkS3Bucket('bucket', 'images.v2')).toBe('images.v2');
  });
});

// One rule for a Spaces bucket, the library's and Pulumi's: checkS3Bucket, with its "." (lib/core/bucket.ts cites
// DigitalOcean's "Limits" page and the path-style clients that make a "." safe).
describe('a Spaces bucket name', () => {
  const RULE = 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, ' +
    'a "." only between letters or digits, and not an IPv4 address';
  const chart = testChart('spaces-names');
  const keys = Secret.fromSecretName(chart, 'Keys', 'keys');
  const harbor = (bucket: string) => HarborStorage.spaces({ region: 'fra1', bucket, accessKey: keys.key('a'), secretKey: keys.key('s') });
  const drone = (bucket: string) => DroneLogStorage.spaces({ region: 'fra1', bucket, accessKey: keys.key('a'), secretKey: keys.key('s') });

  test('is refused in the same line by HarborStorage.spaces, DroneLogStorage.spaces and checkSpacesBucketName', () => {
    // the last five: names every S3 server refuses to make (AWS "Bucket naming rules"; ceph/ceph src/rgw/rgw_rest_s3.h
    // valid_s3_bucket_name; minio/minio-go pkg/s3utils/utils.go checkBucketNameCommon), so no such bucket exists and
    // the Pulumi SpacesBucket would fail at `pulumi up`, after its stack was half made
    for (const bucket of ['Images', 'ab', 'a'.repeat(64), '-images', 'images.', 'img_1', 'images/x', 'acme..images', 'acme.-images',
      'acme-.images', '192.168.5.4', '999.1.1.1']) {
      const line = `invalid bucket ${JSON.stringify(bucket)}: ${RULE}`;
      expect(refusal(() => harbor(bucket))).toBe(line);
      expect(refusal(() => drone(bucket))).toBe(line);
      expect(refusal(() => checkSpacesBucketName('bucket', bucket))).toBe(line);
    }
    // a value that is not a string is refused rather than turned into one by RegExp.test
    expect(refusal(() => checkS3Bucket('bucket', 12345 as unknown as string))).toBe(`invalid bucket 12345: ${RULE}`);
    expect(refusal(() => checkSpacesBucketName('bucketName', undefined as unknown as string))).toBe(`invalid bucketName undefined: ${RULE}`);
  });

  test('its region is checked by its shape, and only a string has one', () => {
    const region = 'must be a Spaces region such as "fra1", "nyc3", "ams3", "sgp1" or "sfo3"';
    // a region DigitalOcean opens after this release is taken (the Pulumi SpacesBucket checks the provider's list)
    expect(spacesEndpoint('region', 'xyz9')).toBe('https://xyz9.digitaloceanspaces.com');
    expect(refusal(() => spacesEndpoint('region', ['fra1'] as unknown as string))).toBe(`invalid region ["fra1"]: ${region}`);
    expect(refusal(() => spacesEndpoint('region', 'FRA1'))).toBe(`invalid region "FRA1": ${region}`);
  });

  test('takes a "." everywhere: every client Dockyard gives the bucket addresses it in the path', () => {
    expect(checkSpacesBucketName('bucketName', 'acme.images')).toBe('acme.images');
    // a "." between letters or digits, "-" elsewhere, and digits with dots that are no IPv4 address
    for (const name of ['a.b-c.d', 'acme-1.images-2', '1.2.3', '1.2.3.4.5', '1.2.3.x']) {
      expect(checkS3Bucket('bucket', name)).toBe(name);
    }
    // distribution forces path style with a regionendpoint (goharbor/distribution release/2.8 ea065fef
    // registry/storage/driver/s3-aws/s3.go:427-429), which HarborStorage.spaces always sets
    expect(harbor('acme.images')._registryConfig()).toMatchObject({
      s3: { bucket: 'acme.images', regionendpoint: 'https://fra1.digitaloceanspaces.com' },
    });
    // Drone addresses the bucket in the path when DRONE_S3_PATH_STYLE is true (harness v2.28.2 store/logs/s3.go:25-43)
    expect(drone('acme.logs').s3).toMatchObject({ bucket: 'acme.logs', pathStyle: true });
  });
});
