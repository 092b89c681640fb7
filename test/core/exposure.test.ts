import fc from 'fast-check';
import { NetworkPeer, ServiceExposure } from '../../lib';
import { inClusterHarbor } from '../harbor/fixtures';
import type { ExposureTarget } from '../../lib/core/exposure';
import { PodFirewall } from '../../lib/core/network';
import { find, refusal, synth, testChart, thrown } from '../util';
import { httpRouteErrors } from './http-route-schema';

const gateway = { gatewayName: 'public', gatewayNamespace: 'gateways' };

/** Two Services, as Harbor exposes them: one rule each. */
const target: ExposureTarget = {
  name: 'web', namespace: 'apps', labels: { app: 'web' }, host: 'web.example.com',
  backends: [
    { serviceName: 'web-api', portName: 'http', port: 8080, paths: ['/api/', '/v2/'] },
    { serviceName: 'web-ui', portName: 'http', port: 8080, paths: ['/'] },
  ],
};

/** What `exposure` renders for `target`. */
function rendered(exposure: ServiceExposure): any[] {
  const chart = testChart('apps');
  exposure._render(chart, target);
  return synth(chart);
}

/** The NetworkPolicy a server renders that admits `exposure`'s proxies to port 8080, as DroneServer and Harbor do. */
function admitted(exposure: ServiceExposure): any[] {
  const chart = testChart('apps');
  new PodFirewall(chart, 'Firewall', { name: 'web', namespace: 'apps', podLabels: { app: 'web' } }).allow(exposure.proxyPeer, 8080);
  return find(synth(chart), 'NetworkPolicy', 'web').spec.ingress;
}

const INGRESS_NGINX = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
const LABEL_RULE = 'must be a label key with a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a ' +
  'letter or digit, the key optionally prefixed by a DNS subdomain and "/"';

describe('ServiceExposure.ingress: the controller pods the NetworkPolicies admit', () => {
  test('without controllerPodLabels, every pod of the controller\'s namespace, as before', () => {
    expect(admitted(ServiceExposure.ingress())).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
    expect(admitted(ServiceExposure.ingress({ controllerNamespace: 'edge' }))[0].from)
      .toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }]);
  });

  test('with controllerPodLabels, only those pods of that namespace: one peer holding both selectors', () => {
    // One NetworkPolicyPeer with both selectors selects "the pods matching podSelector in the namespaces selected by
    // namespaceSelector", while the items of a rule's `from` are "combined using a logical OR" (kubernetes/api
    // v0.36.3 networking/v1/types.go lines 122-126 and 209-214; kubernetes.io/docs/concepts/services-networking/
    // network-policies, "Behavior of to and from selectors"): two peers, one per selector, would admit the whole
    // namespace again.
    const rules = admitted(ServiceExposure.ingress({ controllerNamespace: 'edge', controllerPodLabels: INGRESS_NGINX }));
    expect(rules).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
        podSelector: { matchLabels: INGRESS_NGINX },
      }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
    expect(rules[0].from).toHaveLength(1);
    // the default namespace too
    expect(admitted(ServiceExposure.ingress({ controllerPodLabels: INGRESS_NGINX }))[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: INGRESS_NGINX },
    }]);
  });

  test('controllerPodLabels changes only the NetworkPolicy, never the Ingress', () => {
    const options = { className: 'nginx', controllerNamespace: 'edge' };
    expect(rendered(ServiceExposure.ingress({ ...options, controllerPodLabels: INGRESS_NGINX })))
      .toEqual(rendered(ServiceExposure.ingress(options)));
  });

  test('bad controllerPodLabels or controllerNamespace fail with one line naming the prop', () => {
    expect(() => ServiceExposure.ingress({ controllerPodLabels: {} }))
      .toThrow(new Error('invalid controllerPodLabels {}: must not be empty: omit it to admit every pod of the namespace'));
    expect(() => ServiceExposure.ingress({ controllerPodLabels: { app: 'a b' } }))
      .toThrow(new Error(`invalid controllerPodLabels {"app":"a b"}: "app" ${LABEL_RULE}`));
    expect(() => ServiceExposure.ingress({ controllerPodLabels: { 'bad key!': 'x' } }))
      .toThrow(new Error(`invalid controllerPodLabels {"bad key!":"x"}: "bad key!" ${LABEL_RULE}`));
    // named as the prop it is, not as NetworkPeer's "namespace"
    expect(() => ServiceExposure.ingress({ controllerNamespace: 'Ingress-Nginx', controllerPodLabels: INGRESS_NGINX }))
      .toThrow(new Error('invalid controllerNamespace "Ingress-Nginx": must be a DNS-1123 label: at most 63 lower-case letters, digits and ' +
        '"-", starting and ending with a letter or digit'));
    // and gatewayPodLabels keeps the same check, with its own name
    expect(() => ServiceExposure.httpRoute({ ...gateway, gatewayPodLabels: {} }))
      .toThrow(new Error('invalid gatewayPodLabels {}: must not be empty: omit it to admit every pod of the namespace'));
  });
});

