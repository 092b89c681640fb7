/*
 * The kubelet's choice of a login from a pod's pull secrets, ported from kubernetes/kubernetes v1.35.0, for tests of
 * the `.dockerconfigjson` documents Dockyard writes:
 * - pkg/util/parsers/parsers.go `ParseImageName`: the image is looked up as distribution/reference's
 *   `ParseNormalizedNamed` names it, without tag or digest: a bare `x` is `docker.io/library/x`, `acme/x` is
 *   `docker.io/acme/x`, and the legacy `index.docker.io` is `docker.io`, the case of the domain kept
 *   (distribution/reference normalize.go `splitDockerDomain`);
 * - pkg/credentialprovider/config.go `DockerConfigEntry.UnmarshalJSON`: a non-empty `auth` replaces `username` and
 *   `password`, decoded by `decodeDockerConfigFieldAuth` (base64, padded where it ends in "=", else unpadded), split at
 *   the FIRST ":" (`strings.SplitN(decoded, ":", 2)`), an error without one;
 * - pkg/credentialprovider/keyring.go `BasicDockerKeyring.Add`: a key without a scheme gets `https://`, and a path
 *   starting `/v1/` or `/v2/` counts as `/`, so `https://index.docker.io/v1/` is `index.docker.io`; `Lookup`: every key
 *   that `URLsMatchStr` the image (same port, as many host labels, the key's path a prefix of the image's, each label a
 *   `filepath.Match` glob), in reverse-sorted key order, and only where none does, the `index.docker.io` login for an
 *   image `isDefaultRegistryMatch` calls Docker Hub's (first segment `docker.io`, `index.docker.io`, or without "." or
 *   ":").
 */

/** A login as the kubelet hands it to the runtime. */
export interface KubeletLogin {
  readonly username: string;
  readonly password: string;
}

/** `ParseNormalizedNamed(image).Name()`: the repository the kubelet looks logins up by. */
export function kubeletImageName(image: string): string {
  const name = image.replace(/@.*$/, '').replace(/(\/[^/:]+):[^/]*$/, '$1').replace(/^([^/:]+):[^/]*$/, '$1');
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // a first segment with "." or ":", `localhost`, or an upper-case letter is a domain
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first === first.toLowerCase())) {
    return `docker.io/${slash < 0 ? `library/${name}` : name}`;
  }
  const domain = first === 'index.docker.io' ? 'docker.io' : first;
  const rest = name.slice(slash + 1);
  return `${domain}/${domain === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest}`;
}

/** `decodeDockerConfigFieldAuth`: the user name and password of an `auth` field; throws where Go returns an error. */
export function decodeAuth(field: string): KubeletLogin {
  const padded = field.trim().endsWith('=');
  const valid = padded ? /^[A-Za-z0-9+/]*={0,2}$/.test(field) && field.length % 4 === 0 : /^[A-Za-z0-9+/]*$/.test(field) && field.length % 4 !== 1;
  if (!valid) {
    throw new Error('illegal base64 data');
  }
  const decoded = Buffer.from(field, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw new Error('unable to parse auth field, must be formatted as base64(username:password)');
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `url.Parse("https://" + s)`'s host and path, as the keyring reads a key or an image name. */
function parseSchemeless(s: string): { host: string; path: string } {
  const slash = s.indexOf('/');
  return slash < 0 ? { host: s, path: '' } : { host: s.slice(0, slash), path: s.slice(slash) };
}

/** `splitURL`: the host's labels and the port ("" without one, as `net.SplitHostPort` fails then). */
function splitURL(host: string): { labels: string[]; port: string } {
  const bracketed = /^\[([^\]]*)\]:(\d*)$/.exec(host);
  const plain = /^([^:[\]]*):(\d*)$/.exec(host);
  const [name, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [host, ''];
  return { labels: name.split('.'), port };
}

/** `filepath.Match` for one host label: `*` and `?` as globs, other characters literal (keys here have no `[`). */
function globMatch(glob: string, label: string): boolean {
  if (glob.includes('[') || glob.includes('\\')) {
    throw new Error(`the port does not read character classes or escapes: ${glob}`);
  }
  const pattern = glob.replace(/[.+^${}()|]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 's').test(label);
}

/** `URLsMatchStr(key, image)`. */
export function urlsMatch(key: string, image: string): boolean {
  const glob = parseSchemeless(key);
  const target = parseSchemeless(image);
  const g = splitURL(glob.host);
  const t = splitURL(target.host);
  return g.port === t.port && g.labels.length === t.labels.length && target.path.startsWith(glob.path) &&
    g.labels.every((label, i) => globMatch(label, t.labels[i]));
}

/** `BasicDockerKeyring.Add`'s key for a `.dockerconfigjson` key. */
export function keyringKey(location: string): string {
  const parsed = parseSchemeless(location.replace(/^https?:\/\//, ''));
  const path = /^\/v[12]\//.test(parsed.path) ? parsed.path.slice(3) : parsed.path;
  return path.length > 0 && path !== '/' ? parsed.host + path : parsed.host;
}

/**
 * The logins the kubelet tries, in order, for `image` (as a pod spec names it) with the pull secrets `documents`
 * (each a `.dockerconfigjson`, in the order the pod lists them); none where it pulls without a login.
 */
export function kubeletLogins(documents: readonly string[], image: string): KubeletLogin[] {
  const creds = new Map<string, KubeletLogin[]>();
  for (const document of documents) {
    for (const [location, entry] of Object.entries<any>(JSON.parse(document).auths ?? {})) {
      const login = typeof entry.auth === 'string' && entry.auth !== ''
        ? decodeAuth(entry.auth)
        : { username: entry.username ?? '', password: entry.password ?? '' };
      const key = keyringKey(location);
      creds.set(key, [...(creds.get(key) ?? []), login]);
    }
  }
  const name = kubeletImageName(image);
  // reverse-sorted as Go sorts strings, by bytes
  const index = [...creds.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const matched = index.filter((k) => urlsMatch(k, name)).flatMap((k) => creds.get(k)!);
  if (matched.length > 0) {
    return matched;
  }
  const [first, ...rest] = name.split('/');
  const defaultRegistry = first !== '' && (rest.length === 0 || first === 'docker.io' || first === 'index.docker.io' || !/[.:]/.test(first));
  return defaultRegistry ? creds.get('index.docker.io') ?? [] : [];
}
