/*
 * Where a node's container runtime fetches an image's manifest from, and with which login, given the node files
 * `NodeMirrorFiles` writes: ports of the upstream matchers, for tests that follow a pod's image through them.
 *
 * containerd (v2.3.4), for `nodes/containerd/certs.d/<registry>/hosts.toml` and `conf.d/dockyard-mirror-auth.toml`:
 * - the CRI plugin pulls `reference.ParseDockerRef(image)` (vendor/github.com/distribution/reference/normalize.go:107-121:
 *   `nginx` is `docker.io/library/nginx:latest`, a tag beside a digest is dropped);
 * - core/remotes/docker/config/config_unix.go `hostPaths`: the host's directory is `<host>_<port>_`, else `<host>`,
 *   else `_default`, the first that exists (hosts.go `HostDirFromRoot`);
 * - hosts.go `loadHostDir`/`parseHostsFile`: the `[host."…"]` tables in file order (`getSortedHosts`), then `server`
 *   last; `parseHostConfig`: `https://` is prepended unless the name starts with "http", the path is cleaned and gets
 *   `/v2` unless it ends in `/v2` or `override_path` is set; no `capabilities` means all of them;
 * - hosts.go `ConfigureHosts`: a last host with no name (no `server`, or no hosts.toml at all) is the registry
 *   itself, Docker Hub's being `https://registry-1.docker.io`, at `/v2`;
 * - resolver.go `dockerBase.request` (:550-572): the URL path is `path.Join("/", host.Path, repository, "manifests",
 *   object)`, the repository being the locator without its host; `addNamespace` (:609-616) and registry.go
 *   `isProxy` (:85-92) add `?ns=<registry>` on every host but the registry's own;
 * - hosts.go `parseHostConfig`: a host's `ca` is one file name or a list of them, each relative to the registry's
 *   certs.d directory unless absolute (`makeAbsPath`), any other type an error; `ConfigureHosts` and
 *   `updateTLSConfigFromHost` add them to the system CAs for that host alone;
 * - internal/cri/server/images/image_pull.go:105-114 `credentials`: the kubelet's login for the image when it sent
 *   one, else `registry.configs."<host>".auth` of the host the request goes to (mirror or not).
 *   Resolution tries the hosts with the `resolve` capability in order (resolver.go `Resolve`, `filterHosts`).
 *
 * RKE2 and k3s, for `nodes/rke2/registries.yaml` (rancher/wharfie v0.7.1 pkg/registries, whose endpoint rules k3s's
 * own containerd config copies: k3s pkg/agent/containerd/config.go `getHostConfigs`, `normalizeEndpointAddress`):
 * - registries.go `getEndpoints`: the mirror of the registry (Docker Hub's `index.docker.io` also as `docker.io`; a
 *   host without a port also as `<host>:443` and `<host>:80`; then `*`), its endpoints in order, then always the
 *   registry itself (`normalizeEndpointAddress`: `https` unless localhost on an odd port, path `/v2` when empty);
 * - registries.go `Image`/`rewrite`: every endpoint but the registry's own pulls the repository rewritten by the
 *   mirror's `rewrite` patterns (Go regexp `ReplaceAllString`, `$1` for a group);
 * - endpoint.go `RoundTrip`: the endpoint's path replaces the request's `/v2` prefix, `?ns=<registry>` is added where
 *   the endpoint is not the registry (`isProxy`);
 * - registries.go `getAuthenticator`: `configs."<endpoint host>".auth`, else `configs."*"`, else anonymous;
 * - the CA file the pods' pulls trust for an endpoint: k3s writes `configs."<endpoint host>".tls.ca_file` (no `*`
 *   here: config.go `configForHost`, Docker Hub's `registry-1.docker.io` before `docker.io`) as that endpoint's
 *   `ca = ["<ca_file>"]` in the hosts.toml containerd reads (pkg/agent/templates/templates.go `HostsTomlTemplate`).
 */

import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { kubeletImageName } from './kubelet-keyring';

/** One request a runtime makes for an image's manifest, in the order it tries them. */
export interface ManifestRequest {
  /** The URL it requests, query included. */
  readonly url: string;
  /** The user name of the login it sends, if any. */
  readonly username?: string;
  /** The CA files, absolute paths on the node, it trusts for this host beside the system CAs, if any. */
  readonly caFiles?: string[];
}

/** The certs.d directory containerd's hosts.toml files sit in, as Dockyard's headers name it. */
export const CONTAINERD_CONFIG_PATH = '/etc/containerd/certs.d';

/** A login as a registry config holds it. */
interface Login {
  readonly username: string;
  readonly password: string;
}

/** `ParseDockerRef(image)`: the registry host, the repository and the tag or digest fetched. */
export function dockerRef(image: string): { host: string; repository: string; object: string } {
  const name = kubeletImageName(image);
  const digest = /@(sha256:[a-f0-9]{64})$/.exec(image)?.[1];
  const named = image.replace(/@.*$/, '');
  const colon = named.lastIndexOf(':');
  const tag = colon > named.lastIndexOf('/') ? named.slice(colon + 1) : undefined;
  const slash = name.indexOf('/');
  // TagNameOnly: latest where neither is given
  return { host: name.slice(0, slash), repository: name.slice(slash + 1), object: digest ?? tag ?? 'latest' };
}