describe('ServiceExposure.ingress proxyPeer: a controller on the host network', () => {
  // A pod on the host network sends from its node's address, which no namespace or pod selector matches; only the
  // node a pod runs on is always admitted to it (kubernetes.io/docs/concepts/services-networking/network-policies:
  // "traffic to and from the node where a Pod is running is always allowed", and "NetworkPolicy and hostNetwork
  // pods"). A hostNetwork ingress-nginx thus reached Harbor only from Harbor's own node, and Harbor has no
  // grantConnect to admit the others.
  const nodes = NetworkPeer.ipBlock('10.20.0.0/16');

  test('admits the peer alone, in place of the controller\'s namespace, and changes nothing of the Ingress', () => {
    expect(admitted(ServiceExposure.ingress({ proxyPeer: nodes }))).toEqual([{ from: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(rendered(ServiceExposure.ingress({ className: 'nginx', proxyPeer: nodes }))).toEqual(rendered(ServiceExposure.ingress({ className: 'nginx' })));
  });

  test('reaches Harbor\'s core and portal, the pods the exposure routes to', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { exposure: ServiceExposure.ingress({ proxyPeer: nodes }) });
    const objects = synth(chart);
    for (const name of ['harbor-core', 'harbor-portal']) {
      const from = find(objects, 'NetworkPolicy', name).spec.ingress.flatMap((r: any) => r.from);
      expect(from).toContainEqual({ ipBlock: { cidr: '10.20.0.0/16' } });
      expect(from).not.toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } });
    }
  });

  test('refused with the props it replaces, and when not a NetworkPeer, in one line', () => {
    expect(refusal(() => ServiceExposure.ingress({ proxyPeer: nodes, controllerNamespace: 'edge' })))
      .toBe('invalid controllerNamespace "edge": must not be set with proxyPeer, which names the proxies the NetworkPolicies admit in their place');
    expect(refusal(() => ServiceExposure.ingress({ proxyPeer: nodes, controllerPodLabels: INGRESS_NGINX })))
      .toMatch(/^invalid controllerPodLabels \{.*\}: must not be set with proxyPeer, which names the proxies/);
    const notPeer = { ipBlock: { cidr: '10.20.0.0/16' } } as any;
    const rule = 'must be a NetworkPeer, e.g. NetworkPeer.ipBlock("10.0.0.0/16") or NetworkPeer.pods(namespace, labels)';
    expect(refusal(() => ServiceExposure.ingress({ proxyPeer: notPeer }))).toBe(`invalid proxyPeer {"ipBlock":{"cidr":"10.20.0.0/16"}}: ${rule}`);
    expect(refusal(() => ServiceExposure.httpRoute({ ...gateway, proxyPeer: notPeer }))).toBe(`invalid proxyPeer {"ipBlock":{"cidr":"10.20.0.0/16"}}: ${rule}`);
  });
});

const DURATION_RULE = 'must be a Gateway API duration (GEP-2257): one to four groups of at most 5 digits and a unit h, m, s or ms, ' +
  'such as "30s", "1h30m" or "500ms"; "0s" disables the timeout';

