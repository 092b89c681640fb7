// Which Harbor Service a request reaches through the HTTPRoute, decided as a Gateway must decide it. The rules come
// from the Gateway API v1.6.1 HTTPRoute CRD (../shared/k8s-crds/gateway-api-v1.6.1/httproutes.yaml, the
// descriptions of `HTTPRouteRule.matches` and of `PathPrefix`):
// - PathPrefix "matches full path elements … a trailing `/` is ignored. For example, the paths `/abc`, `/abc/`, and
//   `/abc/def` would all match the prefix `/abc`, but the path `/abcd` would not";
// - across rules, precedence goes to an Exact match, then to the "Prefix" match "with largest number of characters";
//   remaining ties go to the first matching rule in list order.
// The paths that must reach core are harbor-helm 1.19.1's (templates/ingress/ingress.yaml: /api/, /service/, /v2/,
// /c/ to core, / to the portal): the docker client's `GET /v2/`, the token service, the API and the OIDC callback.
import { HarborExposure } from '../../lib';
import { find, synth, testChart } from '../util';
import { inClusterHarbor } from './fixtures';

interface Route {
  readonly spec: { readonly rules: { matches: { path: { type: string; value: string } }[]; backendRefs: { name: string }[] }[] };
}

/** Whether `path` matches the PathPrefix `prefix`, element by element, ignoring a trailing slash of the prefix. */
function prefixMatches(prefix: string, path: string): boolean {
  const elements = (p: string) => p.split('/').filter((e) => e !== '');
  const want = elements(prefix);
  const have = elements(path.split('?')[0]);
  return want.length <= have.length && want.every((e, i) => e === have[i]);
}

/** The backend a Gateway sends `path` to: the longest matching prefix (in characters), the first rule on ties. */
function backendFor(route: Route, path: string): string | undefined {
  let best: { length: number; backend: string } | undefined;
  for (const rule of route.spec.rules) {
    for (const match of rule.matches) {
      if (match.path.type !== 'PathPrefix') throw new Error(`unmodelled match type ${match.path.type}`);
      if (prefixMatches(match.path.value, path) && (best === undefined || match.path.value.length > best.length)) {
        best = { length: match.path.value.length, backend: rule.backendRefs[0].name };
      }
    }
  }
  return best?.backend;
}

describe('Harbor HTTPRoute: where each request goes (Gateway API matching precedence)', () => {
  const chart = testChart('harbor');
  inClusterHarbor(chart, { exposure: HarborExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways' }) });
  const route: Route = find(synth(chart), 'HTTPRoute', 'harbor');

  test('the model follows the spec on its own examples', () => {
    expect(prefixMatches('/abc', '/abc')).toBe(true);
    expect(prefixMatches('/abc', '/abc/')).toBe(true);
    expect(prefixMatches('/abc', '/abc/def')).toBe(true);
    expect(prefixMatches('/abc', '/abcd')).toBe(false);
    expect(prefixMatches('/abc/', '/abc')).toBe(true); // the prefix's trailing slash is ignored
  });

  test.each([
    ['/v2/', 'harbor-core'], // docker login and pull start with GET /v2/
    ['/v2', 'harbor-core'],
    ['/v2/library/nginx/manifests/1.27', 'harbor-core'],
    ['/service/token?service=harbor-registry&scope=repository:library/nginx:pull', 'harbor-core'],
    ['/api/v2.0/projects', 'harbor-core'],
    ['/c/oidc/callback', 'harbor-core'],
    ['/c/login', 'harbor-core'],
    ['/', 'harbor-portal'],
    ['/harbor/projects', 'harbor-portal'],
    ['/v2x', 'harbor-portal'], // not the /v2 element
    ['/apis', 'harbor-portal'],
    ['/index.html', 'harbor-portal'],
    // core's job status hooks, for jobservice in the cluster alone: Harbor's own nginx answers them 404 from outside
    // (goharbor/harbor v2.15.1 make/photon/prepare/templates/nginx/nginx.http.conf.jinja, `location
    // /service/notifications`; the hooks: src/server/route.go:51-57). The portal's nginx serves no POST
    ['/service/notifications/tasks/12', 'harbor-portal'],
    ['/service/notifications/jobs/adminjob/3', 'harbor-portal'],
    ['/service/notifications', 'harbor-portal'],
    ['/service/notificationsx', 'harbor-core'], // no hook: not the element
  ])('%s reaches %s', (path, backend) => {
    expect(backendFor(route, path)).toBe(backend);
  });

  test('every request reaches some backend: "/" catches what no other prefix takes', () => {
    for (const path of ['/favicon.ico', '/license', '/swagger.json', '/devcenter-api-2.0']) {
      expect(backendFor(route, path)).toBe('harbor-portal');
    }
  });
});
