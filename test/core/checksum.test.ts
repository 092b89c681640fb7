import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import {
  CHECKSUM_ANNOTATION, ExternalPostgres, ExternalPostgresProps, Harbor, HarborProps, HarborStorage, LocalSecretStore, Postgres, Redis, Secret, secretDigest,
  SecretValue, SslMode, synthesize,
} from '../../lib';
import { repeatedSynths, testChart } from '../util';

/**
 * Day two: a changed ConfigMap or Secret must reach the pods that read it. Kubernetes rolls a workload's pods only
 * when its pod template changes (a Deployment's rollout is triggered by `.spec.template` changes: Kubernetes docs,
 * "Updating a Deployment"; pods do not reload env from a changed Secret, and subPath mounts never see updates), so
 * the template carries a checksum of its inputs, as harbor-helm does with `checksum/configmap` and
 * `checksum/secret` (templates/core/core-dpl.yaml).
 */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

function workloads(objects: any[]): Map<string, any> {
  return new Map(objects.filter((o) => WORKLOADS.includes(o.kind)).map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
}

function checksums(objects: any[]): Record<string, string | undefined> {
  return Object.fromEntries([...workloads(objects)].map(([id, o]) => [id, o.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]]));
}

/** Every `{ ...ref }` found under one of `fields` anywhere in `value`. */
function refs(value: any, fields: string[], out: any[] = []): any[] {
  if (Array.isArray(value)) {
    value.forEach((v) => refs(v, fields, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (fields.includes(k) && v && typeof v === 'object') {
        out.push(v);
      }
      refs(v, fields, out);
    }
  }
  return out;
}

/** Which workloads read a ConfigMap or Secret, found independently of the library: any reference by name in the pod spec. */
function readers(objects: any[], kind: 'configMap' | 'secret', namespace: string, name: string, key?: string): string[] {
  const fields = kind === 'configMap' ? ['configMap', 'configMapRef', 'configMapKeyRef'] : ['secret', 'secretRef', 'secretKeyRef'];
  return [...workloads(objects)].filter(([, o]) => o.metadata.namespace === namespace &&
    refs(o.spec.template.spec, fields).some((r) => (r.name ?? r.secretName) === name && (key === undefined || r.key === undefined || r.key === key)))
    .map(([id]) => id).sort();
}

/** Each Deployment's pod checksum, by name, once `chart` resolves against the secret state in `dir`, `rotate` rotated. */
function deploymentChecksums(dir: string, chart: ReturnType<typeof testChart>, rotate: string[] = []): Record<string, string | undefined> {
  let objects: any[] = [];
  new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate }).transaction(chart, () => { objects = chart.toJson(); }, () => undefined);
  return Object.fromEntries(objects.filter((o) => o.kind === 'Deployment')
    .map((o) => [o.metadata.name, o.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]]));
}

function changed(a: Record<string, string | undefined>, b: Record<string, string | undefined>): string[] {
  return Object.keys(a).filter((k) => a[k] !== b[k]).sort();
}

describe('pod checksums: ConfigMaps', () => {
  const base = defaultStack(new App({ outdir: '/nonexistent' }), DEFAULT_CONFIG).toJson();
  const configMaps = base.filter((o) => o.kind === 'ConfigMap').map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name }));

  test('every workload that reads a ConfigMap or Secret carries the checksum; Jobs never do (their template is immutable)', () => {
    for (const [id, o] of workloads(base)) {
      expect([id, o.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]]).toEqual([id, expect.stringMatching(/^[0-9a-f]{64}$/)]);
    }
    for (const job of base.filter((o) => o.kind === 'Job')) {
      expect(job.spec.template.metadata?.annotations?.[CHECKSUM_ANNOTATION]).toBeUndefined();
    }
    expect(configMaps.length).toBeGreaterThan(5);
  });

  test.each(configMaps.map((c) => [`${c.namespace}/${c.name}`, c]))(
    'two synths that differ only in ConfigMap %s differ in the checksum of exactly the pods that read it', (_, cm) => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = defaultStack(app, DEFAULT_CONFIG);
      // names are compared as rendered: some (the Harbor configure chunks') are settled only at synth
      const object = chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ConfigMap' &&
        c.toJson().metadata.name === cm.name && c.metadata.namespace === cm.namespace)!;
      object.addJsonPatch(JsonPatch.add('/data/dockyard-test', 'changed'));
      const after = chart.toJson();
      expect(changed(checksums(base), checksums(after))).toEqual(readers(base, 'configMap', cm.namespace, cm.name));
    });
});

