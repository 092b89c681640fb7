// Whether the HTTPRoute Dockyard renders attaches to a Gateway in another namespace, as Gateway API v1.6.1 decides it
// (../shared/k8s-crds/gateway-api-v1.6.1): a parentRef names the Gateway and its namespace (the route's own when
// left out) and optionally a listener (`sectionName`); a listener admits routes from the namespaces its
// `allowedRoutes.namespaces.from` says, by default its own ("Same": gateways.yaml, `allowedRoutes` default
// `{namespaces: {from: Same}}`); and a route attaches to a listener only if one of its hostnames matches the
// listener's hostname, exactly or under a `*.` wildcard (httproutes.yaml, `hostnames` description). The README's
// "Behind a Gateway" says the same; these cases keep it true.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ServiceExposure } from '../../lib';
import { find, synth, testChart } from '../util';
import { droneServer } from '../drone/fixtures';

const CRDS = process.env.DOCKYARD_K8S_CRDS ?? path.resolve(__dirname, '../../../shared/k8s-crds');

interface Listener {
  readonly name: string;
  readonly hostname?: string;
  readonly allowedRoutes?: { namespaces?: { from?: 'All' | 'Same' | 'Selector'; selector?: { matchLabels: Record<string, string> } } };
}
interface Gateway {
  readonly name: string;
  readonly namespace: string;
  readonly listeners: readonly Listener[];
}

/** The listener's `allowedRoutes` default, read from the Gateway CRD. */
function allowedRoutesDefault(): any {
  const file = path.join(CRDS, 'gateway-api-v1.6.1', 'gateways.yaml');
  const crd = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).find((d) => d?.kind === 'CustomResourceDefinition');
  const schema = crd.spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema;
  return schema.properties.spec.properties.listeners.items.properties.allowedRoutes.default;
}

function hostnameMatches(listener: string | undefined, route: string): boolean {
  if (listener === undefined) return true;
  if (listener.startsWith('*.')) return route.endsWith(listener.slice(1)) && route.length > listener.length - 1;
  return listener === route;
}

/** The listeners of `gateway` the route attaches to, in a cluster whose namespaces carry only their name label. */
function attachedListeners(route: any, gateway: Gateway): string[] {
  const routeNamespace: string = route.metadata.namespace;
  const defaults = allowedRoutesDefault();
  return route.spec.parentRefs.flatMap((ref: any) => {
    if (ref.name !== gateway.name || (ref.namespace ?? routeNamespace) !== gateway.namespace) return [];
    return gateway.listeners.filter((l) => {
      if (ref.sectionName !== undefined && ref.sectionName !== l.name) return false;
      const namespaces = { ...defaults.namespaces, ...l.allowedRoutes?.namespaces };
      const admitted = namespaces.from === 'All' || (namespaces.from === 'Same' && routeNamespace === gateway.namespace) ||
        (namespaces.from === 'Selector' && Object.entries(namespaces.selector?.matchLabels ?? {})
          .every(([k, v]) => k === 'kubernetes.io/metadata.name' && v === routeNamespace));
      return admitted && route.spec.hostnames.some((h: string) => hostnameMatches(l.hostname, h));
    }).map((l) => l.name);
  });
}

function droneRoute(sectionName?: string): any {
  const chart = testChart('ci');
  droneServer(chart, { host: 'drone.example.com', exposure: ServiceExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways', sectionName }) });
  return find(synth(chart), 'HTTPRoute', 'drone', 'ci');
}

describe('HTTPRoute attachment to a Gateway in another namespace (Gateway API v1.6.1)', () => {
  test('a listener admits its own namespace\'s routes only, by default', () => {
    expect(allowedRoutesDefault()).toEqual({ namespaces: { from: 'Same' } });
    const gateway: Gateway = { name: 'public', namespace: 'gateways', listeners: [{ name: 'https', hostname: '*.example.com' }] };
    expect(attachedListeners(droneRoute('https'), gateway)).toEqual([]);
  });

  test('the route names the Gateway\'s namespace, so a listener that admits the route\'s takes it', () => {
    const route = droneRoute('https');
    for (const allowedRoutes of [{ namespaces: { from: 'All' as const } }, { namespaces: { from: 'Selector' as const, selector: { matchLabels: { 'kubernetes.io/metadata.name': 'ci' } } } }]) {
      expect(attachedListeners(route, { name: 'public', namespace: 'gateways', listeners: [{ name: 'https', hostname: '*.example.com', allowedRoutes }] })).toEqual(['https']);
    }
    // without the parentRef's namespace the route would look for the Gateway in its own
    expect(attachedListeners({ ...route, spec: { ...route.spec, parentRefs: [{ name: 'public', sectionName: 'https' }] } },
      { name: 'public', namespace: 'gateways', listeners: [{ name: 'https', allowedRoutes: { namespaces: { from: 'All' } } }] })).toEqual([]);
  });

  test('sectionName keeps the route off the plain-HTTP listener, which it joins without one', () => {
    const all = { namespaces: { from: 'All' as const } };
    const gateway: Gateway = { name: 'public', namespace: 'gateways', listeners: [{ name: 'http', allowedRoutes: all }, { name: 'https', hostname: '*.example.com', allowedRoutes: all }] };
    expect(attachedListeners(droneRoute(), gateway)).toEqual(['http', 'https']);
    expect(attachedListeners(droneRoute('https'), gateway)).toEqual(['https']);
    // a listener of another host takes nothing
    expect(attachedListeners(droneRoute('https'), { ...gateway, listeners: [{ name: 'https', hostname: '*.example.net', allowedRoutes: all }] })).toEqual([]);
  });
});
