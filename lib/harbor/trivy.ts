import { Construct } from 'constructs';
import { parseQuantity, Resources } from '../core';
import { EnvVars } from '../core/env';
import { Placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { defineComponent, harborImage, HarborContext, REDIS_DB, redisEnv, resourcesOr, trustMounts } from './context';

const CACHE = '/home/scanner/.cache';

/** The Trivy scanner adapter: a StatefulSet whose vulnerability database lives on a per-replica volume. */
export function defineTrivy(scope: Construct, ctx: HarborContext, props: { replicas: number; storageSize?: string; resources?: Resources }): Placement {
  const storageSize = props.storageSize ?? '5Gi';
  parseQuantity('trivyStorageSize', storageSize);
  const env = new EnvVars(ctx.namespace);
  env.value('SCANNER_LOG_LEVEL', ctx.logLevel);
  env.value('SCANNER_API_SERVER_ADDR', ':8080');
  env.value('SCANNER_TRIVY_CACHE_DIR', `${CACHE}/trivy`);
  env.value('SCANNER_TRIVY_REPORTS_DIR', `${CACHE}/reports`);
  env.value('SCANNER_TRIVY_VULN_TYPE', 'os,library');
  env.value('SCANNER_TRIVY_SEVERITY', 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL');
  env.value('SCANNER_TRIVY_SECURITY_CHECKS', 'vuln');
  env.value('SCANNER_TRIVY_TIMEOUT', '5m0s');
  // mirror.gcr.io first: ghcr.io rate-limits anonymous database downloads
  env.value('SCANNER_TRIVY_DB_REPOSITORY', 'mirror.gcr.io/aquasec/trivy-db,ghcr.io/aquasecurity/trivy-db');
  env.value('SCANNER_TRIVY_JAVA_DB_REPOSITORY', 'mirror.gcr.io/aquasec/trivy-java-db,ghcr.io/aquasecurity/trivy-java-db');
  redisEnv(env, ctx, 'SCANNER_REDIS_URL', REDIS_DB.trivy, 'idle_timeout_seconds=30');
  const trust = trustMounts(env, ctx);
  return defineComponent(scope, ctx, {
    component: 'trivy',
    replicas: props.replicas,
    servicePorts: { 'api-server': 8080 },
    peerPorts: [8080],
    containers: [{
      name: 'trivy',
      image: harborImage(ctx, 'trivy-adapter-photon'),
      command: ['/home/scanner/bin/scanner-trivy'],
      ports: { 'api-server': 8080 },
      env,
      mounts: [{ volume: 'data', path: CACHE }, ...trust.mounts!],
      probes: {
        ...probesOf(httpGet('/probe/ready', 'api-server'), 120),
        liveness: { ...probesOf(httpGet('/probe/healthy', 'api-server')).liveness },
      },
      resources: resourcesOr(props.resources, ['200m', '1', '512Mi', '1Gi']),
    }],
    volumes: trust.volumes,
    claims: { data: { size: storageSize } },
  });
}
