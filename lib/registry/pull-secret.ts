import { Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, Images, invalid, namespaceOf, Secret, SecretKey, SecretValue } from '../core';
import { kube } from '../core/k8s';
import { RegistryCredential } from './credential';

/** Props of a `PullSecret`. */
export interface PullSecretProps {
  /** The registries and their credentials, merged into one `.dockerconfigjson`. */
  readonly credentials: RegistryCredential[];
  /**
   * The Secret's name in every namespace.
   *
   * @default "registry-credentials"
   */
  readonly name?: string;
  /**
   * The namespace the Secret is defined in.
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Namespaces whose `default` ServiceAccount pulls with this Secret, so every pod there can pull from the
   * registries. Dockyard's own workloads need not be listed: a pod whose images come from one of the registries
   * gets the Secret on its own.
   *
   * @default - none
   */
  readonly namespaces?: string[];
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret for several registries, copied into every namespace that needs it.
 *
 * Each entry has the `auth` kubelet reads (base64 of `user:password`); hosts are normalised and Docker Hub is keyed
 * as `https://index.docker.io/v1/`. Every Dockyard pod whose images come from one of the registries (for example
 * after `Images.relocate`) gets it as an image pull secret, and namespaces listed in `namespaces` get it on their
 * `default` ServiceAccount.
 */
export class PullSecret extends Construct {
  /** The Secret. */
  public readonly secret: Secret;
  /** The `.dockerconfigjson` key, e.g. for a Drone pipeline secret. */
  public readonly dockerConfig: SecretKey;
  /** The registries it covers, as keyed in the document. */
  public readonly registries: readonly string[];

  public constructor(scope: Construct, id: string, props: PullSecretProps) {
    super(scope, id);
    if (props.credentials.length === 0) {
      invalid('credentials', props.credentials, 'must name at least one registry');
    }
    const registries = props.credentials.map((c) => c.registry);
    const repeated = registries.find((r, i) => registries.indexOf(r) !== i);
    if (repeated) {
      invalid('credentials', repeated, 'must name each registry once: a .dockerconfigjson holds one login per registry');
    }
    this.registries = registries;
    this.secret = new Secret(this, 'Resource', {
      name: checkDnsSubdomain('name', props.name ?? 'registry-credentials'),
      namespace: namespaceOf(this, props.namespace),
      type: 'kubernetes.io/dockerconfigjson',
      values: {
        '.dockerconfigjson': SecretValue.dockerConfigJson(props.credentials.map((c) => ({
          registry: c.registry, username: c.username, usernameFrom: c.usernameFrom, password: c.password,
        }))),
      },
    });
    this.dockerConfig = this.secret.key('.dockerconfigjson');
    Images.usePullSecret(this, registries, this.secret);
    (props.namespaces ?? []).forEach((ns) => this.addNamespace(ns));
  }

  /** Copy the Secret into `namespace` and make it the pull secret of the namespace's `default` ServiceAccount. */
  public addNamespace(namespace: string): void {
    checkDnsLabel('namespaces', namespace);
    this.secret.shareWith(namespace);
    DefaultServiceAccount.of(this, namespace).add(this.secret.secretName);
  }
}

/**
 * The `default` ServiceAccount of a namespace, rendered only with `imagePullSecrets`: `kubectl apply` merges that
 * into the account Kubernetes created. One per namespace and chart, shared by every pull secret.
 */
class DefaultServiceAccount extends Construct {
  public static of(scope: Construct, namespace: string): DefaultServiceAccount {
    const chart = Chart.of(scope);
    const id = `DefaultServiceAccount-${namespace}`;
    return (chart.node.tryFindChild(id) as DefaultServiceAccount | undefined) ?? new DefaultServiceAccount(chart, id, namespace);
  }

  private readonly names = new Set<string>();

  private constructor(scope: Construct, id: string, namespace: string) {
    super(scope, id);
    kube(this, 'Resource', 'ServiceAccount', {
      metadata: { name: 'default', namespace, labels: { 'app.kubernetes.io/managed-by': 'dockyard' } },
      imagePullSecrets: Lazy.any({ produce: () => [...this.names].sort().map((name) => ({ name })) }),
    });
  }

  public add(name: string): void {
    this.names.add(name);
  }
}
