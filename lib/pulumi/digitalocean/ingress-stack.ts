import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { LETS_ENCRYPT_ISSUER } from '../../core/ingress';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../core/labels';
import { checkDnsLabel, checkDnsSubdomain, checkEmail, checkInteger, checkUrl, invalid } from '../../core/validation';
import { EnvironmentError } from '../run-errors';

/** A Helm chart pinned by repository and version. */
export interface PinnedChart {
  /** The chart's name in its repository, also the Helm release's name. */
  readonly chart: string;
  /** The exact chart version. */
  readonly version: string;
  /** The Helm repository URL. */
  readonly repo: string;
}

/**
 * The ingress-nginx chart: 4.14.1 ships controller v1.14.1 (published 2025-12-05). Upstream announced the end of
 * ingress-nginx maintenance for March 2026; the chart stays installable, but plan a move to another controller.
 */
export const INGRESS_NGINX_CHART: PinnedChart = { chart: 'ingress-nginx', version: '4.14.1', repo: 'https://kubernetes.github.io/ingress-nginx' };

/** The cert-manager chart; its versions carry the `v` of the release tag. */
export const CERT_MANAGER_CHART: PinnedChart = { chart: 'cert-manager', version: 'v1.19.1', repo: 'https://charts.jetstack.io' };

/** Let's Encrypt's production ACME directory. */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging ACME directory: untrusted certificates, much higher rate limits, for trying a stack out. */
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** The annotation that names the DigitalOcean Load Balancer the cloud controller creates for a Service. */
export const DO_LOAD_BALANCER_NAME_ANNOTATION = 'service.beta.kubernetes.io/do-loadbalancer-name';

/** Args of an `IngressStack`. */
export interface IngressStackArgs {
  /** The e-mail address Let's Encrypt registers the ACME account with and sends expiry notices to. */
  readonly acmeEmail: string;
  /**
   * The ClusterIssuer's name: what the Ingresses' `cert-manager.io/cluster-issuer` annotation names.
   *
   * @default 'letsencrypt'
   */
  readonly issuerName?: string;
  /**
   * The ACME directory the ClusterIssuer orders certificates from.
   *
   * @default LETS_ENCRYPT_PRODUCTION
   */
  readonly acmeServer?: string;
  /**
   * The IngressClass ingress-nginx serves, which the HTTP-01 solver's Ingresses use too.
   *
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
  /**
   * The namespace of ingress-nginx, created by the component.
   *
   * @default 'ingress-nginx'
   */
  readonly ingressNamespace?: string;
  /**
   * The namespace of cert-manager, created by the component.
   *
   * @default 'cert-manager'
   */
  readonly certManagerNamespace?: string;
  /**
   * The name of the DigitalOcean Load Balancer in front of ingress-nginx (letters, digits, `.` and `-`): unique in the
   * DigitalOcean account. A cluster's new Service, which carries no Load Balancer ID yet, takes over any Load
   * Balancer of the account with this name, another cluster's included (digitalocean-cloud-controller-manager
   * `cloud-controller-manager/do/loadbalancers.go`, `retrieveLoadBalancer` and `findLoadBalancerByName`), so derive it
   * from something unique, such as the cluster's ID. A name known only at `pulumi up` (an Output) is passed on
   * unchecked: the cloud controller refuses a bad one, in the Service's events.
   *
   * @default - DigitalOcean's, `a` followed by the Service's UID
   */
  readonly loadBalancerName?: pulumi.Input<string>;
  /**
   * The ingress-nginx chart version.
   *
   * @default INGRESS_NGINX_CHART.version
   */
  readonly ingressNginxVersion?: string;
  /**
   * The cert-manager chart version.
   *
   * @default CERT_MANAGER_CHART.version
   */
  readonly certManagerVersion?: string;
  /**
   * How long each Helm release may take to become ready, in seconds; ingress-nginx waits for its Load Balancer.
   *
   * @default 600
   */
  readonly timeoutSeconds?: number;
}

/**
 * What HTTPS needs in a DOKS cluster: ingress-nginx behind a DigitalOcean Load Balancer, cert-manager with its CRDs,
 * and a Let's Encrypt ClusterIssuer that solves HTTP-01 challenges through ingress-nginx, each chart a Helm release
 * in its own namespace, pinned by repository and version.
 *
 * `loadBalancerIp` is read from the controller's Service once its release is ready (Helm waits for the Load
 * Balancer's address). The Service is named after the release's status, so in a preview of a fresh stack, where the
 * release does not exist yet, the read is skipped and the address is unknown instead of failing.
 */
export class IngressStack extends pulumi.ComponentResource {
  /** The ingress-nginx release. */
  public readonly ingressNginx: k8s.helm.v3.Release;
  /** The cert-manager release. */
  public readonly certManager: k8s.helm.v3.Release;
  /** The Let's Encrypt ClusterIssuer. */
  public readonly clusterIssuer: k8s.apiextensions.CustomResource;
  /** The ClusterIssuer's name. */
  public readonly issuerName: string;
  /** The IngressClass ingress-nginx serves. */
  public readonly ingressClassName: string;
  /** The public IPv4 address of the Load Balancer in front of ingress-nginx. */
  public readonly loadBalancerIp: pulumi.Output<string>;

