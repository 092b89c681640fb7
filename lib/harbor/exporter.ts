import { Construct } from 'constructs';
import { Resources } from '../core';
import { EnvVars } from '../core/env';
import { Placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { componentName, databaseEnv, METRICS, defineComponent, harborImage, HarborContext, REDIS_DB, redisEnv, resourcesOr, trustMounts } from './context';
import { JOB_NAMESPACE } from './jobservice';

/** The Prometheus exporter: metrics from the database, jobservice's queue and core's health API, on :8001/metrics. */
export function defineExporter(scope: Construct, ctx: HarborContext, props: { replicas: number; resources?: Resources }): Placement {
  // only what src/cmd/exporter/main.go reads (viper, prefix HARBOR, "." as "_"): harbor-helm's HARBOR_METRIC_NAMESPACE
  // and _SUBSYSTEM are read by no exporter code (src/pkg/exporter/collector.go names its metrics "harbor" itself)
  const env = new EnvVars(ctx.namespace);
  env.value('HARBOR_EXPORTER_PORT', String(METRICS.port));
  env.value('HARBOR_EXPORTER_METRICS_PATH', METRICS.path);
  env.value('HARBOR_EXPORTER_METRICS_ENABLED', 'true');
  env.value('HARBOR_EXPORTER_CACHE_TIME', '23');
  env.value('HARBOR_EXPORTER_CACHE_CLEAN_INTERVAL', '14400');
  redisEnv(env, ctx, 'HARBOR_REDIS_URL', REDIS_DB.jobservice);
  env.value('HARBOR_REDIS_NAMESPACE', JOB_NAMESPACE);
  env.value('HARBOR_REDIS_TIMEOUT', '3600');
  env.value('HARBOR_SERVICE_SCHEME', 'http');
  env.value('HARBOR_SERVICE_HOST', componentName(ctx, 'core'));
  env.value('HARBOR_SERVICE_PORT', '80');
  databaseEnv(env, ctx, 'HARBOR_DATABASE_', 'DBNAME');
  const trust = trustMounts(env, ctx, { database: true, redis: true });
  return defineComponent(scope, ctx, {
    component: 'exporter',
    replicas: props.replicas,
    servicePorts: { [METRICS.portName]: METRICS.port },
    // no Harbor component calls the exporter: only the metrics scrapers are admitted
    peerPorts: [],
    containers: [{
      name: 'exporter',
      image: harborImage(ctx, 'harbor-exporter'),
      command: ['/harbor/harbor_exporter'],
      args: ['-log-level', ctx.logLevel],
      ports: { [METRICS.portName]: METRICS.port },
      env,
      mounts: trust.mounts,
      probes: probesOf(httpGet('/', METRICS.portName), 120),
      resources: resourcesOr(props.resources, ['50m', '500m', '64Mi', '256Mi']),
      goMemoryLimit: true,
    }],
    volumes: trust.volumes,
  });
}
