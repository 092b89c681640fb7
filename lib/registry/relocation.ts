import { canonicalRegistry, checkHostname, checkRegistryPrefix, IImageRelocation, Image, invalid, sameRegistryHost } from '../core';
import { HARBOR_NAME_RULE, isHarborName, isRepositoryPathComponent } from '../core/validation';

/** Options of `ImageRelocation.registry`. */
export interface RegistryRelocationOptions {
  /**
   * Keep the source registry in the path (`mirror/ghcr.io/org/app`), so images of different registries with the
   * same path never collide. A registry's port joins its host with "-" (`registry.internal:5000/team/app` becomes
   * `mirror/registry.internal-5000/team/app`): a repository path's part may hold no ":" (distribution/reference
   * v0.6.0 reference.go, `path-component`), so neither the kubelet nor a copy tool would take it.
   *
   * @default false
   */
  readonly keepRegistry?: boolean;
}

/** Where relocated images are pulled from. */
export class ImageRelocation implements IImageRelocation {
  /**
   * Every image from a private registry or mirror, e.g. `registry.example.com/mirror`: `postgres:17` becomes
   * `registry.example.com/mirror/library/postgres:17`. Tags and digests are kept. For air-gapped clusters, mirror
   * the images there first: synth writes them to `images.pairs.txt` as `<source> <destination>` lines, which
   * `dockyard-images --pairs` prints. Pass it to `Images.relocateAll` to override the relocations a stack sets itself.
   * An image already under the prefix stays where it is, and so does one on a Harbor the app declares, through
   * `Images.resolve`; neither is listed.
   */
  public static registry(prefix: string, options: RegistryRelocationOptions = {}): ImageRelocation {
    checkRegistryPrefix('prefix', prefix);
    // an image under the prefix is on the mirror already: relocated again, it got the prefix twice
    // (mirror/hub/hub/tools/ci:1). Only under it: another path of a host many share (ghcr.io/acme/mirror beside a
    // vendor's ghcr.io/vendor/tool) is another registry's, and still copied
    const [host, ...path] = prefix.split('/');
    const under = (image: Image) => sameRegistryHost(image.registry, host) &&
      (path.length === 0 || `${image.repository}/`.startsWith(`${path.join('/')}/`));
    return new ImageRelocation((image) => under(image) ? image
      : image.withRegistry(options.keepRegistry ? `${prefix}/${registryPathPart(image)}` : prefix),
      `ImageRelocation.registry(${JSON.stringify(prefix)}${options.keepRegistry ? ', { keepRegistry: true }' : ''})`, true, under);
  }

  /**
   * Pull-through a proxy-cache project, e.g. Harbor's: images from `upstream` become `<host>/<project>/<path>`,
   * so `postgres:17` becomes `harbor.example.com/dockerhub/library/postgres:17`; images of other registries stay.
   *
   * @param host the proxy's registry host
   * @param project the proxy-cache project
   * @param upstream the registry the project caches
   */
  public static proxyCache(host: string, project: string, upstream = 'docker.io'): ImageRelocation {
    checkHostname('host', host, { allowPort: true, registry: true });
    if (!isHarborName(project)) {
      invalid('project', project, `must be a registry project name as Harbor takes it: at most 255 ${HARBOR_NAME_RULE}`);
    }
    checkHostname('upstream', upstream, { allowPort: true, registry: true });
    // as images spell it: Docker Hub's other host names (`registry-1.docker.io`, a Harbor proxy cache's endpoint) are
    // `docker.io`, which would otherwise match no image
    const registry = canonicalRegistry(upstream);
    // a host in any case: `Quay.io/org/app` is quay.io's image (DNS names are case-insensitive), which the upstream,
    // a host name checked lower-case, names
    return new ImageRelocation((image) => (image.registry.toLowerCase() === registry ? image.withRegistry(`${host}/${project}`) : image),
      `ImageRelocation.proxyCache(${JSON.stringify(host)}, ${JSON.stringify(project)}, ${JSON.stringify(upstream)})`);
  }

  /** Keep pulling from each image's own registry: exempts a subtree from a relocation set above it. */
  public static upstream(): ImageRelocation {
    return new ImageRelocation((image) => image, 'ImageRelocation.upstream()');
  }

  private constructor(
    private readonly rewrite: (image: Image) => Image,
    private readonly description: string,
    /** Whether images must be copied to the destination first: true for `registry`, false for a proxy cache or upstream. */
    public readonly mirror = false,
    /** Whether an image is on the destination already (`registry`: under its prefix). */
    private readonly under: (image: Image) => boolean = () => false,
  ) {}

  public relocate(image: Image): Image {
    return this.rewrite(image);
  }

  /** Whether `image` is on this relocation's mirror already (`registry`: under its prefix), which it leaves as it is. */
  public holds(image: Image): boolean {
    return this.under(image);
  }

  /** How the relocation was made, e.g. `ImageRelocation.registry("registry.example.com/mirror")`, as warnings name it. */
  public toString(): string {
    return this.description;
  }
}

/**
 * The source registry of `image` as one repository path part, for `keepRegistry`: lower-case (host names are), its
 * port joined with "-". A registry that makes no path part even so (an IPv6 address) is refused, naming the image.
 */
function registryPathPart(image: Image): string {
  const part = image.registry.toLowerCase().replace(':', '-');
  if (!isRepositoryPathComponent(part)) {
    invalid('image', image.reference, 'cannot be relocated with keepRegistry: its registry makes no repository path part; relocate it without keepRegistry');
  }
  return part;
}