interface HostConfig {
  scheme: string;
  host: string;
  path: string;
  capabilities: string[];
  caCerts?: string[];
}

const ALL_CAPABILITIES = ['pull', 'resolve', 'push', 'referrers'];

/** `url.Parse` of an absolute URL, as Go splits it: the host keeps an explicit port, the path may be empty. */
function goUrl(u: string): { scheme: string; host: string; path: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i.exec(u);
  if (!m) {
    throw new Error(`the port does not parse ${u}`);
  }
  return { scheme: m[1].toLowerCase(), host: m[2], path: m[3] };
}

/** hosts.go `makeAbsPath`: `p` as it is when absolute, else joined to the registry's certs.d directory `base`. */
function makeAbsPath(p: string, base: string): string {
  return path.posix.isAbsolute(p) ? p : path.posix.join(base, p);
}

/** hosts.go `parseHostConfig`, for the fields that decide where a request goes and which CAs it trusts. */
function parseHostConfig(server: string, config: Record<string, any>, baseDir: string): HostConfig {
  const result: HostConfig = { scheme: '', host: '', path: '', capabilities: [] };
  if (server !== '') {
    const u = goUrl(server.startsWith('http') ? server : `https://${server}`);
    let p = u.path;
    if (p.length > 0) {
      // path.Clean
      p = path.posix.normalize(p).replace(/(.)\/$/, '$1');
      if (!p.endsWith('/v2') && !config.override_path) {
        p += '/v2';
      }
    } else if (!config.override_path) {
      p = '/v2';
    }
    Object.assign(result, { scheme: u.scheme, host: u.host, path: p });
  }
  result.capabilities = Array.isArray(config.capabilities) && config.capabilities.length > 0
    ? config.capabilities.map((c: string) => c.toLowerCase()) : ALL_CAPABILITIES;
  const ca = config.ca;
  if (typeof ca === 'string') {
    result.caCerts = [makeAbsPath(ca, baseDir)];
  } else if (Array.isArray(ca)) {
    result.caCerts = ca.map((c) => {
      if (typeof c !== 'string') {
        throw new Error(`unable to cast ${c} to string`);
      }
      return makeAbsPath(c, baseDir);
    });
  } else if (ca !== undefined) {
    throw new Error(`invalid type ${ca} for "ca"`);
  }
  return result;
}

/** config_unix.go `hostDirectory`. */
function hostDirectory(host: string): string {
  const idx = host.lastIndexOf(':');
  return idx > 0 ? `${host.slice(0, idx)}_${host.slice(idx + 1)}_` : host;
}

/** resolver.go's request URL for `host`, with `addNamespace`. */
function requestUrl(host: { scheme: string; host: string; path: string }, refHost: string, repository: string, object: string): string {
  const p = path.posix.join('/', host.path, repository, 'manifests', object);
  // registry.go isProxy
  const proxy = refHost !== host.host && (refHost !== 'docker.io' || host.host !== 'registry-1.docker.io');
  return `${host.scheme}://${host.host}${p}${proxy ? `?ns=${encodeURIComponent(refHost)}` : ''}`;
}

/**
 * The manifest requests containerd's CRI plugin makes for `image`, in order, with the certs.d files `hostsFiles`
 * (paths relative to `config_path`, such as `docker.io/hosts.toml`) and the CRI `registry.configs` logins `configs`
 * (keyed by host[:port]); `kubeletLogin` is the login the kubelet sent for the image, if any.
 */
export function containerdManifestRequests(image: string, hostsFiles: Record<string, string>, configs: Record<string, Login> = {},
  kubeletLogin?: Login): ManifestRequest[] {
  const ref = dockerRef(image);
  const dirs = [...(hostDirectory(ref.host) !== ref.host ? [hostDirectory(ref.host)] : []), ref.host, '_default'];
  const dir = dirs.find((d) => Object.keys(hostsFiles).some((f) => f.startsWith(`${d}/`)));
  let hosts: HostConfig[];
  const text = dir === undefined ? undefined : hostsFiles[`${dir}/hosts.toml`];
  if (text !== undefined && typeof text !== 'string') {
    throw new Error(`${dir}/hosts.toml is no text`);
  }
  if (text === undefined || text.length === 0) {
    // no hosts.toml: loadCertFiles, one host with no name
    hosts = [{ scheme: '', host: '', path: '', capabilities: [] }];
  } else {
    const doc = parseToml(text) as Record<string, any>;
    const { host: tables = {}, server = '', ...root } = doc;
    const baseDir = path.posix.join(CONTAINERD_CONFIG_PATH, dir!);
    hosts = [...Object.keys(tables).map((h) => parseHostConfig(h, tables[h], baseDir)), parseHostConfig(server, root, baseDir)];
  }
  const last = hosts[hosts.length - 1];
  if (last.host === '') {
    if (ref.host === 'docker.io') {
      Object.assign(last, { scheme: 'https', host: 'registry-1.docker.io' });
    } else if (/^(localhost|127\.|\[::1\])/.test(ref.host)) {
      throw new Error('the port leaves out containerd\'s localhost defaults');
    } else {
      Object.assign(last, { scheme: 'https', host: ref.host });
    }
    Object.assign(last, { path: '/v2', capabilities: ALL_CAPABILITIES });
  }
  return hosts.filter((h) => h.capabilities.includes('resolve')).map((h) => {
    const login = kubeletLogin ?? configs[h.host];
    return { url: requestUrl(h, ref.host, ref.repository, ref.object), ...(login ? { username: login.username } : {}), ...(h.caCerts ? { caFiles: h.caCerts } : {}) };
  });
}

