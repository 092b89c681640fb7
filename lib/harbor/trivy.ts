import { Construct } from 'constructs';
import { checkPositiveQuantity, checkUniqueList, DIGEST, Image, Images, invalid, Resources } from '../core';
import { EnvVars } from '../core/env';
import { Placement } from '../core/placement';
import { isDnsLabel, isHostname, isImageTag, isRepositoryPathComponent } from '../core/validation';
import { httpGet, probesOf } from '../core/pod';
import { defineComponent, harborImage, HarborContext, REDIS_DB, REDIS_IDLE_QUERY, redisEnv, resourcesOr, trustMounts } from './context';

const CACHE = '/home/scanner/.cache';

/**
 * Where Trivy downloads a database unless told otherwise: mirror.gcr.io first, as ghcr.io rate-limits anonymous
 * downloads. A repository without a tag gets the database's schema version as its tag (`schema`).
 */
interface DatabaseSource {
  readonly repositories: readonly string[];
  readonly schema: number;
}
const DB: DatabaseSource = { repositories: ['mirror.gcr.io/aquasec/trivy-db', 'ghcr.io/aquasecurity/trivy-db'], schema: 2 };
const JAVA_DB: DatabaseSource = { repositories: ['mirror.gcr.io/aquasec/trivy-java-db', 'ghcr.io/aquasecurity/trivy-java-db'], schema: 1 };

/**
 * Trivy's own sources of its vulnerability database and Java database, tagged with their schemas, as Harbor reads
 * them where nothing relocates them: for `HarborProps.trivyDbRepositories` and `trivyJavaDbRepositories`, to keep
 * the databases upstream while Harbor's images come from a mirror that Trivy, which downloads them without a login,
 * could not read.
 */
export const TRIVY_UPSTREAM_DATABASES: {
  /** The vulnerability database's sources, in the order Trivy tries them. */
  readonly db: readonly string[];
  /** The Java database's sources, in the order Trivy tries them. */
  readonly javaDb: readonly string[];
} = {
  db: DB.repositories.map((r) => `${r}:${DB.schema}`),
  javaDb: JAVA_DB.repositories.map((r) => `${r}:${JAVA_DB.schema}`),
};

/** The first default repository of a database, tagged: the one a mirror holds a copy of. */
function primary(source: DatabaseSource): Image {
  return Image.of(`${source.repositories[0]}:${source.schema}`);
}

/**
 * The repositories Trivy downloads a database from, at synth time: the ones given; else the defaults, relocated like
 * Harbor's images. A relocation (an air-gapped mirror, `Images.relocateAll`) moves the database with the images: Trivy
 * then reads the first default's copy there alone (the other default would be a second copy of the same database).
 */
function databaseRepositories(scope: Construct, given: readonly string[] | undefined, source: DatabaseSource): string {
  if (given !== undefined) {
    return given.join(',');
  }
  // by tag: the database is rebuilt every few hours under it, and a digest would pin one build of it for good
  const resolved = Images.resolve(scope, primary(source), { byTag: true });
  return resolved.reference !== primary(source).reference ? resolved.reference : source.repositories.join(',');
}

/**
 * Why Trivy would not read `value` as a database repository a registry can serve, or undefined if it would:
 * `host[:port]/path[:tag][@sha256:<hex>]` or a one-part Docker Hub path, no scheme. Trivy (v0.70.0, Harbor v2.15.1's
 * adapter v0.36.0, which passes `SCANNER_TRIVY_DB_REPOSITORY` as `--db-repository`: pkg/trivy/wrapper.go:206-212)
 * parses each one with go-containerregistry's `name.ParseReference` (trivy `pkg/flag/db_flags.go:176-192`
 * `parseRepository`; go-containerregistry v0.21.2, trivy's go.mod), whose splits this follows:
 *
 * - a digest is what follows the only "@": "sha256:" and 64 lower-case hex digits (`pkg/name/digest.go:102-117`
 *   `NewDigest`); Trivy keeps such a reference as it is, adds no tag (`db_flags.go:183-186`), and downloads it
 *   (`pkg/oci/artifact.go:96-101`);
 * - the tag is what follows the last ":" unless a "/" does (`pkg/name/tag.go` `NewTag`); none, Trivy adds the
 *   database's schema version; with a digest, a tag is read and ignored (`digest.go:119-122`);
 * - the first "/"-part is the registry only if it holds a "." or a ":" (`pkg/name/repository.go:87-94`
 *   `NewRepository`; `localhost` is no exception, unlike in distribution's grammar): `aquasec/trivy-db`,
 *   `registry/trivy-db` and `localhost/trivy-db` are Docker Hub repositories to Trivy. Refused: a one-label in-cluster
 *   Service (`registry`) would silently become index.docker.io, which Harbor's pods reach (their NetworkPolicies
 *   govern ingress only), and a namespace of that name on Docker Hub anyone may hold. Docker Hub is named as
 *   `docker.io/aquasec/trivy-db`, which Trivy reads the same; a one-part path (`trivy-db`) is no Service's and stays
 *   Docker Hub's `library/trivy-db`;
 * - the path is 2 to 255 characters (`checkRepository`).
 *
 * go-containerregistry checks only the characters of a path (`repositoryChars`) and of a tag, and takes any URI
 * authority as a registry (`registry.go` `checkRegistry`: `https:` too), so within that the path is distribution's
 * grammar (`PATH_COMPONENT_SOURCE`: `web__api`, `web--api`), the tag `isImageTag`, and the host a DNS name or IPv4
 * address with an optional port (`isHostname`), which a registry that stores and serves them holds to.
 */
