import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ImageDigests } from './image-digests';
import type { ISecret } from './secret';
import { PullAccess } from './pull-access';
import { describeValue, invalid, PATH_COMPONENT_SOURCE, TAG_SOURCE, ValidationError } from './validation';
import { warnOnce } from './warn';
import { compare, fewOf } from './text';
import { readRegistryKey } from './registry-key';

const DOCKER_HUB = 'docker.io';

/** A digest as `Image.of` takes one (and the kubelet pulls by): sha256, in lower-case hex. */
export const DIGEST = 'sha256:[a-f0-9]{64}';

/**
 * Docker Hub's other host names, which `Image.of` spells `docker.io` so that a relocation (a Docker Hub proxy cache,
 * a mirror) matches every Docker Hub image. The docker CLI's normalisation maps the legacy `index.docker.io` to
 * `docker.io` (distribution/reference v0.6.0 normalize.go:20,31 `legacyDefaultDomain`, `defaultDomain`, and
 * :143-145). It keeps `registry-1.docker.io`, which the same file (:26) names as Docker Hub's real registry host:
 * the API host `docker.io` names are pulled from, serving the same repositories, so a name on it is a Docker Hub
 * name too, as `registryHost` and the pull-secret keys already read it.
 */
const DOCKER_HUB_ALIASES: readonly string[] = ['index.docker.io', 'registry-1.docker.io'];

/**
 * A registry host as `Image.of` spells it in an image's `registry`: Docker Hub's other host names as `docker.io`, any
 * other host as it is. What compares a host with images' registries (a proxy cache's upstream) spells it so too.
 */
export function canonicalRegistry(host: string): string {
  return DOCKER_HUB_ALIASES.includes(host) ? DOCKER_HUB : host;
}

/**
 * Whether `host` is one of Docker Hub's host names as written (lower case), by `canonicalRegistry`'s rule: what
 * `registryHost` and `normalizeRegistry` key Docker Hub's login by.
 *
 * @internal
 */
export function isDockerHub(host: string): boolean {
  return canonicalRegistry(host) === DOCKER_HUB;
}

/**
 * `Image.of(reference)`, or undefined where it refuses the reference: for a check of rendered objects, whose images
 * may be anything a user wrote.
 *
 * @internal
 */
export function imageOrUndefined(reference: string): Image | undefined {
  try {
    return Image.of(reference);
  } catch {
    return undefined;
  }
}

/**
 * What `reference` must be instead where it names one of Docker Hub's host names with capitals (`Docker.io/...`),
 * which `Image.of` refuses, as its refusal says it; undefined for any other reference. A check of a string the user
 * wrote that `Image.of` must parse (a workload of the user's own, a digests file's key) says it too, rather than
 * skip the reference or give its general rule.
 *
 * @internal
 */
export function dockerHubHostCase(reference: string): string | undefined {
  // the registry part is the first segment when it holds a "." (REFERENCE), as each of Docker Hub's names does
  const host = typeof reference === 'string' && reference.includes('/') ? reference.slice(0, reference.indexOf('/')) : '';
  const lower = host.toLowerCase();
  if (host === lower || !isDockerHub(lower)) {
    return undefined;
  }
  return `must name Docker Hub's host in lower case, as in ${describeValue(lower + reference.slice(host.length))}: the kubelet and containerd ` +
    `read ${describeValue(host)} as a registry of its own, not Docker Hub`;
}

/** What an image reference must be, as a refusal says it. */
const IMAGE_REFERENCE = 'must be an image reference such as "registry.example.com/team/app:1.2.3": a registry host of letters, digits, "-" ' +
  'and "." (or a bracketed IPv6 address) with an optional :port, and a name of at most 255 characters';

/**
 * An image reference: an optional registry, the repository path (components of `PATH_COMPONENT_SOURCE`), an optional
 * tag (`TAG_SOURCE`) and an optional digest.
 */
const REFERENCE = new RegExp(`^(?:([^/]+[.:][^/]*|localhost)/)?(${PATH_COMPONENT_SOURCE}(?:/${PATH_COMPONENT_SOURCE})*)(?::(${TAG_SOURCE}))?(?:@(${DIGEST}))?$`);

/** A registry as an image reference names it: `host[:port]` (github.com/distribution/reference `regexp.go`, the domain and port). */
const REGISTRY_DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

/**
 * A container image reference pinned to an explicit tag or digest.
 *
 * References are normalised to a full `registry/repository:tag` form: a bare Docker Hub name such as `postgres`
 * becomes `docker.io/library/postgres`, and Docker Hub's other host names, `index.docker.io` and
 * `registry-1.docker.io`, become `docker.io`, so the registry can later be swapped without guessing.
 */
