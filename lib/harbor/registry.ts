import { Construct } from 'constructs';
import { invalid, Resources } from '../core';
import { EnvVars } from '../core/env';
import { kube } from '../core/k8s';
import { readWriteOnceClaim } from '../core/volume-claim';
import { Placement } from '../core/placement';
import { ContainerSpec, httpGet, probesOf } from '../core/pod';
import { toYaml } from '../core/yaml';
import { IRedis } from '../redis';
import { bindRedisPassword } from '../redis/redis-ref';
import { componentName, defineComponent, METRICS, metricsPortsOf, harborImage, HarborContext, REDIS_DB, resourcesOr, sharedTrustMount, trustMounts } from './context';
import { REGISTRY_POOL } from './redis-budget';
import { defineYamlString } from './registry-yaml-string';
import { HarborStorage, REGISTRY_DATA, storageMayUsePrivateCa } from './storage';

const CONFIG = '/etc/registry/config.yml';

/**
 * The registry's `config.yml`. It holds no credential: the HTTP secret, the Redis password and the S3 keys come
 * from Secrets as `REGISTRY_*` variables, which distribution matches to config fields case-insensitively.
 */
export function registryConfig(storage: HarborStorage, redis: IRedis, metrics = false, pool?: number): string {
  // the budget's share (`redisPools`, which caps it at what Dockyard has always rendered), else that; distribution's
  // pool does not wait for a connection past maxactive but serves the request from storage, without the cache
  // (goharbor/distribution release/2.8 ea065fe registry/handlers/app.go:605-609, `Wait: false`)
  const maxActive = pool ?? REGISTRY_POOL.maxActive;
  return toYaml([{
    version: 0.1,
    log: { level: 'info', fields: { service: 'registry' } },
    storage: {
      ...storage._registryConfig(),
      cache: { layerinfo: 'redis' },
      maintenance: { uploadpurging: { enabled: true, age: '168h', interval: '24h', dryrun: false } },
      delete: { enabled: true },
      redirect: { disable: storage.s3?.disableRedirect ?? false },
    },
    redis: {
      addr: `${redis.host}:${redis.port}`,
      db: REDIS_DB.registry,
      readtimeout: '10s',
      writetimeout: '10s',
      dialtimeout: '10s',
      pool: { maxidle: Math.min(maxActive, REGISTRY_POOL.maxIdle), maxactive: maxActive, idletimeout: '60s' },
    },
    http: {
      addr: ':5000',
      // Location headers as paths, which clients resolve against the URL they pushed to: an absolute one takes its
      // scheme from X-Forwarded-Proto (goharbor/distribution release/2.8 registry/api/v2/urls.go,
      // NewURLBuilderFromRequest), which is "http" behind TLS terminated in front of ingress-nginx, and the upload's
      // next request then goes to http:// and fails. Harbor's own client resolves paths too (goharbor/harbor v2.15.1
      // src/pkg/registry/client.go, buildChunkBlobUploadURL)
      relativeurls: true,
      // the debug server carries the metrics (harbor-helm 1.19.1 templates/registry/registry-cm.yaml:200-206)
      debug: metrics ? { addr: `:${METRICS.port}`, prometheus: { enabled: true, path: METRICS.path } } : { addr: 'localhost:5001' },
    },
    auth: { htpasswd: { realm: 'harbor-registry-basic-realm', path: '/etc/registry/passwd' } },
    validation: { disabled: true },
    compatibility: { schema1: { enabled: true } },
  }]);
}

/**
 * The first Harbor release whose registry logs in to Redis with an ACL user name. Before it, goharbor/distribution
 * release/2.8 has no `username` in its Redis settings (configuration/configuration.go:167-180), so the registry sends
 * the password alone, which Redis checks against the `default` user (goharbor/harbor#18892: WRONGPASS). Harbor 2.15.0
 * writes `redis.username` into the registry's config (goharbor/harbor v2.15.1 commit a8343d3, #22770,
 * make/photon/prepare/templates/registry/config.yml.jinja:42) and pins distribution v2.8.3-harbor.1-rc.1 (Makefile:119,
 * #22772); harbor-helm 1.19.1 renders it too (templates/registry/registry-cm.yaml:179).
 */
const REGISTRY_REDIS_ACL_SINCE = [2, 15, 0];

/** Whether Harbor `version` ("x.y.z") is at least `since`. */
function atLeast(version: string, since: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < since.length; i++) {
    if (parts[i] !== since[i]) {
      return parts[i] > since[i];
    }
  }
  return true;
}

/**
 * The Redis user name the registry logs in with, or undefined for password-only AUTH (the `default` user). Registries
 * older than 2.15.0 cannot send a user name, so any other ACL user is refused at synth rather than failing with
 * WRONGPASS at run time.
 */
