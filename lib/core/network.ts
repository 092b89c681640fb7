import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { intOrString, kube } from './k8s';
import type { k8s } from './k8s';
import { checkDnsLabel, checkLabels } from './validation';

/** A set of pods that a NetworkPolicy admits traffic from. */
export class NetworkPeer {
  /** The pods with `labels` in `namespace`. */
  public static pods(namespace: string, labels: Record<string, string>): NetworkPeer {
    return new NetworkPeer(checkDnsLabel('namespace', namespace), { ...checkLabels('labels', labels) });
  }

  /** Every pod in `namespace`. */
  public static namespace(namespace: string): NetworkPeer {
    return new NetworkPeer(checkDnsLabel('namespace', namespace), undefined);
  }

  private constructor(
    /** The namespace of the pods. */
    public readonly namespace: string,
    /** The labels of the pods, or undefined for all pods of the namespace. */
    public readonly labels: Readonly<Record<string, string>> | undefined,
  ) {}

  /** @internal */
  public _toKube(): k8s.NetworkPolicyPeer {
    return {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } },
      podSelector: this.labels ? { matchLabels: { ...this.labels } } : undefined,
    };
  }
}

/** Where a NetworkPolicy applies. */
export interface PodFirewallProps {
  readonly name: string;
  readonly namespace: string;
  /** The pods it protects. */
  readonly podLabels: Record<string, string>;
  /** Deny all egress, for servers that never open connections. */
  readonly denyEgress?: boolean;
}

/**
 * A NetworkPolicy that denies all ingress to a set of pods except what `allow` admits.
 *
 * Rules are rendered at synth time, so clients can be granted access after the server is defined.
 */
export class PodFirewall extends Construct {
  private readonly rules = new Map<string, k8s.NetworkPolicyIngressRule>();

  public constructor(scope: Construct, id: string, props: PodFirewallProps) {
    super(scope, id);
    kube(this, 'Resource', 'NetworkPolicy', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: props.podLabels },
        policyTypes: props.denyEgress ? ['Ingress', 'Egress'] : ['Ingress'],
        ingress: Lazy.any({ produce: () => [...this.rules.values()] }),
        egress: props.denyEgress ? [] : undefined,
      },
    });
  }

  /** Admit TCP traffic from `peer` to `port`. */
  public allow(peer: NetworkPeer, port: number): void {
    const rule = { from: [peer._toKube()], ports: [{ protocol: 'TCP', port: intOrString(port) }] };
    this.rules.set(JSON.stringify(rule), rule);
  }
}
