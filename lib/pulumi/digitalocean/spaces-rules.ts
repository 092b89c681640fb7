/**
 * What Spaces accepts as a region and a bucket name, checked before a `SpacesBucket` registers anything and by
 * programs that read them from their settings. Pure: no Pulumi resource is created here.
 */
import { invalid } from '../../core/validation';

/**
 * The regions with Spaces, as the provider validates them (TF `spaces_entities.go` `SpacesRegions`, do.md §1.4).
 * Note `nyc3`, not `nyc1`.
 */
export const SPACES_REGIONS: readonly string[] = ['ams3', 'atl1', 'blr1', 'fra1', 'lon1', 'nyc3', 'sfo2', 'sfo3', 'sgp1', 'syd1', 'tor1'];

/**
 * Check that `region` has Spaces (one of `SPACES_REGIONS`), naming `prop` (e.g. `region`) if it hasn't.
 *
 * @returns the region
 */
export function checkSpacesRegion(prop: string, region: string): string {
  if (!SPACES_REGIONS.includes(region)) {
    invalid(prop, region, `must be a region with Spaces: ${SPACES_REGIONS.join(', ')}`);
  }
  return region;
}

/**
 * Check a Spaces bucket name: 3 to 63 lower-case letters, digits and "-", starting and ending with a letter or
 * digit; names `prop` (e.g. `bucketName`) if it isn't one.
 *
 * @returns the name
 */
export function checkSpacesBucketName(prop: string, name: string): string {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    invalid(prop, name, 'must be 3 to 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
  }
  return name;
}
