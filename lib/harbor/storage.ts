import { checkInteger, checkPositiveQuantity, checkStorageClassName, checkUrl, invalid, SecretKey } from '../core';
import { checkS3Bucket, checkS3Region, spacesEndpoint } from '../core/bucket';

/** Options of `HarborStorage.filesystem`. */
export interface FilesystemStorageOptions {
  /**
   * The size of the registry's volume.
   *
   * @default "50Gi"
   */
  readonly size?: string;
  /**
   * The StorageClass of the volume. `""` binds only a PersistentVolume made beforehand without a class.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** Options of `HarborStorage.s3`. */
export interface S3StorageOptions {
  /** The bucket. */
  readonly bucket: string;
  /**
   * The region; S3-compatible services behind `regionEndpoint` usually accept `us-east-1`. Without `regionEndpoint`
   * it must read as an AWS region (`<area>-<direction>-<n>`, e.g. `eu-central-1`): the registry refuses to start
   * with any region its AWS SDK does not list.
   */
  readonly region: string;
  /**
   * The endpoint of an S3-compatible service; setting it switches to path-style addressing.
   *
   * @default - AWS S3 for the region
   */
  readonly regionEndpoint?: string;
  /**
   * The access key ID, in a Secret. The registry reads it inside a YAML double-quoted string, so it must hold no `"`, no `\`
   * and no control character or line break (`REGISTRY_YAML_STRING_RULE`). Where Dockyard sees the value (an input of
   * the local secret store; under Pulumi, a value `ChartDeployment` provides) it refuses one that does; the value of a
   * Secret filled outside Dockyard (`Secret.fromSecretName`) is not checked.
   */
  readonly accessKey: SecretKey;
  /**
   * The secret access key, in a Secret. It must hold no `"`, no `\` and no control character or line break, as `accessKey`.
   */
  readonly secretKey: SecretKey;
  /**
   * A prefix inside the bucket.
   *
   * @default - the bucket's root
   */
  readonly rootDirectory?: string;
  /**
   * Serve blobs through the registry rather than redirecting clients to pre-signed URLs on the storage host. A
   * redirected pull reaches the storage host from the client (nodes, build pods, Trivy, clients outside the
   * cluster), not from the registry, so a `regionEndpoint` whose host only the cluster's DNS resolves (one label,
   * `*.svc`, `*.cluster.local`) turns redirects off, and refuses `false`. A host of two labels (`minio.storage`),
   * which pods resolve as a Service of a namespace and nodes do not, may also be a public name: it turns redirects
   * off too, and takes `false`, for a public host. An endpoint at a private address is reached by build pods only
   * once `allowBuildEgress` declares it.
   *
   * @default - false; true with a `regionEndpoint` whose host only the cluster's DNS resolves, or has two labels
   */
  readonly disableRedirect?: boolean;
  /**
   * Use HTTPS to the storage endpoint. With `regionEndpoint`, its scheme decides: the registry's S3 client keeps the
   * scheme of the endpoint and reads `secure` only to add one to an endpoint written without (aws-sdk-go
   * `endpoints.AddScheme`), so a value contradicting the scheme is refused.
   *
   * @default - true without `regionEndpoint`; with it, whether its scheme is `https`
   */
  readonly secure?: boolean;
  /**
   * Sign requests with AWS signature version 4.
   *
   * @default true
   */
  readonly v4Auth?: boolean;
  /**
   * Skip verifying the endpoint's TLS certificate.
   *
   * @default false
   */
  readonly skipVerify?: boolean;
  /**
   * Ask the service to encrypt objects at rest.
   *
   * @default false
   */
  readonly encrypt?: boolean;
  /**
   * The multipart upload part size, in MiB (at least 5).
   *
   * @default 10
   */
  readonly chunkSizeMiB?: number;
  /**
   * How many parts of one blob the registry copies at once when it moves a finished upload (over 32 MiB) into place:
   * each part is a PUT to the same object. A store that limits concurrent writes to one object refuses the excess
   * (Spaces allows 10), which fails the push with a 500, and the client's retry fails alike.
   *
   * @default - 5 at DigitalOcean Spaces (`HarborStorage.spaces`, or a `regionEndpoint` whose host is
   * `digitaloceanspaces.com` or a name under it); elsewhere 100 (distribution's `multipartcopymaxconcurrency`)
   */
  readonly multipartCopyMaxConcurrency?: number;
}

/** Options of `HarborStorage.spaces`. */
export interface SpacesStorageOptions {
  /** The Spaces region, e.g. `fra1`. */
  readonly region: string;
  /** The bucket. */
  readonly bucket: string;
  /**
   * The Spaces access key ID, in a Secret. It must hold no `"`, no `\` and no control character or line break (see
   * `S3StorageOptions.accessKey`).
   */
  readonly accessKey: SecretKey;
  /**
   * The Spaces secret key, in a Secret. It must hold no `"`, no `\` and no control character or line break (see
   * `S3StorageOptions.accessKey`).
   */
  readonly secretKey: SecretKey;
  /**
   * A prefix inside the bucket.
   *
   * @default - the bucket's root
   */
  readonly rootDirectory?: string;
  /**
   * Serve blobs through the registry rather than redirecting clients to Spaces.
   *
   * @default false
   */
  readonly disableRedirect?: boolean;
}

/** What the registry stores images in. */
export class HarborStorage {
  /**
   * A ReadWriteOnce volume. The registry runs one replica on it, with the Recreate strategy (Harbor refuses a larger
   * `registryReplicas`), and job logs go to the database, so no volume is ever shared between pods.
   */
  public static filesystem(options: FilesystemStorageOptions = {}): HarborStorage {
    const size = options.size ?? '50Gi';
    checkPositiveQuantity('size', size);
    return new HarborStorage({ size, storageClassName: checkStorageClassName('storageClassName', options.storageClassName) });
  }

