import { parse } from 'yaml';
import { IngressTls, ServiceExposure } from '../../lib';
import { find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

// A blob upload is a POST, then PATCHes and a PUT, each sent to the Location the registry answered the one before
// with. Which URL the client sends the next request to, as upstream builds and reads that header:

/** The registry's `http` settings that decide the Location (goharbor/distribution release/2.8 configuration/configuration.go). */
interface RegistryHttp {
  readonly host?: string;
  readonly relativeurls?: boolean;
}

/**
 * The Location of an upload, as the registry of Harbor 2.15 (goharbor/distribution release/2.8, harbor Makefile
 * `REGISTRY_SRC_TAG`) builds it: `http.host` first (registry/handlers/app.go:843-846), else from the request
 * (registry/api/v2/urls.go, `NewURLBuilderFromRequest`: X-Forwarded-Proto over the connection's plain "http",
 * X-Forwarded-Host over Host), and with `relativeurls` the path alone (`clonedRoute.URL`).
 */
function uploadLocation(http: RegistryHttp, request: { host: string; headers: Record<string, string> }, path: string): string {
  if (http.host) {
    return new URL(path, http.host).href;
  }
  if (http.relativeurls) {
    return path;
  }
  const scheme = request.headers['x-forwarded-proto'] ?? 'http';
  const host = request.headers['x-forwarded-host']?.split(',')[0].trim() ?? request.host;
  return `${scheme}://${host}${path}`;
}

/**
 * Where a client sends the next request: a path against the scheme and host it pushed to, anything else as given
 * (containerd v2.3.4 core/remotes/docker/pusher.go:263-285, which also drops its credentials when the scheme changes;
 * go-containerregistry v0.21.9 pkg/v1/remote/write.go `nextLocation`, which kaniko pushes with, and distribution's own
 * client, goharbor/distribution release/2.8 registry/client/repository.go `sanitizeLocation`, resolve the same way).
 */
function nextRequestUrl(pushedTo: string, location: string): string {
  const base = new URL(pushedTo);
  return location.startsWith('/') ? `${base.protocol}//${base.host}${location}` : location;
}

const UPLOAD = '/v2/apps/demo/blobs/uploads/5b3c?_state=x';

function registryHttp(exposure: ServiceExposure): RegistryHttp {
  const chart = testChart('harbor');
  inClusterHarbor(chart, { externalUrl: 'https://harbor.example.com', exposure });
  return parse(find(synth(chart), 'ConfigMap', 'harbor-registry').data['config.yml']).http;
}

describe('Harbor registry: where a push\'s next request goes', () => {
  test('the model follows upstream: an absolute Location takes X-Forwarded-Proto, a path keeps the client\'s scheme', () => {
    const behindPlainProxy = { host: 'harbor.example.com', headers: { 'x-forwarded-proto': 'http' } };
    expect(nextRequestUrl('https://harbor.example.com/v2/', uploadLocation({ relativeurls: false }, behindPlainProxy, UPLOAD)))
      .toBe(`http://harbor.example.com${UPLOAD}`);
    expect(nextRequestUrl('https://harbor.example.com/v2/', uploadLocation({ relativeurls: true }, behindPlainProxy, UPLOAD)))
      .toBe(`https://harbor.example.com${UPLOAD}`);
  });

  // ingress-nginx sets X-Forwarded-Proto to the scheme it was reached with (its `use-forwarded-headers` is off by
  // default), so with TLS terminated in front of it (an Ingress without `tls`) the registry sees "http"; a Gateway or
  // an Ingress that terminates TLS itself says "https"
  test.each([
    ['an Ingress behind a TLS-terminating load balancer', ServiceExposure.ingress({ className: 'nginx' }), 'http'],
    ['an Ingress with TLS', ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') }), 'https'],
    ['an HTTPRoute', ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' }), 'https'],
  ])('through %s, the upload continues at the external URL\'s scheme and host', (_, exposure, forwardedProto) => {
    const http = registryHttp(exposure);
    // Harbor's own client (replication, the proxy cache) reaches the registry at core's in-cluster URL: a path keeps
    // it there, where `http.host` would send it to the external URL
    expect(http.host).toBeUndefined();
    const request = { host: 'harbor.example.com', headers: { 'x-forwarded-proto': forwardedProto, 'x-forwarded-host': 'harbor.example.com' } };
    expect(nextRequestUrl('https://harbor.example.com/v2/apps/demo/blobs/uploads/', uploadLocation(http, request, UPLOAD)))
      .toBe(`https://harbor.example.com${UPLOAD}`);
  });
});
