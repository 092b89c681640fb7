import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { isIP } from 'net';
import { checkHostPaths, HostPaths, recordHostPaths } from './exposure-hosts';
import { checkHttpRouteTimeouts, HttpRouteTimeouts } from './http-route-timeouts';
import { HttpIngress, IngressOptions } from './ingress';
import { NetworkPeer } from './network';
import { checkDnsLabel, checkDnsSubdomain, checkHostname, checkLabels, invalid } from './validation';

/** Options of `ServiceExposure.httpRoute`. */
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
  /**
   * The labels of the Gateway's proxy pods, to admit only them rather than the whole `gatewayNamespace`.
   *
   * @default - every pod in `gatewayNamespace`
   */
  readonly gatewayPodLabels?: Readonly<Record<string, string>>;
  /**
   * The proxies the NetworkPolicies admit, where they are not the Gateway's namespace: Envoy Gateway runs its proxies
   * in the controller's namespace (`NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name':
   * 'public' })`), and a Gateway whose traffic comes from outside any pod (Cilium's, a cloud's managed load balancer)
   * needs `NetworkPeer.ipBlock(...)` of its source range. Not with `gatewayPodLabels`.
   *
   * @default - the pods of `gatewayNamespace` (those with `gatewayPodLabels`, if given)
   */
  readonly proxyPeer?: NetworkPeer;
  /**
   * The Gateway's timeouts for the route's requests, set on every rule (Gateway API Extended support: an
   * implementation without it may reject the route or ignore them).
   *
   * @default - none set: the Gateway implementation's own
   */
  readonly timeouts?: HttpRouteTimeouts;
}

/** @internal One Service port and the path prefixes routed to it. */
export interface ExposedBackend {
  readonly serviceName: string;
  /** The port's name, which an Ingress refers to. */
  readonly portName: string;
  /** The port's number, which an HTTPRoute refers to. */
  readonly port: number;
  /** Path prefixes, each starting with "/". */
  readonly paths: readonly string[];
}

/** @internal What `ServiceExposure._render` routes. */
export interface ExposureTarget {
  /** The name of the Ingress or HTTPRoute. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The public host name, without port. */
  readonly host: string;
  /**
   * The prop that gave the host, named in errors.
   *
   * @default "host"
   */
  readonly hostProp?: string;
  /** The backends, in order; on an Ingress the longest prefix wins. */
  readonly backends: readonly ExposedBackend[];
  /** Ingress annotations the application needs; the user's `annotations` override them. */
  readonly ingressAnnotations?: Record<string, string>;
}

/**
 * How users reach a web application: an Ingress, or a Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1)
 * attached to an existing Gateway. The same for every construct that takes an `exposure`: Harbor and DroneServer.
 */
export class ServiceExposure {
  /** An Ingress for the application's host; the application may add annotations it needs, which `annotations` override. */
  public static ingress(options: IngressOptions = {}): ServiceExposure {
    if (options.controllerNamespace !== undefined) {
      checkDnsLabel('controllerNamespace', options.controllerNamespace);
    }
    if (options.controllerPodLabels !== undefined) {
      checkPodLabels('controllerPodLabels', options.controllerPodLabels);
    }
    if (options.proxyPeer !== undefined) {
      checkProxyPeer(options.proxyPeer);
      for (const prop of ['controllerNamespace', 'controllerPodLabels'] as const) {
        if (options[prop] !== undefined) {
          invalid(prop, options[prop], 'must not be set with proxyPeer, which names the proxies the NetworkPolicies admit in their place');
        }
      }
    }
    return new ServiceExposure(options, undefined);
  }

  /**
   * A Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1) attached to an existing Gateway, for the application's
   * host. TLS terminates at the Gateway's listener.
   */
  public static httpRoute(options: HttpRouteOptions): ServiceExposure {
    checkDnsSubdomain('gatewayName', options.gatewayName);
    checkDnsLabel('gatewayNamespace', options.gatewayNamespace);
    if (options.sectionName !== undefined) {
      checkDnsSubdomain('sectionName', options.sectionName);
    }
    if (options.gatewayPodLabels !== undefined) {
      checkPodLabels('gatewayPodLabels', options.gatewayPodLabels);
    }
    if (options.proxyPeer !== undefined) {
      checkProxyPeer(options.proxyPeer);
    }
    if (options.proxyPeer !== undefined && options.gatewayPodLabels !== undefined) {
      invalid('gatewayPodLabels', options.gatewayPodLabels, 'must not be set with proxyPeer: give the proxies\' labels in the peer itself');
    }
    // the timeouts as checked, copied: the caller's object could change after the check
    const timeouts = options.timeouts === undefined ? undefined : checkHttpRouteTimeouts(options.timeouts);
    return new ServiceExposure(undefined, timeouts === undefined ? options : { ...options, timeouts });
  }

