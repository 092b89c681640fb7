import { IConstruct } from 'constructs';
import { invalid } from './validation';

const DOCKER_HUB = 'docker.io';

/**
 * A container image reference pinned to an explicit tag or digest.
 *
 * References are normalised to a full `registry/repository:tag` form: a bare Docker Hub name such as `postgres`
 * becomes `docker.io/library/postgres`, so the registry can later be swapped without guessing.
 */
export class Image {
  /**
   * Parse a reference such as `docker.io/drone/drone:2.26.0`, `postgres:17.6` or `ghcr.io/org/app@sha256:...`.
   *
   * @param reference the image reference; it must carry a tag other than `latest`, or a digest
   */
  public static of(reference: string): Image {
    const match = /^(?:([^/]+[.:][^/]*|localhost)\/)?([a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/
      .exec(reference ?? '');
    if (!match) {
      invalid('image', reference, 'must be an image reference such as "registry.example.com/team/app:1.2.3"');
    }
    const registry = match[1] ?? DOCKER_HUB;
    const path = match[2];
    const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
    return new Image(registry, repository, match[3], match[4]);
  }

  private constructor(
    /** The registry host, e.g. `docker.io`. */
    public readonly registry: string,
    /** The repository path inside the registry, e.g. `drone/drone`. */
    public readonly repository: string,
    /** The tag, if any. */
    public readonly tag?: string,
    /** The digest (`sha256:…`), if any. */
    public readonly digest?: string,
  ) {
    if (digest === undefined && (tag === undefined || tag === 'latest')) {
      invalid('image', this.reference, 'must be pinned to an explicit tag other than "latest" or to a digest');
    }
  }

  /** The full reference, e.g. `docker.io/drone/drone:2.26.0`. */
  public get reference(): string {
    return `${this.registry}/${this.repository}${this.tag ? `:${this.tag}` : ''}${this.digest ? `@${this.digest}` : ''}`;
  }

  /** The same image with another tag (any digest is dropped). */
  public withTag(tag: string): Image {
    return Image.of(`${this.registry}/${this.repository}:${tag}`);
  }

  /** The same repository, tag and digest in another registry (a host, optionally with a path prefix). */
  public withRegistry(registry: string): Image {
    return new Image(registry, this.repository, this.tag, this.digest);
  }

  public toString(): string {
    return this.reference;
  }
}

/** Rewrites an image, e.g. to point it at a mirror. */
export type ImageRewrite = (image: Image) => Image;

const rewrites = new WeakMap<IConstruct, ImageRewrite>();

/**
 * The single hook that overrides where images are pulled from.
 *
 * A rewrite set on a scope applies, at synth time, to every container image of every Dockyard construct below it;
 * the nearest scope's rewrite wins.
 */
export class Images {
  /** Pull every image below `scope` from `registry` instead, keeping repository paths, tags and digests. */
  public static useRegistry(scope: IConstruct, registry: string): void {
    Images.rewrite(scope, (image) => image.withRegistry(registry));
  }

  /** Apply `rewrite` to every image below `scope`. */
  public static rewrite(scope: IConstruct, rewrite: ImageRewrite): void {
    rewrites.set(scope, rewrite);
  }

  /** The image that a container defined at `scope` really pulls. */
  public static resolve(scope: IConstruct, image: Image): Image {
    const owner = [...scope.node.scopes].reverse().find((s) => rewrites.has(s));
    return owner ? rewrites.get(owner)!(image) : image;
  }

  private constructor() {}
}
