import { IngressTls, ServiceExposure } from '../../lib';
import { container, envOf, find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

/**
 * The token realm core sends a docker client that asks `/v2/` without credentials, as goharbor/harbor v2.15.1
 * src/server/middleware/v2auth/auth.go `tokenSvcURL` builds it: the scheme of `EXT_ENDPOINT` and the request's Host
 * (which ingress-nginx and Gateways pass on as the client sent it), then `/service/token`; a Host that is core's
 * in-cluster URL gets that URL instead.
 */
function tokenRealm(env: Record<string, any>, requestHost: string): string {
  const raw: string = env.CORE_URL.value;
  // `match`: a scheme's default port is dropped on both sides
  const defaultPort = (url: URL) => (url.protocol === 'http:' ? ':80' : ':443');
  const core = new URL(raw);
  if (requestHost.replace(new RegExp(`${defaultPort(core)}$`), '') === core.host) {
    return `${raw.replace(/\/$/, '')}/service/token`;
  }
  const scheme = String(env.EXT_ENDPOINT.value).split('://')[0];
  return `${scheme}://${requestHost}/service/token`;
}

describe('Harbor: the token realm docker login follows, through the exposure', () => {
  test.each([
    ['an Ingress', 'https://harbor.example.com', ServiceExposure.ingress({ className: 'nginx', tls: IngressTls.certManager('letsencrypt') })],
    ['an HTTPRoute', 'https://harbor.example.com', ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' })],
    ['a listener on another port', 'https://harbor.example.com:8443', ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways' })],
  ])('through %s, the realm is the external URL\'s token service, which routes to core', (_, externalUrl, exposure) => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart, { externalUrl, exposure });
    const objects = synth(chart);
    const env = envOf(container(find(objects, 'Deployment', 'harbor-core')));
    // the client sends the host of the image name, which is Harbor's host with its port
    expect(tokenRealm(env, harbor.host)).toBe(`${harbor.url}/service/token`);
    expect(harbor.url).toBe(externalUrl);
    // the exposure routes the host without its port (the listener's port is the Gateway's or the controller's)
    const hosts = objects.filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')
      .flatMap((o) => o.kind === 'Ingress' ? o.spec.rules.map((r: any) => r.host) : o.spec.hostnames);
    expect(hosts).toEqual([new URL(externalUrl).hostname]);
  });

  test('Harbor\'s own clients, at core\'s in-cluster URL, get the in-cluster token service', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const env = envOf(container(find(synth(chart), 'Deployment', 'harbor-core')));
    expect(env.CORE_URL.value).toBe('http://harbor-core:80');
    // a client sends the port, or leaves the scheme's default out
    expect(tokenRealm(env, 'harbor-core:80')).toBe(env.TOKEN_SERVICE_URL.value);
    expect(tokenRealm(env, 'harbor-core')).toBe(env.TOKEN_SERVICE_URL.value);
  });
});
