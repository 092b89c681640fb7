import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { spacesEndpoint } from '../../core/bucket';
import { checkInteger, invalid } from '../../core/validation';
import { protectsData } from './data-protection';
import { checkSpacesBucketName, checkSpacesRegion } from './spaces-rules';

/** A lifecycle rule that deletes the objects under a prefix some days after each was written. */
export interface SpacesExpiration {
  /**
   * The key prefix the rule applies to, such as `logs/`: no leading "/" (the provider warns of one, TF 401992a
   * `digitalocean/spaces/resource_spaces_bucket.go:142`), and a trailing one, so that `logs/` leaves `logs-old/` alone.
   */
  readonly prefix: string;
  /** Days after an object's creation when Spaces deletes it, at least 1. */
  readonly days: number;
}

/** Args of a `SpacesBucket`. */
export interface SpacesBucketArgs {
  /** The Spaces region, e.g. `nyc3` or `fra1`; one of `SPACES_REGIONS`. */
  readonly region: string;
  /**
   * The bucket's name: 3 to 63 lower-case letters, digits, "." and "-", starting and ending with a letter or digit,
   * a "." only between letters or digits, not an IPv4 address (`checkS3Bucket`), unique across Spaces.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming)
   */
  readonly bucketName?: string;
  /**
   * Days after which Spaces aborts an incomplete multipart upload, so failed pushes of large image layers don't
   * keep billing storage.
   *
   * @default 1
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Objects to delete some days after they were written, such as Drone's logs.
   *
   * @default - none: every object is kept
   */
  readonly expiration?: SpacesExpiration;
  /**
   * Delete every object when the bucket is destroyed; otherwise destroying a non-empty bucket fails.
   *
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * The access key's name.
   *
   * @default - the component name with a random suffix (Pulumi auto-naming)
   */
  readonly keyName?: string;
}

/**
 * A private Spaces bucket and an access key that can read and write that bucket only, e.g. for Harbor's registry
 * storage (`persistence.imageChartStorage.s3`).
 *
 * Bucket operations use the S3 API, so the `digitalocean` provider this component runs with needs Spaces keys
 * (`spacesAccessId`/`spacesSecretKey`, or `SPACES_ACCESS_KEY_ID`/`SPACES_SECRET_ACCESS_KEY`); the API token
 * alone is enough for the `SpacesKey` (do.md §1.4, §7).
 *
 * The bucket is protected (Pulumi refuses to delete or replace it) unless the options say `protect: false`. A new
 * `bucketName` replaces it (`replaceOnChanges`), which the protection refuses: DigitalOcean renames no bucket, and the
 * provider would otherwise record the new name over the old bucket and point the key at a bucket that does not exist.
 *
 * **The console.** The bucket's versioning is left to the DigitalOcean console: never sent, and left out of the diff,
 * so versioning turned on there stays on at the next `pulumi up`. Its lifecycle rules stay this component's (a rule
 * added by hand goes), and none of them expires noncurrent versions: with versioning on, every object Harbor deletes
 * (its garbage collection's blobs) stays billed as a noncurrent version.
 */
export class SpacesBucket extends pulumi.ComponentResource {
  /** The bucket's name. */
  public readonly bucket: pulumi.Output<string>;
  /** The bucket's region. */
  public readonly region: string;
  /** The S3 endpoint, `https://<region>.digitaloceanspaces.com`. */
  public readonly endpoint: string;
  /** The access key id of the bucket-scoped key; a Pulumi secret. */
  public readonly accessKey: pulumi.Output<string>;
  /** The secret key of the bucket-scoped key; a Pulumi secret. */
  public readonly secretKey: pulumi.Output<string>;

