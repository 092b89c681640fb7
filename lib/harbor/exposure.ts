import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkDnsLabel, checkDnsSubdomain, IngressOptions, NetworkPeer } from '../core';
import { HttpIngress, IngressRoute } from '../core/ingress';

/** Options of `HarborExposure.httpRoute`. */
export interface HttpRouteOptions {
  /** The Gateway the route attaches to. */
  readonly gatewayName: string;
  /** The Gateway's namespace, whose pods the NetworkPolicies admit. */
  readonly gatewayNamespace: string;
  /**
   * The Gateway listener to attach to.
   *
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
}

/** Annotations that let large image layers through ingress-nginx: no body limit, no buffering, long timeouts. */
const LARGE_UPLOADS = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '0',
  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '900',
  'nginx.ingress.kubernetes.io/proxy-send-timeout': '900',
};

/** How Harbor's UI, API and registry reach users: an Ingress or a Gateway API HTTPRoute. */
export class HarborExposure {
  /** An Ingress; annotations for unlimited body size and long timeouts are set for ingress-nginx. */
  public static ingress(options: IngressOptions = {}): HarborExposure {
    return new HarborExposure(options, undefined);
  }

  /** A Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1) attached to an existing Gateway. */
  public static httpRoute(options: HttpRouteOptions): HarborExposure {
    checkDnsSubdomain('gatewayName', options.gatewayName);
    checkDnsLabel('gatewayNamespace', options.gatewayNamespace);
    if (options.sectionName !== undefined) {
      checkDnsSubdomain('sectionName', options.sectionName);
    }
    return new HarborExposure(undefined, options);
  }

  private constructor(
    /** The Ingress options, for an Ingress. */
    public readonly ingress: IngressOptions | undefined,
    /** The route options, for an HTTPRoute. */
    public readonly route: HttpRouteOptions | undefined,
  ) {}

  /** The pods that forward users' traffic: the ingress controller's or the Gateway's namespace. */
  public get proxyPeer(): NetworkPeer {
    return NetworkPeer.namespace(this.route ? this.route.gatewayNamespace : (this.ingress!.controllerNamespace ?? 'ingress-nginx'));
  }

  /** @internal Render the Ingress or HTTPRoute; returns the TLS Secret an Ingress reads, if any. */
  public _render(scope: Construct, props: { name: string; namespace: string; labels: Record<string, string>; host: string; core: string; portal: string }): string | undefined {
    const api = ['/api/', '/service/', '/v2/', '/c/'];
    if (this.ingress) {
      const routes: IngressRoute[] = [
        ...api.map((path) => ({ path, serviceName: props.core, servicePort: 'http' })),
        { path: '/', serviceName: props.portal, servicePort: 'http' },
      ];
      return new HttpIngress(scope, 'Ingress', {
        ...this.ingress, annotations: { ...LARGE_UPLOADS, ...this.ingress.annotations },
        name: props.name, namespace: props.namespace, labels: props.labels, host: props.host, routes,
      }).tlsSecretName;
    }
    const route = this.route!;
    const rule = (paths: string[], service: string) => ({
      matches: paths.map((value) => ({ path: { type: 'PathPrefix', value } })),
      backendRefs: [{ name: service, port: 80 }],
    });
    new ApiObject(scope, 'HttpRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        parentRefs: [{ name: route.gatewayName, namespace: route.gatewayNamespace, ...(route.sectionName ? { sectionName: route.sectionName } : {}) }],
        hostnames: [props.host],
        rules: [rule(api, props.core), rule(['/'], props.portal)],
      },
    });
    return undefined;
  }
}
