import { Construct } from 'constructs';
import { kube } from './k8s';
import { NetworkPeer } from './network';
import { checkDnsSubdomain, checkHostname, invalid } from './validation';

/**
 * The name Dockyard gives the Let's Encrypt ClusterIssuer wherever it chooses one: the DigitalOcean program's
 * `IngressStack`, and the example stacks' certificates.
 */
export const LETS_ENCRYPT_ISSUER = 'letsencrypt';

/** How an Ingress gets its TLS certificate. */
export class IngressTls {
  /** Use an existing `kubernetes.io/tls` Secret in the Ingress's namespace. */
  public static secret(secretName: string): IngressTls {
    return new IngressTls(checkDnsSubdomain('secretName', secretName), {});
  }

  /**
   * Have cert-manager issue the certificate into `secretName`.
   *
   * @param issuer the cert-manager issuer's name
   * @param options whether it is a ClusterIssuer and where to store the certificate
   */
  public static certManager(issuer: string, options: CertManagerOptions = {}): IngressTls {
    const kind = options.namespacedIssuer ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer';
    return new IngressTls(options.secretName && checkDnsSubdomain('secretName', options.secretName), {
      [kind]: checkDnsSubdomain('issuer', issuer),
    });
  }

  private constructor(
    /** The TLS Secret's name, if fixed. */
    public readonly secretName: string | undefined,
    /** Annotations that request the certificate. */
    public readonly annotations: Readonly<Record<string, string>>,
  ) {}
}

/** Options of `IngressTls.certManager`. */
export interface CertManagerOptions {
  /**
   * Whether the issuer is a namespaced `Issuer` rather than a `ClusterIssuer`.
   *
   * @default false
   */
  readonly namespacedIssuer?: boolean;
  /**
   * The Secret cert-manager stores the certificate in.
   *
   * @default - "<ingress name>-tls"
   */
  readonly secretName?: string;
}

/** How a web UI is exposed through an Ingress. */
export interface IngressOptions {
  /**
   * The IngressClass.
   *
   * @default - the cluster's default IngressClass
   */
  readonly className?: string;
  /**
   * The TLS certificate.
   *
   * @default - no TLS on the Ingress: terminate TLS in front of it
   */
  readonly tls?: IngressTls;
  /**
   * The namespace of the ingress controller, which the NetworkPolicy admits.
   *
   * @default "ingress-nginx"
   */
  readonly controllerNamespace?: string;
  /**
   * The labels of the ingress controller's pods, to admit only them rather than every pod of `controllerNamespace`,
   * e.g. `{ 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }` for the
   * ingress-nginx chart's controller.
   *
   * @default - every pod in `controllerNamespace`
   */
  readonly controllerPodLabels?: Readonly<Record<string, string>>;
  /**
   * The proxies the NetworkPolicies admit, where they are not pods of `controllerNamespace`: a controller on the
   * host network (`hostNetwork: true`, as bare-metal installs run ingress-nginx) reaches the pods from its node's
   * address, which no namespace or pod selector matches, so give `NetworkPeer.ipBlock(<the nodes' range>)`. Not with
   * `controllerNamespace` or `controllerPodLabels`.
   *
   * @default - the pods of `controllerNamespace` (those with `controllerPodLabels`, if given)
   */
  readonly proxyPeer?: NetworkPeer;
  /**
   * Extra annotations, e.g. for the ingress controller.
   *
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One path prefix of an `HttpIngress` and the Service port it routes to. */
export interface IngressRoute {
  readonly path: string;
  readonly serviceName: string;
  readonly servicePort: string;
}

/** What an `HttpIngress` routes. */
export interface HttpIngressProps extends IngressOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly host: string;
  /** Path prefixes and their backends; the longest prefix wins. */
  readonly routes: readonly IngressRoute[];
}

/** An Ingress that routes path prefixes of one host to Service ports. */
export class HttpIngress extends Construct {
  /** The TLS Secret the Ingress reads, if any. */
  public readonly tlsSecretName?: string;

  public constructor(scope: Construct, id: string, props: HttpIngressProps) {
    super(scope, id);
    // kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1 IngressRule.host: "IPs are not allowed"
    checkHostname('host', props.host, { allowIpAddress: false });
    this.tlsSecretName = props.tls && (props.tls.secretName ?? `${props.name}-tls`);
    // the TLS's issuer annotation and one given by hand would both reach cert-manager, which then picks one
    const tlsKeys = Object.keys(props.tls?.annotations ?? {});
    const clash = tlsKeys.length > 0 ? Object.keys(props.annotations ?? {}).find((k) => k.startsWith('cert-manager.io/')) : undefined;
    if (clash !== undefined) {
      invalid('annotations', clash, `must not set a cert-manager annotation with tls: IngressTls.certManager, which sets ${tlsKeys.join(', ')}; ` +
        'give the issuer there');
    }
    kube(this, 'Resource', 'Ingress', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { ...props.annotations, ...props.tls?.annotations },
      },
      spec: {
        ingressClassName: props.className,
        tls: this.tlsSecretName ? [{ hosts: [props.host], secretName: this.tlsSecretName }] : undefined,
        rules: [{
          host: props.host,
          http: {
            paths: props.routes.map((r) => ({
              path: r.path,
              pathType: 'Prefix',
              backend: { service: { name: r.serviceName, port: { name: r.servicePort } } },
            })),
          },
        }],
      },
    });
  }
}