  /** An S3 or S3-compatible bucket; the registry may then run several replicas. */
  public static s3(options: S3StorageOptions): HarborStorage {
    checkS3Bucket('bucket', options.bucket);
    checkS3Region('region', options.region);
    if (options.regionEndpoint === undefined && !AWS_REGION.test(options.region)) {
      invalid('region', options.region, 'must be an AWS region such as "us-east-1" or "eu-central-2" without regionEndpoint, as the registry ' +
        'then refuses any other at start; for another S3 service, set regionEndpoint to its URL');
    }
    const endpoint = options.regionEndpoint === undefined ? undefined : checkUrl('regionEndpoint', options.regionEndpoint, ['https', 'http']);
    const secure = endpoint === undefined ? options.secure ?? true : secureOf(options.regionEndpoint!, endpoint, options.secure);
    if (options.rootDirectory !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(options.rootDirectory)) {
      invalid('rootDirectory', options.rootDirectory, 'must be an absolute path such as "/harbor"');
    }
    checkInteger('chunkSizeMiB', options.chunkSizeMiB ?? 10, 5, 5120);
    if (options.multipartCopyMaxConcurrency !== undefined) {
      checkInteger('multipartCopyMaxConcurrency', options.multipartCopyMaxConcurrency, 1, 1000);
    }
    // Spaces by whatever name it is reached: the limit is the service's, not the factory's
    const multipartCopyMaxConcurrency = options.multipartCopyMaxConcurrency
      ?? (endpoint !== undefined && isSpacesHost(endpoint.hostname) ? SPACES_MULTIPART_COPY_MAX_CONCURRENCY : undefined);
    const disableRedirect = redirectOf(options.regionEndpoint, endpoint, options.disableRedirect);
    return new HarborStorage(undefined, { ...options, secure, multipartCopyMaxConcurrency, disableRedirect });
  }

  /** A DigitalOcean Spaces bucket: S3 at `https://<region>.digitaloceanspaces.com`. */
  public static spaces(options: SpacesStorageOptions): HarborStorage {
    const regionEndpoint = spacesEndpoint('region', options.region);
    return HarborStorage.s3({
      ...options,
      // Spaces ignores the signing region; distribution needs one
      region: 'us-east-1',
      // its host sets multipartCopyMaxConcurrency (SPACES_MULTIPART_COPY_MAX_CONCURRENCY)
      regionEndpoint,
    });
  }

