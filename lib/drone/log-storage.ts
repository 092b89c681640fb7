import { checkBoolean, checkRequiredObject, checkUrl, invalid, SecretKey } from '../core';
import { checkS3Bucket, checkS3Region, spacesEndpoint } from '../core/bucket';
import { EnvVars } from '../core/env';
import { PASSWORD_KEY_RULE } from '../core/secret';

/** Options of `DroneLogStorage.s3`. */
export interface DroneS3LogStorageOptions {
  /** The bucket (`DRONE_S3_BUCKET`). */
  readonly bucket: string;
  /**
   * The signing region (`AWS_REGION`): the AWS region of the bucket, or what an S3-compatible service behind
   * `endpoint` accepts, usually `us-east-1`. Drone's S3 client has no region of its own: without one it refuses
   * every upload.
   */
  readonly region: string;
  /**
   * The endpoint of an S3-compatible service (`DRONE_S3_ENDPOINT`), `https://` or `http://` and a host, without a
   * path: Drone speaks plain HTTP to an endpoint that does not start with `https://`.
   *
   * @default - AWS S3 for the region
   */
  readonly endpoint?: string;
  /**
   * Address the bucket in the path (`https://host/bucket/key`) rather than the host name (`DRONE_S3_PATH_STYLE`).
   *
   * @default - true with `endpoint` (MinIO and most S3-compatible services need it), false without
   */
  readonly pathStyle?: boolean;
  /**
   * A prefix inside the bucket, such as `drone/logs`: each step's log is the object `<prefix>/<step id>`
   * (`DRONE_S3_PREFIX`), what a lifecycle rule's prefix filter names.
   *
   * @default - the bucket's root
   */
  readonly prefix?: string;
  /** The access key ID, in a Secret (`AWS_ACCESS_KEY_ID`). */
  readonly accessKey: SecretKey;
  /** The secret access key, in a Secret (`AWS_SECRET_ACCESS_KEY`). */
  readonly secretKey: SecretKey;
}

/** Options of `DroneLogStorage.spaces`. */
export interface DroneSpacesLogStorageOptions {
  /** The Spaces region, e.g. `fra1`. */
  readonly region: string;
  /**
   * The bucket: one of Drone's own, with a key granted it alone. Not Harbor's under a prefix: a Spaces key is granted
   * whole buckets, so the Drone server could overwrite Harbor's image layers.
   */
  readonly bucket: string;
  /**
   * A prefix inside the bucket, such as `drone/logs`.
   *
   * @default - the bucket's root
   */
  readonly prefix?: string;
  /** The Spaces access key ID, in a Secret. */
  readonly accessKey: SecretKey;
  /** The Spaces secret key, in a Secret. */
  readonly secretKey: SecretKey;
}

/**
 * Where the Drone server keeps build logs.
 *
 * By default Drone 2.28 writes each finished step's log into its database, the `logs` table, and nothing ever
 * removes it: the purge of old builds (`DELETE /api/repos/<owner>/<name>/builds?before=<n>`, an admin's) deletes
 * builds, stages and steps but no log (harness v2.28.2 `store/build/build.go:413-446`; the `logs` table has no
 * foreign key to `steps`, `store/shared/migrate/postgres/files/007_create_table_logs.sql`), so the database grows with
 * every build for as long as the server runs. With a bucket, Drone writes new logs there and still reads older ones
 * from the database (`store/logs/combine.go`), and the bucket's lifecycle rule can expire them (README, "A year later:
 * what grows and what expires").
 */
export class DroneLogStorage {
  /** Logs in Drone's database, Drone's default: they are never removed. */
  public static database(): DroneLogStorage {
    return new DroneLogStorage();
  }

  /** An S3 or S3-compatible bucket. */
  public static s3(options: DroneS3LogStorageOptions): DroneLogStorage {
    const bucket = checkS3Bucket('bucket', options.bucket);
    checkS3Region('region', options.region);
    if (options.endpoint !== undefined) {
      const url = checkUrl('endpoint', options.endpoint, ['https', 'http']);
      if (!/^https?:\/\/[^/?#]+$/.test(options.endpoint)) {
        invalid('endpoint', options.endpoint, `must be a scheme and a host alone, such as "${url.protocol}//${url.host}": Drone puts the bucket ` +
          'and the key after it');
      }
    }
    if (options.pathStyle !== undefined) {
      checkBoolean('pathStyle', options.pathStyle);
    }
    if (options.prefix !== undefined && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(options.prefix)) {
      invalid('prefix', options.prefix, 'must be path segments of letters, digits, ".", "_" and "-" joined by "/", such as "drone/logs"');
    }
    checkRequiredObject('accessKey', options.accessKey, PASSWORD_KEY_RULE, SecretKey);
    checkRequiredObject('secretKey', options.secretKey, PASSWORD_KEY_RULE, SecretKey);
    return new DroneLogStorage({
      ...options, bucket, pathStyle: options.pathStyle ?? options.endpoint !== undefined,
    });
  }

  /** A DigitalOcean Spaces bucket: S3 at `https://<region>.digitaloceanspaces.com`. */
  public static spaces(options: DroneSpacesLogStorageOptions): DroneLogStorage {
    const endpoint = spacesEndpoint('region', options.region);
    // Spaces ignores the signing region, and Drone's S3 client needs one
    return DroneLogStorage.s3({ ...options, region: 'us-east-1', endpoint });
  }

  private constructor(
    /** The bucket, or undefined for the database. */
    public readonly s3?: DroneS3LogStorageOptions & {
      /** Whether the bucket is addressed in the path, `pathStyle` or its default. */
      readonly pathStyle: boolean;
    },
  ) {}

  /**
   * @internal The server's variables. Drone 2.28.2 reads DRONE_S3_* (harness v2.28.2
   * `cmd/drone-server/config/config.go:414-420`) and switches to the bucket when `DRONE_S3_BUCKET` is not empty
   * (`cmd/drone-server/inject_store.go:104-114`); its client is aws-sdk-go v1.43.16 (`go.mod:12`) with only endpoint
   * and path style set (`store/logs/s3.go:25-43`), so credentials and region come from the environment:
   * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION (aws-sdk-go v1.43.16 `aws/session/env_config.go:200-219`;
   * AWS_DEFAULT_REGION is read only with AWS_SDK_LOAD_CONFIG).
   */
  public _bind(env: EnvVars): void {
    if (!this.s3) {
      return;
    }
    env.value('DRONE_S3_BUCKET', this.s3.bucket);
    if (this.s3.prefix !== undefined) {
      env.value('DRONE_S3_PREFIX', this.s3.prefix);
    }
    if (this.s3.endpoint !== undefined) {
      env.value('DRONE_S3_ENDPOINT', this.s3.endpoint);
    }
    env.value('DRONE_S3_PATH_STYLE', String(this.s3.pathStyle));
    env.value('AWS_REGION', this.s3.region);
    env.secret('AWS_ACCESS_KEY_ID', this.s3.accessKey);
    env.secret('AWS_SECRET_ACCESS_KEY', this.s3.secretKey);
  }
}
