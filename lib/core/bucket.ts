import { isRegionSlug } from './region-slug';
import { invalid } from './validation';

/** What `checkS3Bucket` takes, for its refusals. */
const S3_BUCKET_RULE = 'must be an S3 bucket name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit, ' +
  'a "." only between letters or digits, and not an IPv4 address';

/**
 * Check an S3 bucket name: 3 to 63 lower-case letters, digits, `.` and `-`, starting and ending with a letter or
 * digit; the one rule of every bucket Dockyard names, at AWS, at another S3 service and at DigitalOcean Spaces
 * (`HarborStorage.s3`/`.spaces`, `DroneLogStorage.s3`/`.spaces`, the Pulumi `SpacesBucket` and the DigitalOcean
 * program's `bucket` and `droneLogBucket`).
 *
 * Spaces takes a "." too: its only caveat is that its wildcard certificate for `*.<region>.digitaloceanspaces.com`
 * does not match such a bucket addressed in the host name, while path-style requests work (DigitalOcean docs,
 * Spaces "Limits": "SSL wildcard certificates will not match buckets if the bucket's name has a period ...
 * Buckets support browser and API access with path-style requests"). Every client Dockyard gives a Spaces bucket
 * addresses it in the path: the registry, as distribution forces path style with a `regionendpoint`
 * (goharbor/distribution release/2.8 ea065fef registry/storage/driver/s3-aws/s3.go:427-429
 * `WithS3ForcePathStyle(true)`), Drone with `DRONE_S3_PATH_STYLE=true`, the default with an endpoint
 * (`DroneLogStorage.s3`), and the Pulumi provider, whose aws-sdk-go v1 client uses the path for a bucket with a
 * "." over HTTPS (aws/aws-sdk-go v1 service/s3/host_style_bucket.go `hostCompatibleBucketName`: "dots in the
 * hostname will fail certificate validation, so do not use host-style"; terraform-provider-digitalocean v2.99.1
 * digitalocean/config/config.go:57-61, no path style set).
 *
 * A "." only between two letters or digits, and no name of an IPv4 address's shape: the S3 servers refuse the rest
 * when the bucket is made, so no bucket of such a name exists to be given, and the Pulumi `SpacesBucket`, which makes
 * one, would fail at `pulumi up` rather than here (AWS "Bucket naming rules": "must not contain two adjacent
 * periods", "must not be formatted as an IP address"; ceph/ceph b94db6be src/rgw/rgw_rest_s3.h
 * `valid_s3_bucket_name`, no "." after a "-" or before a "." or "-", and `looks_like_ip_address`; minio/minio-go
 * e9f656c5 pkg/s3utils/utils.go:365 and :368-395 `checkBucketNameCommon`, the same three pairs and `^(\d+\.){3}\d+$`).
 */
export function checkS3Bucket(prop: string, value: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || /\.\.|\.-|-\./.test(value)
    || /^(\d+\.){3}\d+$/.test(value)) {
    invalid(prop, value, S3_BUCKET_RULE);
  }
  return value;
}

/**
 * Check an S3 region name such as `us-east-1`: lower-case letters, digits and "-", as AWS and the S3-compatible
 * services name theirs; the one rule of every S3 bucket's `region` (Harbor's storage, Drone's log storage).
 */
export function checkS3Region(prop: string, value: string): string {
  // a string only: RegExp.test would read the number 1 as the region "1"
  if (typeof value !== 'string' || !/^[a-z0-9-]+$/.test(value)) {
    invalid(prop, value, 'must be a region name such as "us-east-1"');
  }
  return value;
}

/**
 * Check the shape of a DigitalOcean Spaces region (`fra1`, `nyc3`, ...: `isRegionSlug`, the rule the Pulumi components'
 * `checkRegion` applies too) and give its S3 endpoint, `https://<region>.digitaloceanspaces.com`.
 *
 * The shape and not a list: the library names a bucket that exists already, and a fixed list would refuse a region
 * DigitalOcean opens (lon1 in 2024, tor1 in 2024, atl1 in 2025) until a Dockyard release caught up. The Pulumi
 * `SpacesBucket`, which creates the bucket, checks the provider's list instead (`checkSpacesRegion`,
 * lib/pulumi/digitalocean/spaces-rules.ts), every region of which has this shape.
 */
export function spacesEndpoint(prop: string, region: string): string {
  if (!isRegionSlug(region)) {
    invalid(prop, region, 'must be a Spaces region such as "fra1", "nyc3", "ams3", "sgp1" or "sfo3"');
  }
  return `https://${region}.digitaloceanspaces.com`;
}