  private constructor(
    /** The volume, for filesystem storage. */
    public readonly volume?: {
      /** The size of the registry's PersistentVolumeClaim, a Kubernetes quantity such as `"50Gi"`. */
      readonly size: string;
      /** The StorageClass of the claim; unset, the cluster's default StorageClass. */
      readonly storageClassName?: string;
    },
    /** The bucket, for S3 storage. */
    public readonly s3?: S3StorageOptions,
  ) {}

  /** @internal The `storage` section of the registry's config.yml, without credentials. */
  public _registryConfig(): Record<string, unknown> {
    if (this.volume) {
      return { filesystem: { rootdirectory: REGISTRY_DATA } };
    }
    const s3 = this.s3!;
    return {
      s3: {
        region: s3.region,
        bucket: s3.bucket,
        ...(s3.regionEndpoint ? { regionendpoint: s3.regionEndpoint } : {}),
        ...(s3.rootDirectory ? { rootdirectory: s3.rootDirectory } : {}),
        // explicit booleans: the chart can only emit true ones
        secure: s3.secure,
        v4auth: s3.v4Auth ?? true,
        skipverify: s3.skipVerify ?? false,
        encrypt: s3.encrypt ?? false,
        chunksize: (s3.chunkSizeMiB ?? 10) * 2 ** 20,
        ...(s3.multipartCopyMaxConcurrency !== undefined ? { multipartcopymaxconcurrency: s3.multipartCopyMaxConcurrency } : {}),
      },
    };
  }
}

/**
 * Whether the registry reaches `regionEndpoint` over HTTPS: exactly when its scheme is `https`. distribution hands
 * the endpoint and `DisableSSL: !secure` to aws-sdk-go v1 (goharbor/distribution release/2.8
 * registry/storage/driver/s3-aws/s3.go `New`: `WithEndpoint`, `WithDisableSSL`), whose session adds a scheme only to
 * an endpoint written without one (aws/aws-sdk-go v1.55 aws/session/session.go `resolveEndpoint` calls
 * `endpoints.AddScheme(endpoint, DisableSSL)`; aws/endpoints/endpoints.go `AddScheme`), and Dockyard requires one:
 * `secure` then changes nothing, and a `secure: true` rendered beside an http:// endpoint would claim HTTPS where
 * the blobs and the pre-signed URLs handed to clients go over plain HTTP. A `secure` contradicting the scheme is
 * refused rather than ignored.
 */
function secureOf(regionEndpoint: string, url: URL, secure: boolean | undefined): boolean {
  const https = url.protocol === 'https:';
  if (secure !== undefined && secure !== https) {
    invalid('secure', secure, `must be ${https} or unset with regionEndpoint ${JSON.stringify(regionEndpoint)}: the registry takes HTTP or ` +
      `HTTPS from the endpoint's scheme and ignores secure; write the endpoint with ${secure ? 'https' : 'http'}:// instead`);
  }
  return https;
}

/**
 * A name that can be an AWS region: a partition's area (`us`, `cn`, `eusc`), optional qualifiers (`gov`, `isob`),
 * a direction (`east`, `central`, `northwest`) and a number, e.g. `us-east-1`, `us-gov-west-1`, `il-central-1`.
 * Without `regionendpoint`, distribution accepts only a region its aws-sdk-go lists and panics on any other at start
 * (goharbor/distribution release/2.8 registry/storage/driver/s3-aws/s3.go `FromParameters`: "invalid region
 * provided", from `validRegions`, filled by `init` from `endpoints.DefaultPartitions()`). That list grows with the
 * SDK (goharbor/distribution's go.mod requires aws-sdk-go v1.55.8; Debian's docker-registry 2.8 an older one, without
 * eu-central-2), so only names that can never be a region are refused here: a
 * Spaces or MinIO region such as `fra1`, an availability zone, `auto`.
 */
const AWS_REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;

/**
 * How many parts of one blob the registry copies at once at DigitalOcean Spaces. Spaces takes at most 10 concurrent
 * PUT or COPY requests to one object (DigitalOcean docs, Spaces limits), and distribution copies up to 100 parts of a
 * blob at once when it moves a finished upload over 32 MiB into place (goharbor/distribution release/2.8
 * registry/storage/driver/s3-aws/s3.go: `defaultMultipartCopyMaxConcurrency`, `defaultMultipartCopyThresholdSize`,
 * `copy`): a layer over 320 MiB failed with a 500.
 */
const SPACES_MULTIPART_COPY_MAX_CONCURRENCY = 5;

/**
 * `disableRedirect` as the registry gets it. With redirects on, the registry answers a blob GET with a 307 to a
 * pre-signed URL at `regionendpoint` (distribution v2.8.3 registry/storage/blobserver.go:37-42,
 * registry/storage/driver/s3-aws/s3.go:877-913), which the client then fetches: a host only the cluster's DNS
 * resolves is out of reach of the nodes' container runtime and of clients outside the cluster, and of build pods,
 * whose egress leaves out the cluster's ranges. Such an endpoint turns redirects off, and `false` is refused.
 *
 * A host of two labels (`minio.storage`) is most likely `<service>.<namespace>`: a pod's DNS search list
 * (`<ns>.svc.<cluster domain>`, `svc.<cluster domain>`, `<cluster domain>`, with `ndots:5`) resolves it as the
 * Service `minio` of the namespace `storage` from any namespace (kubernetes/website
 * content/en/docs/concepts/services-networking/dns-pod-service.md: "A Pod running in namespace quux can look up this
 * service by doing a DNS query for foo.bar", and the pod's `resolv.conf` there), and a node, which does not search
 * the cluster's domain, does not. It may also be a public name (`example.org`), and no rule tells the two apart (a
 * namespace may be named as a top-level domain is: `storage`, `dev`, `cloud`). The costs decide: redirects to a
 * Service name fail every pull at its first layer, while blobs served through the registry from a public host only
 * cost the registry bandwidth. So such a host turns redirects off by default, as a Service name does, but `false`
 * is taken, for a public host.
 */
function redirectOf(regionEndpoint: string | undefined, url: URL | undefined, disableRedirect: boolean | undefined): boolean {
  const name = url?.hostname.replace(/\.$/, '');
  const hostName = name !== undefined && !name.startsWith('[') && !/^[\d.]+$/.test(name);
  const clusterOnly = hostName && (!name.includes('.') || name.endsWith('.svc') || name.endsWith('.cluster.local'));
  const serviceOfNamespace = hostName && name.split('.').length === 2 && !isSpacesHost(name);
  if (clusterOnly && disableRedirect === false) {
    invalid('disableRedirect', disableRedirect, `must be true or unset with regionEndpoint ${JSON.stringify(regionEndpoint)}, whose host only the ` +
      'cluster\'s DNS resolves: the registry redirects blob pulls there, out of reach of the nodes, build pods and clients outside the cluster');
  }
  return disableRedirect ?? (clusterOnly || serviceOfNamespace);
}

/**
 * Whether `host` is DigitalOcean Spaces: `digitaloceanspaces.com` or any name under it (`<region>.`, a bucket's
 * `<bucket>.<region>.`, the CDN's `<region>.cdn.`), as the URL parser gives it (lower case), with or without the
 * final dot of a fully qualified name.
 */
function isSpacesHost(host: string): boolean {
  const name = host.replace(/\.$/, '');
  return name === 'digitaloceanspaces.com' || name.endsWith('.digitaloceanspaces.com');
}

/**
 * Whether the registry reaches its storage at an S3-compatible `regionEndpoint` over HTTPS other than Spaces, one a
 * private CA may sign: the registry and registryctl then trust the Harbor's `trustBundle`. distribution's S3 driver
 * keeps `http.DefaultTransport`, Go's system roots, unless `skipverify` (goharbor/distribution release/2.8
 * registry/storage/driver/s3-aws/s3.go:436-450), and registryctl builds the same driver from the same config.yml.
 *
 * @internal
 */
export function storageMayUsePrivateCa(storage: HarborStorage): boolean {
  const endpoint = storage.s3?.regionEndpoint;
  if (endpoint === undefined) {
    return false;
  }
  const url = new URL(endpoint);
  return url.protocol === 'https:' && !isSpacesHost(url.hostname);
}

/** Where the registry keeps blobs on a filesystem volume. */
export const REGISTRY_DATA = '/storage';
