/**
 * Node-side registry mirrors: the files that make a node's container runtime pull images through a mirror, such as
 * a Harbor proxy-cache project, instead of straight from Docker Hub or another public registry.
 *
 * - `rke2Registries` renders `registries.yaml` for RKE2 and k3s, which render it into containerd config themselves.
 * - `containerdHosts` renders one containerd `hosts.toml` for a self-managed containerd with a `config_path`.
 *
 * These are pure functions returning file text; they create no constructs and write nothing. Both outputs begin
 * with a comment header saying what the file is and where it goes on the node, and are deterministic: the same
 * mirrors give the same bytes whatever their order.
 */

import { compare } from '../core/text';
import { LONE_SURROGATE, tomlString } from '../core/toml';
import { checkHostname, checkKnownProps, describeValue, HARBOR_NAME_RULE, invalid, invalidPath, invalidUserName, isHarborName } from '../core/validation';
import { toYaml } from '../core/yaml';
import { USER_NAME, USER_NAME_RULE } from './user-name';

/** One upstream registry served by a mirror endpoint, optionally under a path prefix such as a Harbor proxy project. */
export interface MirrorSpec {
  /**
   * The registry host as image names spell it, such as `docker.io`, `ghcr.io`, `quay.io` or `registry.k8s.io`:
   * a lower-case DNS name with an optional `:port` and no scheme. Docker Hub is `docker.io` (image names never keep
   * `index.docker.io`: it is normalised to `docker.io`). `registry-1.docker.io` is a registry of its own to the
   * runtime: a mirror of it serves only images spelt `registry-1.docker.io/...`, as some third-party manifests write
   * them, never `nginx` or `docker.io/...`.
   */
  readonly upstream: string;
  /**
   * The URL of the mirror host, such as `https://harbor.example.com` or `https://harbor.example.com:8443`: scheme
   * `https` (or, explicitly, plain-text `http`), host and optional port, with no path, query or user info.
   */
  readonly endpoint: string;
  /**
   * A path prefix on the mirror, such as the Harbor proxy-cache project `dockerhub`, so that `docker.io/library/nginx`
   * is pulled as `harbor.example.com/dockerhub/library/nginx`. Must follow Harbor's project naming rule.
   *
   * @default - images keep their own repository path on the mirror
   */
  readonly project?: string;
  /**
   * The absolute path, on every node, of a PEM file of the CA(s) that signed the mirror endpoint's TLS certificate,
   * such as `/etc/rancher/k3s/mirror-ca.pem` or `/etc/containerd/certs.d/harbor.example.com/ca.crt`: the runtime
   * then trusts it for that endpoint host, on top of the system CAs, with no change to the node's trust store.
   * Rendered as `ca` in the hosts.toml host table (containerd) and `configs."<endpoint host>".tls.ca_file`
   * (RKE2/k3s, which copy it into the hosts.toml they write).
   *
   * Dockyard writes only the path: copy the file to every node before the mirror files. While it is missing or
   * holds no PEM certificate, containerd fails every pull of `upstream`, without trying the registry itself. Under
   * k3s or RKE2 keep it out of their own `certs.d` directory, which they empty at each start. Every mirror on one
   * endpoint host must name the same file (RKE2 and k3s keep TLS settings per host), and an `http` endpoint none.
   *
   * @default - the mirror's certificate is checked against the node's system CAs only
   */
  readonly caFile?: string;
}

/**
 * Credentials for a mirror host. Plain values: pass them only when rendering the git-ignored secrets output, never
 * into a file that is committed.
 */
export interface MirrorAuth {
  /** The user name, such as a Harbor robot account `robot$dockyard-nodes`; without `:`, whitespace or control characters. */
  readonly username: string;
  /** The password or token. */
  readonly password: string;
}

