import { IConstruct } from 'constructs';
import type { ISecret } from './secret';
import { invalid, ValidationError } from './validation';

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

/** Where images are pulled from instead of their own registries: a mirror, a proxy cache, or upstream. */
export interface IImageRelocation {
  /** The image to pull instead of `image`. */
  relocate(image: Image): Image;
}

/** A registry host that images below a scope must never be pulled from: a registry cannot pull itself from itself. */
interface Guard {
  readonly host: string;
  readonly reason: string;
}

const relocations = new WeakMap<IConstruct, IImageRelocation>();
const guards = new WeakMap<IConstruct, Guard[]>();
const pullSecrets = new WeakMap<IConstruct, Map<string, ISecret>>();

/** The host part a kubelet matches pull secrets by: Docker Hub's many names become `index.docker.io`. */
export function registryHost(registryOrKey: string): string {
  const host = registryOrKey.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host) ? 'index.docker.io' : host;
}

/**
 * The single hook that decides where images are pulled from, and which pull secret a pod needs for them.
 *
 * A relocation set on a scope applies, at synth time, to every container image of every Dockyard construct below
 * it; the nearest scope's relocation wins. A pod whose images come from a registry that a `PullSecret` covers
 * gets that Secret, copied into its namespace, as an image pull secret.
 */
export class Images {
  /** Pull every image below `scope` as `relocation` says. */
  public static relocate(scope: IConstruct, relocation: IImageRelocation): void {
    relocations.set(scope, relocation);
  }

  /**
   * Refuse any relocation that makes an image below `scope` come from `host`, e.g. Harbor's own images and its
   * data services' through Harbor.
   *
   * @param reason who `host` is, for the error
   */
  public static protect(scope: IConstruct, host: string, reason: string): void {
    guards.set(scope, [...(guards.get(scope) ?? []), { host: registryHost(host), reason }]);
  }

  /** The image that a container defined at `scope` really pulls. */
  public static resolve(scope: IConstruct, image: Image): Image {
    const path = [...scope.node.scopes];
    const owner = [...path].reverse().find((s) => relocations.has(s));
    const resolved = owner ? relocations.get(owner)!.relocate(image) : image;
    for (const guard of path.flatMap((s) => guards.get(s) ?? [])) {
      if (registryHost(resolved.registry) === guard.host) {
        throw new ValidationError(`invalid relocation of ${image.reference} to ${resolved.reference} for ${scope.node.path}: ` +
          `${guard.reason}; relocate it with ImageRelocation.upstream() or to a pre-mirrored registry`);
      }
    }
    return resolved;
  }

  /** Make `secret` the pull secret of every pod below the app's root whose images come from `registries`. */
  public static usePullSecret(scope: IConstruct, registries: string[], secret: ISecret): void {
    const root = scope.node.root;
    const byHost = pullSecrets.get(root) ?? new Map<string, ISecret>();
    for (const host of registries.map(registryHost)) {
      const existing = byHost.get(host);
      if (existing && existing !== secret) {
        throw new ValidationError(`invalid pull secret ${JSON.stringify(secret.secretName)}: registry ${JSON.stringify(host)} is already ` +
          `covered by ${JSON.stringify(existing.secretName)}; merge them into one PullSecret`);
      }
      byHost.set(host, secret);
    }
    pullSecrets.set(root, byHost);
  }

  /** The pull secret, if any, for an image pulled by a pod defined at `scope`. */
  public static pullSecretFor(scope: IConstruct, image: Image): ISecret | undefined {
    return pullSecrets.get(scope.node.root)?.get(registryHost(image.registry));
  }

  private constructor() {}
}
