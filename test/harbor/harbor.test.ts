import { parse } from 'yaml';
import {
  CHECKSUM_ANNOTATION, ExternalPostgres, ExternalRedis, Harbor, HarborExposure, HarborLogLevel, HarborStorage, ImageRelocation, Images, NetworkPeer, Postgres,
  Redis, RobotPermission, Secret, SecretValueKind, SslMode,
} from '../../lib';
import { withDigests } from '../../lib/core/checksum';
import { httpRouteErrors } from '../core/http-route-schema';
import { checkNoPlaintextCredentials } from '../policy/checks';
import { container, envOf, find, stderrOf, synth, testChart } from '../util';
import { inClusterHarbor, managedHarbor } from './fixtures';


describe('Harbor components', () => {
  test('renders every component on v2.15.1 images as UID 10000 with read-only root filesystems', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.labels['app.kubernetes.io/name'] === 'harbor');
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`)).toEqual([
      'Deployment/harbor-core', 'Deployment/harbor-portal', 'Deployment/harbor-registry', 'Deployment/harbor-jobservice', 'StatefulSet/harbor-trivy',
    ]);
    for (const w of workloads) {
      expect(w.spec.template.spec.securityContext).toMatchObject({ runAsUser: 10000, runAsGroup: 10000, fsGroup: 10000 });
      for (const c of w.spec.template.spec.containers) {
        expect(c.image).toMatch(/^docker\.io\/goharbor\/[a-z-]+:v2\.15\.1$/);
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
    }
    // the stock entrypoints rewrite the CA bundle in the image: every Go binary is started directly
    expect(container(find(objects, 'Deployment', 'harbor-core')).command).toEqual(['/harbor/harbor_core']);
    expect(container(find(objects, 'Deployment', 'harbor-jobservice')).command).toEqual(['/harbor/harbor_jobservice', '-c', '/etc/jobservice/config.yml']);
    expect(container(find(objects, 'StatefulSet', 'harbor-trivy')).command).toEqual(['/home/scanner/bin/scanner-trivy']);
    const registryPod = find(objects, 'Deployment', 'harbor-registry').spec.template.spec;
    expect(registryPod.containers.map((c: any) => c.command)).toEqual([
      ['/usr/bin/registry_DO_NOT_USE_GC', 'serve', '/etc/registry/config.yml'],
      ['/home/harbor/harbor_registryctl', '-c', '/etc/registryctl/config.yml'],
    ]);
  });

  test('gives jobservice a /tmp for a scan data export\'s whole CSV, as large as Trivy\'s, and no ephemeral-storage to keep in step', () => {
    // jobservice writes the export to /tmp/scandata_export_<id>.csv, whole, before it pushes it to the registry
    // (goharbor/harbor v2.15.1 src/pkg/scan/export/constants.go:26, src/jobservice/job/impl/scandataexport/
    // scan_data_export.go:97-101 and 144); past sizeLimit the kubelet evicts the pod (kubernetes
    // pkg/kubelet/eviction/eviction_manager.go emptyDirLimitEviction), and jobservice's running jobs with it
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    const tmpOf = (kind: string, name: string) => find(objects, kind, name).spec.template.spec.volumes.find((v: any) => v.name === 'tmp').emptyDir;
    expect(tmpOf('Deployment', 'harbor-jobservice')).toEqual({ sizeLimit: '2Gi' });
    expect(tmpOf('StatefulSet', 'harbor-trivy')).toEqual({ sizeLimit: '2Gi' });
    for (const name of ['harbor-core', 'harbor-portal', 'harbor-registry']) {
      expect(tmpOf('Deployment', name)).toEqual({ sizeLimit: '256Mi' });
    }
    // a sizeLimit reserves nothing: no Harbor container requests or limits ephemeral storage that it would have to fit
    const containers = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'harbor' && o.spec?.template)
      .flatMap((o) => [...o.spec.template.spec.containers, ...(o.spec.template.spec.initContainers ?? [])]);
    expect(containers.length).toBeGreaterThan(5);
    for (const c of containers) {
      expect({ [c.name]: [c.resources?.requests?.['ephemeral-storage'], c.resources?.limits?.['ephemeral-storage']] }).toEqual({ [c.name]: [undefined, undefined] });
    }
  });

  test('exposes each component on the ports and probes the images serve', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    const probe = (kind: string, name: string, c?: string) => container(find(objects, kind, name), c).readinessProbe.httpGet;
    expect(probe('Deployment', 'harbor-core')).toEqual({ path: '/api/v2.0/ping', port: 'http' });
    expect(probe('Deployment', 'harbor-portal')).toEqual({ path: '/', port: 'http' });
    expect(probe('Deployment', 'harbor-registry', 'registry')).toEqual({ path: '/', port: 'registry' });
    expect(probe('Deployment', 'harbor-registry', 'registryctl')).toEqual({ path: '/api/health', port: 'controller' });
    expect(probe('Deployment', 'harbor-jobservice')).toEqual({ path: '/api/v1/stats', port: 'http' });
    expect(probe('StatefulSet', 'harbor-trivy')).toEqual({ path: '/probe/ready', port: 'api-server' });
    expect(container(find(objects, 'StatefulSet', 'harbor-trivy')).livenessProbe.httpGet).toEqual({ path: '/probe/healthy', port: 'api-server' });
    expect(find(objects, 'Service', 'harbor-core').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(find(objects, 'Service', 'harbor-registry').spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(['registry:5000', 'controller:8080']);
    expect(find(objects, 'StatefulSet', 'harbor-trivy').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
  });

  test('probes the exporter on the port and path it serves', () => {
    // goharbor/harbor v2.15.1 src/pkg/exporter/exporter.go:89-90: the exporter's mux serves the metrics path and a
    // landing page on "/", on HARBOR_EXPORTER_PORT (src/cmd/exporter/main.go:79 viper `exporter.port`)
    const chart = testChart('harbor');
    inClusterHarbor(chart, { exporter: true });
    const objects = synth(chart);
    const c = container(find(objects, 'Deployment', 'harbor-exporter'));
    expect(c.ports).toEqual([{ name: 'http-metrics', containerPort: 8001, protocol: 'TCP' }]);
    expect(envOf(c).HARBOR_EXPORTER_PORT.value).toBe('8001');
    // v2.15.1 src/cmd/exporter/main.go reads these viper keys (prefix HARBOR, "." as "_"), and no other: an env var
    // it does not read (harbor-helm's HARBOR_METRIC_NAMESPACE, say) only rolls the exporter when it changes
    const read = ['database.host', 'database.port', 'database.username', 'database.password', 'database.dbname', 'database.sslmode',
      'database.max_idle_conns', 'database.max_open_conns', 'database.conn_max_lifetime', 'database.conn_max_idle_time', 'service.scheme',
      'service.host', 'service.port', 'redis.url', 'redis.namespace', 'redis.timeout', 'exporter.port', 'exporter.metrics_path',
      'exporter.metrics_enabled', 'exporter.max_requests', 'exporter.tls_enabled', 'exporter.tls_cert', 'exporter.tls_key',
      'exporter.cache_time', 'exporter.cache_clean_interval'].map((k) => `HARBOR_${k.replace('.', '_').toUpperCase()}`);
    expect(Object.keys(envOf(c)).filter((name) => name.startsWith('HARBOR_') && !read.includes(name))).toEqual([]);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/', port: 'http-metrics' });
    }
  });

  // goharbor/harbor v2.15.1 src/lib/redis/pool.go:81 `log.Debug("get redis pool:", name, rawurl)`: the pool's whole
  // redis://:password@... URL at debug level, which core and jobservice reach (src/jobservice/runtime/bootstrap.go:350
  // GetRedisPool); harbor-scanner-trivy v0.36.0 pkg/redisx/pool.go:43 `slog.Debug(..., slog.String("url", config.URL))`;
  // and core a secret it refuses, src/common/security/secret/context.go:52 `log.Debugf("invalid secret: %s", s.secret)`
  test('logLevel DEBUG warns at synth that Harbor then logs its Redis password; any other level says nothing', () => {
    const lines = (logLevel: HarborLogLevel) => stderrOf(() => inClusterHarbor(testChart('harbor'), { logLevel })).split('\n').filter((l) => l.includes('logLevel'));
    expect(lines(HarborLogLevel.DEBUG)).toEqual(['dockyard: warning: Harbor harbor/harbor: logLevel DEBUG makes core, jobservice and the Trivy adapter ' +
      'log their Redis URLs, password included (goharbor/harbor v2.15.1 src/lib/redis/pool.go:81, harbor-scanner-trivy v0.36.0 ' +
      'pkg/redisx/pool.go:43), and core a refused internal secret (src/common/security/secret/context.go:52): use it briefly, and rotate ' +
      'the Redis password if the logs leave the cluster']);
    for (const level of [HarborLogLevel.INFO, HarborLogLevel.WARNING, HarborLogLevel.ERROR]) {
      expect(lines(level)).toEqual([]);
    }
  });

  test('wires core to the other components, the database and Redis', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { logLevel: HarborLogLevel.DEBUG });
    const env = envOf(container(find(synth(chart), 'Deployment', 'harbor-core')));
    expect(env.EXT_ENDPOINT.value).toBe('https://harbor.example.com');
    expect(env.CORE_URL.value).toBe('http://harbor-core:80');
    expect(env.REGISTRY_URL.value).toBe('http://harbor-registry:5000');
    expect(env.REGISTRY_CONTROLLER_URL.value).toBe('http://harbor-registry:8080');
    expect(env.TRIVY_ADAPTER_URL.value).toBe('http://harbor-trivy:8080');
    expect(env.JOBSERVICE_URL.value).toBe('http://harbor-jobservice');
    expect(env.LOG_LEVEL.value).toBe('debug');
    expect(env.POSTGRESQL_HOST.value).toBe('postgres.harbor.svc');
    expect(env.POSTGRESQL_DATABASE.value).toBe('registry');
    expect(env.POSTGRESQL_USERNAME.value).toBe('harbor');
    expect(env.POSTGRESQL_SSLMODE.value).toBe('disable');
    expect(env.POSTGRESQL_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-registry', key: 'password' });
    expect(env.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'redis-password', key: 'password' });
    expect(env._REDIS_URL_CORE.value).toBe('redis://:$(REDIS_PASSWORD)@redis.harbor.svc:6379/0?idle_timeout_seconds=30');
    expect(env._REDIS_URL_REG.value).toBe('redis://:$(REDIS_PASSWORD)@redis.harbor.svc:6379/2?idle_timeout_seconds=30');
    for (const [name, key] of [['CORE_SECRET', 'secret'], ['CSRF_KEY', 'csrf-key'], ['HARBOR_ADMIN_PASSWORD', 'admin-password']]) {
      expect(env[name].valueFrom.secretKeyRef).toEqual({ name: 'harbor-core', key });
    }
    expect(env.JOBSERVICE_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'harbor-jobservice', key: 'secret' });
    expect(env.REGISTRY_CREDENTIAL_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'harbor-registry', key: 'password' });
  });

  // Harbor v2.15.1 lets any robot named `robot$<project>+<scanner prefix>…` push into a proxy-cache project
  // (src/server/middleware/repoproxy/proxy.go:324-340, isProxySession), and a project admin may create robots: with
  // the default prefix, "scanner" (src/lib/config/metadata/metadatalist.go:156), one could push images into the cache
  // every node pulls through. Harbor's installer draws the prefix at random (make/photon/prepare/utils/core.py:26);
  // core reads it from ROBOT_SCANNER_NAME_PREFIX (src/lib/config/systemconfig.go, ScannerRobotPrefix)
  test('gives core a random scanner robot prefix, kept in its Secret, never Harbor\'s default', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const env = envOf(container(find(synth(chart), 'Deployment', 'harbor-core')));
    expect(env.ROBOT_SCANNER_NAME_PREFIX.valueFrom.secretKeyRef).toEqual({ name: 'harbor-core', key: 'scanner-prefix' });
    const value = Secret.allIn(chart).find((s) => s.secretName === 'harbor-core')!.values['scanner-prefix'];
    expect(value).toMatchObject({ kind: 'random', length: 16 });
  });

  test('mounts core\'s encryption key and token signing key from its Secret', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const pod = find(synth(chart), 'Deployment', 'harbor-core').spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: 'keys', secret: { secretName: 'harbor-core', items: [{ key: 'secret-key', path: 'key' }, { key: 'token-key', path: 'private_key.pem' }] },
    });
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([
      { name: 'keys', mountPath: '/etc/core/key', subPath: 'key', readOnly: true },
      { name: 'keys', mountPath: '/etc/core/private_key.pem', subPath: 'private_key.pem', readOnly: true },
    ]));
  });

  test('generates every internal credential once, of the length Harbor demands', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const secrets = Object.fromEntries(Secret.allIn(chart).map((s) => [s.secretName, s.values]));
    expect(secrets['harbor-core']['secret-key'].length).toBe(16);
    expect(secrets['harbor-core']['csrf-key'].length).toBe(32);
    expect(secrets['harbor-core']['token-key'].kind).toBe(SecretValueKind.RSA_PRIVATE_KEY);
    // one source of the token key: core reads only /etc/core/private_key.pem (goharbor/harbor v2.15.1
    // src/lib/config/config.go:35), and the registry authenticates core with htpasswd
    // (make/photon/prepare/templates/registry/config.yml.jinja `auth: htpasswd`), so no certificate is generated
    expect(secrets['harbor-token-certificate']).toBeUndefined();
    expect(Object.values(secrets).flatMap((v) => Object.values(v)).filter((v: any) => v.kind === SecretValueKind.CERTIFICATE)).toEqual([]);
    expect(secrets['harbor-registry-htpasswd'].htpasswd.kind).toBe(SecretValueKind.HTPASSWD);
    expect(secrets['harbor-registry-htpasswd'].htpasswd.user).toBe('harbor_registry_user');
    expect(secrets['harbor-core']['admin-password'].mixedClasses).toBe(true);
  });

  test('keeps every credential out of ConfigMaps and env literals', () => {
    const chart = testChart('harbor');
    const harbor = managedHarbor(chart, { exporter: true });
    harbor.addProject('apps');
    harbor.addRobot('ci', { permissions: [RobotPermission.push('apps')] });
    expect(checkNoPlaintextCredentials(synth(chart))).toEqual([]);
  });
});

describe('Harbor Trivy replicas', () => {
  // Each replica's volume holds a cache: the databases the adapter's Trivy downloads again when they are missing
  // (harbor-scanner-trivy v0.36.0 pkg/trivy/wrapper.go:176,190-195: --cache-dir, --skip-db-update only when told)
  // and the report file it writes and deletes during each scan (:85-95). Scan jobs go through Redis, a published
  // job taken by one replica under a SETNX lock (pkg/queue/enqueuer.go:100-120, worker.go:78-94), so no replica owns
  // anything on its volume. A StatefulSet keeps its claims on a scale-down and on delete unless told
  // (kubernetes/api apps/v1 types.go StatefulSetPersistentVolumeClaimRetentionPolicy, Retain by default).
  test('deletes the cache claims of the replicas a scale-down removes, and all of them with Trivy', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { trivyReplicas: 2 });
    const trivy = find(synth(chart), 'StatefulSet', 'harbor-trivy');
    expect(trivy.spec.replicas).toBe(2);
    expect(trivy.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
  });
});

describe('Harbor registry storage', () => {
  test('filesystem storage runs one replica, the Recreate strategy and a volume', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { registryReplicas: 1 });
    const objects = synth(chart);
    const registry = find(objects, 'Deployment', 'harbor-registry');
    expect(registry.spec.replicas).toBe(1);
    expect(registry.spec.strategy).toEqual({ type: 'Recreate' });
    expect(find(objects, 'PersistentVolumeClaim', 'harbor-registry').spec.resources.requests.storage).toBe('20Gi');
    const config = parse(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']);
    expect(config.storage.filesystem).toEqual({ rootdirectory: '/storage' });
    expect(config.storage.redirect).toEqual({ disable: false });
    expect(config.redis).toMatchObject({ addr: 'redis.harbor.svc:6379', db: 2 });
    expect(config.redis.password).toBeUndefined();
    expect(config.auth.htpasswd.path).toBe('/etc/registry/passwd');
  });

  test('filesystem storage refuses more than one registry replica, which it used to run as one without a word', () => {
    // the claim is ReadWriteOnce: a second replica on another node would wait for ever in ContainerCreating
    // ("Multi-Attach error", kubernetes/kubernetes pkg/controller/volume/attachdetach/reconciler/reconciler.go
    // `reportMultiAttachError`), so more than one needs a bucket
    expect(() => inClusterHarbor(testChart('harbor'), { registryReplicas: 2 })).toThrow(new RegExp(
      '^invalid registryReplicas 2: must be 1 with HarborStorage.filesystem, whose ReadWriteOnce volume attaches to one node; ' +
      'use HarborStorage.s3 or HarborStorage.spaces to run more registry replicas \\(Harbor "test/Harbor"\\)$'));
  });

  test('Spaces storage is S3 at the region endpoint with explicit booleans and keys from a Secret', () => {
    const chart = testChart('harbor');
    managedHarbor(chart, { registryReplicas: 2 });
    const objects = synth(chart);
    const config = parse(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']);
    expect(config.storage.s3).toEqual({
      region: 'us-east-1', bucket: 'acme-registry', regionendpoint: 'https://fra1.digitaloceanspaces.com',
      secure: true, v4auth: true, skipverify: false, encrypt: false, chunksize: 10485760,
      // Spaces takes at most 10 concurrent PUT or COPY requests to one object (DigitalOcean docs, Spaces limits);
      // distribution copies 100 parts of a finished upload at once by default (goharbor/distribution release/2.8
      // registry/storage/driver/s3-aws/s3.go: defaultMultipartCopyMaxConcurrency, `copy`)
      multipartcopymaxconcurrency: 5,
    });
    const registry = find(objects, 'Deployment', 'harbor-registry');
    expect(registry.spec.replicas).toBe(2);
    expect(registry.spec.strategy).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    for (const c of registry.spec.template.spec.containers) {
      const env = envOf(c);
      // YAML double-quoted scalars of the secret-fed variables, in both containers: distribution reads REGISTRY_* as YAML
      // (see test/integ/harbor-registry.integ.test.ts, which runs it on keys YAML would read otherwise)
      expect(env.S3_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: 'harbor-spaces', key: 'access-key' });
      expect(env.S3_SECRET_KEY.valueFrom.secretKeyRef).toEqual({ name: 'harbor-spaces', key: 'secret-key' });
      expect(env.REGISTRY_STORAGE_S3_ACCESSKEY.value).toBe('"$(S3_ACCESS_KEY)"');
      expect(env.REGISTRY_STORAGE_S3_SECRETKEY.value).toBe('"$(S3_SECRET_KEY)"');
    }
    expect(find(objects, 'PodDisruptionBudget', 'harbor-registry').spec.maxUnavailable).toBe(1);
  });

  test('S3 storage takes every option and disableRedirect', () => {
    const chart = testChart('harbor');
    const keys = Secret.fromSecretName(chart, 'S3', 's3');
    inClusterHarbor(chart, {
      storage: HarborStorage.s3({
        bucket: 'images', region: 'eu-west-1', accessKey: keys.key('a'), secretKey: keys.key('s'), rootDirectory: '/harbor',
        disableRedirect: true, secure: false, v4Auth: false, skipVerify: true, encrypt: true, chunkSizeMiB: 32, regionEndpoint: 'http://minio:9000',
        multipartCopyMaxConcurrency: 20,
      }),
    });
    const config = parse(find(synth(chart), 'ConfigMap', 'harbor-registry').data['config.yml']);
    expect(config.storage.s3).toEqual({
      region: 'eu-west-1', bucket: 'images', regionendpoint: 'http://minio:9000', rootdirectory: '/harbor',
      secure: false, v4auth: false, skipverify: true, encrypt: true, chunksize: 32 * 2 ** 20, multipartcopymaxconcurrency: 20,
    });
    expect(config.storage.redirect).toEqual({ disable: true });
  });

  // with redirects on, a blob GET is answered with a 307 to a pre-signed URL at the endpoint, which the client then
  // fetches (distribution v2.8.3 registry/storage/blobserver.go:37-42, registry/storage/driver/s3-aws/s3.go:877-913):
  // the nodes' container runtime resolves no Service name, and build pods' egress leaves out the cluster's ranges
  test('S3 at an endpoint only the cluster\'s DNS resolves serves blobs through the registry, and refuses redirects', () => {
    const chart = testChart('harbor');
    const keys = Secret.fromSecretName(chart, 'S3', 's3');
    const redirectOff = (regionEndpoint: string | undefined, disableRedirect?: boolean) => HarborStorage.s3({
      bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint, disableRedirect,
    }).s3!.disableRedirect;
    for (const endpoint of ['http://minio:9000', 'http://minio.storage.svc:9000', 'https://minio.storage.svc.cluster.local.', 'http://MINIO.storage.SVC']) {
      expect([endpoint, redirectOff(endpoint)]).toEqual([endpoint, true]);
      expect([endpoint, redirectOff(endpoint, true)]).toEqual([endpoint, true]);
      expect(() => redirectOff(endpoint, false)).toThrow(`invalid disableRedirect false: must be true or unset with regionEndpoint ${JSON.stringify(endpoint)}, ` +
        'whose host only the cluster\'s DNS resolves: the registry redirects blob pulls there, out of reach of the nodes, build pods and clients outside the cluster');
    }
    // hosts the nodes and outside clients resolve keep redirects, as before
    for (const endpoint of [undefined, 'https://fra1.digitaloceanspaces.com', 'https://s3.example.com', 'http://10.0.0.5:9000', 'http://[fd00::5]:9000', 'https://svc.example.com']) {
      expect([endpoint, redirectOff(endpoint)]).toEqual([endpoint, false]);
    }
    inClusterHarbor(chart, { storage: HarborStorage.s3({ bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint: 'http://minio.storage.svc:9000' }) });
    expect(parse(find(synth(chart), 'ConfigMap', 'harbor-registry').data['config.yml']).storage.redirect).toEqual({ disable: true });
  });

  // a pod resolves `<service>.<namespace>` through its DNS search list (`<ns>.svc.cluster.local svc.cluster.local
  // cluster.local`, ndots:5: kubernetes/website content/en/docs/concepts/services-networking/dns-pod-service.md,
  // "A Pod running in namespace quux can look up this service by doing a DNS query for foo.bar"); a node, whose
  // resolver does not search the cluster's domain, does not, and the name may as well be public: redirects off by
  // default, an explicit false taken
  test('S3 at a host of two labels (a Service of a namespace, or a public name) serves blobs itself unless told otherwise', () => {
    const chart = testChart('harbor');
    const keys = Secret.fromSecretName(chart, 'S3', 's3');
    const redirectOff = (regionEndpoint: string, disableRedirect?: boolean) => HarborStorage.s3({
      bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint, disableRedirect,
    }).s3!.disableRedirect;
    for (const endpoint of ['http://minio.storage:9000', 'https://minio.storage.', 'http://MinIO.Dev:9000', 'https://minio.example']) {
      expect([endpoint, redirectOff(endpoint)]).toEqual([endpoint, true]);
      expect([endpoint, redirectOff(endpoint, true)]).toEqual([endpoint, true]);
      expect([endpoint, redirectOff(endpoint, false)]).toEqual([endpoint, false]);
    }
    // three labels and more are left as they were; the Spaces apex is Spaces, never a Service
    for (const endpoint of ['https://s3.example.com', 'https://digitaloceanspaces.com', 'http://10.0.0.5:9000']) {
      expect([endpoint, redirectOff(endpoint)]).toEqual([endpoint, false]);
    }
    inClusterHarbor(chart, { storage: HarborStorage.s3({ bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint: 'http://minio.storage:9000' }) });
    expect(parse(find(synth(chart), 'ConfigMap', 'harbor-registry').data['config.yml']).storage.redirect).toEqual({ disable: true });
  });

  test('S3 secure follows the scheme of regionEndpoint, and a secure contradicting it is refused', () => {
    // goharbor/distribution release/2.8 registry/storage/driver/s3-aws/s3.go `New` hands aws-sdk-go v1 the endpoint
    // and `WithDisableSSL(!secure)`; aws/session/session.go `resolveEndpoint` passes both to aws/endpoints/endpoints.go
    // `AddScheme`, which adds a scheme only to an endpoint without one: the endpoint's scheme wins over secure
    const keys = Secret.fromSecretName(testChart(), 'S3', 's3');
    const s3 = (options: object) => (HarborStorage.s3({
      bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), ...options,
    })._registryConfig().s3 as { secure: boolean });
    expect(s3({ regionEndpoint: 'http://minio:9000' }).secure).toBe(false);
    expect(s3({ regionEndpoint: 'http://minio:9000', secure: false }).secure).toBe(false);
    expect(s3({ regionEndpoint: 'https://s3.example.com' }).secure).toBe(true);
    expect(s3({ regionEndpoint: 'https://s3.example.com', secure: true }).secure).toBe(true);
    // without an endpoint the SDK builds an https or http URL for the region from secure
    expect(s3({}).secure).toBe(true);
    expect(s3({ secure: false }).secure).toBe(false);
    expect(() => s3({ regionEndpoint: 'http://minio:9000', secure: true })).toThrow(new RegExp(
      '^invalid secure true: must be false or unset with regionEndpoint "http://minio:9000": the registry takes HTTP or HTTPS from the ' +
      'endpoint\'s scheme and ignores secure; write the endpoint with https:// instead$'));
    expect(() => s3({ regionEndpoint: 'https://s3.example.com', secure: false })).toThrow(
      /^invalid secure false: must be true or unset with regionEndpoint "https:\/\/s3\.example\.com": .* write the endpoint with http:\/\/ instead$/);
  });

  test('S3 at a DigitalOcean Spaces endpoint copies 5 parts at once, as HarborStorage.spaces does', () => {
    // Spaces takes at most 10 concurrent PUT or COPY requests to one object; distribution copies up to 100 parts of a
    // finished upload over 32 MiB at once (goharbor/distribution release/2.8 registry/storage/driver/s3-aws/s3.go:
    // defaultMultipartCopyMaxConcurrency, defaultMultipartCopyThresholdSize, `copy`)
    const keys = Secret.fromSecretName(testChart(), 'S3', 's3');
    const concurrency = (regionEndpoint?: string, multipartCopyMaxConcurrency?: number) => HarborStorage.s3({
      bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s'), regionEndpoint, multipartCopyMaxConcurrency,
    })._registryConfig().s3 as { multipartcopymaxconcurrency?: number };
    const spaces = HarborStorage.spaces({ region: 'fra1', bucket: 'images', accessKey: keys.key('a'), secretKey: keys.key('s') })._registryConfig().s3;
    expect(concurrency('https://fra1.digitaloceanspaces.com')).toEqual(spaces);
    for (const host of ['fra1.digitaloceanspaces.com', 'images.fra1.digitaloceanspaces.com', 'fra1.cdn.digitaloceanspaces.com', 'FRA1.DigitalOceanSpaces.com', 'fra1.digitaloceanspaces.com.']) {
      expect(concurrency(`https://${host}`).multipartcopymaxconcurrency).toBe(5);
    }
    // a value given is kept; other hosts keep distribution's default
    expect(concurrency('https://fra1.digitaloceanspaces.com', 8).multipartcopymaxconcurrency).toBe(8);
    for (const endpoint of [undefined, 'https://s3.eu-west-1.amazonaws.com', 'https://fra1.digitaloceanspaces.com.example.net', 'https://notdigitaloceanspaces.com']) {
      expect(concurrency(endpoint).multipartcopymaxconcurrency).toBeUndefined();
    }
  });

  test('S3 without regionEndpoint takes only a name that can be an AWS region', () => {
    // without regionendpoint, distribution panics at start on a region its aws-sdk-go does not list (goharbor/
    // distribution release/2.8 registry/storage/driver/s3-aws/s3.go `FromParameters`: "invalid region provided");
    // test/integ/harbor-registry.integ.test.ts runs it
    const keys = Secret.fromSecretName(testChart(), 'S3', 's3');
    const s3 = (region: string, regionEndpoint?: string) => HarborStorage.s3({ bucket: 'images', region, regionEndpoint, accessKey: keys.key('a'), secretKey: keys.key('s') });
    for (const region of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'cn-north-1', 'cn-northwest-1', 'ap-southeast-3', 'il-central-1', 'mx-central-1', 'us-isob-east-1', 'eusc-de-east-1']) {
      expect(s3(region).s3?.region).toBe(region);
    }
    for (const region of ['fra1', 'nyc3', 'auto', 'us-east', 'us-east-1a', 'minio', 'east-1']) {
      expect(() => s3(region)).toThrow(new RegExp(`^invalid region "${region}": must be an AWS region such as "us-east-1" or "eu-central-2" without ` +
        'regionEndpoint, as the registry then refuses any other at start; for another S3 service, set regionEndpoint to its URL$'));
      // behind an endpoint the service's own region names are its business
      expect(s3(region, 'https://s3.example.com').s3?.region).toBe(region);
    }
  });

  test('fails on bad storage options', () => {
    const keys = Secret.fromSecretName(testChart(), 'S3', 's3');
    const base = { bucket: 'images', region: 'us-east-1', accessKey: keys.key('a'), secretKey: keys.key('s') };
    expect(() => HarborStorage.s3({ ...base, bucket: 'Images' })).toThrow(/invalid bucket "Images": must be an S3 bucket name/);
    expect(() => HarborStorage.s3({ ...base, region: 'EU' })).toThrow(/invalid region "EU"/);
    expect(() => HarborStorage.s3({ ...base, regionEndpoint: 'minio:9000' })).toThrow(/invalid regionEndpoint "minio:9000"/);
    expect(() => HarborStorage.s3({ ...base, rootDirectory: 'harbor' })).toThrow('invalid rootDirectory "harbor": must be an absolute path such as "/harbor"');
    expect(() => HarborStorage.s3({ ...base, chunkSizeMiB: 4 })).toThrow('invalid chunkSizeMiB 4: must be an integer from 5 to 5120');
    expect(() => HarborStorage.s3({ ...base, multipartCopyMaxConcurrency: 0 })).toThrow('invalid multipartCopyMaxConcurrency 0: must be an integer from 1 to 1000');
    expect(() => HarborStorage.spaces({ ...base, region: 'frankfurt' })).toThrow(/invalid region "frankfurt": must be a Spaces region/);
    expect(() => HarborStorage.filesystem({ size: '1TB' })).toThrow(/invalid size "1TB"/);
    // a claim of no storage is refused by the API server (ValidatePersistentVolumeClaimSpec: see the Postgres test)
    expect(() => HarborStorage.filesystem({ size: '0' })).toThrow('invalid size "0": must be a Kubernetes quantity above zero');
    // a claim's storageClassName must be a DNS-1123 subdomain (kubernetes/kubernetes pkg/apis/core/validation/validation.go
    // ValidatePersistentVolumeClaimSpec)
    expect(() => HarborStorage.filesystem({ storageClassName: 'Fast SSD' })).toThrow(new Error('invalid storageClassName "Fast SSD": must be a DNS-1123 subdomain: at most 253 characters of dot-separated lower-case labels'));
  });
});