export class Image {
  /**
   * Parse a reference such as `docker.io/drone/drone:2.26.0`, `postgres:17.6` or `ghcr.io/org/app@sha256:...`.
   *
   * @param reference the image reference; it must carry a tag other than `latest`, or a digest. Docker Hub's host
   *   names are taken in lower case only: `Docker.io` is a registry of its own to the kubelet and containerd
   */
  public static of(reference: string): Image {
    const match = REFERENCE.exec(reference ?? '');
    // the registry part as distribution/reference's grammar has it (regexp.go: domain components of letters, digits
    // and inner "-", or a bracketed IPv6 address, and an optional port): anything else the kubelet refuses as
    // InvalidImageName, a login ("user:pw@") included, which a committed pipeline file would then hold
    if (!match || (match[1] !== undefined && !REGISTRY_DOMAIN.test(match[1]))) {
      invalid('image', reference, IMAGE_REFERENCE);
    }
    // Docker Hub's names with capitals are another registry to the kubelet: distribution/reference keeps the domain's
    // case (v0.6.0 regexp.go:61, normalize.go:143-151: only the exact "index.docker.io" is read as docker.io, and
    // library/ is added only on docker.io, :162-167), and containerd sends only the exact "docker.io" to
    // registry-1.docker.io and looks up the node's mirrors under the host as written (containerd v2.3.4
    // core/remotes/docker/config/hosts.go:102-104, config_unix.go:25-37), so "Docker.io/..." would be pulled from
    // https://Docker.io/v2, past the nodes' docker.io mirrors
    const hostCase = dockerHubHostCase(reference);
    if (hostCase !== undefined) {
      invalid('image', reference, hostCase);
    }
    const registry = match[1] === undefined ? DOCKER_HUB : canonicalRegistry(match[1]);
    const path = match[2];
    // an official image's one-segment name is under library/ on Docker Hub, whichever host name spelled it
    // (normalize.go:162-167 adds it once the domain is docker.io)
    const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
    // a name of at most 255 characters (NameTotalLengthMax), measured as the kubelet normalizes it
    // (ParseNormalizedNamed adds docker.io/library/ before the check)
    if (`${registry}/${repository}`.length > 255) {
      invalid('image', reference, IMAGE_REFERENCE);
    }
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

  /** The same image pinned to `digest` (`sha256:…`), its tag kept. */
  public withDigest(digest: string): Image {
    return new Image(this.registry, this.repository, this.tag, digest);
  }

  /**
   * The same repository, tag and digest in another registry (a host, optionally with a path prefix). A name the
   * prefix makes longer than 255 characters is refused, naming this image, as the kubelet would refuse it.
   */
  public withRegistry(registry: string): Image {
    const name = `${registry}/${this.repository}`;
    if (name.length > 255) {
      invalid('image', this.reference, `cannot be relocated to ${registry}: the name would be ${name.length} characters, and a name is at most 255 ` +
        '(distribution/reference NameTotalLengthMax); relocate it to a shorter registry path');
    }
    return new Image(registry, this.repository, this.tag, this.digest);
  }

  /** The reference, e.g. `docker.io/library/postgres:17.9-bookworm`. */
  public toString(): string {
    return this.reference;
  }
}

/** Where images are pulled from instead of their own registries: a mirror, a proxy cache, or upstream. */
export interface IImageRelocation {
  /**
   * The image to pull instead of `image`. A mirror returns an image already on it as it is (`ImageRelocation.registry`
   * leaves those under its prefix): relocated again, it would name a path the mirror does not hold.
   */
  relocate(image: Image): Image;
  /**
   * Whether relocated images must be copied to their destination before anything can pull them (a mirror, as
   * opposed to a pull-through proxy cache). Synth then lists every image it relocated, as `<source> <destination>`
   * lines, in `images.pairs.txt` (what `dockyard-images --pairs` prints).
   *
   * @default false
   */
  readonly mirror?: boolean | undefined;
  /**
   * Whether `image` is on the mirror already, which `relocate` leaves as it is, for a mirror relocation: its pods pull
   * it from the mirror all the same, with the mirror's login.
   *
   * @default - no image is: one `relocate` leaves as it is stays on its own registry
   */
  holds?(image: Image): boolean;
}

/** Options of `Images.usePullSecret`. */
export interface PullSecretUseOptions {
  /**
   * Whether the Secret is the app-wide pull secret of its registries: a Dockyard pod pulling from one of them, in a
   * namespace that lists no pull secret for that registry (`Images.usePullSecretIn`), gets it. At most one pull
   * secret per registry is app-wide; one that is not applies only in the namespaces it is listed in.
   *
   * @default true
   */
  readonly appWide?: boolean;
}

/** A registry host that images below a scope must never be pulled from: a registry cannot pull itself from itself. */
interface Guard {
  readonly host: string;
  readonly reason: string;
}

/** A pull secret as `Images.usePullSecret` registered it: where it applies, and for which registries. */
interface PullSecretUse {
  readonly secret: ISecret;
  /** The registry hosts it holds a login for, as a kubelet matches them (`registryHost`). */
  readonly hosts: Set<string>;
  readonly appWide: boolean;
  /** The namespaces it was listed in with `usePullSecretIn`, where it outranks the app-wide one. */
  readonly namespaces: Set<string>;
}

/** One relocation set on a scope, in the order the calls were made. */
interface Relocation {
  readonly scope: IConstruct;
  readonly relocation: IImageRelocation;
  readonly override: boolean;
  readonly order: number;
}

/**
 * The annotation of a workload whose pods pull more than their containers' images (build pods' images, a scanner's
 * databases): comma-separated references, which `dockyard-images` lists and copies like the containers' images.
 */
export const IMAGES_ANNOTATION = 'dockyard.dev/images';

/** The file, beside the manifests, of the images relocated to a mirror: `<source> <destination>` lines. */
export const IMAGE_PAIRS_FILE = 'images.pairs.txt';

/** Digests pinned on a scope (`Images.pinDigests`), and which of them synth used. */
interface Pin {
  readonly scope: IConstruct;
  readonly digests: ImageDigests;
  readonly requireAll: boolean;
  readonly used: Set<string>;
}

/** Options of `Images.annotation`. */
export interface AnnotationOptions {
  /**
   * The images of the list to pull by tag, whatever digests are pinned (`ResolveOptions.byTag`).
   *
   * @default - none: every image as `Images.resolve` gives it
   */
  readonly byTag?: readonly Image[];
}

/** Options of `Images.resolve`. */
export interface ResolveOptions {
  /**
   * Pull by tag, whatever digests are pinned (`Images.pinDigests`): for an artifact meant to be read at its tag's
   * latest, such as Trivy's vulnerability databases, rebuilt every few hours under the same tag.
   *
   * @default false
   */
  readonly byTag?: boolean;
}

/** Options of `Images.pinDigests`. */
export interface PinDigestsOptions {
  /**
   * Refuse, at synth, an image below the scope that the digests do not name and that carries no digest of its own:
   * every image is then pulled by digest, and an upgrade that brings a new image fails until its digest is added.
   *
   * @default false
   */
  readonly requireAll?: boolean;
}

let calls = 0;
/** Per scope: the digests pinned there. */
const pins = new WeakMap<IConstruct, Pin>();
/** Per root: every scope's pinned digests, for the warning of those no image used. */
const pinsByRoot = new WeakMap<IConstruct, Pin[]>();
const relocations = new WeakMap<IConstruct, Relocation>();
const overrides = new WeakMap<IConstruct, Relocation>();
const guards = new WeakMap<IConstruct, Guard[]>();
/**
 * Every pull secret registered with `Images.usePullSecret` below one app root, indexed so that a thousand teams'
 * pull secrets are looked up in constant time: by Secret, by registry and namespace where listed, by registry
 * where app-wide, and by namespace and name.
 */
class PullSecretIndex {
  public readonly uses: PullSecretUse[] = [];
  public readonly bySecret = new Map<ISecret, PullSecretUse>();
  public readonly listed = new Map<string, PullSecretUse>();
  public readonly appWide = new Map<string, PullSecretUse>();
  public readonly named = new Map<string, PullSecretUse>();

