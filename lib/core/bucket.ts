import { invalid } from './validation';

/**
 * Check an S3 bucket name: 3 to 63 lower-case letters, digits, `.` and `-`, starting and ending with a letter or
 * digit (the rule AWS S3 and DigitalOcean Spaces share for new buckets).
 */
export function checkS3Bucket(prop: string, value: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value ?? '')) {
    invalid(prop, value, 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-"');
  }
  return value;
}

/**
 * Check an S3 region name such as `us-east-1`: lower-case letters, digits and "-", as AWS and the S3-compatible
 * services name theirs; the one rule of every S3 bucket's `region` (Harbor's storage, Drone's log storage).
 */
export function checkS3Region(prop: string, value: string): string {
  if (!/^[a-z0-9-]+$/.test(value ?? '')) {
    invalid(prop, value, 'must be a region name such as "us-east-1"');
  }
  return value;
}

/** Check a DigitalOcean Spaces region (`fra1`, `nyc3`, ...) and give its S3 endpoint, `https://<region>.digitaloceanspaces.com`. */
export function spacesEndpoint(prop: string, region: string): string {
  if (!/^[a-z]{3}\d$/.test(region ?? '')) {
    invalid(prop, region, 'must be a Spaces region such as "fra1", "nyc3", "ams3", "sgp1" or "sfo3"');
  }
  return `https://${region}.digitaloceanspaces.com`;
}
