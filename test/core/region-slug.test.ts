import { DroneLogStorage, HarborStorage, Secret } from '../../lib';
import { spacesEndpoint } from '../../lib/core/bucket';
import { isRegionSlug } from '../../lib/core/region-slug';
import { DOCR_REGIONS } from '../../lib/pulumi/digitalocean/container-registry-regions';
import { checkRegion } from '../../lib/pulumi/digitalocean/database-size';
import { checkSpacesRegion, SPACES_REGIONS } from '../../lib/pulumi/digitalocean/spaces-rules';
import { refusal, testChart } from '../util';

// One shape of a DigitalOcean region slug (lib/core/region-slug.ts) for the library's Spaces storage
// (spacesEndpoint: HarborStorage.spaces, DroneLogStorage.spaces, the Pulumi SpacesBucket's endpoint) and the Pulumi
// components' regions (checkRegion: KubernetesCluster, ManagedPostgres, ManagedValkey), each refusing in its own
// words, as before the rule was shared. The lists of regions with a service are a separate check, kept.
describe('a DigitalOcean region slug', () => {
  const SPACES = 'must be a Spaces region such as "fra1", "nyc3", "ams3", "sgp1" or "sfo3"';
  const SLUG = 'must be a DigitalOcean region slug such as "nyc3", "fra1" or "ams3"';
  const chart = testChart('region-slug');
  const keys = Secret.fromSecretName(chart, 'Keys', 'keys');
  const storage = { bucket: 'images', accessKey: keys.key('a'), secretKey: keys.key('s') };

  // three lower-case letters and a digit: every region that has Spaces or a Container Registry, and one opened
  // after this release (the library names a bucket that exists, so a list would refuse a new region's)
  const TAKEN = [...SPACES_REGIONS, ...DOCR_REGIONS, 'nyc1', 'xyz9'];
  // a trailing line break too: a "$" without the m flag matches only at the end
  const REFUSED = ['FRA1', 'Fra1', 'fra', 'fra12', 'fr1', 'fra-1', 'fra_1', ' fra1', 'fra1\n', '1fra', 'frax', ''];

  test('is taken alike by spacesEndpoint, HarborStorage.spaces, DroneLogStorage.spaces and checkRegion', () => {
    for (const region of TAKEN) {
      expect(isRegionSlug(region)).toBe(true);
      expect(spacesEndpoint('region', region)).toBe(`https://${region}.digitaloceanspaces.com`);
      expect(() => HarborStorage.spaces({ ...storage, region })).not.toThrow();
      expect(() => DroneLogStorage.spaces({ ...storage, region })).not.toThrow();
      expect(() => checkRegion('region', region)).not.toThrow();
    }
  });

  test('anything else is refused alike, each in its own unchanged line naming the prop', () => {
    for (const region of REFUSED) {
      expect(isRegionSlug(region)).toBe(false);
      const spaces = `invalid region ${JSON.stringify(region)}: ${SPACES}`;
      expect(refusal(() => spacesEndpoint('region', region))).toBe(spaces);
      expect(refusal(() => HarborStorage.spaces({ ...storage, region }))).toBe(spaces);
      expect(refusal(() => DroneLogStorage.spaces({ ...storage, region }))).toBe(spaces);
      expect(refusal(() => checkRegion('region', region))).toBe(`invalid region ${JSON.stringify(region)}: ${SLUG}`);
    }
    // only a string has the shape: RegExp.test would read ['fra1'] as "fra1"
    expect(isRegionSlug(['fra1'])).toBe(false);
    expect(refusal(() => spacesEndpoint('region', ['fra1'] as unknown as string))).toBe(`invalid region ["fra1"]: ${SPACES}`);
  });

  test('a Pulumi region not known at construction (an Output, say) is left to the provider, as before', () => {
    expect(() => checkRegion('region', { apply: () => undefined })).not.toThrow();
  });

  test('the Pulumi side checks the provider\'s list of Spaces regions besides, which a slug of the shape may miss', () => {
    expect(spacesEndpoint('region', 'xyz9')).toBe('https://xyz9.digitaloceanspaces.com');
    expect(refusal(() => checkSpacesRegion('region', 'xyz9'))).toBe(`invalid region "xyz9": must be a region with Spaces: ${SPACES_REGIONS.join(', ')}`);
    expect(checkSpacesRegion('region', 'fra1')).toBe('fra1');
  });
});