describe('pod checksums: generated Secrets', () => {
  function synth(dir: string, rotate: string[] = []) {
    const app = new App({ outdir: path.join(dir, 'dist') });
    defaultStack(app, DEFAULT_CONFIG);
    synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate }));
    const read = (f: string) => parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', f), 'utf8')).map((d) => d.toJS());
    return { objects: read('dockyard.k8s.yaml'), secrets: read('secrets.local.yaml') };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-'));
  const first = synth(dir);

  test.each([
    ['dockyard/drone-credentials/rpc-secret', 'dockyard', 'drone-credentials', 'rpc-secret'],
    ['harbor/harbor-core/csrf-key', 'harbor', 'harbor-core', 'csrf-key'],
    ['harbor/redis-password/password', 'harbor', 'redis-password', 'password'],
  ])('rotating %s rolls exactly the pods that read it, or what is made from it', (key, namespace, name, k) => {
    const before = synth(dir);
    expect(checksums(synth(dir).objects)).toEqual(checksums(before.objects)); // same state: same checksums
    const after = synth(dir, [key]);
    const differ = changed(checksums(before.objects), checksums(after.objects));
    expect(differ).toEqual(expect.arrayContaining(readers(before.objects, 'secret', namespace, name, k)));
    // every other pod that changed reads a key whose value changed with the rotated one, and no other pod changed
    const expected = new Set(after.secrets.flatMap((s) => {
      const old = before.secrets.find((b) => b.metadata.namespace === s.metadata.namespace && b.metadata.name === s.metadata.name)!;
      return Object.keys(s.stringData).filter((k) => s.stringData[k] !== old.stringData[k])
        .flatMap((k) => readers(before.objects, 'secret', s.metadata.namespace, s.metadata.name, k));
    }));
    expect(differ).toEqual([...expected].sort());
    expect(differ.length).toBeGreaterThan(0);
  });

  // A pull secret counts in no checksum: the kubelet fetches a pod's imagePullSecrets at each sync, before it pulls
  // (kubernetes pkg/kubelet/kubelet_pods.go getPullSecretsForPod, through the secret manager), so a rotated robot's
  // new login reaches the next pull without a restart, and a restart would only re-pull what is already there.
  test('rotating a pull robot\'s secret changes every copy of its pull secret and rolls no pod, though pods list it', () => {
    const before = synth(dir);
    const after = synth(dir, ['harbor/harbor-robot-node-puller/secret']);
    // the copies of the pull secret holding that robot's login, by namespace, and whether each changed
    const copies = (o: typeof before) => new Map(o.secrets.filter((s) => s.type === 'kubernetes.io/dockerconfigjson' &&
      s.stringData['.dockerconfigjson'].includes('"robot$node-puller"')).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.stringData['.dockerconfigjson']]));
    const [was, now] = [copies(before), copies(after)];
    expect([...now.keys()]).toEqual([...was.keys()]);
    expect([...now].map(([at, config]) => [at, config === was.get(at)])).toEqual([...was.keys()].map((at) => [at, false]));
    // Drone's pods list it, in its namespace
    const listing = before.objects.filter((o) => (o.spec?.template?.spec?.imagePullSecrets ?? [])
      .some((r: any) => was.has(`${o.metadata.namespace}/${r.name}`)));
    expect(listing.length).toBeGreaterThan(0);
    expect(changed(checksums(before.objects), checksums(after.objects))).toEqual([]);
  });

  // Keys their consumer reads only on its first start (SecretValue.readOnFirstStart) count by name: rotating one
  // changes its Secret, but restarting the consumer would not make it read the new value, and would drop every
  // client's connections.
  // - PostgreSQL: the image's entrypoint hands POSTGRES_PASSWORD to initdb (docker_init_database_dir, line 92) only
  //   in `if [ -z "$DATABASE_ALREADY_EXISTS" ]` (docker-library/postgres 6edb0a8c4d, 17/bookworm/docker-entrypoint.sh
  //   lines 342-374; DATABASE_ALREADY_EXISTS is set when $PGDATA/PG_VERSION exists, lines 246-247).
  // - Harbor: core reads HARBOR_ADMIN_PASSWORD (goharbor/harbor v2.15.1 src/lib/config/metadata/metadatalist.go:70,
  //   `admin_initial_password`) at start and sets it only while the admin has no password yet
  //   (src/core/main.go:94-111 updateInitPasswordWithMgr, called at 228-234); otherwise it logs that it is ignored.
  test.each([
    ['dockyard/postgres-superuser/password', 'dockyard', 'postgres-superuser', 'password', 'StatefulSet/dockyard/postgres'],
    ['harbor/harbor-core/admin-password', 'harbor', 'harbor-core', 'admin-password', 'Deployment/harbor/harbor-core'],
  ])('rotating %s, read only on its first start, changes its Secret and rolls no pod', (key, namespace, name, k, consumer) => {
    const before = synth(dir);
    const after = synth(dir, [key]);
    const secretOf = (o: typeof before) => o.secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
    expect(secretOf(after).stringData[k]).not.toBe(secretOf(before).stringData[k]);
    expect(readers(before.objects, 'secret', namespace, name, k)).toEqual([consumer]);
    expect(checksums(after.objects)[consumer]).toBe(checksums(before.objects)[consumer]);
    expect(changed(checksums(before.objects), checksums(after.objects))).toEqual([]);
  });

  test('rotating Harbor\'s admin password still runs the configuration Jobs again, which log in with it', () => {
    const jobs = (o: any[]) => o.filter((j) => j.kind === 'Job' && j.metadata.namespace === 'harbor').map((j) => j.metadata.name).sort();
    const before = jobs(synth(dir).objects);
    const after = jobs(synth(dir, ['harbor/harbor-core/admin-password']).objects);
    expect(before.length).toBeGreaterThan(0);
    expect(after.filter((n) => before.includes(n))).toEqual([]);
  });

  test('rotating a key of the same Secret that core reads at every start still rolls core', () => {
    // token-key reaches core only through the `keys` volume's items, csrf-key through env
    for (const key of ['harbor/harbor-core/token-key', 'harbor/harbor-core/csrf-key']) {
      const before = synth(dir);
      const after = synth(dir, [key]);
      expect([key, changed(checksums(before.objects), checksums(after.objects))]).toEqual([key, ['Deployment/harbor/harbor-core']]);
    }
  });

  // jobservice reads no Secret for the database: at start it loads its configuration, the database password with
  // it, from core's REST API (goharbor/harbor v2.15.1 src/jobservice/job/impl/context.go `Init`: `cfgMgr.Load`, a
  // src/pkg/config/rest/manager.go manager, then `dao.InitDatabase(c.cfgMgr.GetDatabaseCfg())` once), and its
  // connections, recycled every 5 minutes, would then log in with the old password until it restarts
  test('rotating Harbor\'s database password rolls core, which reads it, and jobservice, which loads it from core at start', () => {
    const key = 'dockyard/postgres-registry/password';
    const before = synth(dir);
    const after = synth(dir, [key]);
    const secret = (o: typeof before) => o.secrets.find((s) => s.metadata.namespace === 'harbor' && s.metadata.name === 'postgres-registry');
    expect(readers(before.objects, 'secret', 'harbor', 'postgres-registry', 'password')).toEqual(['Deployment/harbor/harbor-core']);
    expect(secret(after).stringData.password).not.toBe(secret(before).stringData.password);
    expect(changed(checksums(before.objects), checksums(after.objects))).toEqual(['Deployment/harbor/harbor-core', 'Deployment/harbor/harbor-jobservice']);
  });

  test('a new database host, user or TLS mode rolls jobservice with core, which hands it the settings; another setting does not', () => {
    const harbor = (database: Partial<ExternalPostgresProps>, props: Partial<HarborProps> = {}) => {
      const chart = testChart('harbor');
      const password = Secret.fromSecretName(chart, 'Db', 'harbor-db').key('password');
      new Harbor(chart, 'Harbor', {
        externalUrl: 'https://registry.example.com',
        database: new ExternalPostgres(chart, 'Database', { host: 'db.example.com', port: 25060, databaseName: 'registry', user: 'harbor', password, ...database }),
        redis: new Redis(chart, 'Redis'), storage: HarborStorage.filesystem({ size: '20Gi' }), ...props,
      });
      // a pod rolls when its template changes at all: core's by its env, jobservice's by the checksum alone
      return Object.fromEntries([...workloads(chart.toJson())].map(([id, o]) => [id, JSON.stringify(o.spec.template)]));
    };
    const base = harbor({});
    for (const change of [{ host: 'db2.example.com' }, { port: 25061 }, { user: 'harbor2' }, { databaseName: 'registry2' }, { sslMode: SslMode.DISABLE }]) {
      expect([change, changed(base, harbor(change))]).toEqual([change, ['Deployment/harbor/harbor-core', 'Deployment/harbor/harbor-jobservice']]);
    }
    expect(changed(base, harbor({}, { jobWorkers: 20 }))).toEqual(['Deployment/harbor/harbor-jobservice']);
    expect(changed(base, harbor({}))).toEqual([]);
  });

  test('a checksum reveals nothing of the values: it is keyed by a random key kept with them', () => {
    const values = first.secrets.flatMap((s) => Object.values(s.stringData) as string[]);
    const text = JSON.stringify(first.objects);
    for (const v of values) {
      expect(text).not.toContain(v);
    }
    // the same values under another digest key give other checksums
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-'));
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    state.values['#digest-key'] = 'f'.repeat(64);
    fs.writeFileSync(path.join(other, 'state.json'), JSON.stringify(state), { mode: 0o600 });
    fs.copyFileSync(path.join(dir, 'state.lock.json'), path.join(other, 'state.lock.json'));
    const moved = synth(other);
    expect(moved.secrets).toEqual(synth(dir).secrets);
    expect(changed(checksums(first.objects), checksums(moved.objects)).length).toBeGreaterThan(5);
  });
});

