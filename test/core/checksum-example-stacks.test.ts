import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, DefaultStackConfig, WOODPECKER_HOST } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { harborOnDigitalOcean } from '../../apps/harbor-do/stack';
import { teamsStack } from '../../apps/teams/stack';
import {
  CHECKSUM_ANNOTATION, CiEngineKind, DockyardChart, ExternalPostgres, Harbor, HarborStorage, LocalSecretStore, PostgresReconciler, printRequiredSecrets,
  ProxyUpstream, Redis, Secret, synthesize,
} from '../../lib';
import { copyKeptState } from '../integ/rendered';
import { EXAMPLE_STACKS, TOKEN_KEY } from '../stacks';
import { secretValues, stderrOf } from '../util';

/**
 * Day two over every example stack: rotating any one generated key, and re-synthesizing against the same state,
 * rolls exactly the pods that read a value that changed with it (the key, or a value made from it: an htpasswd line,
 * a Valkey config file), runs again exactly the Jobs that read one, and changes no other pod template. The readers
 * are found here from the pod specs alone (env, envFrom, Secret and projected volumes with their `items`), not with
 * the library's own walk (lib/core/checksum.ts `inputsOf`), so a reference it missed would show.
 *
 * The exceptions are the documented ones, each depending on its upstream program:
 * - a pull secret (`imagePullSecrets`, a pod's or its ServiceAccount's) is read by the kubelet at each pull
 *   (kubernetes pkg/kubelet/kubelet_pods.go `getPullSecretsForPod`), not by the pod: its change rolls nothing;
 * - a key read only on its consumer's first start rolls nothing (a restart would not make it read the value):
 *   PostgreSQL's superuser password, which the image's entrypoint hands to initdb only while the data directory is
 *   empty (docker-library/postgres 6edb0a8c4d, 17/bookworm/docker-entrypoint.sh lines 342-374), and Harbor's
 *   admin password, which core sets only while the admin has none (goharbor/harbor v2.15.1 src/core/main.go:94-111,
 *   called at 228-234); the Jobs that log in with them still run again;
 * - Harbor's jobservice reads no database Secret, yet rolls with core when the database password changes: it loads
 *   the database settings from core's configuration API once, at start (goharbor/harbor v2.15.1
 *   src/jobservice/job/impl/context.go `Init`).
 * - Harbor's first configure Job reads no Redis Secret, yet runs again when the password of the registry's cache
 *   changes while it declares a garbage collection schedule: Harbor keeps core's URL of that cache, password included,
 *   with a saved schedule and reads it from nowhere else (goharbor/harbor v2.15.1 src/server/v2.0/handler/gc.go:87,
 *   src/controller/gc/callback.go:46-52), so the Job saves it anew (lib/harbor/garbage-collection.ts).
 *
 * Programs that read a Secret at run time through the API rather than from their pod spec need no roll: Drone's
 * secrets extension gets each pipeline secret when a build asks for it (drone/drone-kubernetes-secrets
 * plugin/plugin.go `Find`, a `client.Get` per request), and Woodpecker's Kubernetes backend mounts a step's Secrets
 * into the step's own pod, made for each workflow.
 */

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** First-start keys, by `<namespace>/<secret>/<key>`, with the pod that reads them only on its first start. */
const FIRST_START: Record<string, string> = {
  'dockyard/postgres-superuser/password': 'StatefulSet/dockyard/postgres',
  'harbor/harbor-core/admin-password': 'Deployment/harbor/harbor-core',
};

interface Synth {
  readonly objects: any[];
  readonly values: Record<string, string>;
}

/** One synth of the stack `build` makes, against the state in `dir`, with `rotate` rotated; nothing is written but the state. */
function synthOnce(build: (app: App) => void, dir: string, rotate: string[] = []): Synth {
  const app = new App({ outdir: path.join(dir, 'dist') });
  build(app);
  let objects: any[] = [];
  const rendered = new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate })
    .transaction(app, () => { objects = app.charts.flatMap((c: Chart) => c.toJson()); }, () => undefined);
  return { objects, values: secretValues(rendered.manifest) };
}

const idOf = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
const templateOf = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec?.template);
/** A Job's name without the digests that make it new on a change (`postgres-reconcile-<8>-<16>`, `harbor-configure-<8>`). */
const jobStem = (o: any) => `Job/${o.metadata.namespace}/${o.metadata.name.replace(/(-[0-9a-f]{8,16})+$/, '')}`;

