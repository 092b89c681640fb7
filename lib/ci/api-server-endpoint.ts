import { invalid, NetworkPeer } from '../core';
import { formatCidr, parseAddress } from '../core/network';
import { nonEndpointRangeOf } from './build-egress';

/** What `ApiServerEndpoint.fromUrl` accepts, in words, for messages and documentation. */
export const API_SERVER_URL_RULE = 'an https URL of an IP address and an optional port (1 to 65535), such as "https://10.0.0.1:6443" or ' +
  '"https://[fd00::1]", the address in plain notation (no IPv6 zone, no dotted IPv4 tail, not IPv4-mapped): an address of ' +
  '`kubectl -n default get endpointslice kubernetes` (NetworkPolicies match addresses, after the Service\'s is translated), outside the ' +
  'unspecified, loopback, link-local and multicast ranges and the clouds\' metadata and host addresses';

/**
 * An endpoint of the Kubernetes API server, as pods reach it: NetworkPolicies match a connection after the
 * `kubernetes.default` Service's address is translated, so what a deploy pipeline's egress must admit is an address
 * of `kubectl -n default get endpointslice kubernetes` and its port, not the Service's ClusterIP.
 *
 * ```ts
 * const api = ApiServerEndpoint.fromUrl('https://203.0.113.10:6443');
 * new TeamPlatform(chart, 'Teams', { ci, harbor, apiServer: api.peer, apiServerPort: api.port });
 * runner.allowBuildEgress(api.peer, [api.port], { namespaces: ['deploys'] });
 * // a public endpoint is also taken out of every build's internet rule (a private one is out already)
 * new DroneKubeRunner(chart, 'Runner', { ..., buildEgress: { apiServerCidrs: [api.cidr] } });
 * ```
 */
export class ApiServerEndpoint {
  /**
   * The endpoint `https://<IP>[:port]` names (port 443 when none is given). The address is read as
   * `NetworkPeer.ipBlock` reads a CIDR's, so an endpoint accepted here is accepted there, and `cidr` is in canonical
   * form whatever the spelling. Refused, naming `prop`: anything else (a host name, another scheme, a path), and an
   * address where no endpoint lies and that would open a cloud's metadata service to pipelines (Kubernetes'
   * `ValidateEndpointIP`).
   *
   * @param prop the prop or variable named in an error, e.g. `DOCKYARD_API_SERVER`
   */
  public static fromUrl(url: string, prop = 'apiServer'): ApiServerEndpoint {
    const match = typeof url === 'string' ? /^https:\/\/(?:\[([^\]]*)\]|([^/:[\]]*))(?::(\d{1,5}))?\/?$/.exec(url) : null;
    const family = match?.[1] !== undefined ? 6 : 4;
    const address = match ? parseAddress(match[1] ?? match[2]) : undefined;
    const port = match?.[3] === undefined ? 443 : Number(match[3]);
    if (!address || address.family !== family || port < 1 || port > 65535) {
      // the commonest slip, an address without the scheme, named before the rule
      const bare = typeof url === 'string' && !url.includes('://') &&
        [url, url.replace(/^\[(.*)\](?::\d+)?$/, '$1'), url.replace(/^([^:]*):\d+$/, '$1')].some((a) => parseAddress(a) !== undefined);
      invalid(prop, url, `${bare ? 'lacks "https://" in front; ' : ''}must be ${API_SERVER_URL_RULE}`);
    }
    const cidr = { family, base: address.value, prefix: family === 4 ? 32 : 128 } as const;
    // no endpoint is loopback or link-local (Kubernetes' ValidateEndpointIP), and such an address would open the
    // cloud's metadata endpoint, say, to deploy pipelines
    const range = nonEndpointRangeOf(cidr);
    if (range !== undefined) {
      invalid(prop, url, `must be an address outside ${range} (unspecified, loopback, link-local, multicast or a cloud's ` +
        'metadata or host services), where no API server lies');
    }
    return new ApiServerEndpoint(formatCidr(cidr), port);
  }

  private constructor(
    /** The address, as a one-address CIDR (`/32` or `/128`) in canonical form. */
    public readonly cidr: string,
    /** The port. */
    public readonly port: number,
  ) {}

  /** The endpoint's address as a NetworkPolicy peer, `NetworkPeer.ipBlock(cidr)`. */
  public get peer(): NetworkPeer {
    return NetworkPeer.ipBlock(this.cidr);
  }
}