describe('secretDigest', () => {
  // the digest's framing (each part followed by a NUL, then SHA-256) is in every existing stack's Job names and pod
  // checksums: a change of it would rerun every such Job and roll every such pod at the next apply
  test('keeps the value existing stacks hold', () => {
    const chart = testChart('platform');
    const existing = Secret.fromSecretName(chart, 'Existing', 'provided');
    const digest = secretDigest(chart, [existing.key('token'), existing.key('user')]);
    new ApiObject(chart, 'Digest', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { digest } });
    expect(chart.toJson().find((o: any) => o.kind === 'ConfigMap').data.digest).toBe('a03ff91bd9dd0ea2');
  });

  test('changes exactly when a value changes, and names the key when no secret source runs', () => {
    const chart = testChart('platform');
    const db = new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32), other: SecretValue.hex(16) } });
    const existing = Secret.fromSecretName(chart, 'Existing', 'provided');
    const digest = secretDigest(chart, [db.key('password'), existing.key('token')]);
    new ApiObject(chart, 'Digest', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { digest } });
    const resolved = () => chart.toJson().find((o: any) => o.kind === 'ConfigMap').data.digest;
    expect(resolved()).toMatch(/^[0-9a-f]{16}$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-digest-'));
    const store = (rotate: string[] = []) => new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate });
    let a = '';
    let b = '';
    let c = '';
    store().transaction(chart, () => { a = resolved(); }, () => undefined);
    store().transaction(chart, () => { b = resolved(); }, () => undefined);
    store(['platform/db/other']).transaction(chart, () => { c = resolved(); }, () => undefined);
    expect(b).toBe(a);
    expect(c).toBe(a); // another key of the Secret changed, not one the digest covers
    store(['platform/db/password']).transaction(chart, () => { c = resolved(); }, () => undefined);
    expect(c).not.toBe(a);
    expect(a).not.toBe(resolved()); // without a secret source, only the names count
  });
});

