import { Construct } from 'constructs';
import { describePath, describeValue, invalid, invalidPath, invalidSecret, OutputFile, SecretFile, SecretKey, SecretValue, TemplateEscape } from '../core';
import { checkCertificatePem } from '../core/certificate-pem';
import { PullAccess } from '../core/pull-access';
import { holdsTemplatePlaceholder } from '../core/secret';
import { compare } from '../core/text';
import { warnOnce } from '../core/warn';
import { tomlString } from '../core/toml';
import { RegistryCredential } from './credential';
import { recordDockerHubMirror } from './docker-hub-mirrors';
import { containerdHosts, mirrorCaFiles, mirrorEndpointHosts, MirrorSpec, rke2Registries } from './node-mirrors';

/** Props of `NodeMirrorFiles`. */
export interface NodeMirrorFilesProps {
  /** The registries nodes pull through a mirror, e.g. Docker Hub through Harbor's proxy-cache project. */
  readonly mirrors: readonly MirrorSpec[];
  /**
   * The login for the mirror host, when its project is private. It goes only into files rendered by the secret
   * source, which stay out of git: `registries.local.yaml` for RKE2 and k3s, with the password (and a user name from
   * a key, as DOCR's) written as YAML double-quoted scalars, and `containerd/conf.d/dockyard-mirror-auth.local.toml`
   * for a containerd of your own, with them as TOML basic strings.
   *
   * A plain containerd needs that second file: hosts.toml holds no login, and the kubelet hands a pod's pull secret
   * to containerd only for the registry the image names (`docker.io`), never for the mirror host, so without it
   * every pull through a private proxy cache is refused and containerd quietly falls back to the upstream.
   *
   * The login is node-wide: containerd's CRI plugin uses `configs.<host>.auth` for every pull from that host that
   * arrives without credentials of its own, so any pod on the node (one naming no pull secret, or one that does
   * not exist) pulls from the mirror host with it, from any project the login may read, not only through the
   * mirrors. Give it a robot that may pull only the proxy-cache project(s) the mirrors name, never the login pods
   * use for private projects.
   *
   * @default - anonymous pulls from the mirror, which only a public project serves (`Harbor.addProxyCache` makes
   * a private one unless told `public: true`): from a private one, containerd falls back to the upstream
   */
  readonly credential?: RegistryCredential;
  /**
   * The PEM certificates of the mirrors' CA files, keyed by the `caFile` that names them, such as
   * `{ '/etc/dockyard/harbor-ca.pem': fs.readFileSync('harbor-ca.pem', 'utf8') }`: each is written as
   * `nodes/ca/<endpoint host>.pem` (a port as `_<port>_`, the first host of those that trust it), whose change the
   * synth announces with the node path to copy it to. Certificates only: the file is committed with the rest of the
   * output, so a private key is refused.
   *
   * @default - no CA file is written: copy each mirror's `caFile` to the nodes yourself
   */
  readonly caCertificates?: Readonly<Record<string, string>>;
  /**
   * The folder below the output directory.
   *
   * @default "nodes"
   */
  readonly directory?: string;
}

/** Docker Hub's API host, which image names may spell as their registry, as some third-party manifests do. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/**
 * Node-side mirror configuration, written beside the manifests:
 * - `nodes/rke2/registries.yaml` for RKE2 (`/etc/rancher/rke2/`) and k3s (`/etc/rancher/k3s/`), and with a
 *   credential `nodes/rke2/registries.local.yaml`, the same plus the login;
 * - `nodes/containerd/certs.d/<registry>/hosts.toml` for containerd's `config_path` (a registry's port written as
 *   `_<port>_`: `certs.d/registry.internal_5000_/hosts.toml`), and with a credential
 *   `nodes/containerd/conf.d/dockyard-mirror-auth.local.toml`, the login as containerd's CRI registry auth;
 * - with `caCertificates`, `nodes/ca/<endpoint host>.pem`, the CA file a mirror's `caFile` names.
 */
