import { IConstruct } from 'constructs';
import { isInTree } from './in-tree';
import { describeValue, invalid } from './validation';

/** What one exposure of the app routes: an Ingress's or HTTPRoute's host and path prefixes. */
export interface HostPaths {
  /** The construct that exposes them (Harbor, a CI server), whose path errors name. */
  readonly owner: IConstruct;
  /** "Ingress" or "HTTPRoute". */
  readonly kind: string;
  /** The public host, without port. */
  readonly host: string;
  /** The prop that gave the host, which a refusal names. */
  readonly hostProp: string;
  /** The path prefixes, each starting with "/". */
  readonly paths: readonly string[];
}

/** Per app root: the exposures by lower-cased host (DNS names compare in any case). */
const exposuresByApp = new WeakMap<IConstruct, Map<string, HostPaths[]>>();

/**
 * A path prefix as both `Prefix` (Ingress) and `PathPrefix` (HTTPRoute) match it: element by element, split at "/",
 * a trailing "/" ignored; `/foo` matches `/foo/bar` but not `/foobar` (kubernetes/api v0.36.3 networking/v1/types.go
 * lines 461-476; kubernetes-sigs/gateway-api v1.6.1 apis/v1/httproute_types.go, `PathMatchPathPrefix`).
 */
function elementsOf(path: string): string[] {
  return path.split('/').filter((e) => e !== '');
}

/**
 * Whether some request path matches both prefixes: one is an element-wise prefix of the other, so the longer takes
 * part of what the shorter routes (`/` takes every path).
 */
export function pathPrefixesOverlap(a: string, b: string): boolean {
  const [short, long] = [elementsOf(a), elementsOf(b)].sort((x, y) => x.length - y.length);
  return short.every((e, i) => e === long[i]);
}

/**
 * Refuse `claim` if another exposure of the app routes a path of its host that it routes too: the ingress
 * controller or Gateway would send some requests for one application to the other (ingress-nginx merges the two
 * Ingresses' rules, the longest prefix winning, and each brings its own TLS Secret for the host). Changes nothing;
 * `recordHostPaths` records the claim once its object is made.
 */
export function checkHostPaths(claim: HostPaths): void {
  const others = exposuresByApp.get(claim.owner.node.root)?.get(claim.host.toLowerCase()) ?? [];
  // an owner taken out of the tree again (it threw after its exposure was made, and the program removed it to retry)
  // routes nothing: its claim would refuse the retry
  for (const other of others.filter((o) => isInTree(o.owner))) {
    for (const path of claim.paths) {
      const taken = other.paths.find((p) => pathPrefixesOverlap(p, path));
      if (taken !== undefined) {
        invalid(claim.hostProp, claim.host, `must not be routed by two exposures of the app: ${claim.owner.node.path}'s ${claim.kind} would route ` +
          `${describeValue(path)} of host ${describeValue(claim.host.toLowerCase())}, where ${other.owner.node.path}'s ${other.kind} routes ` +
          `${describeValue(taken)}; give each its own host, or paths apart`);
      }
    }
  }
}

/** Record an exposure that `checkHostPaths` let through, once its object is made. */
export function recordHostPaths(claim: HostPaths): void {
  const root = claim.owner.node.root;
  const byHost = exposuresByApp.get(root) ?? new Map<string, HostPaths[]>();
  exposuresByApp.set(root, byHost);
  const host = claim.host.toLowerCase();
  byHost.set(host, [...(byHost.get(host) ?? []), { ...claim, paths: [...claim.paths] }]);
}

/** Every exposure recorded in the app of `scope` whose owner is still in the tree: the hosts the app serves. */
export function exposedHosts(scope: IConstruct): HostPaths[] {
  return [...(exposuresByApp.get(scope.node.root)?.values() ?? [])].flat().filter((e) => isInTree(e.owner)).map((e) => ({ ...e, host: e.host.toLowerCase() }));
}