  public static of(scope: IConstruct): PullSecretIndex {
    const root = scope.node.root;
    const index = pullSecrets.get(root) ?? new PullSecretIndex();
    pullSecrets.set(root, index);
    return index;
  }
}

const inNamespace = (host: string, namespace: string) => `${host}\n${namespace}`;

/** Per root: the pull secrets registered with `Images.usePullSecret`. */
const pullSecrets = new WeakMap<IConstruct, PullSecretIndex>();
/**
 * Per root: the source copied to each mirror destination, which holds one image; each entry is a line of
 * `images.pairs.txt` (one source relocated to two mirrors, in two subtrees, is two).
 */
const copiedTo = new WeakMap<IConstruct, Map<string, string>>();
/** The app roots that set a mirror relocation: their synth writes `images.pairs.txt`, even when empty. */
const mirrored = new WeakSet<IConstruct>();

/**
 * The host part a kubelet matches pull secrets by: Docker Hub's many names become `index.docker.io`; the case is kept,
 * for the kubelet compares host labels as written (kubernetes v1.35.0 pkg/credentialprovider/keyring.go `URLsMatch`,
 * `filepath.Match` per label), so a login keyed `harbor.example.com`, as every key Dockyard writes is lower-case, never
 * serves an image named `Harbor.example.com/...`, though both reach the one registry.
 */
export function registryHost(registryOrKey: string): string {
  const host = readRegistryKey(registryOrKey).host;
  return isDockerHub(host) ? 'index.docker.io' : host;
}

/**
 * A registry host as the relocation guards compare it (`Images.protect`): `registryHost` in lower case, without an
 * explicit `:443`, https's default port, so that `Harbor.example.com:443/library` is Harbor at `harbor.example.com`.
 * Only the guards compare so: pull secrets keep `registryHost`'s spelling, the case and port as written.
 */
function guardedHost(registryOrHost: string): string {
  // one host however it is spelled: DNS names are case-insensitive
  return registryHost(registryOrHost.toLowerCase()).replace(/:443$/, '');
}

/**
 * Whether two registries (`host[:port][/path]`, or a bare host) are on one host as the relocation guards of
 * `Images.protect` tell: the same `registryHost` in lower case, an explicit `:443` dropped. A setting can refuse early, naming
 * itself, what a guard would refuse at synth (a mirror on Harbor's own host, say).
 */
export function sameRegistryHost(a: string, b: string): boolean {
  return guardedHost(a) === guardedHost(b);
}

/** A relocation as warnings name it: its `toString()` (e.g. `ImageRelocation.registry("…")`), if it has its own. */
function describe(relocation: IImageRelocation): string {
  const text = typeof relocation.toString === 'function' && relocation.toString !== Object.prototype.toString ? String(relocation) : '';
  return text || 'a custom IImageRelocation';
}

function scopeName(scope: IConstruct): string {
  return scope.node.path === '' ? 'the app root' : `"${scope.node.path}"`;
}

function call(entry: Relocation): string {
  return `Images.${entry.override ? 'relocateAll' : 'relocate'}(${scopeName(entry.scope)}, ${describe(entry.relocation)})`;
}

/** A Secret as pull-secret errors name it: `"<namespace>/<name>"`. */
function describeSecret(secret: ISecret): string {
  return describeValue(`${secret.namespace}/${secret.secretName}`);
}

/** Refuse listing `secret` in `namespace` when another pull secret for `host` is listed there already. */
function checkListed(index: PullSecretIndex, secret: ISecret, host: string, namespace: string): void {
  const other = index.listed.get(inNamespace(host, namespace));
  if (other && other.secret !== secret) {
    invalid('namespaces', namespace, `must list one pull secret per registry: ${describeSecret(other.secret)} and ${describeSecret(secret)} ` +
      `would both apply to registry ${describeValue(host)} in namespace ${describeValue(namespace)}`);
  }
}

/**
 * Refuse `use`, chosen in `namespace` for `host`, when it also holds a login for a registry where another pull
 * secret applies there: it is copied whole, so the namespace would hold two logins for that registry.
 */
function checkWhole(index: PullSecretIndex, use: PullSecretUse, host: string, namespace: string, scope: IConstruct): void {
  for (const other of [...use.hosts].sort()) {
    const applies = index.listed.get(inNamespace(other, namespace)) ?? index.appWide.get(other);
    if (applies && applies !== use) {
      throw new ValidationError(`invalid pull secrets of namespace ${describeValue(namespace)}: a pod of ${scopeName(scope)} pulls from ` +
        `${describeValue(host)} with ${describeSecret(use.secret)}, which also holds a login for registry ${describeValue(other)}, where ` +
        `${describeSecret(applies.secret)} applies in that namespace; give the login for ${describeValue(host)} a PullSecret of its own`);
    }
  }
}

/**
 * Refuse images on `host` where a pull secret applies in `namespace` to the host in lower case but none to `host`
 * itself: the kubelet compares a login's host with the image's label by label, case-sensitively (kubernetes v1.35.0
 * pkg/credentialprovider/keyring.go `URLsMatch`, `filepath.Match`), and every key a `PullSecret` writes is lower-case
 * (`normalizeRegistry`), so the pod would pull without the login the app holds for that registry and fail only at
 * the kubelet. The host in lower case reaches the same registry (DNS names are case-insensitive).
 */
function checkHostCase(index: PullSecretIndex, host: string, namespace: string, images: readonly Image[]): void {
  const lower = registryHost(host.toLowerCase());
  const use = lower === host ? undefined : index.listed.get(inNamespace(lower, namespace)) ?? index.appWide.get(lower);
  if (use) {
    const image = images.find((i) => registryHost(i.registry) === host)!;
    invalid('image', image.reference, `must name its registry host in lower case, as the login of pull secret ${describeSecret(use.secret)} ` +
      `for ${describeValue(lower)} is keyed: the kubelet matches a login's host case-sensitively, so the pod would pull without it`);
  }
}

/**
 * The digest `image`, defined at `scope` (whose scopes are `path`), is pinned to by the nearest `Images.pinDigests`:
 * none for an image with a digest of its own, one pulled `byTag` (whose digest counts as used), or one the digests do not
 * name, which a `rendering` call refuses with `requireAll` (and only a rendering call counts a digest as used).
 */
function pinnedDigest(scope: IConstruct, path: readonly IConstruct[], image: Image, rendering: boolean, byTag: boolean): string | undefined {
  if (image.digest !== undefined) {
    return undefined;
  }
  let pin: Pin | undefined;
  for (let i = path.length - 1; i >= 0 && pin === undefined; i--) {
    pin = pins.get(path[i]);
  }
  if (pin === undefined) {
    return undefined;
  }
  const digest = pin.digests.digestOf(image);
  if (byTag) {
    // pulled by tag on purpose: a digest for it is no stale line
    if (digest !== undefined && rendering) pin.used.add(image.reference);
    return undefined;
  }
  // only what is rendered counts as used: a check's look (`_peek`) at a workload that pulls by tag does not
  if (digest !== undefined && rendering) {
    pin.used.add(image.reference);
  } else if (digest === undefined && rendering && pin.requireAll) {
    throw new ValidationError(`invalid image ${image.reference} for ${scope.node.path}: it has no digest in the image digests` +
      `${pin.digests._source === undefined ? '' : ` of ${pin.digests._source}`} pinned on ` +
      `${scopeName(pin.scope)} with requireAll; add a line "${image.reference} sha256:…" (\`crane digest ${image.reference}\`)`);
  }
  return digest;
}

/** The relocation that applies to `image` defined at `scope`, the relocations it shadows, and the image it makes. */
function relocationOf(scope: IConstruct, image: Image): { path: IConstruct[]; winner?: Relocation; shadowed: Relocation[]; resolved: Image } {
  const path = [...scope.node.scopes];
  const outermost = path.filter((s) => overrides.has(s)).map((s) => overrides.get(s)!);
  const nearest = [...path].reverse().filter((s) => relocations.has(s)).map((s) => relocations.get(s)!);
  let winner: Relocation | undefined;
  let shadowed: Relocation[] = [];
  if (outermost.length > 0) {
    // relocateAll overrides the plain relocations set before it on purpose; another relocateAll below it, or a
    // plain relocation set after it, is shadowed
    [winner, ...shadowed] = outermost;
    shadowed = [...shadowed, ...nearest.filter((s) => s.order > winner!.order)];
  } else if (nearest.length > 0) {
    // nearest wins: exemptions set after the relocation above them are the design, later relocations above are not
    [winner, ...shadowed] = nearest;
    shadowed = shadowed.filter((s) => s.order > winner!.order);
  }
  // a mirror leaves an image on a registry of the app's own (a Harbor it declares, which the nodes reach and CI pushes
  // to: a copy on the mirror would be one moment's, and a tag pushed again never seen), as the warning of unrelocated
  // images counts them; asked first, as the name the mirror would give it may be one it refuses
  const own = winner?.relocation.mirror === true && PullAccess.declaresRegistry(scope, image.registry);
  const resolved = winner && !own ? winner.relocation.relocate(image) : image;
  return { path, winner, shadowed, resolved };
}

/**
 * The single hook that decides where images are pulled from, and which pull secret a pod needs for them.
 *
 * A relocation set on a scope applies, at synth time, to every container image of every Dockyard construct below
 * it: with `relocate`, the nearest scope's relocation wins, so a subtree can be exempted from a relocation set
 * above it; with `relocateAll`, the relocation overrides every relocation set at or below its scope, the stacks'
 * own included. A relocation that another shadows or overwrites, where they disagree about an image, is reported
 * on stderr at synth. A pod gets, for each registry its images come from, the pull secret that applies to that
 * registry in its namespace (`pullSecretsFor`), copied into the namespace, as an image pull secret.
 */
export class Images {
  /**
   * Pull every image below `scope` as `relocation` says, unless a relocation set on a scope nearer the image, or
   * `relocateAll` on any scope above it, says otherwise. Setting one on a scope replaces the one set there before.
   *
   * A relocation set after one on a scope below (e.g. on the app after building a stack that relocates its own
   * chart) is shadowed there: synth warns, once per pair, naming the scope and both relocations.
   */
  public static relocate(scope: IConstruct, relocation: IImageRelocation): void {
    Images.set(relocations, { scope, relocation, override: false, order: ++calls });
  }

