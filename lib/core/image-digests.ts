import * as fs from 'fs';
import { DIGEST, dockerHubHostCase, Image } from './image';
import { describePath, describeValue, invalid, invalidPath } from './validation';

/** A digest alone, as `Image.of` takes one in a reference. */
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`);

/** A reference as the digests are keyed by. */
const KEY_RULE = 'must be an image reference with a tag and without a digest, as Dockyard names the image before any relocation ' +
  '(a source `dockyard-images --pairs` lists after a synth relocated to a mirror), e.g. "docker.io/drone/drone:2.28.2"';
const DIGEST_RULE = 'must be a digest "sha256:" and 64 lower-case hex digits, as `crane digest` or `skopeo inspect --format {{.Digest}}` ' +
  'print it for the multi-platform image';

/**
 * The digests to pin images to, by the reference Dockyard names each image with before any relocation: with
 * `Images.pinDigests`, every container image (and every image a pod pulls besides, a build step's, a pipeline's) that
 * the digests name is pulled as `<reference>@<digest>`, wherever a relocation takes it. The kubelet then pulls exactly
 * those bytes: containerd's CRI plugin keeps only the digest of a reference with both (v2.3.4
 * `internal/cri/server/images/image_pull.go:153`, `ParseDockerRef`) and fetches `manifests/<digest>`
 * (`core/remotes/docker/resolver.go:248-262`), so a tag moved on the registry changes nothing.
 */
export class ImageDigests {
  /** From a map of references to digests, e.g. `{ 'docker.io/drone/drone:2.28.2': 'sha256:…' }`. */
  public static of(digests: Readonly<Record<string, string>>): ImageDigests {
    if (typeof digests !== 'object' || digests === null || Array.isArray(digests)) {
      invalid('digests', digests, 'must map image references to digests, e.g. { "docker.io/drone/drone:2.28.2": "sha256:…" }');
    }
    const out = new Map<string, string>();
    for (const reference of Object.keys(digests).sort()) {
      const image = keyImage(reference, (allowed) => invalid('digests', reference, allowed));
      const digest = digests[reference];
      if (typeof digest !== 'string' || !DIGEST_ONLY.test(digest)) {
        invalid('digests', { [reference]: digest }, `${describeValue(digest)} ${DIGEST_RULE}`);
      }
      add(out, image, digest, (allowed) => invalid('digests', reference, allowed));
    }
    return new ImageDigests(out);
  }

  /**
   * From a file of `<reference> <digest>` lines; blank lines and lines starting with `#` are skipped. For example,
   * from the sources of a synth relocated to a mirror (README, "Pinning images by digest"):
   * `dockyard-images --pairs dist | while read -r src dst; do echo "$src $(crane digest "$src")"; done > images.digests`.
   *
   * @param file the file's path
   * @param name what a refusal calls the file, before its path (e.g. the variable that names it)
   */
  public static fromFile(file: string, name: string = 'digests file'): ImageDigests {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      return invalidPath(name, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): it must be a file of ` +
        '"<reference> <digest>" lines');
    }
    const out = new Map<string, string>();
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\r$/, '').trim();
      if (line === '' || line.startsWith('#')) {
        return;
      }
      const where = `${describePath(file)} line ${i + 1}`;
      const fail = (allowed: string): never => invalid(`${name} ${where}`, line, allowed);
      const parts = line.split(/\s+/);
      if (parts.length !== 2) {
        fail('must be "<reference> <digest>", e.g. "docker.io/drone/drone:2.28.2 sha256:…"');
      }
      const image = keyImage(parts[0], fail);
      if (!DIGEST_ONLY.test(parts[1])) {
        fail(`${describeValue(parts[1])} ${DIGEST_RULE}`);
      }
      add(out, image, parts[1], fail);
    });
    return new ImageDigests(out, `${name} ${describePath(file)}`);
  }

  private constructor(
    private readonly digests: ReadonlyMap<string, string>,
    /**
     * Where the digests were read, as a refusal of an image they leave out names it: the variable or setting and the
     * file (`fromFile`), the one thing the user gave; undefined for `of`, whose caller holds them in code.
     *
     * @internal
     */
    public readonly _source?: string,
  ) {}

  /** The references with a digest, sorted. */
  public get references(): string[] {
    return [...this.digests.keys()].sort();
  }

  /** The digest of `image` (its tag's, before any relocation), if these name it. */
  public digestOf(image: Image): string | undefined {
    return this.digests.get(image.reference);
  }
}

/** `reference` as a key: a tagged reference without a digest, as `Image.of` normalizes it. */
function keyImage(reference: string, fail: (allowed: string) => never): Image {
  let image: Image | undefined;
  try {
    image = Image.of(reference);
  } catch {
    image = undefined;
  }
  if (image === undefined || image.digest !== undefined || image.tag === undefined) {
    // Docker Hub's host with capitals, which Image.of refuses, said as Image.of says it
    return fail(dockerHubHostCase(reference) ?? KEY_RULE);
  }
  return image;
}

/** Add `image`'s digest, refusing a second digest for the same image (spelled differently, say). */
function add(digests: Map<string, string>, image: Image, digest: string, fail: (allowed: string) => never): void {
  const other = digests.get(image.reference);
  if (other !== undefined && other !== digest) {
    fail(`names ${describeValue(image.reference)} twice, with two digests (${other} and ${digest}): an image has one`);
  }
  digests.set(image.reference, digest);
}
