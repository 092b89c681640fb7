import { Construct } from 'constructs';
import { checkInteger, Resources } from '../core';
import { countIndirectInputs } from '../core/checksum';
import { EnvVars } from '../core/env';
import { kube } from '../core/k8s';
import { Placement } from '../core/placement';
import { httpGet, probesOf, tcpSocket } from '../core/pod';
import { toYaml } from '../core/yaml';
import { componentName, componentUrl, defineComponent, METRICS, metricsPortsOf, harborImage, HarborContext, REDIS_DB, redisEnv, resourcesOr, trustMounts } from './context';
import { REGISTRY_USER } from './credentials';
import { jobserviceDatabaseStep } from './rotation-steps';

/** Jobservice's queue namespace in Redis, which the exporter reads too. */
export const JOB_NAMESPACE = 'harbor_job_service_namespace';

/**
 * The config.yml jobservice insists on. Its Redis URL, which would carry the password, is a placeholder that
 * `JOB_SERVICE_POOL_REDIS_URL` overrides from a Secret. Job logs go to the database (and stdout), never to a volume
 * that replicas would have to share.
 */
export function jobserviceConfig(workers: number, metrics = false): string {
  return toYaml([{
    protocol: 'http',
    port: 8080,
    worker_pool: {
      workers,
      backend: 'redis',
      redis_pool: { redis_url: 'redis://replaced-by-JOB_SERVICE_POOL_REDIS_URL', namespace: JOB_NAMESPACE, idle_timeout_second: 3600 },
    },
    job_loggers: [{ name: 'DB', level: 'INFO', sweeper: { duration: 14 } }, { name: 'STD_OUTPUT', level: 'INFO' }],
    loggers: [{ name: 'STD_OUTPUT', level: 'INFO' }],
    // harbor-helm 1.19.1 templates/jobservice/jobservice-cm.yaml:46-49
    metric: { enabled: metrics, path: METRICS.path, port: METRICS.port },
    reaper: { max_update_hours: 24, max_dangling_hours: 168 },
  }]);
}

/** Jobservice's workers per pod (the Harbor's `jobWorkers`), checked, with its default. */
export function jobWorkers(workers: number | undefined): number {
  return checkInteger('jobWorkers', workers ?? 10, 1, 100);
}

/** Harbor jobservice: replication, garbage collection, scans and webhooks, queued in Redis. */
export function defineJobservice(scope: Construct, ctx: HarborContext, props: { replicas: number; workers?: number; resources?: Resources }): Placement {
  const name = componentName(ctx, 'jobservice');
  const workers = jobWorkers(props.workers);
  const env = new EnvVars(ctx.namespace);
  env.secret('CORE_SECRET', ctx.credentials.coreSecret);
  env.secret('JOBSERVICE_SECRET', ctx.credentials.jobserviceSecret);
  env.value('CORE_URL', componentUrl(ctx, 'core', 80));
  env.value('TOKEN_SERVICE_URL', `${componentUrl(ctx, 'core', 80)}/service/token`);
  env.value('REGISTRY_URL', componentUrl(ctx, 'registry', 5000));
  env.value('REGISTRY_CONTROLLER_URL', componentUrl(ctx, 'registry', 8080));
  env.value('REGISTRY_CREDENTIAL_USERNAME', REGISTRY_USER);
  env.secret('REGISTRY_CREDENTIAL_PASSWORD', ctx.credentials.registryPassword);
  env.value('REGISTRY_HTTP_CLIENT_TIMEOUT', '30');
  env.value('LOG_LEVEL', ctx.logLevel);
  redisEnv(env, ctx, 'JOB_SERVICE_POOL_REDIS_URL', REDIS_DB.jobservice);
  const metrics = ctx.scrapers !== undefined;
  if (metrics) {
    // harbor-helm 1.19.1 templates/jobservice/jobservice-cm-env.yaml:26-28
    env.value('METRIC_NAMESPACE', 'harbor');
    env.value('METRIC_SUBSYSTEM', 'jobservice');
  }
  const metricsPorts = metricsPortsOf(ctx);
  // garbage collection, run here, connects to the registry's cache server to clear it
  const trust = trustMounts(env, ctx, { database: true, redis: true, registryCache: true, upstream: true });
  kube(scope, 'Config', 'ConfigMap', { metadata: { name, namespace: ctx.namespace }, data: { 'config.yml': jobserviceConfig(workers, metrics) } });
  // jobservice reads no database setting of its own: it loads them, the password with them, from core's
  // configuration API once, at start (goharbor/harbor src/jobservice/job/impl/context.go `Init`: `cfgMgr.Load`, then
  // `dao.InitDatabase(c.cfgMgr.GetDatabaseCfg())`), and connects with them for its whole life; a new password, host
  // or user must roll it as it rolls core (lib/harbor/context.ts databaseEnv), or its next connections fail
  const db = ctx.database;
  countIndirectInputs(scope, 'Deployment', ctx.namespace, name, {
    keys: [db.password], values: [db.host, String(db.port), db.user, db.databaseName, db.sslMode, String(ctx.maxOpenConns)],
  });
  // rolling brings it up beside core's old pods, which may hand it the old password: the synth that rotates it says
  // what to run once core has rolled (lib/harbor/rotation-steps.ts)
  jobserviceDatabaseStep(scope, ctx, db.password);
  return defineComponent(scope, ctx, {
    component: 'jobservice',
    replicas: props.replicas,
    gracePeriodSec: 120,
    // a scan data export (the portal's "Export CVEs") writes its whole CSV to /tmp before it pushes it to the registry
    // as a system artifact, and deletes it after (goharbor/harbor v2.15.1 src/pkg/scan/export/constants.go:26,
    // src/jobservice/job/impl/scandataexport/scan_data_export.go:97-101, 144, 184 and 279-281, removed at 372;
    // src/pkg/systemartifact/manager.go:124 pushes it as one blob): a row per vulnerability of each artifact, some
    // hundreds of bytes with Trivy's CVSS data, so 256Mi held half a million rows, and past it the kubelet evicts
    // jobservice with every job it runs (replication, garbage collection). 2Gi, as Trivy's, is a cap, not a
    // reservation: no ephemeral-storage request counts it
    tmpSize: '2Gi',
    servicePorts: { http: 80, ...metricsPorts },
    peerPorts: [8080],
    containers: [{
      name: 'jobservice',
      image: harborImage(ctx, 'harbor-jobservice'),
      command: ['/harbor/harbor_jobservice', '-c', '/etc/jobservice/config.yml'],
      ports: { http: 8080, ...metricsPorts },
      env,
      mounts: [{ volume: 'config', path: '/etc/jobservice/config.yml', subPath: 'config.yml', readOnly: true }, ...trust.mounts!],
      // /api/v1/stats, the one route without authentication (goharbor/harbor v2.15.1 src/jobservice/api/router.go:
      // 74-76), reads the worker pools' heartbeats from Redis (core/controller.go:139-141, worker/cworker/c_worker.go:
      // 290-295) and answers 500 when Redis does not: ready on it, alive on the port, or a Redis restart (minutes
      // when it loads a large AOF) would restart every jobservice pod with it
      probes: probesOf(tcpSocket('http'), 300, httpGet('/api/v1/stats', 'http')),
      resources: resourcesOr(props.resources, ['100m', '1', '128Mi', '512Mi']),
      goMemoryLimit: true,
    }],
    volumes: [{ name: 'config', configMap: { name } }, ...trust.volumes],
  });
}
