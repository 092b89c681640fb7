import { Construct } from 'constructs';
import { Resources } from '../core';
import { readOnFirstStartBy } from '../core/checksum';
import { EnvVars } from '../core/env';
import { kube } from '../core/k8s';
import { Placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { componentName, componentUrl, databaseEnv, defineComponent, METRICS, metricsPortsOf, harborImage, HarborContext, REDIS_DB, redisEnv, resourcesOr, trustMounts } from './context';
import { PROXY_CACHE_TYPES } from './configuration';
import { harborDowngrade } from './version-change';
import { checkVersionChange } from '../core/version-changes';
import { coreRedisQuery } from './redis-budget';
import { REGISTRY_USER } from './credentials';

/** The registry types replication may use, as Harbor's chart sets them. */
const REPLICATION_TYPES = 'ali-acr,aws-ecr,azure-acr,docker-hub,docker-registry,github-ghcr,google-gcr,harbor,huawei-SWR,jfrog-artifactory,tencent-tcr,volcengine-cr';

/**
 * Harbor core: the API, the token service, and the `/v2/` front of the registry. It migrates the database schema on
 * start, so its startup probe allows ten minutes.
 */
export function defineCore(scope: Construct, ctx: HarborContext, props: { replicas: number; resources?: Resources }): Placement {
  const name = componentName(ctx, 'core');
  const creds = ctx.credentials;
  const env = new EnvVars(ctx.namespace);
  env.value('CONFIG_PATH', '/etc/core/app.conf');
  env.value('PORT', '8080');
  env.value('LOG_LEVEL', ctx.logLevel);
  env.value('EXT_ENDPOINT', ctx.externalUrl.origin);
  env.value('CORE_URL', componentUrl(ctx, 'core', 80));
  env.value('CORE_LOCAL_URL', 'http://127.0.0.1:8080');
  env.value('TOKEN_SERVICE_URL', `${componentUrl(ctx, 'core', 80)}/service/token`);
  env.value('JOBSERVICE_URL', componentUrl(ctx, 'jobservice'));
  env.value('PORTAL_URL', componentUrl(ctx, 'portal'));
  env.value('REGISTRY_URL', componentUrl(ctx, 'registry', 5000));
  env.value('REGISTRY_CONTROLLER_URL', componentUrl(ctx, 'registry', 8080));
  env.value('WITH_TRIVY', String(ctx.withTrivy));
  if (ctx.withTrivy) {
    env.value('TRIVY_ADAPTER_URL', componentUrl(ctx, 'trivy', 8080));
  }
  env.value('REGISTRY_STORAGE_PROVIDER_NAME', ctx.storage.s3 ? 's3' : 'filesystem');
  env.value('REGISTRY_CREDENTIAL_USERNAME', REGISTRY_USER);
  env.secret('REGISTRY_CREDENTIAL_PASSWORD', creds.registryPassword);
  env.secret('CORE_SECRET', creds.coreSecret);
  env.secret('JOBSERVICE_SECRET', creds.jobserviceSecret);
  env.secret('CSRF_KEY', creds.csrfKey);
  env.secret('ROBOT_SCANNER_NAME_PREFIX', creds.scannerPrefix);
  env.secret('HARBOR_ADMIN_PASSWORD', creds.adminPassword);
  // core sets it only while the admin has none (goharbor/harbor v2.15.1 src/core/main.go:94-111): core alone counts
  // it by name, another pod that logs in as admin rolls with it
  readOnFirstStartBy(scope, 'Deployment', ctx.namespace, name, [creds.adminPassword]);
  env.value('DATABASE_TYPE', 'postgresql');
  databaseEnv(env, ctx, 'POSTGRESQL_', 'DATABASE');
  redisEnv(env, ctx, '_REDIS_URL_CORE', REDIS_DB.core, coreRedisQuery(ctx.redisPools.redis));
  // the registry's cache server: core keeps the accepted size of chunked uploads there (goharbor/harbor v2.15.1
  // src/controller/blob/controller.go:324-338) and hands this URL to garbage collection, which clears the cache
  // (src/server/v2.0/handler/gc.go:87)
  redisEnv(env, ctx, '_REDIS_URL_REG', REDIS_DB.registry, coreRedisQuery(ctx.redisPools.registryCache), ctx.registryCache);
  env.value('PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE', PROXY_CACHE_TYPES.join(','));
  env.value('REPLICATION_ADAPTER_WHITELIST', REPLICATION_TYPES);
  env.value('QUOTA_UPDATE_PROVIDER', 'db');
  const metrics = ctx.scrapers !== undefined;
  if (metrics) {
    // harbor-helm 1.19.1 templates/core/core-cm.yaml:58-63
    env.value('METRIC_ENABLE', 'true');
    env.value('METRIC_PATH', METRICS.path);
    env.value('METRIC_PORT', String(METRICS.port));
    env.value('METRIC_NAMESPACE', 'harbor');
    env.value('METRIC_SUBSYSTEM', 'core');
  }
  const metricsPorts = metricsPortsOf(ctx);
  const trust = trustMounts(env, ctx, { database: true, redis: true, registryCache: true, upstream: true });

  kube(scope, 'Config', 'ConfigMap', {
    metadata: { name, namespace: ctx.namespace },
    data: { 'app.conf': 'appname = Harbor\nrunmode = prod\nenablegzip = true\n\n[prod]\nhttpport = 8080\n' },
  });
  const coreSecret = creds.secretKey.selectorFor(ctx.namespace).name;
  // core migrates the schema forward when it starts, and an older one refuses what a newer migrated
  checkVersionChange(scope, {
    kind: 'Deployment', namespace: ctx.namespace, name, container: 'core', prop: 'version', value: ctx.version,
    image: harborImage(ctx, 'harbor-core'), check: harborDowngrade,
  });
  return defineComponent(scope, ctx, {
    component: 'core',
    replicas: props.replicas,
    public: true,
    gracePeriodSec: 120,
    servicePorts: { http: 80, ...metricsPorts },
    peerPorts: [8080],
    containers: [{
      name: 'core',
      image: harborImage(ctx, 'harbor-core'),
      // the stock entrypoint rewrites the CA bundle in the image, which a read-only root filesystem forbids
      command: ['/harbor/harbor_core'],
      ports: { http: 8080, ...metricsPorts },
      env,
      mounts: [
        { volume: 'config', path: '/etc/core/app.conf', subPath: 'app.conf', readOnly: true },
        { volume: 'keys', path: '/etc/core/key', subPath: 'key', readOnly: true },
        { volume: 'keys', path: '/etc/core/private_key.pem', subPath: 'private_key.pem', readOnly: true },
        ...trust.mounts!,
      ],
      // core migrates the schema before it listens (goharbor/harbor v2.15.1 src/core/main.go:212-219, web.Run at
      // :327) with golang-migrate v4.19.0, which marks each migration dirty before it runs it and clean after
      // (migrate.go:740-752) and refuses to run on a dirty schema (migrate.go:277-278): a core killed mid-migration
      // starts no more until someone forces the version by hand. One hour, as Harbor's chart allows
      // (goharbor/harbor-helm values.yaml:632-637, core.startupProbe: failureThreshold 360 × periodSeconds 10), for
      // an upgrade's migrations over a large registry database. /api/v2.0/ping answers "Pong" and nothing else
      // (src/server/v2.0/handler/ping.go), so neither liveness nor readiness restarts core while PostgreSQL or
      // Redis is down (/api/v2.0/health, which checks every component, would)
      probes: probesOf(httpGet('/api/v2.0/ping', 'http'), 3600),
      resources: resourcesOr(props.resources, ['100m', '1', '256Mi', '1Gi']),
      goMemoryLimit: true,
    }],
    volumes: [
      { name: 'config', configMap: { name } },
      {
        name: 'keys',
        secret: {
          secretName: coreSecret,
          items: [{ key: creds.secretKey.key, path: 'key' }, { key: creds.tokenKey.key, path: 'private_key.pem' }],
        },
      },
      ...trust.volumes,
    ],
  });
}