describe('Harbor on TLS-only managed Redis and PostgreSQL', () => {
  test('uses rediss:// with the ACL user for every component and TLS for the registry', () => {
    const chart = testChart('harbor');
    managedHarbor(chart, { exporter: true });
    const objects = synth(chart);
    const url = (name: string, kind: string, variable: string) => envOf(container(find(objects, kind, name)))[variable].value;
    const host = 'private-valkey.example.com:25061';
    expect(url('harbor-core', 'Deployment', '_REDIS_URL_CORE')).toBe(`rediss://default:$(REDIS_PASSWORD)@${host}/0?idle_timeout_seconds=30`);
    expect(url('harbor-jobservice', 'Deployment', 'JOB_SERVICE_POOL_REDIS_URL')).toBe(`rediss://default:$(REDIS_PASSWORD)@${host}/1`);
    expect(url('harbor-trivy', 'StatefulSet', 'SCANNER_REDIS_URL')).toBe(`rediss://default:$(REDIS_PASSWORD)@${host}/5?idle_timeout_seconds=30`);
    expect(url('harbor-exporter', 'Deployment', 'HARBOR_REDIS_URL')).toBe(`rediss://default:$(REDIS_PASSWORD)@${host}/1`);
    const registry = envOf(container(find(objects, 'Deployment', 'harbor-registry'), 'registry'));
    expect(registry.REGISTRY_REDIS_ENABLETLS.value).toBe('true');
    expect(registry.REGISTRY_REDIS_USERNAME.value).toBe('default');
    // a YAML double-quoted scalar of the secret-fed variable: distribution reads REGISTRY_* as YAML (see
    // test/integ/harbor-registry.integ.test.ts, which runs it on passwords YAML would read otherwise)
    expect(registry.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'harbor-valkey', key: 'password' });
    expect(registry.REGISTRY_REDIS_PASSWORD.value).toBe('"$(REDIS_PASSWORD)"');
    const core = envOf(container(find(objects, 'Deployment', 'harbor-core')));
    expect(core.POSTGRESQL_SSLMODE.value).toBe('require');
    expect(core.POSTGRESQL_PORT.value).toBe('25060');
  });

  test('gives the registry the Redis ACL user only where its Harbor release can send one', () => {
    // goharbor/distribution release/2.8 has no Redis username (configuration/configuration.go:167-180): the registry
    // of Harbor < 2.15.0 sends the password alone, checked against the "default" user (goharbor/harbor#18892,
    // WRONGPASS). Harbor 2.15.0 renders redis.username for the registry (v2.15.1 commit a8343d3, #22770,
    // make/photon/prepare/templates/registry/config.yml.jinja:42) and pins distribution v2.8.3-harbor.1-rc.1
    // (Makefile:119); harbor-helm 1.19.1 renders it too (templates/registry/registry-cm.yaml:179).
    const acl = (chart: ReturnType<typeof testChart>, username: string) => new ExternalRedis(chart, 'AclValkey', {
      host: 'valkey.internal', port: 6379, username, password: Secret.fromSecretName(chart, 'AclPw', 'acl').key('password'),
    });
    const registryEnvOf = (chart: ReturnType<typeof testChart>) => {
      const objects = synth(chart);
      return ['registry', 'registryctl'].map((c) => envOf(container(find(objects, 'Deployment', 'harbor-registry'), c)));
    };

    const old = testChart('harbor');
    expect(() => managedHarbor(old, { version: '2.14.2', redis: acl(old, 'harbor') })).toThrow(
      'invalid redis.username "harbor": must be "default" (or unset) with Harbor 2.14.2: its registry logs in to Redis with the password alone; '
      + 'Harbor 2.15.0 and later accept other ACL users');

    const oldDefault = testChart('harbor');
    managedHarbor(oldDefault, { version: '2.14.2', redis: acl(oldDefault, 'default') });
    const [oldRegistry, oldController] = registryEnvOf(oldDefault);
    expect(oldRegistry.REGISTRY_REDIS_USERNAME).toBeUndefined();
    expect(oldRegistry.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'acl', key: 'password' });
    expect(oldRegistry.REGISTRY_REDIS_PASSWORD.value).toBe('"$(REDIS_PASSWORD)"');

    const current = testChart('harbor');
    managedHarbor(current, { redis: acl(current, 'harbor') });
    const [registry, controller] = registryEnvOf(current);
    expect(registry.REGISTRY_REDIS_USERNAME.value).toBe('harbor');
    // registryctl opens no Redis connection: it builds only a storage driver from the registry's configuration
    // (goharbor/harbor v2.15.1 src/registryctl/config/config.go `setStorageDriver`), so it gets no Redis setting
    for (const env of [oldController, controller]) {
      expect(Object.keys(env).filter((name) => /REDIS/.test(name))).toEqual([]);
      expect(env.REGISTRY_HTTP_SECRET).toBeDefined();
    }
  });

  test('refuses a TLS Redis with a Harbor release that reaches Redis in plain TCP only', () => {
    // goharbor/harbor v2.12.2: core's cache registers redis and redis+sentinel alone (src/lib/cache/redis/redis.go
    // init), jobservice's pool takes redis:// alone (src/lib/redis/pool.go GetRedisPool), and the registry is upstream
    // distribution v2.8.3 (Makefile REGISTRY_SRC_TAG), without enabletls; v2.13.0 reads rediss:// in both and builds
    // goharbor/distribution release/2.8, which has enabletls (commit 5c39e76, #21667)
    expect(() => managedHarbor(testChart('harbor'), { version: '2.12.2' })).toThrow(
      'invalid redis.tls true: must be false with Harbor 2.12.2: its core stops at start on a rediss:// URL, and its registry sends the '
      + 'Redis password in plain text to a TLS port; Harbor 2.13.0 and later reach Redis over TLS');
    for (const version of ['2.13.0', '3.0.0']) {
      const chart = testChart('harbor');
      managedHarbor(chart, { version });
      expect(envOf(container(find(synth(chart), 'Deployment', 'harbor-registry'), 'registry')).REGISTRY_REDIS_ENABLETLS.value).toBe('true');
    }
    // a plain-TCP Redis is any release's
    const plain = testChart('harbor');
    inClusterHarbor(plain, { version: '2.12.2' });
    expect(envOf(container(find(synth(plain), 'Deployment', 'harbor-core')))._REDIS_URL_CORE.value).toMatch(/^redis:\/\//);
  });

  test('mounts a private Redis CA into every Redis client, the registry included, and not into registryctl', () => {
    const chart = testChart('harbor');
    const ca = Secret.fromSecretName(chart, 'Ca', 'valkey-ca');
    managedHarbor(chart, {
      exporter: true,
      redis: new ExternalRedis(chart, 'PrivateValkey', {
        host: 'valkey.internal', port: 6380, password: ca.key('password'), caCertificate: ca.key('ca.crt'),
      }),
    });
    const objects = synth(chart);
    const clients = [['Deployment', 'harbor-core'], ['Deployment', 'harbor-jobservice'], ['Deployment', 'harbor-exporter'], ['StatefulSet', 'harbor-trivy']];
    for (const c of [...clients.map(([kind, name]) => container(find(objects, kind, name))), container(find(objects, 'Deployment', 'harbor-registry'), 'registry')]) {
      expect([c.name, envOf(c).SSL_CERT_DIR.value]).toEqual([c.name, '/etc/harbor-ca']);
      expect(c.volumeMounts).toContainEqual({ name: 'harbor-ca', mountPath: '/etc/harbor-ca', readOnly: true });
    }
    // registryctl opens no Redis connection (goharbor/harbor v2.15.1 src/registryctl names no Redis setting)
    const registry = find(objects, 'Deployment', 'harbor-registry').spec.template.spec;
    const registryctl = container(find(objects, 'Deployment', 'harbor-registry'), 'registryctl');
    expect(envOf(registryctl).SSL_CERT_DIR).toBeUndefined();
    expect(registryctl.volumeMounts.map((m: any) => m.name)).not.toContain('harbor-ca');
    expect(registry.volumes).toContainEqual({
      name: 'harbor-ca', projected: { sources: [{ secret: { name: 'valkey-ca', items: [{ key: 'ca.crt', path: 'redis.crt' }] } }] },
    });
    expect(envOf(container(find(objects, 'Deployment', 'harbor-core'))).PGSSLROOTCERT).toBeUndefined();
  });

  // Harbor's DSN carries no sslrootcert (goharbor/harbor v2.15.1 src/common/dao/pgsql.go `Register`, `NewMigrator`);
  // pgx v4's pgconn v1.14.3 reads PGSSLROOTCERT as sslrootcert (config.go `parseEnvSettings`) and verifies the
  // server against that file alone (`configTLS`), so the database's CA needs no place in SSL_CERT_DIR
  test('mounts the PostgreSQL CA into core, jobservice and the exporter only, named by PGSSLROOTCERT and kept out of SSL_CERT_DIR', () => {
    const chart = testChart('harbor');
    const ca = Secret.fromSecretName(chart, 'Ca', 'managed-ca');
    const pw = Secret.fromSecretName(chart, 'Pw', 'pw');
    inClusterHarbor(chart, {
      exporter: true,
      database: new ExternalPostgres(chart, 'Db', {
        host: 'db.example.com', databaseName: 'registry', user: 'harbor', password: pw.key('db'), sslMode: SslMode.VERIFY_FULL, caCertificate: ca.key('ca.crt'),
      }),
    });
    const objects = synth(chart);
    for (const name of ['harbor-core', 'harbor-jobservice', 'harbor-exporter']) {
      const workload = find(objects, 'Deployment', name);
      const c = container(workload);
      expect([name, envOf(c).PGSSLROOTCERT.value, envOf(c).SSL_CERT_DIR]).toEqual([name, '/etc/postgresql-ca/ca.crt', undefined]);
      expect(c.volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/postgresql-ca', readOnly: true });
      expect(workload.spec.template.spec.volumes).toContainEqual({ name: 'database-ca', secret: { secretName: 'managed-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    }
    for (const workload of [find(objects, 'Deployment', 'harbor-registry'), find(objects, 'StatefulSet', 'harbor-trivy'), find(objects, 'Deployment', 'harbor-portal')]) {
      const pod = workload.spec.template.spec;
      expect([workload.metadata.name, JSON.stringify(pod)]).toEqual([workload.metadata.name, expect.not.stringContaining('managed-ca')]);
      for (const c of pod.containers) {
        expect([c.name, envOf(c).PGSSLROOTCERT, envOf(c).SSL_CERT_DIR]).toEqual([c.name, undefined, undefined]);
      }
    }
  });

  test('a new PostgreSQL CA, or verify-full in place of require, rolls exactly core, jobservice and the exporter', () => {
    // the pods whose template changes are the pods that roll; a Secret made outside Dockyard, as a managed database's
    // CA is, counts in the checksum with its name (README "Day two: what rolls when"), so a new CA comes as a new Secret.
    // A private Redis CA is mounted beside it in Redis's clients, the registry and Trivy among them
    const templates = (caSecret?: string) => {
      const chart = testChart('harbor');
      const secrets = Secret.fromSecretName(chart, 'Secrets', 'harbor-secrets');
      inClusterHarbor(chart, {
        exporter: true, storage: HarborStorage.s3({ bucket: 'images', region: 'eu-west-1', accessKey: secrets.key('a'), secretKey: secrets.key('s') }),
        database: new ExternalPostgres(chart, 'Db', {
          host: 'db.example.com', databaseName: 'registry', user: 'harbor', password: secrets.key('db'),
          ...(caSecret ? { sslMode: SslMode.VERIFY_FULL, caCertificate: Secret.fromSecretName(chart, 'Ca', caSecret).key('ca.crt') } : { sslMode: SslMode.REQUIRE }),
        }),
        redis: new ExternalRedis(chart, 'Valkey', { host: 'valkey.internal', port: 6380, password: secrets.key('redis'), caCertificate: secrets.key('valkey-ca') }),
      });
      const objects = synth(chart);
      const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.labels['app.kubernetes.io/name'] === 'harbor');
      // each pod's template, and the checksum of the Secrets and ConfigMaps it reads, by workload
      return Object.fromEntries(workloads.map((o) => [`${o.kind}/${o.metadata.name}`, {
        template: JSON.stringify(o.spec.template), checksum: o.spec.template.metadata.annotations[CHECKSUM_ANNOTATION] as string,
      }]));
    };
    const changed = (a: ReturnType<typeof templates>, b: ReturnType<typeof templates>, field: 'template' | 'checksum') =>
      Object.keys(a).filter((k) => a[k][field] !== b[k][field]);
    const readers = ['Deployment/harbor-core', 'Deployment/harbor-jobservice', 'Deployment/harbor-exporter'];
    const before = templates('pg-ca-2026');
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['Deployment/harbor-registry', 'StatefulSet/harbor-trivy', ...readers]));
    expect(Object.values(before).map((w) => w.checksum)).toEqual(Object.values(before).map(() => expect.stringMatching(/^[0-9a-f]{64}$/)));
    for (const field of ['checksum', 'template'] as const) {
      expect([field, changed(before, templates('pg-ca-2027'), field)]).toEqual([field, readers]);
      expect([field, changed(templates(), before, field)]).toEqual([field, readers]);
      expect([field, changed(before, templates('pg-ca-2026'), field)]).toEqual([field, []]);
    }
  });
});

describe('Harbor key rotation', () => {
  test('a new Redis password rolls exactly Redis\'s clients, and a new bucket key exactly the registry', () => {
    // digests as a secret source gives them for provided values (lib/core/checksum.ts withDigests): one key's changes
    const checksums = (rotated?: string) => {
      const chart = testChart('harbor');
      const secrets = Secret.fromSecretName(chart, 'Secrets', 'harbor-secrets');
      inClusterHarbor(chart, {
        exporter: true, storage: HarborStorage.spaces({ region: 'fra1', bucket: 'images', accessKey: secrets.key('access-key'), secretKey: secrets.key('secret-key') }),
        redis: new ExternalRedis(chart, 'Valkey', { host: 'valkey.internal', port: 25061, username: 'default', password: secrets.key('redis') }),
      });
      const objects = withDigests(chart, (key) => `${key}${key === `harbor/harbor-secrets/${rotated}` ? '-new' : ''}`, () => synth(chart));
      return Object.fromEntries(objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
        .map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template.metadata.annotations[CHECKSUM_ANNOTATION] as string]));
    };
    const before = checksums();
    const rolled = (key: string) => {
      const after = checksums(key);
      return Object.keys(before).filter((k) => before[k] !== after[k]);
    };
    // core, jobservice, the exporter and Trivy read it in their URLs, the registry as REGISTRY_REDIS_PASSWORD; the portal does not
    expect(rolled('redis').sort()).toEqual(['Deployment/harbor-core', 'Deployment/harbor-exporter', 'Deployment/harbor-jobservice',
      'Deployment/harbor-registry', 'StatefulSet/harbor-trivy']);
    expect(Object.keys(before)).toContain('Deployment/harbor-portal');
    expect(rolled('secret-key')).toEqual(['Deployment/harbor-registry']);
    expect(rolled('access-key')).toEqual(['Deployment/harbor-registry']);
  });
});