export class NodeMirrorFiles extends Construct {
  public constructor(scope: Construct, id: string, props: NodeMirrorFilesProps) {
    super(scope, id);
    const dir = props.directory ?? 'nodes';
    const credential = props.credential;
    // with a login, this file is the one without it, for a look or a diff: its header said to install it, and nodes
    // that did pulled nothing through the private proxy project, falling back to the upstream (a new user's trial)
    const registries = rke2Registries(props.mirrors, undefined, { loginElsewhere: credential?.registry });
    // what synth prints when a file changes: the files reach the nodes only by hand (README, "Applying the node
    // files"); with a login, registries.local.yaml is the RKE2/k3s file to copy, and registries.yaml changes with it
    new OutputFile(this, 'Rke2', { path: `${dir}/rke2/registries.yaml`, content: () => registries, onChange: credential ? undefined : RKE2_ON_CHANGE });
    props.mirrors.forEach((mirror) => {
      const hosts = containerdHosts(mirror);
      new OutputFile(this, `Containerd-${mirror.upstream}`, {
        path: `${dir}/containerd/certs.d/${hosts.path}`, content: () => hosts.content,
        onChange: `on containerd nodes, copy it to /etc/containerd/certs.d/${hosts.path} (read at the next pull, no restart)`,
      });
    });
    if (credential) {
      // the login is for the mirror host nodes pull from, keyed by its host[:port] in both files
      // a plain user name is literal text in both files' templates: "{x}" in it would be read as a placeholder
      if (credential.usernameFrom === undefined && holdsTemplatePlaceholder(credential.username!)) {
        invalid('credential.username', credential.username, 'must not contain "{name}", which the login files\' templates (registries.local.yaml, ' +
          'dockyard-mirror-auth.local.toml) would read as a placeholder');
      }
      const hosts = mirrorEndpointHosts(props.mirrors);
      if (!hosts.includes(credential.registry)) {
        invalid('credential.registry', credential.registry, `must be the host[:port] of a mirror endpoint, one of ${hosts.map((h) => describeValue(h)).join(', ')}`);
      }
      // the pull checks then let a pod with no login of its own to the host pull with the nodes' (PullAccess.judge)
      PullAccess.recordNodeLogin(this, credential.registry, credential.usernameFrom === undefined ? credential.username : undefined);
      new SecretFile(this, 'Rke2WithAuth', { path: `${dir}/rke2/registries.local.yaml`, value: registriesWithAuth(props.mirrors, credential), onChange: RKE2_ON_CHANGE });
      new SecretFile(this, 'ContainerdAuth', {
        path: `${dir}/containerd/conf.d/dockyard-mirror-auth.local.toml`, value: containerdAuth(credential),
        onChange: 'on containerd 2.x nodes, copy it to /etc/containerd/conf.d/dockyard-mirror-auth.toml and restart containerd (1.x: see the README, ' +
          '"Applying the node files")',
      });
    }
    if (props.caCertificates !== undefined) {
      caFileOutputs(this, dir, props.mirrors, props.caCertificates);
    }
    // last, so that one refused above is never counted
    const hub = props.mirrors.find((m) => m.upstream === 'docker.io');
    // containerd looks a mirror up by the image's host as written, after mapping only index.docker.io to docker.io
    // (v2.3.4 core/remotes/docker/config/hosts.go ConfigureHosts; distribution/reference normalize.go
    // splitDockerDomain): a mirror of Docker Hub's API host serves only images spelt with it, never nginx or docker.io/…
    const apiHost = props.mirrors.findIndex((m) => m.upstream === DOCKER_HUB_API_HOST);
    if (apiHost >= 0 && hub === undefined) {
      warnOnce(this, `NodeMirrorFiles "${this.node.path}" mirrors[${apiHost}].upstream "${DOCKER_HUB_API_HOST}" serves only images spelt with that host: ` +
        'Docker Hub\'s others (nginx, docker.io/..., every one of Dockyard\'s) are looked up as docker.io, so nodes pull them from Docker Hub ' +
        'itself; add a mirror of "docker.io" for them', `${this.node.path}:${DOCKER_HUB_API_HOST}`);
    }
    if (hub !== undefined) {
      recordDockerHubMirror(this, hub.endpoint.replace(/\/$/, ''));
    }
  }
}