  public constructor(name: string, args: SpacesBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    checkSpacesRegion('region', args.region);
    if (args.bucketName !== undefined) checkSpacesBucketName('bucketName', args.bucketName);
    const abortDays = checkInteger('abortIncompleteMultipartUploadDays', args.abortIncompleteMultipartUploadDays ?? 1, 1);
    if (args.expiration !== undefined) {
      if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/$/.test(args.expiration.prefix ?? '')) {
        invalid('expiration.prefix', args.expiration.prefix, 'must be path segments joined by "/" and ending in "/", such as "logs/"');
      }
      // the provider sends no expiration for 0 days (TF 401992a resource_spaces_bucket.go:696-697, `val > 0`)
      checkInteger('expiration.days', args.expiration.days, 1);
    }
    super('dockyard:digitalocean:SpacesBucket', name, {}, opts);

    const bucket = new digitalocean.SpacesBucket(`${name}-bucket`, {
      name: args.bucketName,
      region: args.region,
      acl: 'private',
      forceDestroy: args.forceDestroy ?? false,
      // An abort-only rule: the SDK doc asks for `expiration` or `noncurrentVersionExpiration`, but the provider
      // doesn't enforce it and sends just AbortIncompleteMultipartUpload (TF resource_spaces_bucket.go).
      // The provider puts these rules as the bucket's whole lifecycle configuration (TF 401992a
      // resource_spaces_bucket.go:635-728, PutBucketLifecycleConfiguration, on any change of them, :299) and reads the
      // bucket's back (:385-470), so a rule added by hand goes at the next change of these rules, or at once under
      // `pulumi up --refresh`: each rule the bucket needs is here.
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadDays: abortDays },
        // a prefix filter (:660-662) and days after each object's creation
        ...(args.expiration ? [{ id: 'expire', enabled: true, prefix: args.expiration.prefix, expiration: { days: args.expiration.days } }] : []),
      ],
    // Harbor's images: a replacement or removal of the bucket would take them with it. A new `bucketName` must replace
    // the bucket, which the protection then refuses: the provider's `name` is not ForceNew and its Update renames
    // nothing, so the change was an in-place update that left the old bucket in place under the new name in the state,
    // the key granted the new name and the apps pointed at a bucket that does not exist (terraform-provider-digitalocean
    // v2.99.1 digitalocean/spaces/resource_spaces_bucket.go:35-39 `name` without ForceNew, :271-306 Update, :475 Read
    // keeping the configured name, :267 the id set once, at creation)
    //
    // Its versioning is the console's, which this component never sets: the provider reads the bucket's back and, with
    // none configured, suspends one enabled in the console at the next `pulumi up` after a refresh (TF v2.99.1
    // resource_spaces_bucket.go:97-112, whose DiffSuppressFunc hides only the block's count going from 1 to 0, not
    // `enabled` going from true to false, by design: digitalocean/terraform-provider-digitalocean#409, review of
    // 2020-04-06, "it will detect the need for an update when removing a block with versioning.enabled = true"; :362-383
    // read; :293-297 and :602-617, PutBucketVersioning `Suspended`), so it is left out of the diff
    }, { parent: this, protect: protectsData(opts), replaceOnChanges: ['name'], ignoreChanges: ['versioning'] satisfies (keyof digitalocean.SpacesBucketArgs)[] });

    // `readwrite` on this bucket only; created with the API token (do.md §1.4)
    const key = new digitalocean.SpacesKey(`${name}-key`, {
      name: args.keyName,
      grants: [{ bucket: bucket.name, permission: 'readwrite' }],
    }, { parent: this });

    this.bucket = bucket.name;
    this.region = args.region;
    this.endpoint = spacesEndpoint('region', args.region);
    // only `secretKey` is secret in the provider; an access key id is still a credential to keep out of logs and of
    // what reads this component's outputs. The state holds it in clear all the same, Pulumi never encrypting a
    // resource id: the key's id is its access key (terraform-provider-digitalocean 401992a
    // digitalocean/spaces/resource_spaces_key.go:46 `d.SetId(key.AccessKey)`; README "Credentials in the Pulumi state")
    this.accessKey = pulumi.secret(key.accessKey);
    this.secretKey = pulumi.secret(key.secretKey);
    this.registerOutputs({
      bucket: this.bucket,
      region: this.region,
      endpoint: this.endpoint,
      accessKey: this.accessKey,
      secretKey: this.secretKey,
    });
  }
}