describe('ServiceExposure.httpRoute timeouts', () => {
  test('without timeouts, the rules carry none, as before', () => {
    const route = find(rendered(ServiceExposure.httpRoute(gateway)), 'HTTPRoute', 'web');
    expect(route.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/api/' } }, { path: { type: 'PathPrefix', value: '/v2/' } }], backendRefs: [{ name: 'web-api', port: 8080 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web-ui', port: 8080 }] },
    ]);
  });

  test('set on every rule, and valid against the Gateway API v1.6.1 CRD', () => {
    const route = find(rendered(ServiceExposure.httpRoute({ ...gateway, timeouts: { backendRequest: '30s', request: '1h30m' } })), 'HTTPRoute', 'web');
    expect(route.spec.rules).toEqual([
      expect.objectContaining({ backendRefs: [{ name: 'web-api', port: 8080 }], timeouts: { request: '1h30m', backendRequest: '30s' } }),
      expect.objectContaining({ backendRefs: [{ name: 'web-ui', port: 8080 }], timeouts: { request: '1h30m', backendRequest: '30s' } }),
    ]);
    expect(httpRouteErrors(route)).toEqual([]);
    for (const timeouts of [{ request: '500ms' }, { backendRequest: '10m' }, { request: '0s', backendRequest: '99999h' }, { request: '1m', backendRequest: '60s' }]) {
      const one = find(rendered(ServiceExposure.httpRoute({ ...gateway, timeouts })), 'HTTPRoute', 'web');
      expect(one.spec.rules.map((r: any) => r.timeouts)).toEqual([timeouts, timeouts]);
      expect(httpRouteErrors(one)).toEqual([]);
    }
  });

  test('the timeouts are those checked: changing the options object afterwards changes nothing', () => {
    const timeouts: { request: string } = { request: '10s' };
    const exposure = ServiceExposure.httpRoute({ ...gateway, timeouts });
    timeouts.request = 'forever';
    expect(find(rendered(exposure), 'HTTPRoute', 'web').spec.rules[0].timeouts).toEqual({ request: '10s' });
  });

  test('bad timeouts fail at synth with one line naming the prop, the value and what is allowed', () => {
    const refused = (timeouts: any) => thrown(() => ServiceExposure.httpRoute({ ...gateway, timeouts })).message;
    expect(refused({ request: '30 s' })).toBe(`invalid timeouts.request "30 s": ${DURATION_RULE}`);
    expect(refused({ request: '1.5s' })).toBe(`invalid timeouts.request "1.5s": ${DURATION_RULE}`);
    expect(refused({ backendRequest: '1us' })).toBe(`invalid timeouts.backendRequest "1us": ${DURATION_RULE}`);
    expect(refused({ request: '100000s' })).toBe(`invalid timeouts.request "100000s": ${DURATION_RULE}`); // six digits
    expect(refused({ request: '1h1m1s1ms1s' })).toBe(`invalid timeouts.request "1h1m1s1ms1s": ${DURATION_RULE}`); // five groups
    expect(refused({ request: 30 })).toBe(`invalid timeouts.request 30: ${DURATION_RULE}`);
    expect(refused({ request: '1m', backendRequest: '90s' })).toBe('invalid timeouts.backendRequest "90s": must be no longer than ' +
      'timeouts.request "1m", which covers the whole request, every backend attempt included ("0s" there would lift that limit)');
    expect(refused({})).toBe('invalid timeouts {}: must set request, backendRequest or both: omit timeouts to leave them to the Gateway implementation');
    expect(refused({ request: '1s', idle: '5s' })).toBe('invalid timeouts.idle "5s": timeouts has no setting "idle"; its settings are request, backendRequest');
  });

  test('the CRD check refuses what the API server would: the pattern and the backendRequest <= request rule', () => {
    const route = find(rendered(ServiceExposure.httpRoute(gateway)), 'HTTPRoute', 'web');
    const withTimeouts = (timeouts: object) => ({ ...route, spec: { ...route.spec, rules: route.spec.rules.map((r: any) => ({ ...r, timeouts })) } });
    expect(httpRouteErrors(withTimeouts({ request: '1s', backendRequest: '2s' })))
      .toEqual(['timeouts: backendRequest timeout cannot be longer than request timeout', 'timeouts: backendRequest timeout cannot be longer than request timeout']);
    expect(httpRouteErrors(withTimeouts({ request: '1.5s' }))).toEqual(expect.arrayContaining([expect.stringMatching(/^\/spec\/rules\/0\/timeouts\/request must match pattern/)]));
    expect(httpRouteErrors(withTimeouts({ request: '1s', idle: '1s' }))).toEqual(expect.arrayContaining(['/spec/rules/0/timeouts must NOT have additional properties']));
  });

  test('httpRoute accepts exactly the timeouts the CRD accepts, and renders them as given', () => {
    const route = find(rendered(ServiceExposure.httpRoute(gateway)), 'HTTPRoute', 'web');
    const duration = fc.array(fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.constantFrom('h', 'm', 's', 'ms')), { minLength: 1, maxLength: 4 })
      .map((groups) => groups.map(([n, unit]) => `${n}${unit}`).join(''));
    const value = fc.oneof(
      { weight: 6, arbitrary: duration },
      { weight: 1, arbitrary: fc.constantFrom('1.5s', '1us', '100000s', '1s1s1s1s1s', '-1s', '1S', '1h ', '', '0') },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    );
    const timeoutsArb = fc.record({ request: value, backendRequest: value }, { requiredKeys: [] }).filter((t) => Object.keys(t).length > 0);
    fc.assert(fc.property(timeoutsArb, (timeouts) => {
      const asked = { ...route, spec: { ...route.spec, rules: route.spec.rules.map((r: any) => ({ ...r, timeouts })) } };
      const apiServerRefuses = httpRouteErrors(asked).length > 0;
      let exposure: ServiceExposure | undefined;
      let error: Error | undefined;
      try {
        exposure = ServiceExposure.httpRoute({ ...gateway, timeouts });
      } catch (err: any) {
        error = err;
      }
      if (apiServerRefuses) {
        expect(error?.message).toMatch(/^invalid timeouts\.(request|backendRequest) [^\n]+$/);
      } else {
        expect(error).toBeUndefined();
        const made = find(rendered(exposure!), 'HTTPRoute', 'web');
        expect(made).toEqual(asked);
        expect(httpRouteErrors(made)).toEqual([]);
      }
    }));
  });
});

