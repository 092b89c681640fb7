// The one shape of a DigitalOcean region slug (`fra1`, `nyc3`: three lower-case letters and a digit), for every check
// of one: the library's Spaces endpoint (`spacesEndpoint`, lib/core/bucket.ts) and the Pulumi components' regions
// (`checkRegion`, lib/pulumi/digitalocean/database-size.ts). Each says what it takes in its own words; a list of the
// regions that have a service (Spaces, Container Registry) is a separate check, made where the resource is created.
// Not exported from lib/core.

/** Whether `value` has the shape of a DigitalOcean region slug, such as `fra1` or `nyc3`; only a string has one. */
export function isRegionSlug(value: unknown): value is string {
  // a string only: RegExp.test would read the array ['fra1'] as "fra1"
  return typeof value === 'string' && /^[a-z]{3}[0-9]$/.test(value);
}