describe('Harbor connection budget', () => {
  // Kubernetes defaults a Deployment's maxSurge to 25%, rounded up (pkg/apis/apps/v1/defaults.go
  // SetDefaults_Deployment, pkg/controller/deployment/util/deployment_util.go ResolveFenceposts): a rollout runs a new
  // pod beside the old ones, each opening a pool of its own
  test('shares the database limit among core, jobservice and exporter pods, counting the pods a rollout adds', () => {
    const chart = testChart('harbor');
    // named apart from the fixture's own Postgres, whose objects would otherwise share its names
    const pg = new Postgres(chart, 'Pg', { name: 'pg' });
    const harbor = inClusterHarbor(chart, { database: pg.addDatabase('ha', { connectionLimit: 40 }), coreReplicas: 2, jobserviceReplicas: 2, exporter: true });
    // 2 core and an exporter, each Deployment with one more pod while it rolls; 2 jobservice with both their
    // successors (below)
    expect(harbor.maxOpenConns).toBe(Math.floor(40 / (3 + 4 + 2)));
    const objects = synth(chart);
    expect(envOf(container(find(objects, 'Deployment', 'harbor-core'))).POSTGRESQL_MAX_OPEN_CONNS.value).toBe('4');
    expect(envOf(container(find(objects, 'Deployment', 'harbor-exporter'))).HARBOR_DATABASE_MAX_OPEN_CONNS.value).toBe('4');
    // the default rolling update, whose extra pod the budget counts
    expect(find(objects, 'Deployment', 'harbor-core').spec.strategy).toBeUndefined();
  });

  test('gives each of the 2 default pods 6 of the 25 connections a small managed plan allows: 4 pods while they roll', () => {
    expect(managedHarbor(testChart('harbor')).maxOpenConns).toBe(6);
  });

  test('names the pods a rollout adds when the limit cannot be met', () => {
    const chart = testChart('harbor');
    const pg = new Postgres(chart, 'Pg');
    expect(() => inClusterHarbor(chart, { database: pg.addDatabase('small', { connectionLimit: 12 }) }))
      .toThrow('invalid database.connectionLimit 12: must give each of the 4 pods that connect (1 core + 1 jobservice, and 2 more while ' +
        'they roll) at least 4 connections, i.e. be at least 16; raise the limit or lower the replicas (the limit is database "small"\'s ' +
        'connectionLimit; one made without it, by Postgres.addDatabase or ExternalPostgres, gets a quarter of what its server\'s ' +
        'maxConnections leaves)');
  });

  // the README's first ExternalPostgres (Constructs, `Postgres` and `ExternalPostgres`) sets maxConnections 22 and no
  // connectionLimit, which gets defaultConnectionLimit's quarter of 22 - 1 = 5: too few for Harbor, and the user who
  // copied it set no limit to raise, so the refusal says where the 5 comes from (new-user trial K5)
  test('a managed database without a connectionLimit is refused naming the database and where its default limit comes from', () => {
    const chart = testChart('harbor');
    const database = new ExternalPostgres(chart, 'Managed', {
      host: 'db-postgresql-fra1-1234.b.db.ondigitalocean.com', port: 25060, databaseName: 'registry', user: 'harbor', maxConnections: 22,
      password: Secret.fromSecretName(chart, 'DbPw', 'managed-db').key('password'),
    });
    expect(() => inClusterHarbor(chart, { database }))
      .toThrow('invalid database.connectionLimit 5: must give each of the 4 pods that connect (1 core + 1 jobservice, and 2 more while ' +
        'they roll) at least 4 connections, i.e. be at least 16; raise the limit or lower the replicas (the limit is database "registry"\'s ' +
        'connectionLimit; one made without it, by Postgres.addDatabase or ExternalPostgres, gets a quarter of what its server\'s ' +
        'maxConnections leaves)');
  });

  test('uses 100 per pod when the database sets no limit', () => {
    const chart = testChart('harbor');
    const pg = new Postgres(chart, 'Pg');
    // Dockyard's databases always have a limit now (a share of max_connections): a database from elsewhere may not
    expect(inClusterHarbor(chart, { database: { ...pg.addDatabase('other'), connectionLimit: undefined } }).maxOpenConns).toBe(100);
  });

  // a database written by hand states its limit as PostgreSQL's CONNECTION LIMIT does: -1 is no limit
  // (postgres/postgres doc/src/sgml/ref/create_role.sgml), where the budget refused it as too small; Infinity and NaN
  // reached POSTGRESQL_MAX_OPEN_CONNS as they are, and 0 lets no client in (statedConnectionLimit, lib/postgres/database.ts)
  test('reads a hand-written database\'s connectionLimit as PostgreSQL does: -1 no limit, anything but a whole number from 1 refused', () => {
    const chart = testChart('harbor');
    const pg = new Postgres(chart, 'Pg');
    expect(inClusterHarbor(chart, { database: { ...pg.addDatabase('unlimited'), connectionLimit: -1 } }).maxOpenConns).toBe(100);
    for (const [limit, shown] of [[Infinity, 'Infinity'], [NaN, 'NaN'], [0, '0'], [2.5, '2.5'], [2147483648, '2147483648']] as const) {
      const other = testChart('harbor');
      const db = { ...new Postgres(other, 'Pg').addDatabase('registry'), connectionLimit: limit };
      expect(() => inClusterHarbor(other, { database: db })).toThrow(new Error(`invalid database.connectionLimit ${shown}: must be -1 (no ` +
        'limit) or an integer from 1 to 2147483647, as PostgreSQL\'s CONNECTION LIMIT (Harbor "test/Harbor")'));
    }
  });

  test('fails at synth time when the limit cannot be met', () => {
    expect(() => managedHarbor(testChart('harbor'), { coreReplicas: 4, jobserviceReplicas: 3 }))
      .toThrow('invalid database.connectionLimit 25: must give each of the 11 pods that connect (4 core + 3 jobservice, and 4 more while ' +
        'they roll) at least 4 connections, i.e. be at least 44; raise the limit or lower the replicas (the limit is database "registry"\'s ' +
        'connectionLimit; one made without it, by Postgres.addDatabase or ExternalPostgres, gets a quarter of what its server\'s ' +
        'maxConnections leaves)');
  });

  // On SIGTERM jobservice waits for its running jobs (goharbor/harbor v2.15.1 src/jobservice/runtime/bootstrap.go:
  // 231-270, its worker pool's Stop in src/jobservice/worker/cworker/c_worker.go:148-156, gocraft/work v0.5.1
  // WorkerPool.Stop waiting for each worker's job), with its pool, for up to its 120 s grace period. The Deployment
  // controller counts the surge in its ReplicaSets' spec.replicas (kubernetes/kubernetes
  // pkg/controller/deployment/util/deployment_util.go NewRSNewReplicas, GetReplicaCountForReplicaSets), which drops
  // when an old pod is scaled down, not when it is gone: every old jobservice can still hold its pool beside every
  // new one. Core exits within 3 s of SIGTERM (src/core/main.go:114-136) and keeps the 25% surge.
  test('counts every old jobservice pod beside its successors while it rolls: twice its replicas', () => {
    const limit = (jobserviceReplicas: number) => {
      const chart = testChart('harbor');
      const pg = new Postgres(chart, 'Pg', { name: 'pg' });
      return inClusterHarbor(chart, { database: pg.addDatabase('ha', { connectionLimit: 90 }), coreReplicas: 4, jobserviceReplicas }).maxOpenConns;
    };
    // 4 core and 1 more while they roll, and 2 × jobservice
    expect(limit(1)).toBe(Math.floor(90 / (5 + 2)));
    expect(limit(4)).toBe(Math.floor(90 / (5 + 8)));
    expect(limit(8)).toBe(Math.floor(90 / (5 + 16)));
  });
});