  /**
   * Pull every image below `scope` as `relocation` says, overriding every relocation set at or below `scope` with
   * `relocate` (e.g. a stack's own proxy-cache relocation and its exemptions for Harbor and its data services).
   * The one call that moves a whole app to an air-gap mirror:
   * `Images.relocateAll(app, ImageRelocation.registry('registry.example.com/mirror'))`.
   *
   * If `relocateAll` is set on several scopes above an image, the outermost wins and synth warns. Guards still
   * apply: a relocation that makes Harbor pull its own images through itself is refused.
   */
  public static relocateAll(scope: IConstruct, relocation: IImageRelocation): void {
    Images.set(overrides, { scope, relocation, override: true, order: ++calls });
  }

  /**
   * Refuse any relocation that makes an image below `scope` come from `host`, e.g. Harbor's own images and its
   * data services' through Harbor.
   *
   * @param reason who `host` is, for the error
   */
  public static protect(scope: IConstruct, host: string, reason: string): void {
    guards.set(scope, [...(guards.get(scope) ?? []), { host: guardedHost(host), reason }]);
  }

  /**
   * Pull every image below `scope` that `digests` name by its digest, wherever a relocation takes it: the image
   * becomes `<reference>@<digest>`, its tag kept for people to read, and with a mirror relocation the pairs copy the
   * source at that digest (`<source>@<digest> <destination>`). Digests are keyed by the reference Dockyard names the
   * image with, before any relocation, so one file serves every mirror. An image that carries a digest of its own
   * keeps it. The nearest scope's digests apply; setting them on a scope again replaces them. Synth warns of digests
   * no image used (an older version's images, say), and with `requireAll` refuses an image they do not name.
   */
  public static pinDigests(scope: IConstruct, digests: ImageDigests, options: PinDigestsOptions = {}): void {
    const root = scope.node.root;
    const pin: Pin = { scope, digests, requireAll: options.requireAll ?? false, used: new Set() };
    const previous = pins.get(scope);
    pins.set(scope, pin);
    const list = (pinsByRoot.get(root) ?? []).filter((p) => p !== previous);
    pinsByRoot.set(root, [...list, pin]);
  }