/** `scheme://host[:port]`, with at most a bare trailing `/`; the host part is checked separately. */
const ENDPOINT = /^(https?):\/\/([^/?#@\s]+)\/?$/;
/** Docker Hub's real registry API host, which `docker.io` image names are pulled from. */
const DOCKER_HUB_SERVER = 'https://registry-1.docker.io';

/** A checked mirror, with the endpoint normalised to `scheme://host[:port]`. */
interface CheckedMirror {
  readonly upstream: string;
  readonly endpoint: string;
  /** The endpoint's `host[:port]`, which keys RKE2 `configs` and credentials. */
  readonly host: string;
  readonly project?: string;
  /** The CA file the runtime trusts for `host`, an absolute path on the node. */
  readonly caFile?: string;
}

/** C0 and C1 control characters and DEL: no file name a node's runtime should be told to read. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/**
 * Check `caFile`: an absolute, normalised path of printable characters. containerd resolves a relative `ca` against
 * the registry's own certs.d directory (v2.3.4 core/remotes/docker/config/hosts.go `makeAbsPath`), which k3s and
 * RKE2 empty at each start (k3s pkg/agent/containerd/config.go `cleanContainerdHosts`); k3s writes the path into
 * hosts.toml with Go's `%q` (pkg/agent/templates/templates.go `HostsTomlTemplate`), whose `\xNN` for a control
 * character TOML cannot read, and containerd then ignores the whole hosts.toml (hosts.go `loadHostDir`). Quotes,
 * backslashes and spaces are left to the writers' escaping (`tomlString`, `toYaml`).
 */
function checkCaFile(prop: string, caFile: string | undefined, scheme: string): string | undefined {
  if (caFile === undefined) {
    return undefined;
  }
  const allowed = 'must be the absolute path of the CA file on the node, such as "/etc/rancher/k3s/mirror-ca.pem": at most 4096 ' +
    'characters, starting with "/", without control characters or empty, "." or ".." segments';
  if (typeof caFile !== 'string' || caFile.length > 4096) {
    // no path, or too long to read whole
    invalid(prop, caFile, allowed);
  }
  const segments = caFile.slice(1).split('/');
  if (!caFile.startsWith('/') || CONTROL.test(caFile) || LONE_SURROGATE.test(caFile) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    invalidPath(prop, caFile, allowed);
  }
  if (scheme !== 'https') {
    invalidPath(prop, caFile, 'must be unset for an http endpoint, which has no certificate to check');
  }
  return caFile;
}

/** Check one mirror spec; `prop` names it in errors, such as `mirrors[0]`. */
function checkMirror(prop: string, mirror: MirrorSpec): CheckedMirror {
  if (typeof mirror !== 'object' || mirror === null) {
    invalid(prop, mirror, 'must be a mirror spec { upstream, endpoint, project?, caFile? }');
  }
  const upstream = checkHostname(`${prop}.upstream`, mirror.upstream, { allowPort: true, registry: true });
  // containerd and k3s look a registry's mirror up by the domain of the image's normalised name (containerd v2.3.4
  // core/remotes/docker/config/hosts.go ConfigureHosts, HostDir(host)), and normalising maps index.docker.io to
  // docker.io (distribution/reference normalize.go splitDockerDomain), so a mirror of index.docker.io is never read.
  // registry-1.docker.io is kept as written: a mirror of it serves the images spelt with that host (a third-party
  // manifest's), which NodeMirrorFiles warns of when no mirror of docker.io serves the others
  if (upstream === 'index.docker.io') {
    invalid(`${prop}.upstream`, upstream, 'must be "docker.io" for Docker Hub: image names are normalised to docker.io');
  }

  const match = typeof mirror.endpoint === 'string' ? ENDPOINT.exec(mirror.endpoint) : null;
  if (!match) {
    invalid(`${prop}.endpoint`, mirror.endpoint, 'must be an https (or http) URL of the mirror host, such as "https://harbor.example.com", with an optional port and no path, query or user info');
  }
  const [, scheme, host] = match;
  checkHostname(`${prop}.endpoint host`, host, { allowPort: true });

  const project = mirror.project;
  if (project !== undefined && !isHarborName(project)) {
    invalid(`${prop}.project`, project, `must be a Harbor project name: at most 255 ${HARBOR_NAME_RULE}`);
  }
  const caFile = checkCaFile(`${prop}.caFile`, mirror.caFile, scheme);
  return { upstream, endpoint: `${scheme}://${host}`, host, project, ...(caFile === undefined ? {} : { caFile }) };
}

/** containerd's directory name for a registry `host[:port]`: a port becomes `_<port>_` (`registry.example.com_5000_`). */
function hostDirectory(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon > 0 ? `${host.slice(0, colon)}_${host.slice(colon + 1)}_` : host;
}

/**
 * Check a list of mirrors: not empty, each valid, no upstream twice, one `caFile` (or none) per endpoint host;
 * returned sorted by upstream.
 */
function checkMirrors(mirrors: readonly MirrorSpec[]): CheckedMirror[] {
  if (!Array.isArray(mirrors) || mirrors.length === 0) {
    invalid('mirrors', mirrors, 'must list at least one registry mirror');
  }
  const seen = new Map<string, number>();
  const byHost = new Map<string, number>();
  const checked = mirrors.map((m, i) => {
    const c = checkMirror(`mirrors[${i}]`, m);
    const first = seen.get(c.upstream);
    if (first !== undefined) {
      invalid(`mirrors[${i}].upstream`, c.upstream, `must be unique: mirrors[${first}] already mirrors it`);
    }
    seen.set(c.upstream, i);
    // RKE2/k3s keep one TLS config per endpoint host (configs."<host>".tls), which k3s copies into every hosts.toml
    // table of that host (pkg/agent/containerd/config.go getHostConfigs, configForHost): two CA files cannot coexist
    const other = byHost.get(c.host);
    if (other === undefined) {
      byHost.set(c.host, i);
    } else if (mirrors[other].caFile !== c.caFile) {
      const theirs = mirrors[other].caFile === undefined ? 'unset' : describeValue(mirrors[other].caFile);
      invalid(`mirrors[${i}].caFile`, c.caFile, `must be the same as mirrors[${other}].caFile (${theirs}): both mirror through ${c.host}, ` +
        'and RKE2 and k3s trust one CA file per endpoint host');
    }
    return c;
  });
  return checked.sort((a, b) => compare(a.upstream, b.upstream));
}

/**
 * The `host[:port]` of each mirror's endpoint, sorted and each once: what keys a mirror login (`rke2Registries`'
 * `auth`, `NodeMirrorFiles`' `credential.registry`). The mirrors are checked first.
 */
export function mirrorEndpointHosts(mirrors: readonly MirrorSpec[]): string[] {
  return endpointHosts(checkMirrors(mirrors));
}

/** A CA file the mirrors name, and the endpoints that trust it (`mirrorCaFiles`). */
export interface MirrorCaFile {
  /** The path on the node, as `MirrorSpec.caFile` gives it. */
  readonly caFile: string;
  /** The endpoint `host[:port]`s whose mirrors name it, sorted. */
  readonly hosts: string[];
  /** Their containerd certs.d directory names, in the same order (`host_port_` for a port). */
  readonly directories: string[];
}

/**
 * The CA files the mirrors name (`caFile`), sorted, each with the endpoint `host[:port]`s that trust it, sorted, and
 * their certs.d directory names (`_<port>_` for a port). The mirrors are checked first.
 */
export function mirrorCaFiles(mirrors: readonly MirrorSpec[]): MirrorCaFile[] {
  const byFile = new Map<string, Set<string>>();
  for (const m of checkMirrors(mirrors)) {
    if (m.caFile !== undefined) {
      byFile.set(m.caFile, (byFile.get(m.caFile) ?? new Set()).add(m.host));
    }
  }
  return [...byFile.keys()].sort(compare).map((caFile) => {
    const hosts = [...byFile.get(caFile)!].sort(compare);
    return { caFile, hosts, directories: hosts.map(hostDirectory) };
  });
}

function endpointHosts(mirrors: readonly CheckedMirror[]): string[] {
  return [...new Set(mirrors.map((m) => m.host))].sort(compare);
}

/** Check credentials keyed by mirror host; returned as entries sorted by host. */
function checkAuth(auth: Record<string, MirrorAuth>, mirrors: readonly CheckedMirror[]): [string, MirrorAuth][] {
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    invalid('auth', auth, 'must map mirror endpoint hosts to { username, password }');
  }
  const hosts = endpointHosts(mirrors);
  return Object.keys(auth).sort(compare).map((key) => {
    if (!hosts.includes(key)) {
      invalid('auth key', key, `must be the host[:port] of a mirror endpoint, one of ${hosts.map((h) => describeValue(h)).join(', ')}`);
    }
    const { username, password } = auth[key] ?? ({} as Partial<MirrorAuth>);
    // the rule RegistryCredential's user names follow, and the same redaction: what follows a ":" may be a password
    // pasted with it (user:password). containerd sends the login as HTTP basic auth, whose user-id has no ":" (RFC 7617)
    if (typeof username !== 'string' || !USER_NAME.test(username)) {
      invalidUserName(`auth["${key}"].username`, username, USER_NAME_RULE);
    }
    if (typeof password !== 'string' || password === '') {
      // never echo a password: report only its type
      invalid(`auth["${key}"].password`, typeof password === 'string' ? '' : typeof password, 'must be a non-empty string');
    }
    return [key, { username, password }];
  });
}

/** Options of `rke2Registries`. */
export interface Rke2RegistriesOptions {
  /**
   * The mirror host whose login another file holds (`NodeMirrorFiles` writes it to `registries.local.yaml`): this
   * file, without the login, then begins by saying it is not for the nodes, instead of how to install it.
   *
   * @default - the file is complete: its header says how to install it
   */
  readonly loginElsewhere?: string;
}

/**
 * Render `registries.yaml` for RKE2 (`/etc/rancher/rke2/registries.yaml`) and k3s
 * (`/etc/rancher/k3s/registries.yaml`), making every node pull each mirror's `upstream` through its `endpoint`.
 *
 * Each mirror becomes `mirrors.<upstream>.endpoint: [<endpoint>]`; with a `project`, also
 * `rewrite: {"^(.*)$": "<project>/$1"}`, so `docker.io/library/nginx` is pulled from the mirror as
 * `<project>/library/nginx` (a Harbor proxy-cache project). Credentials become `configs.<host>.auth`, keyed by the
 * mirror endpoint's `host[:port]`, not by the mirrored registry name.
 *
 * The file is read only when rke2/k3s starts: install it on every node before starting the service, or restart it.
 * Each registry's default endpoint is still tried last unless disabled (`disable-default-registry-endpoint: true`
 * in the RKE2 config, `--disable-default-registry-endpoint` for k3s); the header comment says so too.
 *
 * @param mirrors the mirrors, one per upstream registry; at least one
 * @param auth credentials keyed by mirror endpoint `host[:port]` (such as `harbor.example.com`); only for output that
 *   stays out of git
 * @param options how the file is used (`Rke2RegistriesOptions`)
 * @returns the file text
 */
export function rke2Registries(mirrors: readonly MirrorSpec[], auth?: Record<string, MirrorAuth>, options: Rke2RegistriesOptions = {}): string {
  // the third argument was a host until 12-05: a string there now would be ignored without a word
  checkKnownProps('rke2Registries options', options, ['loginElsewhere'], 'must be an object of the props loginElsewhere, e.g. { loginElsewhere: "harbor.example.com" }');
  const loginElsewhere = options.loginElsewhere;
  const checked = checkMirrors(mirrors);
  const credentials = auth === undefined ? [] : checkAuth(auth, checked);

  const doc: Record<string, unknown> = {
    mirrors: Object.fromEntries(checked.map((m) => [
      m.upstream,
      m.project === undefined
        ? { endpoint: [m.endpoint] }
        : { endpoint: [m.endpoint], rewrite: { '^(.*)$': `${m.project}/$1` } },
    ])),
  };
  // one configs entry per endpoint host, with its login and its CA file: k3s reads the TLS settings of the host each
  // mirror endpoint names (pkg/agent/containerd/config.go configForHost), as wharfie does (registries.go getTLSConfig)
  const caFiles = new Map(checked.filter((m) => m.caFile !== undefined).map((m) => [m.host, m.caFile!]));
  const logins = new Map(credentials);
  const configHosts = [...new Set([...logins.keys(), ...caFiles.keys()])].sort(compare);
  if (configHosts.length > 0) {
    doc.configs = Object.fromEntries(configHosts.map((host) => {
      const a = logins.get(host);
      const caFile = caFiles.get(host);
      return [host, {
        ...(a === undefined ? {} : { auth: { username: a.username, password: a.password } }),
        ...(caFile === undefined ? {} : { tls: { ca_file: caFile } }),
      }];
    }));
  }

  const header = [
    'registries.yaml: node-side registry mirrors for RKE2 and k3s (generated by Dockyard; do not edit).',
    ...(loginElsewhere !== undefined
      ? [`NOT FOR THE NODES: it holds no login for ${loginElsewhere}, which the mirror needs; install registries.local.yaml, the same`,
        'with the login, instead (RKE2 and k3s read it only at startup).']
      : ['Install on every node as /etc/rancher/rke2/registries.yaml (RKE2) or /etc/rancher/k3s/registries.yaml (k3s)',
        'before starting rke2/k3s, or restart the service after changing it: it is read only at startup.']),
    'Mirrors: ' + checked.map((m) => `${m.upstream} -> ${m.endpoint}${m.project === undefined ? '' : `/${m.project}`}`).join(', ') + '.',
    // the endpoint k3s and RKE2 write for a mirrored registry itself, containerd's DefaultHost (k3s-io/k3s
    // pkg/agent/containerd/config.go `defaultHostConfig`, `normalizeEndpointAddress`; containerd v2.3.4
    // core/remotes/docker/resolver.go:134-139): Docker Hub's is registry-1.docker.io, as the hosts.toml's server below
    `Each registry's default endpoint (for docker.io: ${DOCKER_HUB_SERVER}/v2) is still tried last, without`,
    'rewrites, unless disabled: set disable-default-registry-endpoint: true in /etc/rancher/rke2/config.yaml (RKE2)',
    'or pass --disable-default-registry-endpoint (k3s).',
    ...[...caFiles.keys()].flatMap((host) => caFileNote(host, `configs.${host}.tls.ca_file`, checked.filter((m) => m.host === host).map((m) => m.upstream))),
    ...(credentials.length > 0
      ? ['CONTAINS REGISTRY CREDENTIALS: keep this file out of git and readable by root only (mode 0600).']
      : []),
  ];
  return header.map((line) => `# ${line}\n`).join('') + toYaml([doc]);
}

/**
 * The header lines of a mirror host whose certificate a CA file vouches for: the file must be on the node first, as
 * containerd fails a registry's every pull when a host's `ca` cannot be read, trying no other host (v2.3.4
 * core/remotes/docker/config/hosts.go `ConfigureHosts`, `updateTLSConfigFromHost`; resolver.go `base`). The path
 * itself stays out of the comment, where a character YAML 1.1 reads as a line break would end it.
 */
function caFileNote(host: string, key: string, upstreams: readonly string[]): string[] {
  return [`${host}'s certificate is checked against the system CAs and the CA file ${key} names: copy that file to every`,
    `node first. While it is missing, or holds no PEM certificate, every pull of ${upstreams.join(', ')} fails, the registry itself untried.`];
}

/**
 * Render one containerd `hosts.toml` making containerd pull `mirror.upstream` through `mirror.endpoint`, for a
 * self-managed containerd whose CRI registry `config_path` points at a `certs.d` directory (RKE2 and k3s write
 * these files themselves from `registries.yaml`: use `rke2Registries` there).
 *
 * The file sets `server` to the upstream's real registry API (`https://registry-1.docker.io` for `docker.io`,
 * `https://<upstream>` otherwise), tried after the mirror, and one `[host."..."]` table with
 * `capabilities = ["pull", "resolve"]`. With a `project` the host is `<endpoint>/v2/<project>` with
 * `override_path = true`, because that path already includes the `/v2` API prefix.
 *
 * hosts.toml cannot hold credentials: a private mirror's auth comes from the CRI registry auth config (`NodeMirrorFiles`
 * writes it with a credential), as the kubelet passes a pod's pull secret for the registry the image names only;
 * the header comment says so.
 *
 * @param mirror the mirror
 * @returns `path`, relative to the `certs.d` directory (`<upstream>/hosts.toml`, such as `docker.io/hosts.toml`, a
 *   port written as containerd's `_<port>_`: `registry.example.com_5000_/hosts.toml`), and the file `content`
 */
export function containerdHosts(mirror: MirrorSpec): {
  /** The file's path, relative to the `certs.d` directory. */
  path: string;
  /** The file's content. */
  content: string;
} {
  const m = checkMirror('mirror', mirror);
  const server = m.upstream === 'docker.io' ? DOCKER_HUB_SERVER : `https://${m.upstream}`;
  const host = m.project === undefined ? m.endpoint : `${m.endpoint}/v2/${m.project}`;
  // containerd looks a registry "host:port" up in "host_port_" first, then "host:port" (v2.3.4
  // core/remotes/docker/config/config_unix.go hostPaths, hosts.go hostDirectory); the first, as k3s writes its own
  // (pkg/agent/containerd/config.go writeContainerdHosts), since an output path holds no ":" (OutputFile), which
  // refused every mirror of a registry with a port at synth
  const path = `${hostDirectory(m.upstream)}/hosts.toml`;

  const header = [
    `hosts.toml: containerd registry mirror for ${m.upstream} (generated by Dockyard; do not edit).`,
    `Install on every node as <config_path>/${path}, such as /etc/containerd/certs.d/${path},`,
    'where config_path is the CRI registry config_path: [plugins."io.containerd.grpc.v1.cri".registry] in',
    'containerd 1.x, [plugins."io.containerd.cri.v1.images".registry] in containerd 2.x: exactly one directory,',
    'not a ":" list (containerd 2.x\'s default when unset is one, which its transfer service does not split).',
    'Changes apply without a containerd restart.',
    'No credentials: hosts.toml cannot hold them. Auth for the mirror host comes from the CRI registry auth config',
    '(Dockyard\'s conf.d/dockyard-mirror-auth.local.toml): the kubelet passes a pod\'s pull secret for the registry',
    'the image names, never for the mirror host.',
    `The mirror is tried first; server, the upstream registry itself, is tried last.`,
    ...(m.caFile === undefined ? [] : caFileNote(m.host, 'ca', [m.upstream])),
  ];
  const lines = [
    ...header.map((line) => `# ${line}`),
    '',
    `server = ${tomlString(server)}`,
    '',
    `[host.${tomlString(host)}]`,
    '  capabilities = ["pull", "resolve"]',
    ...(m.project === undefined ? [] : ['  override_path = true']),
    // a string: containerd reads one file name or a list (hosts.go parseHostConfig), absolute as checkCaFile wants
    ...(m.caFile === undefined ? [] : [`  ca = ${tomlString(m.caFile)}`]),
  ];
  return { path, content: lines.join('\n') + '\n' };
}
