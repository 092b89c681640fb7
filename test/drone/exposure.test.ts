import { HarborExposure, IngressTls, NetworkPeer, ServiceExposure } from '../../lib';
import { CI_SERVER_INGRESS_ANNOTATIONS } from '../../lib/ci/server-ingress';
import { httpRouteErrors } from '../core/http-route-schema';
import { find, synth, testChart } from '../util';
import { droneServer } from './fixtures';

const gateway = { gatewayName: 'public', gatewayNamespace: 'gateways' };
const port8080 = (from: any) => ({ from: [from], ports: [{ protocol: 'TCP', port: 8080 }] });

describe('DroneServer exposure', () => {
  test('attaches an HTTPRoute to a Gateway, valid against Gateway API v1.6.1, instead of an Ingress', () => {
    const chart = testChart('ci');
    const server = droneServer(chart, { host: 'drone.example.com:8443', exposure: ServiceExposure.httpRoute({ ...gateway, sectionName: 'https' }) });
    const objects = synth(chart);
    const route = find(objects, 'HTTPRoute', 'drone', 'ci');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['drone.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'drone', port: 8080 }] }],
    });
    expect(find(objects, 'Service', 'drone').spec.ports.map((p: any) => p.port)).toContain(route.spec.rules[0].backendRefs[0].port);
    expect(httpRouteErrors(route)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(server.tlsSecretName).toBeUndefined();
    expect(find(objects, 'NetworkPolicy', 'drone').spec.ingress).toEqual([
      port8080({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } } }),
    ]);
  });

  test('admits only the Gateway pods with gatewayPodLabels', () => {
    const chart = testChart('ci');
    const labels = { 'gateway.networking.k8s.io/gateway-name': 'public' };
    droneServer(chart, { exposure: ServiceExposure.httpRoute({ ...gateway, gatewayPodLabels: labels }) });
    const objects = synth(chart);
    expect(find(objects, 'HTTPRoute', 'drone').spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways' }]);
    expect(httpRouteErrors(find(objects, 'HTTPRoute', 'drone'))).toEqual([]);
    expect(find(objects, 'NetworkPolicy', 'drone').spec.ingress).toEqual([
      port8080({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } }, podSelector: { matchLabels: labels } }),
    ]);
  });

  test('admits only the ingress controller pods with controllerPodLabels, in one peer (see test/core/exposure.test.ts)', () => {
    const chart = testChart('ci');
    const labels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
    droneServer(chart, { exposure: ServiceExposure.ingress({ className: 'nginx', controllerPodLabels: labels }) });
    expect(find(synth(chart), 'NetworkPolicy', 'drone').spec.ingress).toEqual([
      port8080({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: labels } }),
    ]);
  });

  test('admits the proxies where they run when they are not the Gateway\'s namespace (Envoy Gateway), or an address range', () => {
    // Envoy Gateway runs a Gateway's proxies in its controller's namespace, not the Gateway's (its docs: "In standard
    // deployment mode, Envoy Gateway creates all data plane resources in the controller namespace"), labelled with the
    // Gateway's name
    const chart = testChart('ci');
    const envoy = NetworkPeer.pods('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'public' });
    droneServer(chart, { exposure: ServiceExposure.httpRoute({ ...gateway, proxyPeer: envoy }) });
    const objects = synth(chart);
    expect(find(objects, 'HTTPRoute', 'drone').spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways' }]);
    expect(find(objects, 'NetworkPolicy', 'drone').spec.ingress).toEqual([port8080({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
      podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public' } },
    })]);
    const lb = testChart('ci');
    droneServer(lb, { exposure: ServiceExposure.httpRoute({ ...gateway, proxyPeer: NetworkPeer.ipBlock('10.128.0.0/16') }) });
    expect(find(synth(lb), 'NetworkPolicy', 'drone').spec.ingress).toEqual([port8080({ ipBlock: { cidr: '10.128.0.0/16' } })]);
    expect(() => ServiceExposure.httpRoute({ ...gateway, proxyPeer: envoy, gatewayPodLabels: { a: 'b' } }))
      .toThrow(new Error('invalid gatewayPodLabels {"a":"b"}: must not be set with proxyPeer: give the proxies\' labels in the peer itself'));
  });

  test('the schema check catches a broken HTTPRoute', () => {
    const chart = testChart('ci');
    droneServer(chart, { exposure: ServiceExposure.httpRoute(gateway) });
    const route = find(synth(chart), 'HTTPRoute', 'drone');
    const broken = { ...route, spec: { ...route.spec, hostnames: ['Drone'], rules: [{ backendRefs: [{ name: 'drone' }], matches: [{ path: { type: 'PathPrefix', value: '//x' } }] }], extra: 1 } };
    expect(httpRouteErrors(broken)).toEqual(expect.arrayContaining([
      '/spec must NOT have additional properties', expect.stringMatching(/^\/spec\/hostnames\/0 must match pattern/),
      'backendRef drone: no port', 'path //x: not a clean absolute path',
    ]));
  });

  test('ServiceExposure.ingress renders what the deprecated ingress prop renders', () => {
    const options = { className: 'nginx', tls: IngressTls.certManager('letsencrypt'), controllerNamespace: 'ingress', annotations: { a: 'b' } };
    const viaProp = testChart('ci');
    const a = droneServer(viaProp, { ingress: options });
    const viaExposure = testChart('ci');
    const b = droneServer(viaExposure, { exposure: ServiceExposure.ingress(options) });
    expect(synth(viaExposure)).toEqual(synth(viaProp));
    expect(b.tlsSecretName).toBe('drone-tls');
    expect(a.tlsSecretName).toBe('drone-tls');
    expect(find(synth(viaExposure), 'Ingress', 'drone').metadata.annotations).toEqual({
      'a': 'b', 'cert-manager.io/cluster-issuer': 'letsencrypt', ...CI_SERVER_INGRESS_ANNOTATIONS,
    });
    expect(viaExposure.node.findChild('Drone').node.tryFindChild('Ingress')).toBeDefined();
  });

  test('HarborExposure is ServiceExposure', () => {
    expect(HarborExposure).toBe(ServiceExposure);
    expect(HarborExposure.httpRoute(gateway)).toBeInstanceOf(ServiceExposure);
  });

  test('grantConnect admits a client to 8080, and the deprecated grantRpc does the same', () => {
    const chart = testChart('ci');
    const server = droneServer(chart);
    server.grantConnect(NetworkPeer.namespace('builds'));
    server.grantRpc(NetworkPeer.namespace('builds'));
    server.grantRpc(NetworkPeer.pods('ci', { app: 'runner' }));
    expect(find(synth(chart), 'NetworkPolicy', 'drone').spec.ingress).toEqual([
      port8080({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'builds' } } }),
      port8080({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } }, podSelector: { matchLabels: { app: 'runner' } } }),
    ]);
  });

  test('fails on bad gateway props with one-line messages', () => {
    expect(() => ServiceExposure.httpRoute({ gatewayName: 'Public', gatewayNamespace: 'gateways' }))
      .toThrow('invalid gatewayName "Public": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels');
    expect(() => ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gate.ways' }))
      .toThrow('invalid gatewayNamespace "gate.ways": must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit');
    expect(() => ServiceExposure.httpRoute({ ...gateway, sectionName: 'HTTPS' }))
      .toThrow('invalid sectionName "HTTPS": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels');
    expect(() => ServiceExposure.httpRoute({ ...gateway, gatewayPodLabels: {} }))
      .toThrow('invalid gatewayPodLabels {}: must not be empty: omit it to admit every pod of the namespace');
    expect(() => ServiceExposure.httpRoute({ ...gateway, gatewayPodLabels: { app: 'a b' } }))
      .toThrow('invalid gatewayPodLabels {"app":"a b"}: "app" must be a label key with a label value: at most 63 letters, digits, "-", "_" ' +
        'and ".", starting and ending with a letter or digit, the key optionally prefixed by a DNS subdomain and "/"');
    expect(() => droneServer(testChart('ci'), { host: '10.0.0.1', exposure: ServiceExposure.httpRoute(gateway) }))
      .toThrow('invalid host "10.0.0.1": must be a DNS host name for an HTTPRoute: Gateway API hostnames exclude IP addresses');
    // an IPv6 address too, which a URL brackets: the HTTPRoute CRD's hostname pattern would refuse it at apply
    expect(() => droneServer(testChart('ci'), { host: '[fd00::1]', exposure: ServiceExposure.httpRoute(gateway) }))
      .toThrow(/^invalid host "\[fd00::1\]"/);
    // nor may an Ingress rule's host be one (kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1,
    // IngressRule.host: "IPs are not allowed"); the server's URL itself may name an address, when nothing exposes it
    for (const host of ['10.0.0.1', '10.0.0.1:8443']) {
      expect(() => droneServer(testChart('ci'), { host, ingress: { className: 'nginx' } }))
        .toThrow(new Error('invalid host "10.0.0.1": must be a lower-case DNS host name, not an IP address nor a name ending in a number such as "ci.123" (URLs read that as IPv4), without scheme or path'));
    }
    expect(droneServer(testChart('ci'), { host: '10.0.0.1' }).url).toBe('https://10.0.0.1');
    expect(() => droneServer(testChart('ci'), { ingress: { className: 'nginx' }, exposure: ServiceExposure.httpRoute(gateway) }))
      .toThrow('invalid ingress {"className":"nginx"}: must not be set together with exposure: use exposure alone');
    for (const bad of [{ gatewayName: '', gatewayNamespace: 'gw' }, { gatewayName: 'gw', gatewayNamespace: '' }]) {
      expect(() => ServiceExposure.httpRoute(bad)).toThrow(/^invalid gateway(Name|Namespace) "": [^\n]+$/);
    }
  });
});