describe('Harbor metrics', () => {
  // harbor-helm 1.19.1: with metrics.enabled, core, jobservice, the registry and the exporter serve /metrics on 8001
  // (values.yaml `metrics`), their Services name that port "http-metrics" (templates/_helpers.tpl:574,
  // templates/{core,jobservice,registry,exporter}/*-svc.yaml), and templates/metrics/metrics-svcmon.yaml selects that
  // port on every Service of the release.
  const PROM = NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
  const COMPONENTS = ['harbor-core', 'harbor-jobservice', 'harbor-registry', 'harbor-exporter'];
  const scraperRules = (objects: any[], name: string) => find(objects, 'NetworkPolicy', name).spec.ingress
    .filter((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === 'monitoring');

  test('without metrics, nothing outside Harbor reaches the exporter, and no ServiceMonitor is rendered', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { exporter: true });
    const objects = synth(chart);
    for (const name of COMPONENTS) {
      expect(scraperRules(objects, name)).toEqual([]);
    }
    expect(objects.filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
    expect(envOf(container(find(objects, 'Deployment', 'harbor-core'))).METRIC_ENABLE).toBeUndefined();
  });

  test('admits the scrapers to the metrics port of core, jobservice, the registry and the exporter, and nowhere else', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { metrics: { scrapers: [PROM] } });
    const objects = synth(chart);
    for (const name of COMPONENTS) {
      expect(scraperRules(objects, name)).toEqual([{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 8001 }],
      }]);
      const service = find(objects, 'Service', name);
      expect(service.spec.ports).toContainEqual({ name: 'http-metrics', port: 8001, targetPort: 'http-metrics', protocol: 'TCP' });
    }
    for (const name of ['harbor-portal', 'harbor-trivy']) {
      expect(scraperRules(objects, name)).toEqual([]);
    }
    // the exporter runs when metrics are on, and admits the scrapers only: no Harbor component calls it
    expect(find(objects, 'Deployment', 'harbor-exporter')).toBeDefined();
    expect(find(objects, 'NetworkPolicy', 'harbor-exporter').spec.ingress).toEqual(scraperRules(objects, 'harbor-exporter'));
  });

  test('turns on the metrics of core, jobservice and the registry as harbor-helm does', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { metrics: { scrapers: [PROM] } });
    const objects = synth(chart);
    const core = envOf(container(find(objects, 'Deployment', 'harbor-core')));
    // templates/core/core-cm.yaml:58-63
    expect(Object.fromEntries(['METRIC_ENABLE', 'METRIC_PATH', 'METRIC_PORT', 'METRIC_NAMESPACE', 'METRIC_SUBSYSTEM'].map((k) => [k, core[k].value])))
      .toEqual({ METRIC_ENABLE: 'true', METRIC_PATH: '/metrics', METRIC_PORT: '8001', METRIC_NAMESPACE: 'harbor', METRIC_SUBSYSTEM: 'core' });
    expect(container(find(objects, 'Deployment', 'harbor-core')).ports).toContainEqual(expect.objectContaining({ name: 'http-metrics', containerPort: 8001 }));
    // templates/jobservice/jobservice-cm.yaml:46-49
    expect(parse(find(objects, 'ConfigMap', 'harbor-jobservice').data['config.yml']).metric).toEqual({ enabled: true, path: '/metrics', port: 8001 });
    expect(envOf(container(find(objects, 'Deployment', 'harbor-jobservice'))).METRIC_SUBSYSTEM.value).toBe('jobservice');
    // templates/registry/registry-cm.yaml:200-206: the debug server on :8001 with prometheus
    expect(parse(find(objects, 'ConfigMap', 'harbor-registry').data['config.yml']).http.debug).toEqual({ addr: ':8001', prometheus: { enabled: true, path: '/metrics' } });
    expect(container(find(objects, 'Deployment', 'harbor-registry'), 'registry').ports).toContainEqual(expect.objectContaining({ name: 'http-metrics', containerPort: 8001 }));
  });

  test('renders a ServiceMonitor of every http-metrics port of this Harbor on request', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { metrics: { scrapers: [PROM], serviceMonitor: true, interval: '30s', serviceMonitorLabels: { release: 'kube-prometheus-stack' } } });
    const objects = synth(chart);
    const monitor = find(objects, 'ServiceMonitor', 'harbor');
    expect(monitor).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: 'harbor', namespace: 'harbor',
        labels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/instance': 'harbor', 'release': 'kube-prometheus-stack' },
      },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        endpoints: [{ port: 'http-metrics', path: '/metrics', honorLabels: true, interval: '30s' }],
        selector: { matchLabels: { 'app.kubernetes.io/name': 'harbor', 'app.kubernetes.io/instance': 'harbor' } },
      },
    });
    // it selects exactly the Services with a metrics port
    const selected = objects.filter((o) => o.kind === 'Service' && o.metadata.namespace === 'harbor'
      && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v)
      && o.spec.ports.some((p: any) => p.name === 'http-metrics'));
    expect(selected.map((o) => o.metadata.name).sort()).toEqual([...COMPONENTS].sort());
  });

  test('refuses metrics it cannot deliver', () => {
    const bad = (metrics: any, extra: object = {}) => () => inClusterHarbor(testChart('harbor'), { metrics, ...extra });
    expect(bad({ scrapers: [] })).toThrow('invalid metrics.scrapers []: must be a non-empty list of NetworkPeer, the Prometheus pods admitted, e.g. [NetworkPeer.namespace("monitoring")]');
    // the metrics ports ask for no token
    expect(bad({ scrapers: [NetworkPeer.ipBlock('::/0')] })).toThrow('invalid metrics.scrapers "::/0": must not be the whole address space');
    expect(bad({ scrapers: [PROM] }, { exporter: false })).toThrow(
      'invalid exporter false: must be true or unset when metrics are on: the exporter serves the database and job queue metrics');
    expect(bad({ scrapers: [PROM], serviceMonitor: true, interval: '30 seconds' })).toThrow(
      'invalid metrics.interval "30 seconds": must be a Prometheus duration such as "30s" or "1m"');
    expect(bad({ scrapers: [PROM], interval: '30s' })).toThrow('invalid metrics.serviceMonitor false: must be true to set interval or serviceMonitorLabels');
  });
});

