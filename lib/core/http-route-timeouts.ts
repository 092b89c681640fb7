import { checkKnownKeys, describeValue, invalid } from './validation';

/**
 * The timeouts a Gateway applies to the requests of an HTTPRoute (Gateway API `HTTPRouteRule.timeouts`, set on every
 * rule of the route). Each is a Gateway API Duration (GEP-2257): one to four groups of at most five digits and a unit
 * `h`, `m`, `s` or `ms`, such as "30s", "1h30m" or "500ms"; "0s" disables the timeout.
 *
 * Extended support: a Gateway implementation that lacks the features `HTTPRouteRequestTimeout` and
 * `HTTPRouteBackendTimeout` (its GatewayClass's `status.supportedFeatures`) may reject the route or ignore them.
 */
export interface HttpRouteTimeouts {
  /**
   * The longest the Gateway takes to answer a request, retries included, before it answers with a timeout error.
   *
   * @default - the implementation's
   */
  readonly request?: string;
  /**
   * The longest one request from the Gateway to the backend may take; no longer than `request`, unless that is "0s".
   *
   * @default - the implementation's
   */
  readonly backendRequest?: string;
}

// The HTTPRoute CRD's pattern for both fields: kubernetes-sigs/gateway-api v1.6.1 apis/v1/shared_types.go, `Duration`
// (lines 876-880), rendered into config/crd/standard/gateway.networking.k8s.io_httproutes.yaml
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const DURATION_RULE = 'must be a Gateway API duration (GEP-2257): one to four groups of at most 5 digits and a unit h, m, s ' +
  'or ms, such as "30s", "1h30m" or "500ms"; "0s" disables the timeout';
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** `value`, checked against the CRD's pattern, in milliseconds (what the API server's CEL `duration()` compares). */
function durationMs(prop: string, value: string): number {
  if (typeof value !== 'string' || !DURATION.test(value)) {
    invalid(prop, value, DURATION_RULE);
  }
  // "ms" before "m": the pattern reads "5ms" as five milliseconds, as Go's time.ParseDuration does
  return [...value.matchAll(/(\d+)(ms|h|m|s)/g)].reduce((sum, [, digits, unit]) => sum + Number(digits) * UNIT_MS[unit], 0);
}

/**
 * Check `timeouts` (the prop of `ServiceExposure.httpRoute`) as the HTTPRoute CRD does: each a Gateway API duration,
 * and `backendRequest` no longer than a non-zero `request`.
 *
 * @returns a copy holding only the timeouts given
 */
export function checkHttpRouteTimeouts(timeouts: HttpRouteTimeouts): HttpRouteTimeouts {
  checkKnownKeys('timeouts', timeouts, ['request', 'backendRequest']);
  const { request, backendRequest } = timeouts;
  if (request === undefined && backendRequest === undefined) {
    invalid('timeouts', timeouts, 'must set request, backendRequest or both: omit timeouts to leave them to the Gateway implementation');
  }
  const requestMs = request === undefined ? undefined : durationMs('timeouts.request', request);
  const backendMs = backendRequest === undefined ? undefined : durationMs('timeouts.backendRequest', backendRequest);
  // the CRD's rule on HTTPRouteTimeouts (gateway-api v1.6.1 apis/v1/httproute_types.go line 334): "!(has(self.request)
  // && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) >
  // duration(self.request))"; a request of zero has no limit, so it bounds nothing
  if (requestMs !== undefined && backendMs !== undefined && requestMs !== 0 && backendMs > requestMs) {
    invalid('timeouts.backendRequest', backendRequest, `must be no longer than timeouts.request ${describeValue(request)}, which ` +
      'covers the whole request, every backend attempt included ("0s" there would lift that limit)');
  }
  return { ...(request !== undefined ? { request } : {}), ...(backendRequest !== undefined ? { backendRequest } : {}) };
}
