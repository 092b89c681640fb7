import { Construct } from 'constructs';
import { invalid, OutputFile, SecretFile, SecretValue } from '../core';
import { RegistryCredential } from './credential';
import { containerdHosts, MirrorSpec, rke2Registries } from './node-mirrors';

/** Props of `NodeMirrorFiles`. */
export interface NodeMirrorFilesProps {
  /** The registries nodes pull through a mirror, e.g. Docker Hub through Harbor's proxy-cache project. */
  readonly mirrors: MirrorSpec[];
  /**
   * The login for the mirror host, when its project is private. It goes only into `registries.local.yaml`, a
   * git-ignored file rendered by the secret source.
   *
   * @default - anonymous pulls from the mirror
   */
  readonly credential?: RegistryCredential;
  /**
   * The folder below the output directory.
   *
   * @default "nodes"
   */
  readonly directory?: string;
}

/**
 * Node-side mirror configuration, written beside the manifests:
 * - `nodes/rke2/registries.yaml` for RKE2 (`/etc/rancher/rke2/`) and k3s (`/etc/rancher/k3s/`), and with a
 *   credential `nodes/rke2/registries.local.yaml`, the same plus the login;
 * - `nodes/containerd/certs.d/<registry>/hosts.toml` for containerd's `config_path`.
 */
export class NodeMirrorFiles extends Construct {
  public constructor(scope: Construct, id: string, props: NodeMirrorFilesProps) {
    super(scope, id);
    const dir = props.directory ?? 'nodes';
    const registries = rke2Registries(props.mirrors);
    new OutputFile(this, 'Rke2', { path: `${dir}/rke2/registries.yaml`, content: () => registries });
    props.mirrors.forEach((mirror) => {
      const hosts = containerdHosts(mirror);
      new OutputFile(this, `Containerd-${mirror.upstream}`, { path: `${dir}/containerd/certs.d/${hosts.path}`, content: () => hosts.content });
    });
    const credential = props.credential;
    if (credential) {
      // the password is a placeholder the secret source fills in; it is a token of letters, digits, "-" and "_"
      if (credential.username === undefined) {
        invalid('credential', credential.registry, 'must have a plain user name: registries.yaml is rendered around it');
      }
      const withAuth = rke2Registries(props.mirrors, { [credential.registry]: { username: credential.username, password: 'PASSWORD_PLACEHOLDER' } });
      new SecretFile(this, 'Rke2WithAuth', {
        path: `${dir}/rke2/registries.local.yaml`,
        value: SecretValue.template(withAuth.replace('PASSWORD_PLACEHOLDER', '{password}'), { password: credential.password }),
      });
    }
  }
}