describe('Harbor exposure and network', () => {
  test('routes the API, token service and registry to core and the rest to the portal, for large uploads', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart);
    const ingress = find(synth(chart), 'Ingress', 'harbor');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => `${p.path}->${p.backend.service.name}`))
      .toEqual(['/api/->harbor-core', '/service/->harbor-core', '/v2/->harbor-core', '/c/->harbor-core',
        // core's job status hooks, which Harbor's own nginx keeps from outside (test/harbor/route-precedence.test.ts):
        // the longest prefix wins on ingress-nginx (kubernetes/api v0.36.3 networking/v1/types.go, `PathTypePrefix`)
        '/service/notifications->harbor-portal', '/->harbor-portal']);
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-body-size': '0', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '900',
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
    expect(ingress.spec.tls).toEqual([{ hosts: ['harbor.example.com'], secretName: 'harbor-tls' }]);
    expect(harbor.tlsSecretName).toBe('harbor-tls');
  });

  test('can attach an HTTPRoute to a Gateway instead', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { exposure: HarborExposure.httpRoute({ gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' }) });
    const objects = synth(chart);
    const route = find(objects, 'HTTPRoute', 'harbor');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['harbor.example.com']);
    expect(route.spec.rules[1]).toEqual({
      matches: [{ path: { type: 'PathPrefix', value: '/service/notifications' } }, { path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ name: 'harbor-portal', port: 80 }],
    });
    expect(httpRouteErrors(route)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(find(objects, 'NetworkPolicy', 'harbor-core').spec.ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']))
      .toEqual(['harbor', 'gateways']);
  });

  test('makes only core and portal reachable from the ingress controller, and the data services only from their clients', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart);
    const objects = synth(chart);
    const namespaces = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress
      .map((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(namespaces('harbor-core')).toContain('ingress-nginx');
    expect(namespaces('harbor-portal')).toContain('ingress-nginx');
    for (const name of ['harbor-registry', 'harbor-jobservice', 'harbor-trivy']) {
      expect(namespaces(name)).not.toContain('ingress-nginx');
    }
    // Harbor's pods among each data service's clients (the data service may admit its own tooling too)
    const components = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress
      .filter((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'] === 'harbor')
      .map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/component']);
    expect(components('postgres')).toEqual(['core', 'jobservice']);
    expect(components('redis')).toEqual(['core', 'registry', 'jobservice', 'trivy']);
  });

  test('spreads replicated components and gives them disruption budgets', () => {
    const chart = testChart('harbor');
    managedHarbor(chart, { coreReplicas: 2, portalReplicas: 2 });
    const objects = synth(chart);
    expect(find(objects, 'Deployment', 'harbor-core').spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
    });
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual(['harbor-core', 'harbor-portal']);
  });
});

describe('Harbor validation', () => {
  test('refuses a second Harbor on the Redis server of another, however its Redis object is made', () => {
    // Harbor's databases (0, 1, 2, 5) and the keys in them are fixed: two Harbors on one server share jobservice's
    // queue and the registry's blob descriptor cache, which distribution asks before its storage (goharbor/distribution
    // release/2.8 registry/storage/cache/cachedblobdescriptorstore.go; test/integ/harbor-registry.integ.test.ts runs it)
    const second = (chart: ReturnType<typeof testChart>, redis: ExternalRedis | Redis) => new Harbor(chart, 'Staging', {
      name: 'staging', namespace: 'staging', externalUrl: 'https://staging.example.com',
      database: new Postgres(chart, 'StagingDb', { namespace: 'staging' }).addDatabase('registry', { user: 'harbor' }),
      redis, storage: HarborStorage.filesystem(),
    });
    const refusal = (path: string, server: string) => `invalid redis "${server}": must not be the Redis of another Harbor (${path}): `
      + 'Harbor keeps its job queue and registry cache under fixed keys in databases 0, 1, 2, 5, so each would run the other\'s jobs and '
      + 'find the other\'s blobs; give each Harbor its own Redis';

    const inCluster = testChart('harbor');
    const redis = new Redis(inCluster, 'Cache', { name: 'cache' });
    inClusterHarbor(inCluster, { redis });
    expect(() => second(inCluster, redis)).toThrow(refusal('test/Harbor', 'cache.harbor.svc:6379'));

    const managed = testChart('harbor');
    managedHarbor(managed);
    const pw = Secret.fromSecretName(managed, 'StagingPw', 'staging-valkey', { namespace: 'staging' }).key('password');
    expect(() => second(managed, new ExternalRedis(managed, 'Same', { host: 'private-valkey.example.com', port: 25061, password: pw })))
      .toThrow(refusal('test/Harbor', 'private-valkey.example.com:25061'));

    // another port is another server, and another app another platform
    const other = testChart('harbor');
    managedHarbor(other);
    second(other, new ExternalRedis(other, 'Other', { host: 'private-valkey.example.com', port: 25062, password: Secret.fromSecretName(other, 'OtherPw', 'o', { namespace: 'staging' }).key('password') }));
    const elsewhere = testChart('harbor');
    second(elsewhere, new ExternalRedis(elsewhere, 'Same', { host: 'private-valkey.example.com', port: 25061, password: Secret.fromSecretName(elsewhere, 'Pw', 'o', { namespace: 'staging' }).key('password') }));
  });

  // a second Harbor, in namespace staging, whose redis is the ExternalRedis at `host`
  const staging = (chart: ReturnType<typeof testChart>, host: string) => new Harbor(chart, 'Staging', {
    name: 'staging', namespace: 'staging', externalUrl: 'https://staging.example.com',
    database: new Postgres(chart, 'StagingDb', { namespace: 'staging' }).addDatabase('registry', { user: 'harbor' }),
    redis: new ExternalRedis(chart, 'StagingRedis', { host, tls: false, password: Secret.fromSecretName(chart, 'StagingPw', 'pw', { namespace: 'staging' }).key('password') }),
    storage: HarborStorage.filesystem(),
  });

  test('tells Redis servers apart as the Harbors\' pods resolve their hosts', () => {
    // a pod resolves a one-label host in its own namespace first (its resolv.conf search path begins
    // <namespace>.svc.cluster.local), so "cache" is the Service cache in each Harbor's namespace
    const withCache = (namespace: string) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, { redis: new Redis(chart, 'Cache', { name: 'cache', namespace }) });
      return chart;
    };

    // two namespaces, two Services named cache: two servers
    staging(withCache('harbor'), 'cache');
    // the first Harbor's own cache, named from the second's namespace: one server
    // named as the first Harbor names it, and how its pods resolve it: the one name both are to them
    expect(() => staging(withCache('staging'), 'cache')).toThrow('invalid redis "cache:6379": must not be the Redis of another Harbor (test/Harbor names it ' +
      '"cache.staging.svc:6379", and the pods resolve both names to cache.staging.svc): Harbor keeps its job queue');
    expect(() => staging(withCache('harbor'), 'cache.harbor.svc')).toThrow('invalid redis "cache.harbor.svc:6379": must not be the Redis of another Harbor');
  });

  // a pod's resolver completes a name of fewer than 5 dots with its search list, <namespace>.svc.<domain>,
  // svc.<domain>, <domain>, before trying it as written (kubernetes/kubernetes pkg/kubelet/network/dns/dns.go
  // generateSearchesForDNSClusterFirst, defaultDNSOptions ndots:5): "cache.other" is first the Service cache of
  // namespace other, as "cache.other.svc" and "cache.other.svc.cluster.local" are
  test('tells one Redis server apart under each name the Harbors\' pods resolve to it', () => {
    const withCache = (host?: string) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, {
        redis: host === undefined ? new Redis(chart, 'Cache', { name: 'cache', namespace: 'other' })
          : new ExternalRedis(chart, 'Cache', { host, tls: false, password: Secret.fromSecretName(chart, 'CachePw', 'pw').key('password') }),
      });
      return chart;
    };
    // the refusal names the first Harbor's spelling when it is another, and the name both are to the pods: a host
    // taken for one outside the cluster (say "cache.other") is seen to be the Service's
    const refused = (host: string, first: string) => `invalid redis "${host}:6379": must not be the Redis of another Harbor (test/Harbor` +
      `${first === host ? '' : ` names it "${first}:6379", and the pods resolve both names to cache.other.svc`}): Harbor keeps its job queue`;
    for (const host of ['cache.other', 'cache.other.svc', 'cache.other.svc.cluster.local']) {
      // against Redis's own host, cache.other.svc
      expect(() => staging(withCache(), host)).toThrow(refused(host, 'cache.other.svc'));
      // and against each other spelling
      for (const first of ['cache.other', 'cache.other.svc', 'cache.other.svc.cluster.local']) {
        expect(() => staging(withCache(first), host)).toThrow(refused(host, first));
      }
    }
    // another cluster domain, a name outside the cluster, an IP address: each only as written
    staging(withCache(), 'cache.other.svc.k8s.example');
    staging(withCache(), 'cache.other.example.com');
    staging(withCache('10.96.0.7'), '10.96.0.8');
    expect(() => staging(withCache('10.96.0.7'), '10.96.0.7')).toThrow('invalid redis "10.96.0.7:6379": must not be the Redis of another Harbor');
    staging(withCache('10.96.0.7'), 'cache.other');
    // a name in another case or with a trailing dot never reaches the comparison
    expect(() => staging(withCache(), 'Cache.other.svc')).toThrow('invalid host "Cache.other.svc"');
    expect(() => staging(withCache(), 'cache.other.svc.cluster.local.')).toThrow('invalid host "cache.other.svc.cluster.local."');
  });

  test('fails on a bad external URL, version or replica count', () => {
    const make = (props: object) => () => inClusterHarbor(testChart('harbor'), props);
    expect(make({ externalUrl: 'http://harbor.example.com' })).toThrow('invalid externalUrl "http://harbor.example.com": must be an absolute URL with scheme https');
    expect(make({ externalUrl: 'https://harbor.example.com/ui' })).toThrow(/must be a scheme, host and optional port, without path or query/);
    // images pushed to and pulled through Harbor are named by its host, and a one-label first part reads as a Docker
    // Hub namespace (distribution/reference normalize.go, splitDockerDomain)
    expect(make({ externalUrl: 'https://harbor' })).toThrow('invalid externalUrl "https://harbor": must have a host with a "." or a :port, or ' +
      'localhost: the host is the registry in every image name pushed to or pulled through Harbor, and a single label such as "harbor" reads as a ' +
      'Docker Hub namespace');
    expect(make({ externalUrl: 'https://harbor:8443' })).not.toThrow();
    expect(make({ version: 'latest' })).toThrow('invalid version "latest": must be a Harbor release such as "2.15.1"');
    expect(make({ coreReplicas: 0 })).toThrow('invalid coreReplicas 0: must be an integer from 1 to 20');
    expect(make({ jobWorkers: 0 })).toThrow(/invalid jobWorkers 0/);
    expect(make({ trivyStorageSize: 'big' })).toThrow(/invalid trivyStorageSize "big"/);
    // a claim of no storage is refused by the API server (ValidatePersistentVolumeClaimSpec: see the Postgres test)
    expect(make({ trivyStorageSize: '0' })).toThrow('invalid trivyStorageSize "0": must be a Kubernetes quantity above zero');
    expect(make({ name: 'Harbor' })).toThrow(/invalid name "Harbor"/);
  });

  test('a name too long for the names derived from it is refused under name, up front', () => {
    // the longest is a configure Job's, "<name>-configure-<chunk index, up to 4 hex>-<8 hex>", which the API server
    // copies into its pods' job-name label (kubernetes pkg/registry/batch/job/strategy.go generateSelector): at most 63
    const make = (props: object) => () => inClusterHarbor(testChart('harbor'), props);
    expect(make({ name: 'h'.repeat(39) })).not.toThrow();
    expect(make({ name: 'h'.repeat(40) })).toThrow(`invalid name "${'h'.repeat(40)}": must be at most 39 characters: it prefixes ` +
      'every object\'s name, the longest a configure Job\'s, "<name>-configure-<chunk>-<hash>", which labels its pods and so is at most 63');
  });

  test('with the longest name, every configure Job\'s name fits a label value, however many chunks the projects take', () => {
    const chart = testChart('harbor');
    const harbor = inClusterHarbor(chart, { name: 'h'.repeat(39) });
    // enough projects for several chunks (CHUNK_MAX_PROJECTS each)
    for (let i = 0; i < 400; i++) harbor.addProject(`p${i}`);
    const jobs = synth(chart).filter((o) => o.kind === 'Job').map((o) => o.metadata.name as string);
    expect(jobs.length).toBeGreaterThan(4);
    expect(jobs.some((n) => /-configure-[0-9a-f]+-[0-9a-f]{8}$/.test(n))).toBe(true);
    for (const name of jobs) expect(name.length).toBeLessThanOrEqual(63);
  });

  test('allows http only when TLS is explicitly off', () => {
    const harbor = inClusterHarbor(testChart('harbor'), { externalUrl: 'http://harbor.local:8080', tls: false });
    expect(harbor.url).toBe('http://harbor.local:8080');
    expect(harbor.host).toBe('harbor.local:8080');
  });

  // aquasecurity/harbor-scanner-trivy README, "Configuration": SCANNER_TRIVY_DB_REPOSITORY and
  // SCANNER_TRIVY_JAVA_DB_REPOSITORY are the OCI repositories, comma-separated, Trivy downloads its databases from
  // (default mirror.gcr.io/aquasec/trivy-db,ghcr.io/aquasecurity/trivy-db)
  test('downloads Trivy\'s databases from mirror.gcr.io, then ghcr.io, or from the repositories given', () => {
    const env = (props: object) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, props);
      return envOf(container(find(synth(chart), 'StatefulSet', 'harbor-trivy')));
    };
    const defaults = env({});
    expect(defaults.SCANNER_TRIVY_DB_REPOSITORY.value).toBe('mirror.gcr.io/aquasec/trivy-db,ghcr.io/aquasecurity/trivy-db');
    expect(defaults.SCANNER_TRIVY_JAVA_DB_REPOSITORY.value).toBe('mirror.gcr.io/aquasec/trivy-java-db,ghcr.io/aquasecurity/trivy-java-db');
    const mirrored = env({
      trivyDbRepositories: ['registry.example.com:5000/mirror/aquasec/trivy-db:2'],
      trivyJavaDbRepositories: ['registry.example.com:5000/mirror/aquasec/trivy-java-db:1', 'ghcr.io/aquasecurity/trivy-java-db:1'],
    });
    expect(mirrored.SCANNER_TRIVY_DB_REPOSITORY.value).toBe('registry.example.com:5000/mirror/aquasec/trivy-db:2');
    expect(mirrored.SCANNER_TRIVY_JAVA_DB_REPOSITORY.value).toBe('registry.example.com:5000/mirror/aquasec/trivy-java-db:1,ghcr.io/aquasecurity/trivy-java-db:1');
  });

  // Trivy adds the database's schema version as the tag of an untagged repository (aquasecurity/trivy
  // pkg/flag/db_flags.go, "Adding schema version to the DB repository for backward compatibility"): 2 for the
  // vulnerability database, 1 for the Java index, the tags a mirror's copies carry
  test('relocates the default database repositories with Harbor\'s images, set before or after Harbor, and lists them to copy', () => {
    const relocated = (relocation: ImageRelocation, props: object = {}) => {
      const chart = testChart('harbor');
      inClusterHarbor(chart, props);
      // set after Harbor is built, as the stacks do: the repositories are read at synth
      Images.relocateAll(chart, relocation);
      const trivy = find(synth(chart), 'StatefulSet', 'harbor-trivy');
      const env = envOf(container(trivy));
      return {
        db: env.SCANNER_TRIVY_DB_REPOSITORY.value, javaDb: env.SCANNER_TRIVY_JAVA_DB_REPOSITORY.value, pairs: Images.relocatedPairs(chart),
        // what dockyard-images lists beside the containers' images
        listed: trivy.metadata.annotations?.['dockyard.dev/images'],
      };
    };
    const mirror = relocated(ImageRelocation.registry('registry.example.com/mirror'));
    // one copy of each database: the second default would be another copy of the same one
    expect(mirror.db).toBe('registry.example.com/mirror/aquasec/trivy-db:2');
    expect(mirror.javaDb).toBe('registry.example.com/mirror/aquasec/trivy-java-db:1');
    expect(mirror.pairs).toEqual(expect.arrayContaining([
      'mirror.gcr.io/aquasec/trivy-db:2 registry.example.com/mirror/aquasec/trivy-db:2',
      'mirror.gcr.io/aquasec/trivy-java-db:1 registry.example.com/mirror/aquasec/trivy-java-db:1',
    ]));
    expect(mirror.pairs.filter((p) => p.includes('ghcr.io'))).toEqual([]);
    expect(mirror.listed).toBe('registry.example.com/mirror/aquasec/trivy-db:2,registry.example.com/mirror/aquasec/trivy-java-db:1');
    // relocated nowhere: the defaults as they were, fallback included
    const upstream = relocated(ImageRelocation.upstream());
    expect(upstream.db).toBe('mirror.gcr.io/aquasec/trivy-db,ghcr.io/aquasecurity/trivy-db');
    expect(upstream.pairs).toEqual([]);
    expect(upstream.listed).toBe('mirror.gcr.io/aquasec/trivy-db:2,mirror.gcr.io/aquasec/trivy-java-db:1');
    // repositories given are used as given, and are nothing to copy
    const given = relocated(ImageRelocation.registry('registry.example.com/mirror'), { trivyDbRepositories: ['other.example.com/trivy-db:2'] });
    expect(given.db).toBe('other.example.com/trivy-db:2');
    expect(given.javaDb).toBe('registry.example.com/mirror/aquasec/trivy-java-db:1');
    expect(given.pairs.filter((p) => p.includes('/trivy-db'))).toEqual([]);
    expect(given.listed).toBe('registry.example.com/mirror/aquasec/trivy-java-db:1');
    const bothGiven = relocated(ImageRelocation.upstream(), { trivyDbRepositories: ['a.example.com/db:2'], trivyJavaDbRepositories: ['a.example.com/java-db:1'] });
    expect(bothGiven.listed).toBeUndefined();
    // a digest, which Trivy downloads as it is (trivy v0.70.0 pkg/flag/db_flags.go:183-186), and an in-cluster
    // registry by its Service's FQDN, passed through unchanged, in order
    const pinned = `registry.registry.svc.cluster.local/trivy-db@sha256:${'0123456789abcdef'.repeat(4)}`;
    const byDigest = relocated(ImageRelocation.upstream(), { trivyDbRepositories: [pinned, 'docker.io/aquasec/trivy-db:2'] });
    expect(byDigest.db).toBe(`${pinned},docker.io/aquasec/trivy-db:2`);
    expect(byDigest.listed).toBe('mirror.gcr.io/aquasec/trivy-java-db:1');
  });

  test.each([
    [{ trivyDbRepositories: ['https://registry.example.com/trivy-db'] }, 'invalid trivyDbRepositories "https://registry.example.com/trivy-db": must be an OCI repository'],
    [{ trivyDbRepositories: ['a.io/x,b.io/y'] }, 'invalid trivyDbRepositories "a.io/x,b.io/y": must be an OCI repository'],
    // Trivy reads localhost/... and registry/... as Docker Hub's (test/harbor/trivy-repositories.test.ts)
    [{ trivyJavaDbRepositories: ['localhost/trivy-java-db'] }, 'invalid trivyJavaDbRepositories "localhost/trivy-java-db": Trivy reads "localhost" as a Docker Hub namespace'],
    [{ trivyDbRepositories: ['registry/trivy-db'] }, 'invalid trivyDbRepositories "registry/trivy-db": Trivy reads "registry" as a Docker Hub namespace'],
    [{ trivyDbRepositories: ['a.io/trivy-db@sha256:abc'] }, 'invalid trivyDbRepositories "a.io/trivy-db@sha256:abc": must be an OCI repository'],
    [{ trivyDbRepositories: [] }, 'invalid trivyDbRepositories []'],
    // one repository as a string, not a list of one
    [{ trivyDbRepositories: 'a.io/trivy-db:2' as unknown as string[] }, 'invalid trivyDbRepositories "a.io/trivy-db:2": must be a list of OCI repositories'],
  ])('refuses Trivy database repositories %j before building anything', (props, message) => {
    const chart = testChart('harbor');
    expect(() => inClusterHarbor(chart, props)).toThrow(message);
    // refused in the constructor before any of Harbor's objects is made
    const harbor = chart.node.findAll().find((c) => c.node.id === 'Harbor');
    expect(harbor?.node.children ?? []).toEqual([]);
  });

  test('leaves out Trivy when asked', () => {
    const chart = testChart('harbor');
    inClusterHarbor(chart, { trivy: false });
    const objects = synth(chart);
    expect(objects.filter((o) => o.metadata.name === 'harbor-trivy')).toEqual([]);
    expect(envOf(container(find(objects, 'Deployment', 'harbor-core'))).WITH_TRIVY.value).toBe('false');
  });
});

