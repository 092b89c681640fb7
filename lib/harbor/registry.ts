import { Construct } from 'constructs';
import { Resources } from '../core';
import { EnvVars } from '../core/env';
import { kube, quantity } from '../core/k8s';
import { Placement } from '../core/placement';
import { ContainerSpec, httpGet, probesOf } from '../core/pod';
import { toYaml } from '../core/yaml';
import { IRedis } from '../redis';
import { bindRedisPassword } from '../redis/redis-ref';
import { componentName, defineComponent, harborImage, HarborContext, REDIS_DB, resourcesOr, trustMounts } from './context';
import { HarborStorage, REGISTRY_DATA } from './storage';

const CONFIG = '/etc/registry/config.yml';

/**
 * The registry's `config.yml`. It holds no credential: the HTTP secret, the Redis password and the S3 keys come
 * from Secrets as `REGISTRY_*` variables, which distribution matches to config fields case-insensitively.
 */
export function registryConfig(storage: HarborStorage, redis: IRedis): string {
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
      pool: { maxidle: 100, maxactive: 500, idletimeout: '60s' },
    },
    http: { addr: ':5000', relativeurls: false, debug: { addr: 'localhost:5001' } },
    auth: { htpasswd: { realm: 'harbor-registry-basic-realm', path: '/etc/registry/passwd' } },
    validation: { disabled: true },
    compatibility: { schema1: { enabled: true } },
  }]);
}

/** The variables both registry containers read: the HTTP secret, Redis credentials and storage keys. */
export function registryEnv(ctx: HarborContext): EnvVars {
  const env = new EnvVars(ctx.namespace);
  env.secret('REGISTRY_HTTP_SECRET', ctx.credentials.registryHttpSecret);
  env.secret('REGISTRY_REDIS_PASSWORD', ctx.redis.password);
  if (ctx.redis.username) {
    env.value('REGISTRY_REDIS_USERNAME', ctx.redis.username);
  }
  if (ctx.redis.tls) {
    env.value('REGISTRY_REDIS_ENABLETLS', 'true');
  }
  const s3 = ctx.storage.s3;
  if (s3) {
    env.secret('REGISTRY_STORAGE_S3_ACCESSKEY', s3.accessKey);
    env.secret('REGISTRY_STORAGE_S3_SECRETKEY', s3.secretKey);
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
      'config.yml': registryConfig(ctx.storage, ctx.redis),
      'ctl-config.yml': toYaml([{ protocol: 'http', port: 8080, log_level: ctx.logLevel, registry_config: CONFIG }]),
    },
  });
  if (volume) {
    kube(scope, 'Storage', 'PersistentVolumeClaim', {
      metadata: { name, namespace: ctx.namespace },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: volume.storageClassName,
        resources: { requests: { storage: quantity(volume.size) } },
      },
    });
  }
  const dataMount: ContainerSpec['mounts'] = volume ? [{ volume: 'data', path: REGISTRY_DATA }] : [];
  const configMount = { volume: 'config', path: CONFIG, subPath: 'config.yml', readOnly: true };
  const env = registryEnv(ctx);
  const trust = trustMounts(env, ctx);
  const controllerEnv = registryEnv(ctx);
  trustMounts(controllerEnv, ctx);
  controllerEnv.secret('CORE_SECRET', ctx.credentials.coreSecret);
  controllerEnv.secret('JOBSERVICE_SECRET', ctx.credentials.jobserviceSecret);
  bindRedisPassword(controllerEnv, ctx.redis);
  return defineComponent(scope, ctx, {
    component: 'registry',
    replicas: volume ? 1 : props.replicas,
    recreate: volume !== undefined,
    gracePeriodSec: 120,
    servicePorts: { registry: 5000, controller: 8080 },
    peerPorts: [5000, 8080],
    containers: [
      {
        name: 'registry',
        image: harborImage(ctx, 'registry-photon'),
        command: ['/usr/bin/registry_DO_NOT_USE_GC', 'serve', CONFIG],
        ports: { registry: 5000 },
        env,
        mounts: [...dataMount, configMount, { volume: 'htpasswd', path: '/etc/registry/passwd', subPath: 'passwd', readOnly: true }, ...trust.mounts!],
        probes: probesOf(httpGet('/', 'registry'), 120),
        resources: resourcesOr(props.resources, ['100m', '1', '128Mi', '1Gi']),
      },
      {
        name: 'registryctl',
        image: harborImage(ctx, 'harbor-registryctl'),
        command: ['/home/harbor/harbor_registryctl', '-c', '/etc/registryctl/config.yml'],
        ports: { controller: 8080 },
        env: controllerEnv,
        mounts: [...dataMount, configMount, { volume: 'config', path: '/etc/registryctl/config.yml', subPath: 'ctl-config.yml', readOnly: true },
          ...trust.mounts!],
        probes: probesOf(httpGet('/api/health', 'controller'), 120),
        resources: resourcesOr(props.controllerResources, ['50m', '500m', '64Mi', '256Mi']),
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
