// Two exposures of one app (Ingress or HTTPRoute) must not claim the same host and an overlapping path prefix: the
// ingress controller merges the Ingresses' rules (the longest prefix winning, each with its own TLS Secret for the
// host), and a Gateway does the same with HTTPRoutes, so some requests for one application reach the other.
import fc from 'fast-check';
import { Construct } from 'constructs';
import { App } from 'cdk8s';
import { DockyardChart, IngressTls, ServiceExposure } from '../../lib';
import type { ExposureTarget } from '../../lib/core/exposure';
import { pathPrefixesOverlap } from '../../lib/core/exposure-hosts';
import { droneServer } from '../drone/fixtures';
import { inClusterHarbor } from '../harbor/fixtures';
import { refusal, synth, testChart } from '../util';

const gateway = { gatewayName: 'public', gatewayNamespace: 'gateways' };

/** A target of one Service on `host`, routing `paths`. */
function target(host: string, paths: string[], hostProp?: string): ExposureTarget {
  return { name: 'web', namespace: 'apps', labels: { app: 'web' }, host, hostProp, backends: [{ serviceName: 'web', portName: 'http', port: 8080, paths }] };
}

/** Two charts of one app, `ci` and `harbor`, as a stack holds the CI server and Harbor. */
function charts(): { ci: DockyardChart; harbor: DockyardChart } {
  const app = new App({ outdir: '/nonexistent' });
  return { ci: new DockyardChart(app, 'ci', { namespace: 'ci' }), harbor: new DockyardChart(app, 'harbor', { namespace: 'harbor' }) };
}

describe('two exposures of the app on one host', () => {
  test('Harbor on the CI server\'s host is refused, naming both constructs, the host and the paths (the trial\'s case)', () => {
    const { ci, harbor } = charts();
    droneServer(ci, { host: 'ci.acme.dev', exposure: ServiceExposure.ingress({ tls: IngressTls.certManager('letsencrypt') }) });
    // Harbor's first path, /api/, lies under the server's /
    expect(refusal(() => inClusterHarbor(harbor, { externalUrl: 'https://ci.acme.dev' }))).toBe('invalid externalUrl\'s host "ci.acme.dev": must not be ' +
      'routed by two exposures of the app: harbor/Harbor\'s Ingress would route "/api/" of host "ci.acme.dev", where ci/Drone\'s Ingress routes ' +
      '"/"; give each its own host, or paths apart');
  });

  test('the CI server after Harbor is refused under its own prop, host', () => {
    const { ci, harbor } = charts();
    inClusterHarbor(harbor, { externalUrl: 'https://ci.acme.dev' });
    expect(refusal(() => droneServer(ci, { host: 'ci.acme.dev', exposure: ServiceExposure.ingress() }))).toBe('invalid host "ci.acme.dev": ' +
      'must not be routed by two exposures of the app: ci/Drone\'s Ingress would route "/" of host "ci.acme.dev", where harbor/Harbor\'s ' +
      'Ingress routes "/api/"; give each its own host, or paths apart');
  });

  test('Harbor and the CI server on hosts of their own are both exposed', () => {
    const { ci, harbor } = charts();
    droneServer(ci, { host: 'ci.acme.dev', exposure: ServiceExposure.ingress() });
    inClusterHarbor(harbor, { externalUrl: 'https://registry.acme.dev' });
    expect([...synth(ci), ...synth(harbor)].filter((o) => o.kind === 'Ingress').map((o) => o.spec.rules[0].host)).toEqual(['ci.acme.dev', 'registry.acme.dev']);
  });

  test('an HTTPRoute and an Ingress clash too; a host in upper case is refused before, as both objects refuse it', () => {
    const chart = testChart('apps');
    ServiceExposure.httpRoute(gateway)._render(new Construct(chart, 'A'), target('web.example.com', ['/']));
    expect(refusal(() => ServiceExposure.ingress()._render(new Construct(chart, 'B'), target('web.example.com', ['/docs'], 'url'))))
      .toBe('invalid url "web.example.com": must not be routed by two exposures of the app: test/B\'s Ingress would route "/docs" of host ' +
        '"web.example.com", where test/A\'s HTTPRoute routes "/"; give each its own host, or paths apart');
    // the HTTPRoute CRD's `hostnames` pattern takes lower case only (gateway-api v1.6.1 httproutes.yaml line 3579), as
    // an Ingress host does
    expect(refusal(() => ServiceExposure.httpRoute(gateway)._render(new Construct(chart, 'C'), target('WEB.example.com', ['/a']))))
      .toBe('invalid host "WEB.example.com": must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path');
  });

  test('a refused exposure makes nothing and records nothing: a later exposure of another host, or of paths apart, is let through', () => {
    const chart = testChart('apps');
    ServiceExposure.ingress()._render(new Construct(chart, 'A'), target('web.example.com', ['/api/']));
    expect(() => ServiceExposure.ingress()._render(new Construct(chart, 'B'), target('web.example.com', ['/ui', '/api/v2']))).toThrow(/must not be routed by two exposures/);
    // paths apart on the same host: /apix is no element-wise continuation of /api
    ServiceExposure.httpRoute(gateway)._render(new Construct(chart, 'C'), target('web.example.com', ['/apix', '/ui']));
    // named apart from A's Ingress: two objects of one name would apply as one (lib/core/object-names.ts)
    ServiceExposure.ingress()._render(new Construct(chart, 'D'), { ...target('docs.example.com', ['/']), name: 'docs' });
    const routed = synth(chart).filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')
      .map((o) => [o.kind, o.kind === 'Ingress' ? o.spec.rules[0].host : o.spec.hostnames[0]]);
    expect(routed).toEqual([['Ingress', 'web.example.com'], ['HTTPRoute', 'web.example.com'], ['Ingress', 'docs.example.com']]);
    // B's /ui was never recorded: a route of it is let through
    ServiceExposure.ingress()._render(new Construct(chart, 'E'), target('web.example.com', ['/ui2']));
    expect(() => ServiceExposure.ingress()._render(new Construct(chart, 'F'), target('web.example.com', ['/ui/x']))).toThrow('test/C\'s HTTPRoute routes "/ui"');
  });

  test('an owner taken out of the tree after its exposure was made claims nothing: its retry is let through, and still refuses others', () => {
    const chart = testChart('apps');
    // the owner throws after _render (a later check of its own), and the program removes it to retry with fixed props
    const first = new Construct(chart, 'Web');
    ServiceExposure.ingress()._render(first, target('web.example.com', ['/']));
    chart.node.tryRemoveChild('Web');
    const retry = new Construct(chart, 'Web');
    expect(() => ServiceExposure.ingress()._render(retry, target('web.example.com', ['/']))).not.toThrow();
    expect(synth(chart).filter((o) => o.kind === 'Ingress').map((o) => o.metadata.namespace)).toEqual(['apps']);
    // the retry's claim holds
    expect(refusal(() => ServiceExposure.ingress()._render(new Construct(chart, 'Other'), target('web.example.com', ['/docs']))))
      .toMatch(/^invalid host "web.example.com": must not be routed by two exposures of the app: test\/Other's Ingress would route "\/docs" of host "web.example.com", where test\/Web's Ingress routes "\/"/);
  });

  test('exposures of separate apps never clash', () => {
    ServiceExposure.ingress()._render(testChart('apps'), target('web.example.com', ['/']));
    expect(() => ServiceExposure.ingress()._render(testChart('apps'), target('web.example.com', ['/']))).not.toThrow();
  });
});