/**
 * One `OutputFile` per CA file of `caCertificates`, named for the first endpoint host that trusts it (one host has one
 * CA file). containerd reads the file again at each pull, as it does hosts.toml (v2.3.4
 * core/remotes/docker/config/hosts.go `ConfigureHosts`, `updateTLSConfigFromHost`), also under RKE2 and k3s, whose
 * hosts.toml names it: a new CA needs no restart, but must be on the node before anything names it.
 */
function caFileOutputs(scope: Construct, dir: string, mirrors: readonly MirrorSpec[], caCertificates: Readonly<Record<string, string>>): void {
  if (typeof caCertificates !== 'object' || caCertificates === null || Array.isArray(caCertificates)) {
    // not shown: a PEM passed in place of the map (a string, or a list of them) may be a private key
    invalidSecret('caCertificates', 'must map the caFile of a mirror to the PEM certificates it holds, e.g. { "/etc/dockyard/ca.pem": pem }');
  }
  const named = mirrorCaFiles(mirrors);
  for (const caFile of Object.keys(caCertificates).sort(compare)) {
    const ca = named.find((n) => n.caFile === caFile);
    if (ca === undefined) {
      invalidPath('caCertificates key', caFile, named.length === 0 ? 'must be the caFile of a mirror, and no mirror names one'
        : `must be the caFile of a mirror, one of ${named.map((n) => describePath(n.caFile)).join(', ')}`);
    }
    const pem = checkCertificatePem(`caCertificates[${describePath(caFile)}]`, caCertificates[caFile]);
    const note = `copy it to ${caFile} on every node before the mirror files that name it: while it is missing, every pull through ` +
      `${ca.hosts.join(', ')} fails (read at each pull, no restart)`;
    // a path too long for a one-line note (OutputFile's limit) is named by the mirrors' caFile instead
    new OutputFile(scope, `Ca-${ca.directories[0]}`, {
      path: `${dir}/ca/${ca.directories[0]}.pem`, content: () => pem,
      onChange: note.length <= 300 ? note : `copy it on every node to the path the mirrors' caFile names, before the mirror files`,
    });
  }
}

/** What to do when the RKE2/k3s registries file changes: RKE2 and k3s read it only at start. */
const RKE2_ON_CHANGE = 'copy it to /etc/rancher/rke2/registries.yaml (RKE2) or /etc/rancher/k3s/registries.yaml (k3s) on every node, servers ' +
  'included, and restart rke2-server/rke2-agent or k3s/k3s-agent: they read it only at start';

/** Stand-ins for the login in the rendered YAML, each then swapped for a `{name}` placeholder. */
const STAND_IN = { username: 'DOCKYARD_USERNAME_PLACEHOLDER', password: 'DOCKYARD_PASSWORD_PLACEHOLDER' };

/**
 * `registries.yaml` with the login, as a template the secret source renders: the password (and a user name that
 * is a secret, such as DOCR's token) is a placeholder in a scalar's place, filled in as a YAML double-quoted
 * scalar (`TemplateEscape.YAML`), so any value, `abc #def`, `yes`, `123456` or one with a newline, reads back as
 * itself. A plain user name is written by the YAML writer, quoted where needed.
 */
function registriesWithAuth(mirrors: readonly MirrorSpec[], credential: RegistryCredential): SecretValue {
  const secretUser = credential.usernameFrom !== undefined;
  const auth = { username: secretUser ? STAND_IN.username : credential.username!, password: STAND_IN.password };
  let template = rke2Registries(mirrors, { [credential.registry]: auth });
  const sources: Record<string, SecretKey> = { password: credential.password };
  if (secretUser) {
    sources.username = credential.usernameFrom!;
  }
  for (const name of Object.keys(sources) as (keyof typeof STAND_IN)[]) {
    // the stand-in as the whole value of its own key, so a user name spelling it is never taken for it
    const line = new RegExp(`^( +${name}: )${STAND_IN[name]}$`, 'm');
    if (!line.test(template)) {
      throw new Error(`registries.yaml has no "${name}: ${STAND_IN[name]}" line to put the placeholder on`);
    }
    template = template.replace(line, `$1{${name}}`);
  }
  return SecretValue.template(template, sources, { escape: TemplateEscape.YAML });
}

