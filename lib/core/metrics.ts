import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkScrapers, NetworkPeer } from './network';
import { SecretKey } from './secret';
import { checkLabels, invalid } from './validation';

/** Options of a component's Prometheus metrics: who scrapes them, and whether to render a ServiceMonitor. */
export interface MetricsOptions {
  /**
   * The Prometheus pods that scrape the component, e.g. `NetworkPeer.namespace('monitoring')`. Each is admitted to
   * the port that serves the metrics, and to nothing else.
   */
  readonly scrapers: readonly NetworkPeer[];
  /**
   * Whether to render a `monitoring.coreos.com/v1` ServiceMonitor for the Prometheus operator, selecting the metrics
   * port of the component's Services; the cluster needs the operator's CRDs.
   *
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * Labels added to the ServiceMonitor, e.g. the `release` label a Prometheus selects its monitors by.
   *
   * @default - the component's own labels only
   */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /**
   * The ServiceMonitor's scrape interval, such as "30s".
   *
   * @default - the Prometheus scrape interval
   */
  readonly interval?: string;
}

/**
 * Check `metrics` (the prop named `prop`) and return its scrapers: a non-empty list that is not the whole address
 * space (`exposes` says what the port would give away), an interval Prometheus reads, and no ServiceMonitor setting
 * without the ServiceMonitor.
 */
export function checkMetrics(prop: string, metrics: MetricsOptions, exposes?: string): NetworkPeer[] {
  if (typeof metrics !== 'object' || metrics === null) {
    invalid(prop, metrics, 'must be an object such as { scrapers: [NetworkPeer.namespace("monitoring")] }');
  }
  const scrapers = checkScrapers(`${prop}.scrapers`, metrics.scrapers, exposes);
  // one unit of ms, s, m or h: a subset of the ServiceMonitor's Duration (prometheus-operator v0.93.0
  // pkg/apis/monitoring/v1/types.go:51-54), which the API server would otherwise refuse at apply, not at synth
  if (metrics.interval !== undefined && !/^[1-9][0-9]*(ms|s|m|h)$/.test(metrics.interval)) {
    invalid(`${prop}.interval`, metrics.interval, 'must be a Prometheus duration such as "30s" or "1m"');
  }
  if (!metrics.serviceMonitor && (metrics.interval !== undefined || metrics.serviceMonitorLabels !== undefined)) {
    invalid(`${prop}.serviceMonitor`, metrics.serviceMonitor ?? false, 'must be true to set interval or serviceMonitorLabels');
  }
  return scrapers;
}

/** What `serviceMonitor` renders. */
export interface ServiceMonitorProps {
  /** The prop the options came from, for messages, e.g. "metrics". */
  readonly prop: string;
  /** The checked metrics options (`checkMetrics`). */
  readonly metrics: MetricsOptions;
  /** The ServiceMonitor's name. */
  readonly name: string;
  /** Its namespace, the Services' (the operator selects Services in the monitor's own namespace by default). */
  readonly namespace: string;
  /** The labels of exactly the Services to scrape; also on the ServiceMonitor, over the user's. */
  readonly selector: Readonly<Record<string, string>>;
  /** The name of the Services' port that serves the metrics. */
  readonly port: string;
  /** The path of the metrics. */
  readonly path: string;
  /**
   * Whether the target's own `job` and `instance` labels win over Prometheus'; harbor-helm sets it.
   *
   * @default false: the field is not rendered
   */
  readonly honorLabels?: boolean;
  /**
   * The bearer token Prometheus sends, from a Secret in `namespace` (`authorization.credentials`: the operator reads
   * it from the monitor's namespace, prometheus-operator v0.93.0 pkg/apis/monitoring/v1/prometheus_types.go:2585-2587).
   *
   * @default - none: the metrics port asks for no token
   */
  readonly bearerToken?: SecretKey;
}

/**
 * Render a `monitoring.coreos.com/v1` ServiceMonitor, id "ServiceMonitor", when `metrics.serviceMonitor` is on: one
 * endpoint, the named port of every Service with `selector`'s labels in `namespace`.
 */
export function serviceMonitor(scope: Construct, props: ServiceMonitorProps): ApiObject | undefined {
  const metrics = props.metrics;
  if (!metrics.serviceMonitor) {
    return undefined;
  }
  // authorization, not bearerTokenSecret, which prometheus-operator v0.93.0 deprecates
  // (pkg/apis/monitoring/v1/http_config.go:92-102); the credentials are a secretKeyRef, never the token itself
  const authorization = props.bearerToken && { type: 'Bearer', credentials: props.bearerToken.selectorFor(props.namespace) };
  return new ApiObject(scope, 'ServiceMonitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    // the user's labels (a Prometheus' serviceMonitorSelector) never replace the ones that name this component
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels: { ...checkLabels(`${props.prop}.serviceMonitorLabels`, metrics.serviceMonitorLabels ?? {}), ...props.selector },
    },
    spec: {
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [{
        port: props.port,
        path: props.path,
        ...(props.honorLabels ? { honorLabels: true } : {}),
        ...(metrics.interval ? { interval: metrics.interval } : {}),
        ...(authorization ? { authorization } : {}),
      }],
      selector: { matchLabels: { ...props.selector } },
    },
  });
}