  /**
   * Warn of each scope's pinned digests that no image below it used. Synth calls it once every manifest and output
   * file is resolved.
   *
   * @internal
   */
  public static _warnUnusedDigests(root: IConstruct): void {
    for (const pin of pinsByRoot.get(root) ?? []) {
      const unused = pin.digests.references.filter((r) => !pin.used.has(r));
      if (unused.length > 0) {
        const shown = fewOf(unused);
        warnOnce(root, `image digests pinned on ${scopeName(pin.scope)} name ${unused.length} image${unused.length === 1 ? '' : 's'} nothing ` +
          `below it pulls: ${shown}; remove them (an older version's images?), or check their references against \`dockyard-images\``);
      }
    }
  }

  /** The image that a container defined at `scope` really pulls. */
  public static resolve(scope: IConstruct, image: Image, options: ResolveOptions = {}): Image {
    const { path, winner, shadowed, resolved: relocated } = relocationOf(scope, image);
    const digest = pinnedDigest(scope, path, image, true, options.byTag ?? false);
    const resolved = digest === undefined ? relocated : relocated.withDigest(digest);
    const root = scope.node.root;
    for (const s of shadowed) {
      const instead = s.relocation.relocate(image);
      if (instead.reference !== resolved.reference) {
        warnOnce(root, `image relocation ${call(s)} is shadowed below ${scopeName(winner!.scope)} by ${call(winner!)} ` +
          `(e.g. ${image.reference} becomes ${resolved.reference}, not ${instead.reference}); ` +
          'use Images.relocateAll to override the relocations below a scope', `${call(s)} ${s.order} ${call(winner!)} ${winner!.order}`);
      }
    }
    for (const guard of path.flatMap((s) => guards.get(s) ?? [])) {
      if (guardedHost(resolved.registry) === guard.host) {
        throw new ValidationError(`invalid relocation of ${image.reference} to ${resolved.reference} for ${scope.node.path}: ` +
          `${guard.reason}; relocate it with ImageRelocation.upstream() or to a pre-mirrored registry on another host` +
          `${winner?.override ? ` (${call(winner)} overrides any relocation below it)` : ''}`);
      }
    }
    if (winner?.relocation.mirror && relocated.reference !== image.reference) {
      // a source at its digest (pinned, or its own) without its tag, which skopeo refuses beside a digest, copied to
      // the destination's tag: the copy keeps the digest, which the pods pull by
      const at = digest ?? image.digest;
      const [source, destination] = at === undefined || image.tag === undefined ? [image.reference, relocated.reference]
        : [`${image.registry}/${image.repository}@${at}`, `${relocated.registry}/${relocated.repository}:${relocated.tag ?? image.tag}`];
      // two images copied to one reference: the second copy replaces the first, and pods that meant the first pull
      // the second (the same repository and tag on two registries, or one image pinned to two digests)
      const copies = copiedTo.get(root) ?? new Map<string, string>();
      const other = copies.get(destination);
      if (other !== undefined && other !== source) {
        throw new ValidationError(`invalid relocation of ${source} to ${destination} for ${scope.node.path}: ${other} is copied there too, ` +
          'and a mirror holds one image per reference; relocate one of them to another mirror path, or pin both to one digest');
      }
      copies.set(destination, source);
      copiedTo.set(root, copies);
    }
    return resolved;
  }

