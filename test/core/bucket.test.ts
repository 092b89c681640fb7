import { DroneLogStorage, HarborStorage, Secret } from '../../lib';
import { checkS3Bucket, checkS3Region } from '../../lib/core/bucket';
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
    const chart = testChart('ci');
    const keys = Secret.fromSecretName(chart, 'Keys', 'keys');
    const base = { bucket: 'images', region: 'Eu_West', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint: 'https://s3.example.com' };
    const message = 'invalid region "Eu_West": must be a region name such as "us-east-1"';
    expect(refusal(() => HarborStorage.s3(base))).toBe(message);
    expect(refusal(() => DroneLogStorage.s3({ bucket: 'logs', region: 'Eu_West', accessKey: keys.key('a'), secretKey: keys.key('s') }))).toBe(message);
    expect(checkS3Bucket('bucket', 'images.v2')).toBe('images.v2');
  });
});