describe('pod checksums: what a pod reads of a Secret or ConfigMap', () => {
  // A volume or projected source that lists `items` gets only the listed keys: "If specified, the listed keys will
  // be projected into the specified paths, and unlisted keys will not be present" (kubernetes/api v0.36.3
  // core/v1/types.go: SecretVolumeSource 1435-1441, SecretProjection 1471-1477, ConfigMapVolumeSource 1881-1887,
  // ConfigMapProjection 1918-1924).
  function stack(options: { alsoFirst?: boolean } = {}) {
    const chart = testChart('platform');
    new Secret(chart, 'App', {
      name: 'app',
      values: {
        listed: SecretValue.alphanumeric(16),
        other: SecretValue.alphanumeric(16),
        first: SecretValue.alphanumeric(16).readOnFirstStart('set it in the app first'),
      },
    });
    const configMap = new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data: { listed: '1', other: '2' } });
    const pod = (name: string, spec: any) => new ApiObject(chart, name, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } } },
    });
    const items = [{ key: 'listed', path: 'f' }];
    pod('secret-items', { volumes: [{ name: 'v', secret: { secretName: 'app', items } }] });
    pod('projected-secret-items', { volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'app', items } }] } }] });
    pod('secret-whole', { volumes: [{ name: 'v', secret: { secretName: 'app' } }] });
    pod('secret-empty-items', { volumes: [{ name: 'v', secret: { secretName: 'app', items: [] } }] });
    pod('configmap-items', { volumes: [{ name: 'v', configMap: { name: 'config', items } }] });
    pod('projected-configmap-items', { volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'config', items } }] } }] });
    pod('configmap-whole', { volumes: [{ name: 'v', configMap: { name: 'config' } }] });
    const env = (...keys: string[]) => ({
      containers: [{ name: 'c', image: 'x', env: keys.map((key) => ({ name: `E_${key}`, valueFrom: { secretKeyRef: { name: 'app', key } } })) }],
    });
    pod('env-first', env('first'));
    // with alsoFirst, the pod also reads the first-start key: its checksum must count the reference by name
    pod('env-listed', options.alsoFirst ? env('listed', 'first') : env('listed'));
    return { chart, configMap };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-items-'));
  const synthIn = (chart: ReturnType<typeof stack>['chart'], rotate: string[] = []) => deploymentChecksums(dir, chart, rotate);

  test('a Secret volume with items counts the listed keys only; without items (or with none listed), every key', () => {
    const { chart } = stack();
    const base = synthIn(chart);
    expect(Object.values(base).every((c) => /^[0-9a-f]{64}$/.test(c ?? ''))).toBe(true);
    expect(changed(base, synthIn(chart))).toEqual([]);
    expect(changed(base, synthIn(chart, ['platform/app/other']))).toEqual(['secret-empty-items', 'secret-whole']);
    expect(changed(base, synthIn(chart, ['platform/app/listed'])))
      .toEqual(['env-listed', 'projected-secret-items', 'secret-empty-items', 'secret-items', 'secret-whole']);
  });

  test('a key read only on its first start counts by name: its rotation rolls nothing, a new reference does', () => {
    const { chart } = stack();
    const base = synthIn(chart);
    expect(changed(base, synthIn(chart, ['platform/app/first']))).toEqual([]);
    // the reference itself still counts: adding it to a pod rolls the pod
    const withReference = stack({ alsoFirst: true });
    const added = synthIn(withReference.chart);
    expect(changed(base, added)).toEqual(['env-listed']);
    expect(changed(added, synthIn(withReference.chart, ['platform/app/first']))).toEqual([]);
  });

  // The first-start exemption is the consumer's: PostgreSQL reads POSTGRES_PASSWORD only for initdb, Harbor core
  // HARBOR_ADMIN_PASSWORD only while the admin has none (docker-library/postgres 6edb0a8c4d
  // 17/bookworm/docker-entrypoint.sh lines 342-374; goharbor/harbor v2.15.1 src/core/main.go:94-111). A tool of the
  // operator's that logs in with either reads it at each start, and after the operator has changed it in PostgreSQL or
  // Harbor and applied the rotation, it must restart with the new value.
  test('a key read only on its first start counts by name in its consumer alone: another pod that reads it rolls', () => {
    const tool = (chart: Chart, name: string, secret: string, key: string) => new ApiObject(chart, name, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'busybox',
        env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: secret, key } } }] }] } } },
    });
    const synths = repeatedSynths((chart) => {
      const postgres = new Postgres(chart, 'Postgres');
      new Harbor(chart, 'Harbor', {
        externalUrl: 'https://registry.example.com', database: postgres.addDatabase('registry'), redis: new Redis(chart, 'Redis'),
        storage: HarborStorage.filesystem({ size: '20Gi' }),
      });
      tool(chart, 'pg-tool', 'postgres-superuser', 'password');
      tool(chart, 'harbor-tool', 'harbor-core', 'admin-password');
    });
    try {
      const sums = (objects: any[]) => checksums(objects);
      const base = sums(synths.run());
      expect(changed(base, sums(synths.run(['ci/postgres-superuser/password'])))).toEqual(['Deployment/ci/pg-tool']);
      const before = sums(synths.run());
      expect(changed(before, sums(synths.run(['ci/harbor-core/admin-password'])))).toEqual(['Deployment/ci/harbor-tool']);
    } finally {
      synths.done();
    }
  });

  test('a ConfigMap volume with items counts the listed keys only', () => {
    const change = (key: string) => {
      const { chart, configMap } = stack();
      const base = synthIn(chart);
      configMap.addJsonPatch(JsonPatch.replace(`/data/${key}`, 'changed'));
      return changed(base, synthIn(chart));
    };
    expect(change('other')).toEqual(['configmap-whole']);
    expect(change('listed')).toEqual(['configmap-items', 'configmap-whole', 'projected-configmap-items']);
  });
});