export function registryRedisUsername(version: string, redis: IRedis, prop = 'redis'): string | undefined {
  const username = redis.username;
  if (username === undefined || atLeast(version, REGISTRY_REDIS_ACL_SINCE)) {
    return username;
  }
  if (username !== 'default') {
    invalid(`${prop}.username`, username, `must be "default" (or unset) with Harbor ${version}: its registry logs in to Redis with the password alone; Harbor 2.15.0 and later accept other ACL users`);
  }
  return undefined;
}

/**
 * The first Harbor release that reaches Redis over TLS. Before it, core's cache knows only `redis` and
 * `redis+sentinel` URLs (goharbor/harbor v2.12.2 src/lib/cache/redis/redis.go `init`), so core stops at start on a
 * `rediss://` URL ("cache type rediss not support", src/lib/cache/cache.go `New` from src/core/main.go), jobservice's
 * pool refuses the scheme (src/lib/redis/pool.go `GetRedisPool`), and the registry, built from upstream distribution
 * v2.8.3 (Makefile `REGISTRY_SRC_TAG`), has no `enabletls`: it ignores `REGISTRY_REDIS_ENABLETLS` ("Ignoring
 * unrecognized environment variable", configuration/parser.go) and sends its AUTH, password included, in plain text
 * to the TLS port. Harbor 2.13.0 reads `rediss://` in core and jobservice and builds its registry from
 * goharbor/distribution release/2.8, which has `enabletls` (goharbor/harbor commit 5c39e76, #21667; Makefile
 * `REGISTRY_SRC_TAG=release/2.8`).
 */
const REDIS_TLS_SINCE = [2, 13, 0];

/** Refuse a TLS Redis (the Harbor's `prop`) with a Harbor release that cannot reach one (`REDIS_TLS_SINCE`). */
export function checkRedisTls(version: string, redis: IRedis, prop = 'redis'): void {
  if (redis.tls && !atLeast(version, REDIS_TLS_SINCE)) {
    invalid(`${prop}.tls`, true, `must be false with Harbor ${version}: its core stops at start on a rediss:// URL, and its registry sends the ` +
      'Redis password in plain text to a TLS port; Harbor 2.13.0 and later reach Redis over TLS');
  }
}

/**
 * The variables both registry containers read: the HTTP secret and the storage keys; with `redis`, the Redis settings
 * too, which only the registry container reads.
 *
 * distribution reads a `REGISTRY_*` variable as YAML, not as text (goharbor/distribution release/2.8, as upstream
 * v2.8.3, configuration/parser.go `overwriteStruct`: `yaml.Unmarshal([]byte(payload), ...)`, gopkg.in/yaml.v2), so a
 * password handed over as it is would be read as YAML: `null` or `~` became no password, `!x` or `&x` a tag or an
 * anchor with an empty value, `'x'` the password without its quotes, and the registry then logged in without it or
 * with another (NOAUTH, WRONGPASS) and served every request without its blob descriptor cache, saying so only in its
 * log; `*x`, `@x` or `x:` stopped it at start. The S3 keys read alike, and the driver signs with `fmt.Sprint` of
 * what it read (registry/storage/driver/s3-aws/s3.go `FromParameters`): `00001234` became `668`, `yes` `true`, `x #y`
 * `x`, and S3 refused every request (403); `null`, `~`, `!x` or `&x` left it no key; `*x`, `@x` stopped it. Each is
 * therefore expanded from a secret-fed variable into a YAML double-quoted scalar (`defineYamlString`), which reads
 * back every character `REDIS_URL_PASSWORD_RULE` allows as it is (only `\` and `"` would escape or end it, and
 * neither fits a Redis URL either), and every character of an S3 key that `REGISTRY_YAML_STRING_RULE`, required on
 * both keys, allows.
 */
export function registryEnv(ctx: HarborContext, options: { redis: boolean }): EnvVars {
  const env = new EnvVars(ctx.namespace);
  env.secret('REGISTRY_HTTP_SECRET', ctx.credentials.registryHttpSecret);
  if (options.redis) {
    // the registry's only Redis is its cache's server
    const password = bindRedisPassword(env, ctx.registryCache);
    defineYamlString(env, 'REGISTRY_REDIS_PASSWORD', password);
    const username = registryRedisUsername(ctx.version, ctx.registryCache, ctx.registryCache === ctx.redis ? 'redis' : 'registryCache');
    if (username) {
      env.value('REGISTRY_REDIS_USERNAME', username);
    }
    if (ctx.registryCache.tls) {
      env.value('REGISTRY_REDIS_ENABLETLS', 'true');
    }
  }
  const s3 = ctx.storage.s3;
  if (s3) {
    // named apart from AWS_ACCESS_KEY_ID and the like, which the driver's SDK reads on its own
    env.secret('S3_ACCESS_KEY', s3.accessKey);
    defineYamlString(env, 'REGISTRY_STORAGE_S3_ACCESSKEY', 'S3_ACCESS_KEY');
    env.secret('S3_SECRET_KEY', s3.secretKey);
    defineYamlString(env, 'REGISTRY_STORAGE_S3_SECRETKEY', 'S3_SECRET_KEY');
  }
  return env;
}