  /**
   * The image that a container defined at `scope` really pulls, as `resolve` tells, but reporting nothing: no
   * warning of a shadowed relocation, no pair for `images.pairs.txt`, no guard (`resolve` does those when the
   * manifests are rendered). For a check at synth that must not change what synth reports, nor its order.
   *
   * @internal
   */
  public static _peek(scope: IConstruct, image: Image): Image {
    const { path, resolved } = relocationOf(scope, image);
    const digest = pinnedDigest(scope, path, image, false, false);
    return digest === undefined ? resolved : resolved.withDigest(digest);
  }

  /**
   * Whether `image`, as a container defined at `scope` pulls it, is on a mirror: a mirror relocation
   * (`IImageRelocation.mirror`) moved it there, or holds it there already (`IImageRelocation.holds`). An image a
   * mirror relocation leaves on its own registry is not.
   *
   * @internal
   */
  public static _onMirror(scope: IConstruct, image: Image): boolean {
    const { winner, resolved } = relocationOf(scope, image);
    const relocation = winner?.relocation;
    return relocation?.mirror === true && (resolved.reference !== image.reference || relocation.holds?.(image) === true);
  }

  /**
   * The `dockyard.dev/images` annotation (`IMAGES_ANNOTATION`) of a workload whose pods pull `images` besides their
   * containers' images, resolved at synth like `scope`'s own images: `dockyard-images` then lists them, and with a
   * mirror relocation `images.pairs.txt` holds them for copying.
   */
  public static annotation(scope: IConstruct, images: readonly Image[], options: AnnotationOptions = {}): Record<string, string> {
    const byTag = new Set(options.byTag ?? []);
    return { [IMAGES_ANNOTATION]: Lazy.any({ produce: () => images.map((i) => Images.resolve(scope, i, { byTag: byTag.has(i) }).reference).join(',') }) };
  }