describe('pod checksums: envFrom and configMapKeyRef', () => {
  // A container's envFrom takes every key of the Secret or ConfigMap as a variable, and configMapKeyRef one key of a
  // ConfigMap (kubernetes/api v0.36.3 core/v1/types.go EnvFromSource, EnvVarSource); like env, they are read only
  // when the container starts, so a change must roll the pod.
  function stack() {
    const chart = testChart('platform');
    new Secret(chart, 'App', { name: 'app', values: { token: SecretValue.alphanumeric(16) } });
    const configMap = new ApiObject(chart, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data: { a: '1' } });
    const pod = (name: string, container: any) => new ApiObject(chart, name, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ...container }] } } },
    });
    pod('envfrom-secret', { envFrom: [{ secretRef: { name: 'app' } }] });
    pod('envfrom-configmap', { envFrom: [{ configMapRef: { name: 'config' } }] });
    pod('configmap-keyref', { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'config', key: 'a' } } }] });
    pod('unrelated', { env: [{ name: 'X', value: '1' }] });
    return { chart, configMap };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-checksum-envfrom-'));
  const synthIn = (chart: ReturnType<typeof stack>['chart'], rotate: string[] = []) => deploymentChecksums(dir, chart, rotate);

  test('rotating a key of a Secret a container takes whole by envFrom rolls that pod only', () => {
    const { chart } = stack();
    const base = synthIn(chart);
    expect(changed(base, synthIn(chart))).toEqual([]);
    expect(changed(base, synthIn(chart, ['platform/app/token']))).toEqual(['envfrom-secret']);
  });

  test('a changed ConfigMap rolls the pods that take it by envFrom or configMapKeyRef', () => {
    const { chart, configMap } = stack();
    const base = synthIn(chart);
    configMap.addJsonPatch(JsonPatch.replace('/data/a', 'changed'));
    expect(changed(base, synthIn(chart))).toEqual(['configmap-keyref', 'envfrom-configmap']);
  });
});