  private constructor(
    /** The Ingress options, for an Ingress. */
    public readonly ingress: IngressOptions | undefined,
    /** The route options, for an HTTPRoute. */
    public readonly route: HttpRouteOptions | undefined,
  ) {}

  /**
   * The proxy pods that forward users' traffic, which the application's NetworkPolicies admit: the Ingress's
   * `proxyPeer`, else the ingress controller's namespace, or its pods with `controllerPodLabels`, for an Ingress; the
   * route's `proxyPeer`, else the Gateway's namespace, or its pods with `gatewayPodLabels`, for an HTTPRoute.
   */
  public get proxyPeer(): NetworkPeer {
    if (this.route) {
      if (this.route.proxyPeer) {
        return this.route.proxyPeer;
      }
      return this.route.gatewayPodLabels
        ? NetworkPeer.pods(this.route.gatewayNamespace, this.route.gatewayPodLabels)
        : NetworkPeer.namespace(this.route.gatewayNamespace);
    }
    const ingress = this.ingress!;
    if (ingress.proxyPeer) {
      return ingress.proxyPeer;
    }
    const namespace = ingress.controllerNamespace ?? 'ingress-nginx';
    return ingress.controllerPodLabels ? NetworkPeer.pods(namespace, ingress.controllerPodLabels) : NetworkPeer.namespace(namespace);
  }

  /**
   * @internal Render the Ingress (id `Ingress`) or HTTPRoute (id `HttpRoute`); returns the TLS Secret an Ingress reads,
   * if any. Refused, before anything is made, where another exposure of the app routes a path of the host already
   * (`checkHostPaths`).
   */
  public _render(scope: Construct, target: ExposureTarget): string | undefined {
    const hostProp = target.hostProp ?? 'host';
    // an IPv6 host comes bracketed from a URL
    if (this.route && isIP(target.host.replace(/^\[(.*)\]$/, '$1')) !== 0) {
      invalid(hostProp, target.host, 'must be a DNS host name for an HTTPRoute: Gateway API hostnames exclude IP addresses');
    }
    // under the prop that gave it: Harbor's comes from externalUrl, whose URL parser lets through what neither object
    // takes (a trailing dot, "_"), and the API server would refuse the HTTPRoute at apply (gateway-api v1.6.1
    // httproutes.yaml, `hostnames` items: pattern ^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)
    checkHostname(hostProp, target.host, { allowIpAddress: false });
    const claim: HostPaths = {
      owner: scope, kind: this.ingress ? 'Ingress' : 'HTTPRoute', host: target.host, hostProp,
      paths: target.backends.flatMap((b) => b.paths),
    };
    checkHostPaths(claim);
    const tlsSecretName = this.renderObject(scope, target);
    recordHostPaths(claim);
    return tlsSecretName;
  }

  /** `_render`'s object: the Ingress or HTTPRoute itself. */
  private renderObject(scope: Construct, target: ExposureTarget): string | undefined {
    if (this.ingress) {
      return new HttpIngress(scope, 'Ingress', {
        ...this.ingress, annotations: { ...target.ingressAnnotations, ...this.ingress.annotations },
        name: target.name, namespace: target.namespace, labels: target.labels, host: target.host,
        routes: target.backends.flatMap((b) => b.paths.map((path) => ({ path, serviceName: b.serviceName, servicePort: b.portName }))),
      }).tlsSecretName;
    }
    const route = this.route!;
    new ApiObject(scope, 'HttpRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: target.name, namespace: target.namespace, labels: target.labels },
      spec: {
        parentRefs: [{ name: route.gatewayName, namespace: route.gatewayNamespace, ...(route.sectionName ? { sectionName: route.sectionName } : {}) }],
        hostnames: [target.host],
        rules: target.backends.map((b) => ({
          matches: b.paths.map((value) => ({ path: { type: 'PathPrefix', value } })),
          backendRefs: [{ name: b.serviceName, port: b.port }],
          ...(route.timeouts ? { timeouts: { ...route.timeouts } } : {}),
        })),
      },
    });
    return undefined;
  }
}

/**
 * Check the labels that narrow the admitted proxies to some pods of their namespace (`gatewayPodLabels`,
 * `controllerPodLabels`): valid labels, and at least one, since an empty selector would select every pod anyway.
 */
function checkPodLabels(prop: string, labels: Record<string, string>): void {
  if (Object.keys(labels ?? {}).length === 0) {
    invalid(prop, labels, 'must not be empty: omit it to admit every pod of the namespace');
  }
  checkLabels(prop, labels);
}

/** Check a `proxyPeer` a JavaScript caller gave: a NetworkPeer, which the NetworkPolicies render as it is. */
function checkProxyPeer(peer: NetworkPeer): void {
  if (!(peer instanceof NetworkPeer)) {
    invalid('proxyPeer', peer, 'must be a NetworkPeer, e.g. NetworkPeer.ipBlock("10.0.0.0/16") or NetworkPeer.pods(namespace, labels)');
  }
}