  /**
   * The images relocated to a mirror so far below `scope`'s root, as sorted `<source> <destination>` lines: what
   * synth writes to `images.pairs.txt` once every manifest and output file is resolved.
   */
  public static relocatedPairs(scope: IConstruct): string[] {
    return [...(copiedTo.get(scope.node.root) ?? [])].map(([destination, source]) => `${source} ${destination}`).sort(compare);
  }

  /** Whether a mirror relocation (`ImageRelocation.registry`) is set anywhere below `scope`'s root. */
  public static mirrored(scope: IConstruct): boolean {
    return mirrored.has(scope.node.root);
  }

  /**
   * Register `secret` as a pull secret of `registries` for the pods below the app's root. Which pull secret a pod
   * gets is decided per registry of its images and per namespace (see `pullSecretsFor`): the one listed in the
   * pod's namespace with `usePullSecretIn`, else the app-wide one (`options.appWide`, the default), else none.
   * Two app-wide pull secrets for one registry are refused: both would apply in every namespace that lists neither.
   * Registering the same Secret again adds registries to it.
   */
  public static usePullSecret(scope: IConstruct, registries: string[], secret: ISecret, options: PullSecretUseOptions = {}): void {
    const index = PullSecretIndex.of(scope);
    const appWide = options.appWide ?? true;
    let use = index.bySecret.get(secret);
    if (use && use.appWide !== appWide) {
      invalid('appWide', appWide, `must stay ${use.appWide} for pull secret ${describeSecret(secret)}, as it was registered first`);
    }
    const hosts = registries.map(registryHost);
    for (const host of hosts) {
      const other = appWide ? index.appWide.get(host) : undefined;
      if (other && other.secret !== secret) {
        invalid('appWide', true, `must be false for all but one pull secret per registry: ${describeSecret(other.secret)} and ` +
          `${describeSecret(secret)} would both apply to registry ${describeValue(host)} in every namespace that lists neither`);
      }
      for (const namespace of use?.namespaces ?? []) {
        checkListed(index, secret, host, namespace);
      }
    }
    if (!use) {
      use = { secret, hosts: new Set(), appWide, namespaces: new Set() };
      index.uses.push(use);
      index.bySecret.set(secret, use);
    }
    for (const host of hosts) {
      use.hosts.add(host);
      if (appWide) index.appWide.set(host, use);
      use.namespaces.forEach((namespace) => index.listed.set(inNamespace(host, namespace), use!));
    }
  }

  /**
   * List `secret`, registered with `usePullSecret`, in `namespace`: there it is the pull secret of its registries,
   * ahead of the app-wide one. Two pull secrets listed in one namespace for one registry are refused, for a
   * kubelet tries every login that matches an image (pkg/credentialprovider/keyring.go) and a pod would silently
   * pull with whichever works.
   */
  public static usePullSecretIn(scope: IConstruct, secret: ISecret, namespace: string): void {
    const index = PullSecretIndex.of(scope);
    const use = index.bySecret.get(secret);
    if (!use) {
      throw new ValidationError(`invalid pull secret ${describeSecret(secret)}: register it with Images.usePullSecret before listing it in a namespace`);
    }
    for (const host of use.hosts) {
      checkListed(index, secret, host, namespace);
    }
    const clash = index.named.get(`${namespace}\n${secret.secretName}`);
    if (clash && clash.secret !== secret) {
      invalid('namespaces', namespace, `must not list two pull secrets of one name: ${describeSecret(clash.secret)} and ` +
        `${describeSecret(secret)} would both be copied into namespace ${describeValue(namespace)} as ${describeValue(secret.secretName)}`);
    }
    use.namespaces.add(namespace);
    use.hosts.forEach((host) => index.listed.set(inNamespace(host, namespace), use));
    index.named.set(`${namespace}\n${secret.secretName}`, use);
  }

  /**
   * The pull secrets a pod in `namespace` needs for `images` (as they resolve), shared into `namespace`, sorted by
   * name. For each registry of the images, the pull secret listed in `namespace` for it, else its app-wide pull
   * secret, else none: a pull secret never reaches a pod that pulls from none of its registries. A kubelet unions
   * the logins of every pull secret a pod names (pkg/credentialprovider/secrets/secrets.go), so one per registry
   * suffices; the ServiceAccount admission plugin adds the account's own only to pods that name none
   * (plugin/pkg/admission/serviceaccount/admission.go), so a pod's list must be complete.
   *
   * A chosen pull secret is copied whole, so one that also holds a login for a registry where another pull secret
   * applies in `namespace` is refused: it would bring a second login for that registry (say the platform's Harbor
   * robot into a team's namespace, beside the team's own), which the kubelet would try too.
   */
  public static pullSecretsFor(scope: IConstruct, namespace: string, images: Image[]): ISecret[] {
    const index = PullSecretIndex.of(scope);
    const byName = new Map<string, ISecret>();
    for (const host of [...new Set(images.map((i) => registryHost(i.registry)))].sort()) {
      const use = index.listed.get(inNamespace(host, namespace)) ?? index.appWide.get(host);
      if (!use) {
        checkHostCase(index, host, namespace, images);
      }
      const same = use && byName.get(use.secret.secretName);
      if (use && same && same !== use.secret) {
        throw new ValidationError(`invalid pull secrets of namespace ${describeValue(namespace)}: a pod of ${scopeName(scope)} needs both ` +
          `${describeSecret(same)} and ${describeSecret(use.secret)}, which would be copied there as ${describeValue(same.secretName)}; give them different names`);
      }
      if (use) {
        checkWhole(index, use, host, namespace, scope);
        byName.set(use.secret.secretName, use.secret);
      }
    }
    const secrets = [...byName.values()].sort((a, b) => (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0));
    secrets.forEach((s) => s.shareWith(namespace));
    return secrets;
  }

