import { Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { isInTree } from './in-tree';
import { kube } from './k8s';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels';
import { PullAccess } from './pull-access';
import { checkDnsLabel, checkLabels, describeValue, invalid } from './validation';

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
  /**
   * Further labels of the namespace, e.g. for NetworkPolicies elsewhere to select it (`NetworkPeer.namespaces`).
   * The Pod Security labels are set from `podSecurity` and cannot be given here, nor can `kubernetes.io/metadata.name`,
   * which the API server sets to the name.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Labels a `Namespace` sets itself, or the API server does. */
const RESERVED_LABEL = /^(pod-security\.kubernetes\.io\/|kubernetes\.io\/metadata\.name$)/;

/**
 * Check labels for a `Namespace`: Kubernetes labels (`checkLabels`), none of which is a Pod Security label (those
 * come from `podSecurity`) or `kubernetes.io/metadata.name` (the API server sets it to the name).
 */
export function checkNamespaceLabels(prop: string, labels: Record<string, string>): Record<string, string> {
  checkLabels(prop, labels);
  const reserved = Object.keys(labels).find((k) => RESERVED_LABEL.test(k));
  if (reserved !== undefined) {
    invalid(prop, labels, `must not set ${describeValue(reserved)}: the Pod Security labels come from podSecurity, and the API server sets the name label`);
  }
  return labels;
}

/** Per app root: the Namespaces defined, by name, with the construct path that defines each. */
const definedNamespaces = new WeakMap<IConstruct, Map<string, string>>();

function namespacesOf(scope: IConstruct): Map<string, string> {
  const root = scope.node.root;
  const map = definedNamespaces.get(root) ?? new Map<string, string>();
  definedNamespaces.set(root, map);
  return map;
}

/** Whether a `Namespace` of this name is defined in the app of `scope`. */
export function isNamespaceDefined(scope: IConstruct, name: string): boolean {
  return namespacesOf(scope).has(name);
}

/** A namespace with Pod Security admission labels. */
export class Namespace extends Construct {
  /** The namespace's name. */
  public readonly name: string;

  public constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    this.name = checkDnsLabel('name', props.name);
    // the cluster's own: its Pod Security labels would apply to the system pods (a restricted kube-system refuses
    // kube-proxy's and the CNI's privileged pods when they are next made)
    if (this.name.startsWith('kube-')) {
      invalid('name', this.name, 'must not be a "kube-" system namespace: Dockyard would set its Pod Security labels, which the cluster\'s own pods must pass');
    }
    // one definition per app: a second Namespace of the same name would relabel the first (its Pod Security level,
    // its team), and whoever defined it second would take over a namespace that is someone else's
    const defined = namespacesOf(this);
    const first = defined.get(this.name);
    if (first !== undefined) {
      invalid('name', this.name, `must be defined once in an app: ${first} defines namespace ${describeValue(this.name)} already`);
    }
    defined.set(this.name, this.node.path);
    const level = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    const labels = checkNamespaceLabels('labels', props.labels ?? {});
    kube(this, 'Resource', 'Namespace', {
      metadata: {
        name: this.name,
        labels: {
          ...labels,
          [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
          'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED,
        },
      },
    });
  }
}

/** Per app root: the `default` ServiceAccount of each namespace, by namespace. */
const defaultAccounts = new WeakMap<IConstruct, Map<string, DefaultServiceAccount>>();

/**
 * The `default` ServiceAccount of a namespace, which every pod that names no ServiceAccount runs as. It is rendered
 * only with what Dockyard sets on it (pull secrets, token automount), and `kubectl apply` merges that into the account
 * Kubernetes created. There is one per namespace and app, shared by everything that configures it, in the chart
 * that first needed it: two charts' copies, each in its own file, would each take back what the other applied last
 * (client-side apply removes what the object's last-applied annotation lists and the file does not), so the account
 * would end up with one chart's pull secrets or the other's `automountServiceAccountToken: false`, never both.
 */
export class DefaultServiceAccount extends Construct {
  /**
   * The `default` ServiceAccount of `namespace` in the app of `scope`, defined on first use in the chart of `scope`:
   * a later call from another chart configures that same one.
   */
  public static of(scope: IConstruct, namespace: string): DefaultServiceAccount {
    const name = checkDnsLabel('namespace', namespace);
    const root = scope.node.root;
    const byNamespace = defaultAccounts.get(root) ?? new Map<string, DefaultServiceAccount>();
    defaultAccounts.set(root, byNamespace);
    const known = byNamespace.get(name);
    // one taken out of the tree again (a construct refused halfway) renders nothing: the next use defines it anew
    if (known !== undefined && isInTree(known)) {
      return known;
    }
    const chart = Chart.of(scope);
    const id = `DefaultServiceAccount-${name}`;
    const account = new DefaultServiceAccount(chart, id, name);
    byNamespace.set(name, account);
    return account;
  }

  private readonly pullSecrets = new Set<string>();
  private automountToken?: boolean;

  private constructor(scope: Construct, id: string, namespace: string) {
    super(scope, id);
    const resource = kube(this, 'Resource', 'ServiceAccount', {
      metadata: { name: 'default', namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
      imagePullSecrets: Lazy.any({ produce: () => (this.pullSecrets.size > 0 ? [...this.pullSecrets].sort().map((name) => ({ name })) : undefined) }),
      automountServiceAccountToken: Lazy.any({ produce: () => this.automountToken }),
    });
    // rendered without pull secrets, the account keeps those it has: none in a namespace the app creates (the
    // controller makes it bare), unknown in one made elsewhere; with some, `kubectl apply` sets exactly these (the
    // list is atomic: kubernetes/api v0.36.3 core/v1/types.go:6369-6375)
    PullAccess.recordAccount(resource, namespace, 'default', () => (this.pullSecrets.size === 0 && !isNamespaceDefined(this, namespace)
      ? undefined : [...this.pullSecrets]));
  }

  /** Let every pod that runs as the account pull with the Secret `name` (of type `kubernetes.io/dockerconfigjson`). */
  public addImagePullSecret(name: string): void {
    this.pullSecrets.add(name);
  }

  /**
   * Mount no API token into pods that run as the account and do not ask for one themselves: Kubernetes mounts it
   * unless the pod or its ServiceAccount says `automountServiceAccountToken: false`, and the pod's own setting wins
   * (plugin/pkg/admission/serviceaccount/admission.go `shouldAutomount`).
   */
  public disableTokenAutomount(): void {
    this.automountToken = false;
  }
}
