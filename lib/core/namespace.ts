import { Construct } from 'constructs';
import { kube } from './k8s';
import { checkDnsLabel } from './validation';

/** A Pod Security Standards level, enforced on a namespace by the Pod Security admission controller. */
export enum PodSecurityLevel {
  /** Hardened pods only; every Dockyard workload passes it. */
  RESTRICTED = 'restricted',
  /** Blocks known privilege escalations but allows root, e.g. for image builds with kaniko. */
  BASELINE = 'baseline',
  /** No restrictions. */
  PRIVILEGED = 'privileged',
}

/** Props of a `Namespace`. */
export interface NamespaceProps {
  /** The namespace's name. */
  readonly name: string;
  /**
   * The Pod Security level enforced in the namespace. Violations of "restricted" are always warned about and audited.
   *
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
}

/** A namespace with Pod Security admission labels. */
export class Namespace extends Construct {
  /** The namespace's name. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    this.name = checkDnsLabel('name', props.name);
    const level = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    kube(this, 'Resource', 'Namespace', {
      metadata: {
        name: this.name,
        labels: {
          'app.kubernetes.io/managed-by': 'dockyard',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
          'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED,
        },
      },
    });
  }
}