/** The `registry.configs` logins of a containerd config drop-in such as `dockyard-mirror-auth.toml`. */
export function criRegistryLogins(toml: string): Record<string, Login> {
  const doc = parseToml(toml) as any;
  const configs = doc.plugins?.['io.containerd.grpc.v1.cri']?.registry?.configs ?? {};
  return Object.fromEntries(Object.entries<any>(configs).filter(([, c]) => c.auth).map(([host, c]) => [host, c.auth as Login]));
}

/** wharfie `normalizeEndpointAddress`. */
function normalizeEndpoint(endpoint: string): { scheme: string; host: string; path: string } {
  const withScheme = endpoint.includes('://') ? endpoint : `//${endpoint}`;
  const m = /^(?:([a-z]+):)?\/\/([^/?#]+)([^?#]*)/i.exec(withScheme)!;
  const host = m[2];
  const port = /:(\d+)$/.exec(host)?.[1] ?? '';
  const localhost = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host);
  const scheme = m[1] ?? (localhost && port !== '' && port !== '443' ? 'http' : 'https');
  const p = ['', '/', '/v2'].includes(m[3]) ? '/v2' : path.posix.normalize(m[3]).replace(/(.)\/$/, '$1');
  return { scheme, host, path: p };
}

/**
 * The manifest requests RKE2 and k3s make for `image` with the registries.yaml `text`, in order (wharfie
 * `registry.Image`: each endpoint until one answers).
 */
export function rke2ManifestRequests(image: string, text: string): ManifestRequest[] {
  const doc = (parseYaml(text) ?? {}) as { mirrors?: Record<string, any>; configs?: Record<string, any> };
  const ref = dockerRef(image);
  // go-containerregistry names Docker Hub index.docker.io (name.DefaultRegistry)
  const registry = ref.host === 'docker.io' ? 'index.docker.io' : ref.host;
  const keys = [registry, ...(registry === 'index.docker.io' ? ['docker.io'] : /:\d+$/.test(registry) ? [] : [`${registry}:443`, `${registry}:80`]), '*'];
  const mirrors = doc.mirrors ?? {};
  const mirrorKey = keys.find((k) => k in mirrors);
  const endpoints = [...(mirrorKey === undefined ? [] : (mirrors[mirrorKey].endpoint ?? []) as string[]).map(normalizeEndpoint), normalizeEndpoint(registry)];
  // getRewrites: the same keys but the :443 and :80 ones
  const rewriteKey = [registry, ...(registry === 'index.docker.io' ? ['docker.io'] : []), '*'].find((k) => k in mirrors);
  const rewrites: Record<string, string> = rewriteKey === undefined ? {} : mirrors[rewriteKey].rewrite ?? {};
  const ns = (host: string) => (host === 'index.docker.io' ? 'docker.io' : host);
  return endpoints.map((e) => {
    const isDefault = ns(registry) === ns(e.host);
    let repository = ref.repository;
    if (!isDefault) {
      for (const [pattern, replace] of Object.entries(rewrites)) {
        // Go's $1 is JavaScript's $1 for these patterns (no ${name} or $$ in them)
        const rewritten = repository.replace(new RegExp(pattern, 'g'), replace);
        if (rewritten !== repository) {
          repository = rewritten;
          break;
        }
      }
    }
    const p = `${e.path}${path.posix.join('/', repository, 'manifests', ref.object)}`;
    const proxy = ns(registry) !== e.host && (ns(registry) !== 'docker.io' || e.host !== 'index.docker.io');
    const configs = doc.configs ?? {};
    const authKey = [e.host, ...(e.host === 'index.docker.io' ? ['docker.io'] : []), '*'].find((k) => k in configs);
    const auth = authKey === undefined ? undefined : configs[authKey].auth;
    const tlsKey = (e.host === 'index.docker.io' ? ['registry-1.docker.io', 'docker.io'] : [e.host]).find((k) => k in configs);
    const caFile: unknown = tlsKey === undefined ? undefined : configs[tlsKey].tls?.ca_file;
    return {
      url: `${e.scheme}://${e.host}${p}${proxy ? `?ns=${encodeURIComponent(ns(registry))}` : ''}`,
      ...(auth ? { username: auth.username } : {}),
      ...(typeof caFile === 'string' && caFile !== '' ? { caFiles: [caFile] } : {}),
    };
  });
}
