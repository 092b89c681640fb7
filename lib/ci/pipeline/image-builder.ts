import { checkInteger, Image, invalid } from '../../core';
import { shellQuote } from '../../core/shell';
import { isImageTag } from '../../core/validation';

/**
 * The commit variable both engines set in every step: drone/runner-go v1.12.0 `environ/environ.go:167`
 * (`CI_COMMIT_SHA`, with `DRONE_COMMIT_SHA` at :131, from `environ.Build`, which drone-runner-kube v1.0.0-rc.5 merges
 * into every step's environment, `engine/compiler/compiler.go:293-302,408-410`), and Woodpecker v3.17.0
 * `pipeline/frontend/metadata/environment.go:95` (copied into every step by `pipeline/frontend/yaml/compiler/option.go:78`
 * and `convert.go:89-91`). Woodpecker sets `DRONE_COMMIT_SHA` only in plugin steps
 * (`pipeline/runtime/step.go:94-97`, `pipeline/frontend/metadata/drone_compatibility.go:36`), and this step runs
 * commands, so `CI_COMMIT_SHA` is the one name both give it.
 */
export const COMMIT_SHA_VARIABLE = 'CI_COMMIT_SHA';

/** A tag that `Step.buildImage` pushes the image under. */
export class ImageTag {
  /** A fixed tag, e.g. `latest` or `1.2.3`. */
  public static of(tag: string): ImageTag {
    // a Docker tag (`isImageTag`, lib/core/validation.ts: distribution/reference `TagRegexp`), as `Image.of` reads one
    if (!isImageTag(tag)) {
      invalid('tag', tag, 'must be a Docker tag: a letter, digit or "_", then up to 127 letters, digits, "_", "." and "-"');
    }
    return new ImageTag(tag, undefined);
  }

  /**
   * The first `length` hex digits of the commit being built, taken at run time from `CI_COMMIT_SHA`, which both
   * engines set.
   *
   * @param length how many hex digits, 7 to 40
   */
  public static commitSha(length: number = 8): ImageTag {
    return new ImageTag(undefined, checkInteger('length', length, 7, 40));
  }

  private constructor(
    /** The fixed tag, if any. */
    private readonly fixed: string | undefined,
    /** The number of hex digits of the commit, if not fixed. */
    private readonly shaLength: number | undefined,
  ) {}

  /** The tag as it reads in errors and comparisons: the fixed tag, or `${CI_COMMIT_SHA:0:<n>}`. */
  public toString(): string {
    return this.fixed ?? `\${${COMMIT_SHA_VARIABLE}:0:${this.shaLength}}`;
  }

  /**
   * `--destination=<repository>:<tag>` as one shell word. A fixed tag is single-quoted whole; the commit's digits
   * come from a POSIX `printf '%.<n>s'` of the variable (no `${v:0:n}`, which POSIX sh lacks), double-quoted so the
   * shell expands it as one word.
   *
   * @internal
   */
  public _destinationWord(repository: string): string {
    return this.fixed !== undefined
      ? shellQuote(`--destination=${repository}:${this.fixed}`)
      : `${shellQuote(`--destination=${repository}:`)}"$(printf '%.${this.shaLength}s' "$${COMMIT_SHA_VARIABLE}")"`;
  }
}

/** What `ImageBuilder` needs to build and push one image. */
export interface ImageBuildSpec {
  /** The repository to push to, e.g. `harbor.example.com/apps/demo`. */
  readonly repository: string;
  /** The tags. */
  readonly tags: readonly ImageTag[];
  /** The build context, relative to the repository's root. */
  readonly context: string;
  /** The Dockerfile, relative to the repository's root or to the context. */
  readonly dockerfile: string;
  /** The environment variable that holds the Docker config JSON. */
  readonly dockerConfigVariable: string;
}

/**
 * The tool that `Step.buildImage` runs: an image with a shell and a daemonless image builder. The step is a plain
 * step with commands on either engine, not a plugin, so that it renders the same on both and every argument is
 * quoted by us.
 */
export class ImageBuilder {
  /**
   * The default Kaniko image: a `-debug` variant, which has the busybox shell that commands need
   * (osscontainertools/kaniko v1.28.3 `deploy/Dockerfile:150-161` links `/bin/sh` to `/busybox/sh`). The tag scheme
   * `v<version>-debug` is the fork's release workflow's (`.github/workflows/images.yaml:54-58,201-203`).
   *
   * Why this builder: Google archived Kaniko on 2025-06-03; osscontainertools/kaniko is its maintained community
   * fork (a patch release every two weeks; v1.28.3 of 2026-08-13), with public, pinnable, signed images, and the base
   * of Woodpecker's own Kaniko plugin. It builds without privileges, as root, so build namespaces stay at Pod
   * Security baseline; BuildKit rootless and Buildah need seccomp and AppArmor unconfined or CAP_SYS_ADMIN, which only
   * privileged allows. Chainguard's fork publishes no pinnable images without a subscription.
   *
   * Pulled from Docker Hub's copy, `martizih/kaniko` (the workflow's `${DOCKERHUB_ORG}/kaniko`, `images.yaml:15`, an
   * organisation set outside the repository), which the fork's release workflow pushes with the same tags
   * (`images.yaml:206-228`): through Harbor's Docker Hub proxy cache like every other step image, where the
   * canonical `ghcr.io/osscontainertools/kaniko` would bypass it.
   */
  public static readonly KANIKO_IMAGE = Image.of('docker.io/martizih/kaniko:v1.28.3-debug');

  /**
   * Kaniko, from an image that has its executor at `/kaniko/executor` and a shell. It reads registry logins from
   * `/kaniko/.docker/config.json`: its image sets `DOCKER_CONFIG=/kaniko/.docker/` (osscontainertools/kaniko v1.28.3
   * `deploy/Dockerfile:82-84`). It resolves relative `--context` and `--dockerfile` against the directory it starts
   * in, the step's workspace, before anything else (`cmd/executor/cmd/root.go:220-225,540-565`).
   *
   * @param image a Kaniko `-debug` image (the plain executor image has no shell)
   */
  public static kaniko(image: Image): ImageBuilder {
    return new ImageBuilder(image, '/kaniko/executor', '/kaniko/.docker/config.json');
  }

  /** A maintained Kaniko fork, pinned: `ImageBuilder.kaniko(ImageBuilder.KANIKO_IMAGE)`. */
  public static readonly DEFAULT = ImageBuilder.kaniko(ImageBuilder.KANIKO_IMAGE);

  private constructor(
    /** The image the step runs. */
    public readonly image: Image,
    /** The executor's path in the image. */
    private readonly executor: string,
    /** Where the executor reads the Docker config JSON. */
    private readonly configPath: string,
  ) {}

  /**
   * The step's commands: write the Docker config from its variable, then build and push once with every tag.
   * Every argument is one shell word, quoted (`shellQuote`).
   *
   * @internal
   */
  public _commands(spec: ImageBuildSpec): string[] {
    const dir = this.configPath.replace(/\/[^/]*$/, '');
    return [
      `mkdir -p ${shellQuote(dir)}`,
      // printf, not echo: some shells' echo (dash's) interprets backslashes, which JSON may hold
      `printf '%s' "$${spec.dockerConfigVariable}" > ${shellQuote(this.configPath)}`,
      [
        shellQuote(this.executor),
        shellQuote(`--context=${spec.context}`),
        shellQuote(`--dockerfile=${spec.dockerfile}`),
        ...spec.tags.map((t) => t._destinationWord(spec.repository)),
      ].join(' '),
    ];
  }
}