describe('pathPrefixesOverlap', () => {
  test.each([
    ['/', '/anything', true],
    ['/api', '/api/', true], // a trailing "/" is ignored
    ['/api/', '/api/v2', true],
    ['/api', '/apix', false], // element by element, not by characters
    ['/v2/', '/c/', false],
  ])('%s and %s: %s', (a, b, overlap) => {
    expect(pathPrefixesOverlap(a, b)).toBe(overlap);
    expect(pathPrefixesOverlap(b, a)).toBe(overlap);
  });

  // The semantics of Ingress `Prefix` (kubernetes/api v0.36.3 networking/v1/types.go lines 461-476) and HTTPRoute
  // `PathPrefix` (kubernetes-sigs/gateway-api v1.6.1 apis/v1/httproute_types.go, PathMatchPathPrefix), written out
  // as string comparisons: "/foo" and "/foo/" match "/foo", "/foo/" and "/foo/bar", never "/foobar".
  const prefixMatches = (prefix: string, path: string): boolean => {
    const p = prefix.replace(/\/+$/, '');
    return p === '' || path === p || path.startsWith(`${p}/`);
  };
  const segment = fc.constantFrom('a', 'ab', 'b', 'api', 'v2');
  const prefix = fc.tuple(fc.array(segment, { maxLength: 3 }), fc.boolean()).map(([parts, slash]) => `/${parts.join('/')}${slash && parts.length > 0 ? '/' : ''}`);
  const request = fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`);

  test('two prefixes overlap exactly when some request path matches both', () => {
    fc.assert(fc.property(prefix, prefix, request, (a, b, r) => {
      // no clash missed: a request both match means they overlap
      if (prefixMatches(a, r) && prefixMatches(b, r)) {
        expect(pathPrefixesOverlap(a, b)).toBe(true);
      }
      // no clash made up: overlapping prefixes share a request, the longer prefix itself
      if (pathPrefixesOverlap(a, b)) {
        const longer = a.replace(/\/+$/, '').length >= b.replace(/\/+$/, '').length ? a : b;
        expect(prefixMatches(a, longer) && prefixMatches(b, longer)).toBe(true);
      }
    }));
  });
});