describe('ServiceExposure: the host, checked at synth under the prop that gave it', () => {
  const HOST_RULE = 'must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path';
  const asHarbor = { ...target, hostProp: 'externalUrl\'s host' };
  const render = (exposure: ServiceExposure, host: string) => {
    const chart = testChart('apps');
    exposure._render(chart, { ...asHarbor, host });
    return synth(chart);
  };

  // Harbor's host comes from a WHATWG URL, which keeps a trailing dot and "_"; the HTTPRoute CRD's `hostnames` pattern
  // (gateway-api v1.6.1 httproutes.yaml line 3579) and the Ingress host's DNS-1123 rule refuse both at apply
  test.each(['harbor.example.com.', 'harbor_x.example.com'])('%s is refused for both kinds, naming externalUrl\'s host', (host) => {
    const route = { ...find(render(ServiceExposure.httpRoute(gateway), 'web.example.com'), 'HTTPRoute', 'web') };
    expect(httpRouteErrors({ ...route, spec: { ...route.spec, hostnames: [host] } })).toEqual([expect.stringMatching(/^\/spec\/hostnames\/0 must match pattern/)]);
    expect(refusal(() => render(ServiceExposure.httpRoute(gateway), host))).toBe(`invalid externalUrl's host "${host}": ${HOST_RULE}`);
    expect(refusal(() => render(ServiceExposure.ingress(), host))).toBe(`invalid externalUrl's host "${host}": ${HOST_RULE}`);
  });

  test('an IP address is refused for an HTTPRoute with the Gateway API\'s reason', () => {
    expect(refusal(() => render(ServiceExposure.httpRoute(gateway), '[::1]'))).toBe('invalid externalUrl\'s host "[::1]": must be a DNS host ' +
      'name for an HTTPRoute: Gateway API hostnames exclude IP addresses');
    expect(refusal(() => render(ServiceExposure.httpRoute(gateway), '10.0.0.1'))).toMatch(/^invalid externalUrl's host "10\.0\.0\.1": must be a DNS host name for an HTTPRoute/);
  });

  test('every host the check lets through renders an HTTPRoute the CRD accepts', () => {
    const label = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/);
    fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')), (host) => {
      let objects: any[] | undefined;
      try {
        objects = render(ServiceExposure.httpRoute(gateway), host);
      } catch (err: any) {
        expect(err.message).toMatch(/^invalid externalUrl's host [^\n]+$/);
        return;
      }
      expect(httpRouteErrors(find(objects, 'HTTPRoute', 'web'))).toEqual([]);
    }));
  });
});