  /**
   * Refuse a list of pull secrets that holds two logins for one registry, by the registries each was registered for
   * with `usePullSecret` (one not registered is not known, and not checked): a ServiceAccount's list becomes the
   * list of every pod that names none (kubernetes/kubernetes plugin/pkg/admission/serviceaccount/admission.go), and
   * a kubelet looks up every login that matches an image (pkg/credentialprovider/keyring.go, `Lookup`) and tries
   * each in turn (pkg/kubelet/kuberuntime/kuberuntime_image.go, `PullImage`), so a pod would silently pull with
   * whichever works.
   *
   * @param prop the prop the list was given under, for the message
   * @internal
   */
  public static _checkOneLoginPerRegistry(scope: IConstruct, prop: string, secrets: readonly ISecret[]): void {
    const index = PullSecretIndex.of(scope);
    const byHost = new Map<string, ISecret>();
    for (const secret of secrets) {
      for (const host of [...(index.bySecret.get(secret)?.hosts ?? [])].sort()) {
        const other = byHost.get(host);
        if (other !== undefined && other !== secret) {
          invalid(prop, secrets.map((s) => s.secretName), `must hold one login per registry: ${describeSecret(other)} and ${describeSecret(secret)} ` +
            `both log in to ${describeValue(host)}, and a kubelet tries both`);
        }
        byHost.set(host, secret);
      }
    }
  }

  /**
   * A pull secret registered with `usePullSecret` below the app's root that holds a login to `host` (compared as
   * `registryHost` gives it), if any: the app logs in to that registry.
   *
   * @internal
   */
  public static _loginTo(scope: IConstruct, host: string): ISecret | undefined {
    const wanted = registryHost(host);
    return PullSecretIndex.of(scope).uses.find((u) => u.hosts.has(wanted))?.secret;
  }

  /**
   * The pull secret listed in `namespace` (`usePullSecretIn`) under the name `name`, if any: the Secret a
   * ServiceAccount there that names `name` pulls with. One lookup; `usePullSecretIn` refuses two of one name there.
   *
   * @internal
   */
  public static _listedNamed(scope: IConstruct, namespace: string, name: string): ISecret | undefined {
    return PullSecretIndex.of(scope).named.get(`${namespace}\n${name}`)?.secret;
  }

  /**
   * The app-wide pull secret, if any, for an image pulled by a pod defined at `scope`, or with `namespace` the one
   * that applies there (not shared into it).
   *
   * @deprecated use `pullSecretsFor`, which knows the pod's namespace. Without `namespace` this fails when a pull
   * secret for the image's registry is listed in some namespace, for then the namespace decides.
   */
  public static pullSecretFor(scope: IConstruct, image: Image, namespace?: string): ISecret | undefined {
    const host = registryHost(image.registry);
    const uses = PullSecretIndex.of(scope).uses.filter((u) => u.hosts.has(host));
    const appWide = uses.find((u) => u.appWide);
    if (namespace !== undefined) {
      return (uses.find((u) => u.namespaces.has(namespace)) ?? appWide)?.secret;
    }
    const listed = uses.filter((u) => u !== appWide && u.namespaces.size > 0);
    if (listed.length > 0) {
      throw new ValidationError(`invalid pull secret lookup for ${image.reference} by ${scopeName(scope)}: registry ${describeValue(host)} has ` +
        `pull secrets for particular namespaces (${listed.map((u) => describeSecret(u.secret)).join(', ')}), so the pod's namespace decides; ` +
        'use Images.pullSecretsFor(scope, namespace, images)');
    }
    return appWide?.secret;
  }

  private static set(slots: WeakMap<IConstruct, Relocation>, entry: Relocation): void {
    const previous = slots.get(entry.scope);
    const same = previous !== undefined && (previous.relocation === entry.relocation ||
      (describe(entry.relocation) !== 'a custom IImageRelocation' && describe(previous.relocation) === describe(entry.relocation)));
    if (previous && !same) {
      warnOnce(entry.scope.node.root, `image relocation ${call(previous)} is overwritten by ${call(entry)}; ` +
        'only the last relocation set on a scope applies');
    }
    if (!same) {
      // setting the same relocation again changes nothing, not even its place in the order
      slots.set(entry.scope, entry);
    }
    if (entry.relocation.mirror) {
      // synthesize writes the list of images to copy to the mirror once everything is resolved
      mirrored.add(entry.scope.node.root);
    }
  }

  private constructor() {}
}