/**
 * The mirror login as containerd's CRI registry auth, for a containerd of one's own (RKE2 and k3s render theirs from
 * `registries.yaml`). containerd v2.3.4 `internal/cri/server/images/image_pull.go:105-114`: a pull the kubelet sends
 * without a login takes `registry.configs."<host>".auth` of the host it goes to, the mirror's included
 * (`registryHosts`, :496-503, gives hosts.toml's hosts the same credentials). It is deprecated, and announced for
 * removal in v2.4 (`pkg/deprecation/deprecation.go:61`), while `docs/cri/registry.md` names no replacement;
 * v2.4.0-beta.0 still reads it. A release that drops it only logs "Ignoring unknown key in TOML for plugin" and pulls
 * without the login, so check each containerd minor upgrade (README, "Applying the node files").
 *
 * Written in config version 2 under the 1.x plugin name: containerd 2.x migrates a version-2 drop-in to its own
 * version and plugin (`cmd/containerd/server/config/config.go` LoadConfigWithPlugins, `plugins/cri/images/plugin.go`
 * configMigration) and merges it deeply; its default config imports `/etc/containerd/conf.d/*.toml` from v2.2.0 on
 * (`containerd config default` of v2.0 and v2.1 writes no `imports`), and a line added below a table belongs to that
 * table, where containerd ignores it with only a log line, so the header says where it goes. containerd
 * 1.x replaces a plugin's whole section with a drop-in's (v1.7.34 `services/server/config/config.go` mergeConfig),
 * which would drop the rest of its CRI settings: there the table goes into config.toml itself. The header says both.
 */
function containerdAuth(credential: RegistryCredential): SecretValue {
  const host = credential.registry;
  const sources: Record<string, SecretKey> = { password: credential.password };
  let username: string;
  if (credential.usernameFrom !== undefined) {
    sources.username = credential.usernameFrom;
    username = '{username}';
  } else {
    username = tomlString(credential.username!);
  }
  const header = [
    `dockyard-mirror-auth.toml: the login containerd uses for the mirror host ${host} (generated by Dockyard; do not edit).`,
    'CONTAINS REGISTRY CREDENTIALS: keep this file out of git and readable by root only (mode 0600).',
    'containerd 2.x: install on every node as /etc/containerd/conf.d/dockyard-mirror-auth.toml and restart containerd.',
    'The default config.toml of containerd 2.2 and later imports /etc/containerd/conf.d/*.toml; 2.0 and 2.1 write none:',
    'add imports = ["/etc/containerd/conf.d/*.toml"] at the top of config.toml, before its first [table], if it has none.',
    'containerd 1.x: do not import it (1.x would replace the whole CRI section with this one): copy the table below',
    'into /etc/containerd/config.toml, under version = 2, and restart containerd.',
    'It is used for pulls from the mirror host that arrive without a login of their own, through the hosts.toml mirrors.',
    'containerd 2.x reads conf.d only when /etc/containerd/config.toml exists, and with any registry.configs entry it',
    'pulls in its local mode instead of the transfer service (it logs "Falling back to local image pull mode").',
  ];
  const text = [
    ...header.map((line) => `# ${line}`),
    '',
    'version = 2',
    '',
    `[plugins."io.containerd.grpc.v1.cri".registry.configs.${tomlString(host)}.auth]`,
    `  username = ${username}`,
    '  password = {password}',
    '',
  ].join('\n');
  return SecretValue.template(text, sources, { escape: TemplateEscape.TOML });
}