/**
 * The registry and registryctl in one pod. On a filesystem volume it runs one replica with the Recreate strategy,
 * so a ReadWriteOnce volume is never attached twice.
 */
export function defineRegistry(scope: Construct, ctx: HarborContext, props: { replicas: number; resources?: Resources; controllerResources?: Resources }): Placement {
  const name = componentName(ctx, 'registry');
  const volume = ctx.storage.volume;
  kube(scope, 'Config', 'ConfigMap', {
    metadata: { name, namespace: ctx.namespace },
    data: {
      'config.yml': registryConfig(ctx.storage, ctx.registryCache, ctx.scrapers !== undefined, ctx.redisPools.registryCache),
      'ctl-config.yml': toYaml([{ protocol: 'http', port: 8080, log_level: ctx.logLevel, registry_config: CONFIG }]),
    },
  });
  if (volume) {
    kube(scope, 'Storage', 'PersistentVolumeClaim', {
      metadata: { name, namespace: ctx.namespace },
      spec: readWriteOnceClaim(volume),
    });
  }
  const dataMount: ContainerSpec['mounts'] = volume ? [{ volume: 'data', path: REGISTRY_DATA }] : [];
  const configMount = { volume: 'config', path: CONFIG, subPath: 'config.yml', readOnly: true };
  const metricsPorts = metricsPortsOf(ctx);
  const env = registryEnv(ctx, { redis: true });
  // the registry reads Redis (its blob descriptor cache) and the bucket, never the database
  const privateStorage = storageMayUsePrivateCa(ctx.storage);
  const trust = trustMounts(env, ctx, { registryCache: true, storage: privateStorage });
  // registryctl opens no connection to Redis or the database (goharbor/harbor v2.15.1 src/registryctl reads neither):
  // it reaches only the storage, with a driver it builds from the registry's config.yml (config/config.go
  // `setStorageDriver`), so it gets no Redis setting, nor the password
  const controllerEnv = registryEnv(ctx, { redis: false });
  controllerEnv.secret('CORE_SECRET', ctx.credentials.coreSecret);
  controllerEnv.secret('JOBSERVICE_SECRET', ctx.credentials.jobserviceSecret);
  // its garbage collection reads and deletes blobs in the storage, so it trusts what the registry trusts for it
  const controllerTrust = sharedTrustMount(controllerEnv, ctx, privateStorage);
  return defineComponent(scope, ctx, {
    component: 'registry',
    // more than one on a volume is refused by Harbor (`registryReplicas`)
    replicas: props.replicas,
    recreate: volume !== undefined,
    gracePeriodSec: 120,
    servicePorts: { registry: 5000, controller: 8080, ...metricsPorts },
    peerPorts: [5000, 8080],
    containers: [
      {
        name: 'registry',
        image: harborImage(ctx, 'registry-photon'),
        command: ['/usr/bin/registry_DO_NOT_USE_GC', 'serve', CONFIG],
        ports: { registry: 5000, ...metricsPorts },
        env,
        mounts: [...dataMount, configMount, { volume: 'htpasswd', path: '/etc/registry/passwd', subPath: 'passwd', readOnly: true }, ...trust.mounts!],
        probes: probesOf(httpGet('/', 'registry'), 120),
        resources: resourcesOr(props.resources, ['100m', '1', '128Mi', '1Gi']),
        goMemoryLimit: true,
      },
      {
        name: 'registryctl',
        image: harborImage(ctx, 'harbor-registryctl'),
        command: ['/home/harbor/harbor_registryctl', '-c', '/etc/registryctl/config.yml'],
        ports: { controller: 8080 },
        env: controllerEnv,
        mounts: [...dataMount, configMount, { volume: 'config', path: '/etc/registryctl/config.yml', subPath: 'ctl-config.yml', readOnly: true },
          ...controllerTrust],
        probes: probesOf(httpGet('/api/health', 'controller'), 120),
        resources: resourcesOr(props.controllerResources, ['50m', '500m', '64Mi', '256Mi']),
        goMemoryLimit: true,
      },
    ],
    volumes: [
      { name: 'config', configMap: { name } },
      {
        name: 'htpasswd',
        secret: {
          secretName: ctx.credentials.registryHtpasswd.selectorFor(ctx.namespace).name,
          items: [{ key: ctx.credentials.registryHtpasswd.key, path: 'passwd' }],
        },
      },
      ...(volume ? [{ name: 'data', persistentVolumeClaim: { claimName: name } }] : []),
      ...trust.volumes,
    ],
  });
}
