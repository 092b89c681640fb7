import { Construct } from 'constructs';
import { checkUniqueList, invalid, parseQuantity, Resources } from '../core';
import { EnvVars } from '../core/env';
import { Placement } from '../core/placement';
import { httpGet, probesOf } from '../core/pod';
import { defineComponent, harborImage, HarborContext, REDIS_DB, redisEnv, resourcesOr, trustMounts } from './context';

const CACHE = '/home/scanner/.cache';

/** Where Trivy downloads its databases unless told otherwise: mirror.gcr.io first, as ghcr.io rate-limits anonymous downloads. */
const DB_REPOSITORIES = ['mirror.gcr.io/aquasec/trivy-db', 'ghcr.io/aquasecurity/trivy-db'];
const JAVA_DB_REPOSITORIES = ['mirror.gcr.io/aquasec/trivy-java-db', 'ghcr.io/aquasecurity/trivy-java-db'];

/** An OCI repository, optionally with a tag: `host[:port]/path[:tag]`, no scheme, no digest, no comma. */
const OCI_REPOSITORY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/** Check a list of database repositories, the value of a comma-separated variable. */
function checkRepositories(prop: string, value: string[]): string[] {
  checkUniqueList(prop, value);
  for (const repo of value) {
    if (typeof repo !== 'string' || !OCI_REPOSITORY.test(repo)) {
      invalid(prop, repo, 'must be an OCI repository host/path with an optional :tag, such as "registry.example.com/mirror/aquasec/trivy-db:2"');
    }
  }
  return value;
}

/** Check Trivy's props, before anything is built. */
export function checkTrivy(props: { storageSize?: string; dbRepositories?: string[]; javaDbRepositories?: string[] }): void {
  parseQuantity('trivyStorageSize', props.storageSize ?? '5Gi');
  if (props.dbRepositories !== undefined) checkRepositories('trivyDbRepositories', props.dbRepositories);
  if (props.javaDbRepositories !== undefined) checkRepositories('trivyJavaDbRepositories', props.javaDbRepositories);
}

/** The Trivy scanner adapter: a StatefulSet whose vulnerability database lives on a per-replica volume. */
export function defineTrivy(scope: Construct, ctx: HarborContext, props: {
  replicas: number; storageSize?: string; resources?: Resources; dbRepositories?: string[]; javaDbRepositories?: string[];
}): Placement {
  const storageSize = props.storageSize ?? '5Gi';
  const env = new EnvVars(ctx.namespace);
  env.value('SCANNER_LOG_LEVEL', ctx.logLevel);
  env.value('SCANNER_API_SERVER_ADDR', ':8080');
  env.value('SCANNER_TRIVY_CACHE_DIR', `${CACHE}/trivy`);
  env.value('SCANNER_TRIVY_REPORTS_DIR', `${CACHE}/reports`);
  env.value('SCANNER_TRIVY_VULN_TYPE', 'os,library');
  env.value('SCANNER_TRIVY_SEVERITY', 'UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL');
  env.value('SCANNER_TRIVY_SECURITY_CHECKS', 'vuln');
  env.value('SCANNER_TRIVY_TIMEOUT', '5m0s');
  env.value('SCANNER_TRIVY_DB_REPOSITORY', (props.dbRepositories ?? DB_REPOSITORIES).join(','));
  env.value('SCANNER_TRIVY_JAVA_DB_REPOSITORY', (props.javaDbRepositories ?? JAVA_DB_REPOSITORIES).join(','));
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
