/**
 * What Spaces accepts as a region and a bucket name, checked before a `SpacesBucket` registers anything and by
 * programs that read them from their settings. Pure: no Pulumi resource is created here.
 */
import { checkS3Bucket } from '../../core/bucket';
import { invalid } from '../../core/validation';

/**
 * The regions with Spaces, as the provider validates them (terraform-provider-digitalocean v2.99.1
 * digitalocean/spaces/spaces_entities.go:16-17 `SpacesRegions`, the `region` ValidateFunc of
 * resource_spaces_bucket.go, `validation.StringInSlice`; do.md §1.4). Note `nyc3`, not `nyc1`.
 *
 * A list here, where the library checks a region's shape only (`spacesEndpoint`): a `SpacesBucket` creates the
 * bucket, and the provider refuses any region not in its own list, so checking the same list first refuses the same
 * regions in one line before anything is registered. It goes stale with the provider, not without it: a region DO
 * opens needs a provider release before a bucket can be created there, and then this list.
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
 * Check a Spaces bucket name, naming `prop` (e.g. `bucketName`) if it isn't one: the rule of every bucket the
 * library is given, `checkS3Bucket` (lib/core/bucket.ts, which says why a "." is taken).
 *
 * @returns the name
 */
export function checkSpacesBucketName(prop: string, name: string): string {
  return checkS3Bucket(prop, name);
}