  public constructor(name: string, args: IngressStackArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // check every input before registering anything
    checkEmail('acmeEmail', args.acmeEmail);
    const issuerName = checkDnsSubdomain('issuerName', args.issuerName ?? LETS_ENCRYPT_ISSUER);
    const ingressClassName = checkDnsSubdomain('ingressClassName', args.ingressClassName ?? 'nginx');
    const ingressNamespace = checkDnsLabel('ingressNamespace', args.ingressNamespace ?? 'ingress-nginx');
    const certManagerNamespace = checkDnsLabel('certManagerNamespace', args.certManagerNamespace ?? 'cert-manager');
    const acmeServer = args.acmeServer ?? LETS_ENCRYPT_PRODUCTION;
    checkUrl('acmeServer', acmeServer, ['https']);
    // a plain name is checked now; one from another resource's output is not known before `pulumi up`, where a
    // failed check would only abort the release's registration
    const loadBalancerName = typeof args.loadBalancerName === 'string' ? checkLoadBalancerName(args.loadBalancerName) : args.loadBalancerName;
    const timeout = checkInteger('timeoutSeconds', args.timeoutSeconds ?? 600, 60);
    super('dockyard:digitalocean:IngressStack', name, {}, opts);
    this.issuerName = issuerName;
    this.ingressClassName = ingressClassName;

    const namespace = (id: string, ns: string) => new k8s.core.v1.Namespace(`${name}-${id}`, {
      metadata: { name: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    }, { parent: this });

    // each chart pinned, in a namespace of its own
    // the Pulumi names of the namespaces are kept as first released ("ingress-namespace"): a new name would replace them
    const release = (id: string, namespaceId: string, pinned: PinnedChart, version: string | undefined, ns: string, values: Record<string, unknown>) =>
      new k8s.helm.v3.Release(`${name}-${id}`, {
        name: pinned.chart,
        chart: pinned.chart,
        version: version ?? pinned.version,
        repositoryOpts: { repo: pinned.repo },
        namespace: namespace(namespaceId, ns).metadata.name,
        timeout,
        values,
      }, { parent: this });

    this.ingressNginx = release('ingress-nginx', 'ingress-namespace', INGRESS_NGINX_CHART, args.ingressNginxVersion, ingressNamespace, {
      controller: {
        ingressClass: ingressClassName,
        ingressClassResource: { name: ingressClassName, enabled: true, default: false },
        // Ingresses get the Load Balancer's address in their status, which Pulumi waits for
        publishService: { enabled: true },
        service: {
          type: 'LoadBalancer',
          // plain TCP on 80 and 443 to every node: no PROXY protocol, whose hairpin breaks cert-manager's
          // in-cluster HTTP-01 self-check
          annotations: loadBalancerName !== undefined ? { [DO_LOAD_BALANCER_NAME_ANNOTATION]: loadBalancerName } : {},
        },
      },
    });
    // `crds.enabled` replaces the deprecated `installCRDs`; `crds.keep` leaves certificates alone on uninstall
    this.certManager = release('cert-manager', 'cert-manager-namespace', CERT_MANAGER_CHART, args.certManagerVersion, certManagerNamespace,
      { crds: { enabled: true, keep: true } });

    // the release waits for the webhook (startupapicheck), so the API server accepts the issuer right after it
    this.clusterIssuer = new k8s.apiextensions.CustomResource(`${name}-cluster-issuer`, {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: issuerName },
      spec: {
        acme: {
          email: args.acmeEmail,
          server: acmeServer,
          privateKeySecretRef: { name: `${issuerName}-account-key` },
          solvers: [{ http01: { ingress: { ingressClassName } } }],
        },
      },
    }, { parent: this, dependsOn: [this.certManager] });

    this.loadBalancerIp = ingressLoadBalancerIp(`${name}-controller`,
      pulumi.interpolate`${this.ingressNginx.status.namespace}/${this.ingressNginx.status.name}-controller`, { parent: this });
    this.registerOutputs({ issuerName, ingressClassName, loadBalancerIp: this.loadBalancerIp });
  }
}

/**
 * The public IPv4 address of an ingress controller's LoadBalancer Service `<namespace>/<name>`, read from the
 * cluster; unknown in a preview while `id` is.
 *
 * @throws EnvironmentError (in the Output) while DigitalOcean has not given the Service its address yet
 */
export function ingressLoadBalancerIp(name: string, id: pulumi.Input<string>, opts: pulumi.CustomResourceOptions = {}): pulumi.Output<string> {
  const service = k8s.core.v1.Service.get(name, id, opts);
  return pulumi.all([service.status, pulumi.output(id)]).apply(([status, serviceId]) => {
    const ingress = status?.loadBalancer?.ingress ?? [];
    const ip = ingress.map((i) => i.ip).find((a) => !!a);
    const hostname = ingress.map((i) => i.hostname).find((h) => !!h);
    if (!ip && hostname) {
      // DigitalOcean's cloud controller reports only a hostname when the Service asks for one
      // (service.beta.kubernetes.io/do-loadbalancer-hostname; digitalocean-cloud-controller-manager
      // cloud-controller-manager/do/loadbalancers.go, EnsureLoadBalancer): waiting never gives an IP
      throw new EnvironmentError(`the Service ${serviceId} reports the load balancer hostname ${hostname}, not an IP address, which A records need: ` +
        'turn dnsRecords off and point the names at that hostname with CNAME records, or drop the Service\'s do-loadbalancer-hostname annotation');
    }
    if (!ip) {
      // not ready yet, which the user waits out: one line under Pulumi, not a stack trace
      throw new EnvironmentError(`the Service ${serviceId} has no load balancer IP yet: wait until DigitalOcean has created it, then run pulumi up again`);
    }
    return ip;
  });
}

/** Check a Load Balancer name (`IngressStackArgs.loadBalancerName`). */
function checkLoadBalancerName(name: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9.])?$/.test(name)) {
    invalid('loadBalancerName', name, 'must start with a letter or digit and hold only letters, digits, "." and "-", not ending in "-"');
  }
  return name;
}
