import { get, registered, settled, setup, T } from './digitalocean/harness';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';

/**
 * The DigitalOcean program under Pulumi mocks: what `pulumi up` would register, without an account or the CLI.
 */
describe('the DigitalOcean program', () => {
  let outputs: any;
  const settings = {
    ...DIGITALOCEAN_EXAMPLE, containerRegistry: true, kubernetesVersion: '1.34.1-do.0', droneLogBucket: 'example-harbor-drone-logs', droneLogRetentionDays: 30,
  };
  const k8sResources = () => registered.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml') && r.type !== 'pulumi:providers:kubernetes');
  const secrets = () => k8sResources().filter((r) => r.type === 'kubernetes:core/v1:Secret');
  const objects = () => k8sResources().filter((r) => r.type !== 'kubernetes:core/v1:Secret');
  const find = (kind: string, name: string) => objects().find((r) => r.inputs.kind === kind && r.inputs.metadata.name === name)!.inputs;
  const env = (deployment: any, container = 0) => Object.fromEntries(deployment.spec.template.spec.containers[container].env.map((e: any) => [e.name, e]));

  beforeAll(async () => {
    await setup();
    const { deployDigitalOcean } = await import('../../apps/digitalocean/program');
    outputs = deployDigitalOcean(settings, 'github-oauth-client-secret');
    await settled(100);
  }, 60_000);

  test('provisions managed PostgreSQL and Valkey, admitting only the Kubernetes cluster', () => {
    const clusters = registered.filter((r) => r.type === T.cluster);
    expect(clusters.map((c) => `${c.inputs.engine}:${c.inputs.size}:${c.inputs.region}`).sort()).toEqual(['pg:db-s-1vcpu-1gb:fra1', 'valkey:db-s-1vcpu-1gb:fra1']);
    expect(clusters.find((c) => c.inputs.engine === 'pg')!.inputs.version).toMatch(/^1[67]$/);
    const firewalls = registered.filter((r) => r.type === T.firewall);
    expect(firewalls).toHaveLength(2);
    const doks = registered.find((r) => r.type === 'digitalocean:index/kubernetesCluster:KubernetesCluster')!;
    // the kubernetesVersion setting, as it is
    expect(doks.inputs.version).toBe('1.34.1-do.0');
    for (const fw of firewalls) {
      expect(fw.inputs.rules).toEqual([{ type: 'k8s', value: `${doks.name}-id` }]);
    }
    expect(registered.filter((r) => r.type === T.db).map((d) => d.inputs.name).sort()).toEqual(['drone', 'registry']);
    expect(registered.filter((r) => r.type === T.user).map((d) => d.inputs.name).sort()).toEqual(['drone', 'harbor']);
  });

  test('puts Drone\'s logs in a bucket of their own that expires them, with a key for that bucket alone, in a Secret from its Outputs', () => {
    const buckets = registered.filter((r) => r.type === T.bucket).map((r) => r.inputs);
    expect(buckets.map((b) => b.name)).toEqual(['example-harbor', 'example-harbor-drone-logs']);
    // Harbor's images never expire; the logs under logs/ after droneLogRetentionDays (what Drone writes: harness
    // v2.28.2 store/logs/s3.go:97-99 `path.Join("/", prefix, step)`, the leading "/" cleaned away by aws-sdk-go
    // v1.43.16 private/protocol/rest/build.go:130-131, 240-251, so the key is logs/<step id>)
    expect(buckets[0].lifecycleRules).toHaveLength(1);
    expect(buckets[1].lifecycleRules).toEqual([
      { id: 'abort-incomplete-multipart-uploads', enabled: true, abortIncompleteMultipartUploadDays: 1 },
      { id: 'expire', enabled: true, prefix: 'logs/', expiration: { days: 30 } },
    ]);
    const keys = registered.filter((r) => r.type === T.key).map((r) => r.inputs.grants);
    expect(keys).toEqual([[{ bucket: 'example-harbor', permission: 'readwrite' }], [{ bucket: 'example-harbor-drone-logs', permission: 'readwrite' }]]);
    const secret = secrets().find((s) => s.inputs.metadata.namespace === 'dockyard' && s.inputs.metadata.name === 'drone-log-spaces')!;
    expect(secret.inputs.stringData).toEqual({ 'access-key': 'access-key(drone-logs-key)', 'secret-key': 'secret-key(drone-logs-key)' });
    // the values arrive wrapped as a Pulumi secret, not in clear
    expect(secret.raw.stringData['4dabf18193072939515e22adb298388d']).toBe('1b47061264138c4ac30d75fd1eb44270');
    const drone = env(find('Deployment', 'drone'));
    expect([drone.DRONE_S3_BUCKET.value, drone.DRONE_S3_PREFIX.value, drone.DRONE_S3_ENDPOINT.value, drone.DRONE_S3_PATH_STYLE.value])
      .toEqual(['example-harbor-drone-logs', 'logs', 'https://fra1.digitaloceanspaces.com', 'true']);
    expect(drone.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef).toEqual({ name: 'drone-log-spaces', key: 'access-key' });
    expect(drone.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: 'drone-log-spaces', key: 'secret-key' });
  });

  test('provisions the Spaces bucket with an abort rule, its scoped key, and the container registry', () => {
    const bucket = registered.find((r) => r.type === T.bucket)!;
    expect(bucket.inputs.name).toBe('example-harbor');
    expect(bucket.inputs.lifecycleRules[0]).toMatchObject({ enabled: true, abortIncompleteMultipartUploadDays: 1 });
    expect(registered.find((r) => r.type === T.key)!.inputs.grants).toEqual([{ bucket: 'example-harbor', permission: 'readwrite' }]);
    expect(registered.some((r) => r.type === 'digitalocean:index/containerRegistry:ContainerRegistry')).toBe(true);
    // the registry's token gets a pull secret of its own in the build namespace, logging in as DOCR expects
    const pull = secrets().find((s) => s.inputs.metadata.name === 'docr-credentials' && s.inputs.metadata.namespace === 'dockyard-builds')!;
    const auths = JSON.parse(pull.inputs.stringData['.dockerconfigjson']).auths;
    expect(Object.keys(auths)).toEqual(['registry.digitalocean.com']);
    expect(Buffer.from(auths['registry.digitalocean.com'].auth, 'base64').toString()).toMatch(/^token-(.+):token-\1$/);
  });

  test('the DOCR token reaches only the build namespace and the pipelines\' harbor-pull; Harbor\'s login goes where pods pull through Harbor', () => {
    // each Secret holding a registry login (or the raw token), by namespace and name, with the registries it holds
    const token = /^token-/;
    const logins = Object.fromEntries(secrets().flatMap((s) => {
      const values = Object.values(s.inputs.stringData ?? {}) as string[];
      const registries = values.flatMap((v) => { try { return Object.keys(JSON.parse(v).auths ?? {}); } catch { return []; } });
      const raw = values.some((v) => token.test(v)) && registries.length === 0;
      return registries.length > 0 || raw ? [[`${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`, raw ? ['token'] : registries]] : [];
    }));
    expect(logins).toEqual({
      'dockyard/registry-credentials': ['harbor.example.com'],
      'dockyard-builds/registry-credentials': ['harbor.example.com'],
      'dockyard-builds/docr-token': ['token'],
      'dockyard-builds/docr-credentials': ['registry.digitalocean.com'],
      // pipelines name one pull secret for their step images; the secrets extension reads it in its own namespace
      // and for library alone, the push robot drone's login, as harbor-push holds it (apps/digitalocean/charts.ts)
      'dockyard/harbor-pull': ['harbor.example.com', 'registry.digitalocean.com', 'harbor.example.com/library/'],
      'dockyard/harbor-push': ['harbor.example.com'],
    });
    const auths = (name: string, key: string) => JSON.parse(secrets().find((s) => s.inputs.metadata.namespace === 'dockyard' &&
      s.inputs.metadata.name === name)!.inputs.stringData[key]).auths;
    expect(auths('harbor-pull', '.dockerconfigjson')['harbor.example.com/library/'].auth).toBe(auths('harbor-push', 'docker_config')['harbor.example.com'].auth);
    expect(Buffer.from(auths('harbor-pull', '.dockerconfigjson')['harbor.example.com/library/'].auth, 'base64').toString()).toMatch(/^robot\$drone:/);
    // build pods pull from both with their namespace's default ServiceAccount; the CI server's pods only from Harbor
    const builds = objects().find((r) => r.inputs.kind === 'ServiceAccount' && r.inputs.metadata.namespace === 'dockyard-builds' && r.inputs.metadata.name === 'default')!;
    expect(builds.inputs.imagePullSecrets).toEqual([{ name: 'docr-credentials' }, { name: 'registry-credentials' }]);
    const pulled = objects().flatMap((r) => (r.inputs.spec?.template?.spec?.imagePullSecrets ?? []).map((p: any) => `${r.inputs.metadata.namespace}/${p.name}`));
    expect([...new Set(pulled)]).toEqual(['dockyard/registry-credentials']);
  });

  test('creates every Secret the charts read, and each one secret-wrapped', () => {
    const created = new Set(secrets().map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`));
    const referenced = new Set<string>();
    for (const o of objects()) {
      const ns = o.inputs.metadata.namespace;
      const pod = o.inputs.spec?.template?.spec;
      if (pod) {
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).forEach((e: any) => referenced.add(`${ns}/${e.valueFrom.secretKeyRef.name}`));
        }
        (pod.volumes ?? []).filter((v: any) => v.secret).forEach((v: any) => referenced.add(`${ns}/${v.secret.secretName}`));
        (pod.volumes ?? []).flatMap((v: any) => v.projected?.sources ?? []).filter((s: any) => s.secret).forEach((s: any) => referenced.add(`${ns}/${s.secret.name}`));
        (pod.imagePullSecrets ?? []).forEach((s: any) => referenced.add(`${ns}/${s.name}`));
      }
      (o.inputs.imagePullSecrets ?? []).forEach((s: any) => referenced.add(`${ns}/${s.name}`));
      (o.inputs.rules ?? []).flatMap((r: any) => r.resourceNames ?? []).forEach((n: string) => referenced.add(`${ns}/${n}`));
    }
    expect(referenced.size).toBeGreaterThan(15);
    expect([...referenced].filter((r) => !created.has(r))).toEqual([]);
    expect(secrets().filter((s) => !s.secretInputs).map((s) => s.inputs.metadata.name)).toEqual([]);
  });

  test('defines the push login harbor-push, which the secrets extension reads, and its robot', () => {
    // drone/drone-kubernetes-secrets plugin/plugin.go:46 (master e0cacbf) gets the Secret a pipeline names
    // (`get.path`) from the extension's own namespace, so the Secret must be there and its Role must name it
    const push = secrets().filter((s) => s.inputs.metadata.name === 'harbor-push');
    expect(push.map((s) => s.inputs.metadata.namespace)).toEqual(['dockyard']);
    const auths = JSON.parse(push[0].inputs.stringData.docker_config).auths;
    expect(Buffer.from(auths['harbor.example.com'].auth, 'base64').toString()).toMatch(/^robot\$drone:.{8,}$/);
    expect(find('Role', 'drone-secrets').rules[0].resourceNames).toContain('harbor-push');
    expect(secrets().filter((s) => s.inputs.metadata.name === 'harbor-robot-drone').map((s) => s.inputs.metadata.namespace)).toEqual(['harbor']);
  });

  test('registers every object of the Harbor and Drone charts, with no credential in any of them', async () => {
    const { App } = await import('cdk8s');
    const { digitalOceanCharts } = await import('../../apps/digitalocean/charts');
    const app = new App();
    const expected = digitalOceanCharts(app, { ...settings, postgresConnectionLimit: 22 }).toJson();
    const key = (o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(objects().map((r) => key(r.inputs)).sort()).toEqual(expected.map(key).sort());
    const values = secrets().flatMap((s) => Object.values(s.inputs.stringData) as string[]).filter((v) => typeof v === 'string' && v.length >= 8);
    expect(values.length).toBeGreaterThan(20);
    const text = JSON.stringify(objects().map((o) => o.inputs));
    expect(values.filter((v) => text.includes(v))).toEqual([]);
  });

  test('wires Harbor to the managed services: sslmode=verify-ca on 25060 with the cluster CA, rediss on 25061 as default, the Spaces endpoint', () => {
    const core = env(find('Deployment', 'harbor-core'));
    const pg = registered.find((r) => r.type === T.cluster && r.inputs.engine === 'pg')!;
    expect(core.POSTGRESQL_HOST.value).toBe(`private-${pg.inputs.name ?? `${pg.name}-a1b2c3`}.db.ondigitalocean.com`);
    expect(core.POSTGRESQL_PORT.value).toBe('25060');
    expect(core.POSTGRESQL_SSLMODE.value).toBe('verify-ca');
    expect(core._REDIS_URL_CORE.value).toMatch(/^rediss:\/\/default:\$\(REDIS_PASSWORD\)@private-.*\.db\.ondigitalocean\.com:25061\/0/);
    const registryConfig = find('ConfigMap', 'harbor-registry').data['config.yml'];
    expect(registryConfig).toContain('regionendpoint: https://fra1.digitaloceanspaces.com');
  });

  test('sizes each Harbor pod\'s pool from the database size: 22 connections, three quarters for two pods and their successors', () => {
    // 16 connections for core and jobservice, one replica each, and the new pod each runs beside the old while it rolls
    expect(env(find('Deployment', 'harbor-core')).POSTGRESQL_MAX_OPEN_CONNS.value).toBe('4');
    expect(env(find('Deployment', 'drone')).DRONE_DATABASE_MAX_CONNECTIONS.value).toBe('4');
  });

  test('reports the URLs, the registry host and how to read the admin password', async () => {
    expect(outputs.harborUrl).toBe('https://harbor.example.com');
    expect(outputs.droneUrl).toBe('https://drone.example.com');
    expect(await get(outputs.registryHost)).toMatch(/^registry\.digitalocean\.com\//);
    expect(outputs.adminPasswordCommand).toContain('harbor-core');
    // the engine's title (ciEngineFacts), as the Woodpecker program says "Woodpecker: open"
    expect(await get(outputs.nextSteps)).toContain('Drone: open https://drone.example.com and log in with github as example-admin');
  });
  test('every workload carries a finished pod checksum, made from the generated values\' digests (lib/core/checksum.ts)', () => {
    const workloads = objects().filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.inputs.kind));
    expect(workloads.length).toBeGreaterThan(5);
    for (const w of workloads) {
      const checksum = w.inputs.spec.template.metadata?.annotations?.['dockyard.dev/inputs-checksum'];
      expect([w.inputs.metadata.name, checksum]).toEqual([w.inputs.metadata.name, expect.stringMatching(/^[0-9a-f]{64}$/)]);
    }
    // the digest key is a Pulumi resource of its own, made once and kept in the state like every other value
    expect(registered.filter((r) => r.type === 'random:index/randomBytes:RandomBytes' && r.name.endsWith('-digest-key'))).toHaveLength(1);
  });

  test('without installIngress, the Ingresses do not wait for an address nothing the program makes gives them, and the steps say so', async () => {
    // @pulumi/kubernetes waits for an Ingress's .status.loadBalancer.ingress up to DefaultIngressTimeoutMins = 10
    // (pulumi-kubernetes provider/pkg/await/ingress.go): on a new cluster without a controller, the first pulumi up
    // failed after 10 minutes (review)
    const ingresses = objects().filter((o) => o.inputs.kind === 'Ingress').map((o) => o.inputs);
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual(['drone', 'harbor']);
    for (const ingress of ingresses) {
      expect(ingress.metadata.annotations['pulumi.com/skipAwait']).toBe('true');
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    }
    expect(await get(outputs.nextSteps)).toContain('Ingress: this program installed no ingress controller (installIngress off): the cluster needs ' +
      'ingress-nginx (class nginx, namespace ingress-nginx) and cert-manager with a ClusterIssuer "letsencrypt"; set acmeEmail and run pulumi up ' +
      'again to have them installed');
  });
});