/** The Secret values (`<namespace>/<secret>/<key>`, `*` for every key) a pod template reads, from its spec alone. */
function secretReads(o: any): string[] {
  const spec = templateOf(o)?.spec ?? {};
  const ns = o.metadata.namespace;
  const listed = (name: string, items?: Array<{ key: string }>) => (items?.length ? items.map((i) => `${ns}/${name}/${i.key}`) : [`${ns}/${name}/*`]);
  const out: string[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.secret) out.push(...listed(v.secret.secretName, v.secret.items));
    for (const s of v.projected?.sources ?? []) {
      if (s.secret) out.push(...listed(s.secret.name, s.secret.items));
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      if (e.secretRef) out.push(`${ns}/${e.secretRef.name}/*`);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef) out.push(`${ns}/${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    }
  }
  return out;
}

const reads = (o: any, key: string) => secretReads(o).some((r) => r === key || (r.endsWith('/*') && key.startsWith(r.slice(0, -1))));

/** What changed from `a` to `b`: the values, the workloads whose pod template changed, the Jobs made anew. */
function difference(a: Synth, b: Synth) {
  const values = Object.keys(b.values).filter((k) => a.values[k] !== b.values[k]).sort();
  const before = new Map(a.objects.filter((o) => WORKLOADS.includes(o.kind) || o.kind === 'CronJob').map((o) => [idOf(o), JSON.stringify(templateOf(o))]));
  const rolled = b.objects.filter((o) => (WORKLOADS.includes(o.kind) || o.kind === 'CronJob') && before.get(idOf(o)) !== JSON.stringify(templateOf(o)))
    .map(idOf).sort();
  const jobNames = new Set(a.objects.filter((o) => o.kind === 'Job').map((o) => o.metadata.name));
  const rerun = b.objects.filter((o) => o.kind === 'Job' && !jobNames.has(o.metadata.name)).map(jobStem).sort();
  return { values, rolled, rerun };
}

/** The workloads that must roll, and the Jobs that must run again, when `values` change (`b`'s objects). */
function expectedOf(b: Synth, values: string[]) {
  const pods = b.objects.filter((o) => WORKLOADS.includes(o.kind) || o.kind === 'CronJob');
  const rolled = new Set(pods.filter((o) => values.some((k) => reads(o, k) && FIRST_START[k] !== idOf(o))).map(idOf));
  // jobservice loads core's database settings from core at start: it rolls with core's database password
  for (const core of pods.filter((o) => o.metadata.name === 'harbor-core')) {
    const password = templateOf(core).spec.containers.flatMap((c: any) => c.env ?? []).find((e: any) => e.name === 'POSTGRESQL_PASSWORD')?.valueFrom?.secretKeyRef;
    if (password && values.includes(`${core.metadata.namespace}/${password.name}/${password.key}`)) {
      rolled.add(`Deployment/${core.metadata.namespace}/harbor-jobservice`);
    }
  }
  const rerun = new Set(b.objects.filter((o) => o.kind === 'Job' && values.some((k) => reads(o, k))).map(jobStem));
  // the first configure Job saves a declared garbage collection schedule anew with the registry cache's password
  for (const core of pods.filter((o) => o.metadata.name.endsWith('-core') && o.kind === 'Deployment')) {
    const env = templateOf(core).spec.containers.flatMap((c: any) => c.env ?? []);
    const variable = /\$\(([A-Z_]+)\)@/.exec(env.find((e: any) => e.name === '_REDIS_URL_REG')?.value ?? '')?.[1];
    const password = env.find((e: any) => e.name === variable)?.valueFrom?.secretKeyRef;
    const ns = core.metadata.namespace;
    const stem = `${core.metadata.name.replace(/-core$/, '')}-configure`;
    const job = b.objects.find((o) => o.kind === 'Job' && o.metadata.namespace === ns && jobStem(o) === `Job/${ns}/${stem}`);
    const configMap = job?.spec.template.spec.volumes[0].projected.sources[1].configMap.name;
    const config = b.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === ns && o.metadata.name === configMap);
    const gc = config ? JSON.parse(config.data['config.json']).gc : undefined;
    if (password && gc && gc.schedule !== 'None' && values.includes(`${ns}/${password.name}/${password.key}`)) {
      rerun.add(`Job/${ns}/${stem}`);
    }
  }
  return { rolled: [...rolled].sort(), rerun: [...rerun].sort() };
}

const STACKS: Array<[string, (app: App) => void]> = [
  ['default', (app) => defaultStack(app, DEFAULT_CONFIG)],
  ['default-woodpecker', (app) => defaultStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST })],
  ['harbor-do', (app) => { harborOnDigitalOcean(app); }],
  ['teams', (app) => { teamsStack(app, { ...DEFAULT_CONFIG, teams: 2 }); }],
  ['teams-woodpecker', (app) => { teamsStack(app, { ...DEFAULT_CONFIG, ci: CiEngineKind.WOODPECKER, host: WOODPECKER_HOST, teams: 2 }); }],
  // the Pulumi program's charts, here with a local state: a team on a Drone runner of its own, in another namespace
  ...EXAMPLE_STACKS.filter((x) => x.name === 'digitalocean-teams').map((x): [string, (app: App) => void] => [x.name, (app) => { x.build(app); }]),
];

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A new state folder holding Harbor's RSA token key and the digest key, drawn once in the file (test/stacks.ts
 * TOKEN_KEY): a draw takes 1-2 s, and each stack's first synth drew its own. Rotating the key still draws it anew.
 */
function stateWithTokenKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-day-two-'));
  made.push(dir);
  copyKeptState(TOKEN_KEY(), path.join(dir, 'state.json'));
  return dir;
}

describe.each(STACKS)('day two on the %s stack', (_name, build) => {
  const dir = stateWithTokenKey();
  const first = synthOnce(build, dir);
  // every generated key the stack declares (derived values, such as the htpasswd line, follow their inputs)
  const declared = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).declaredBy);

  test('a synth against the same state changes no value, pod template or Job', () => {
    const again = difference(first, synthOnce(build, dir));
    expect(again).toEqual({ values: [], rolled: [], rerun: [] });
  });

  test('rotating each generated key rolls exactly the pods, and runs again exactly the Jobs, that read a value that changed', () => {
    expect(declared.length).toBeGreaterThan(5);
    let previous = first;
    const seen: string[] = [];
    for (const key of declared) {
      // each rotation is compared with the synth before it: the state carries the earlier rotations
      const next = synthOnce(build, dir, [key]);
      const got = difference(previous, next);
      expect([key, got.values]).toEqual([key, expect.arrayContaining([key])]);
      const expected = expectedOf(next, got.values);
      expect([key, got.rolled, got.rerun]).toEqual([key, expected.rolled, expected.rerun]);
      seen.push(...got.rolled, ...got.rerun);
      previous = next;
    }
    // the rule was exercised: rotations rolled pods and ran Jobs again
    expect(seen.some((s) => s.startsWith('Job/'))).toBe(true);
    expect(seen.some((s) => !s.startsWith('Job/'))).toBe(true);
  });
});

describe('day two: a setting no pod reads rolls nothing', () => {
  // one state: every synth has the same credentials
  const dir = stateWithTokenKey();
  const workloadTemplates = (config: Partial<DefaultStackConfig>) => {
    const { objects } = synthOnce((app) => defaultStack(app, { ...DEFAULT_CONFIG, ...config }), dir);
    return Object.fromEntries(objects.filter((o) => WORKLOADS.includes(o.kind) || o.kind === 'Job')
      .map((o) => [o.kind === 'Job' ? jobStem(o) : idOf(o), `${o.metadata.name} ${JSON.stringify(templateOf(o))}`]));
  };
  const changed = (a: Record<string, string>, b: Record<string, string>) => Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]).sort();
  const base = workloadTemplates({});

  test('the ingress class and certificate issuer reach Ingresses only; the organisation reaches Drone\'s server and its runner\'s policies, the host the server alone', () => {
    expect(changed(base, workloadTemplates({ ingressClassName: 'traefik' }))).toEqual([]);
    expect(changed(base, workloadTemplates({ certIssuer: 'other-issuer' }))).toEqual([]);
    // DRONE_USER_FILTER in the server's env; the runner's policies.yaml (a projected ConfigMap) by its checksum
    const org = workloadTemplates({ organization: 'acme' });
    expect(changed(base, org)).toEqual(['Deployment/dockyard/drone', 'Deployment/dockyard/drone-runner']);
    // the host rolls the server alone, which is not enough: the forge's webhooks keep the URL Drone wrote on each
    // repository's activation (harness v2.28.2 service/hook/hook.go:37-66), repaired by hand (README, "Changing the CI host")
    expect(changed(base, workloadTemplates({ host: 'ci.acme.dev' }))).toEqual(['Deployment/dockyard/drone']);
    const runner = (t: Record<string, string>) => JSON.parse(t['Deployment/dockyard/drone-runner'].split(' ').slice(1).join(' '));
    expect(runner(org).metadata.annotations[CHECKSUM_ANNOTATION]).not.toBe(runner(base).metadata.annotations[CHECKSUM_ANNOTATION]);
  });
});

describe('day two: Secrets made outside Dockyard', () => {
  // They count by name alone, so their change rolls nothing: the synth names what to restart (README, Day two), the
  // jobservice with core for the database password, as it loads it from core once, at start (goharbor/harbor
  // v2.15.1 src/jobservice/job/impl/context.go `Init`)
  test('harbor-do: the synth names the restart each needs, jobservice with core for the database password', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-day-two-'));
    made.push(dir);
    const app = new App({ outdir: path.join(dir, 'dist') });
    harborOnDigitalOcean(app);
    stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    const restart = (secret: string) => stderrOf(() => printRequiredSecrets(app)).split('\n')
      .find((l) => l.startsWith(`dockyard: create Secret ${secret} `))?.replace(/^.*after one, run /, '');
    expect(restart('harbor/harbor-database')).toBe('kubectl -n harbor rollout restart deployment/harbor-core deployment/harbor-jobservice');
    expect(restart('harbor/harbor-valkey')).toBe('kubectl -n harbor rollout restart deployment/harbor-core deployment/harbor-jobservice ' +
      'deployment/harbor-registry statefulset/harbor-trivy');
    expect(restart('harbor/harbor-spaces')).toBe('kubectl -n harbor rollout restart deployment/harbor-registry');
  });
});

describe('day two: Jobs that read a Secret made outside Dockyard', () => {
  // A Job's name carries the digest of the generated values it reads, and only the name of one made outside
  // (lib/core/checksum.ts `secretDigest`), so a change of such a Secret runs no Job again: a proxy cache's upstream
  // token stays the old one in Harbor (the configuration Job sets it through Harbor's API), and a role's password
  // that a PostgresReconciler sets stays the old one on the server while its clients restart with the new one
  test('the synth names the Job to delete and apply again: a proxy cache\'s upstream token, a password the reconciler sets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-day-two-'));
    made.push(dir);
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'platform', { namespace: 'harbor' });
    const dbPassword = Secret.fromSecretName(chart, 'DbPw', 'harbor-db').key('password');
    const database = new ExternalPostgres(chart, 'Db', { host: 'db.example.com', port: 5432, databaseName: 'registry', user: 'harbor', password: dbPassword });
    const harbor = new Harbor(chart, 'Harbor', {
      externalUrl: 'https://registry.example.com', database, redis: new Redis(chart, 'Redis'), storage: HarborStorage.filesystem({ size: '20Gi' }),
    });
    harbor.addProxyCache('dockerhub', {
      upstream: ProxyUpstream.dockerHub({ username: 'bob', password: Secret.fromSecretName(chart, 'Hub', 'dockerhub').key('token') }),
    });
    const reconciler = new PostgresReconciler(chart, 'Reconciler', {
      host: 'db.example.com', port: 5432, adminPassword: Secret.fromSecretName(chart, 'Admin', 'db-admin').key('password'),
    });
    reconciler.addDatabase(database);
    stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    // the Jobs as written: their names carry the digests of the generated values they read
    const objects = parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', 'platform.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const jobNamed = (prefix: string) => objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith(prefix)).map((o) => `job/${o.metadata.name}`);
    // a later resolution without the secret source (names without the values' digests) adds no stale Job
    app.charts.forEach((c: Chart) => c.toJson());
    const lines = stderrOf(() => printRequiredSecrets(app)).split('\n');
    const line = (secret: string) => lines.find((l) => l.startsWith(`dockyard: create Secret ${secret} `));
    const [configure, reconcile] = [jobNamed('harbor-configure-'), jobNamed('postgres-reconcile-')];
    expect([configure.length, reconcile.length]).toEqual([1, 1]);
    expect(line('harbor/dockerhub')).toMatch(new RegExp(`runs no Job again: after one, run kubectl -n harbor delete --ignore-not-found ${configure[0]}, ` +
      'then apply the manifests again$'));
    expect(line('harbor/harbor-db')).toMatch(new RegExp('runs no Job again: after one, run kubectl -n harbor rollout restart deployment/harbor-core ' +
      `deployment/harbor-jobservice and kubectl -n harbor delete --ignore-not-found ${reconcile[0]}, then apply the manifests again$`));
    expect(line('harbor/db-admin')).toMatch(new RegExp(`delete --ignore-not-found ${reconcile[0]}, then apply the manifests again$`));
  });
});