function trivyRepositoryRefusal(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return REPOSITORY_RULE;
  }
  const at = value.indexOf('@');
  const digest = at >= 0 ? value.slice(at + 1) : undefined;
  const reference = at >= 0 ? value.slice(0, at) : value;
  const colon = reference.lastIndexOf(':');
  const tag = colon >= 0 && !reference.slice(colon + 1).includes('/') ? reference.slice(colon + 1) : undefined;
  const name = tag === undefined ? reference : reference.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const host = /[.:]/.test(first) ? first : undefined;
  const path = host === undefined ? name : name.slice(slash + 1);
  if ((digest !== undefined && !DIGEST_ONLY.test(digest)) || (tag !== undefined && !isImageTag(tag)) ||
    (host !== undefined && !isHostname(host, { allowPort: true })) ||
    path.length < 2 || path.length > 255 || !path.split('/').every(isRepositoryPathComponent)) {
    return REPOSITORY_RULE;
  }
  if (host === undefined && slash >= 0) {
    const rest = value.slice(slash + 1);
    // only the fixes this check takes: a path component may hold "_" or be longer than a DNS label, and no Service
    // or host is named so (`web__api/trivy-db`, `1234/trivy-db`)
    const fixes = [
      first !== 'localhost' && isDnsLabel(first) ? `by its Service's FQDN ("${first}.<namespace>.svc.cluster.local/${rest}")` : '',
      isHostname(`${first}:1`, { allowPort: true }) ? `with its port ("${first}:<port>/${rest}")` : '',
    ].filter((fix) => fix !== '');
    const inCluster = fixes.length > 0 ? `name an in-cluster registry ${fixes.join(' or ')}, and ` : 'name ';
    return `Trivy reads "${first}" as a Docker Hub namespace, not a host (a first part is a host only with "." or ":"), ` +
      `and would download index.docker.io/${name}, which Harbor's pods reach; ${inCluster}Docker Hub as "docker.io/${value}"`;
  }
  return undefined;
}

/** A digest alone, as go-containerregistry takes one after "@" (`DIGEST`). */
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`);

const REPOSITORY_RULE = 'must be an OCI repository host[:port]/path with an optional :tag or @sha256:<64 hex digits>, as ' +
  'Trivy reads it, such as "registry.example.com/mirror/aquasec/trivy-db:2", or "docker.io/aquasec/trivy-db" on ' +
  'Docker Hub; no scheme';

/** Check a list of database repositories, the value of a comma-separated variable. */
function checkRepositories(prop: string, value: readonly string[]): readonly string[] {
  checkUniqueList(prop, value, { of: 'OCI repositories' });
  for (const repo of value) {
    const refusal = trivyRepositoryRefusal(repo);
    if (refusal !== undefined) {
      invalid(prop, repo, refusal);
    }
  }
  return value;
}

/** Check Trivy's props, before anything is built. */
export function checkTrivy(props: { storageSize?: string; dbRepositories?: readonly string[]; javaDbRepositories?: readonly string[] }): void {
  checkPositiveQuantity('trivyStorageSize', props.storageSize ?? '5Gi');
  if (props.dbRepositories !== undefined) checkRepositories('trivyDbRepositories', props.dbRepositories);
  if (props.javaDbRepositories !== undefined) checkRepositories('trivyJavaDbRepositories', props.javaDbRepositories);
}

/** The Trivy scanner adapter: a StatefulSet whose vulnerability database lives on a per-replica volume. */
export function defineTrivy(scope: Construct, ctx: HarborContext, props: {
  replicas: number; storageSize?: string; resources?: Resources; dbRepositories?: readonly string[]; javaDbRepositories?: readonly string[];
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
  env.atSynth('SCANNER_TRIVY_DB_REPOSITORY', () => databaseRepositories(scope, props.dbRepositories, DB));
  env.atSynth('SCANNER_TRIVY_JAVA_DB_REPOSITORY', () => databaseRepositories(scope, props.javaDbRepositories, JAVA_DB));
  redisEnv(env, ctx, 'SCANNER_REDIS_URL', REDIS_DB.trivy, REDIS_IDLE_QUERY);
  // Trivy opens no database connection: of the peers with a private CA, it reaches only Redis
  const trust = trustMounts(env, ctx, { redis: true, upstream: true });
  // the default databases, listed and copied like images (`dockyard-images`, `images.pairs.txt`); repositories given
  // are the user's to fill
  const databases = [[props.dbRepositories, DB], [props.javaDbRepositories, JAVA_DB]] as const;
  const listed = databases.filter(([given]) => given === undefined).map(([, source]) => primary(source));
  return defineComponent(scope, ctx, {
    component: 'trivy',
    tmpSize: '2Gi',
    annotations: listed.length > 0 ? Images.annotation(scope, listed, { byTag: listed }) : undefined,
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
      // both answer 200 and check nothing (goharbor/harbor-scanner-trivy v0.36.0, Harbor v2.15.1's Makefile:115:
      // pkg/http/api/v1/handler.go:64-66, 375-381), so no downstream can fail them
      probes: probesOf(httpGet('/probe/healthy', 'api-server'), 120, httpGet('/probe/ready', 'api-server')),
      resources: resourcesOr(props.resources, ['200m', '1', '512Mi', '1Gi']),
    }],
    volumes: trust.volumes,
    claims: { data: { size: storageSize } },
    // the volume holds the databases Trivy downloads again when they are missing or stale, and the reports it
    // writes and deletes during a scan: a replica scaled away, or Trivy turned off, leaves no claim behind
    cacheClaims: true,
  });
}
