// Two Dockyard platforms (staging and production, or two business units) applied to ONE cluster, each a TeamPlatform
// in an App of its own with namespaces of its own, as README "Two platforms in one cluster" builds them.
//
// Upstream behaviour encoded here:
// - A NetworkPolicy peer's `namespaceSelector` selects namespaces by label across the whole cluster, whoever made them
//   (kubernetes/api v0.36.3 networking/v1/types.go, NetworkPolicyPeer `namespaceSelector`: "selects namespaces using
//   cluster-scoped labels", line 209); the model of ./network-model.ts cites the rest.
// - A ValidatingAdmissionPolicyBinding applies its policy to a namespaced object whose namespace matches
//   `matchResources.namespaceSelector`, any namespace of the cluster (kubernetes/api v0.36.3
//   admissionregistration/v1/types.go:604-611, MatchResources `namespaceSelector`); policies and bindings are
//   cluster-scoped, one object per name (same file, `+genclient:nonNamespaced` at :137 and :434), so a second
//   `kubectl apply` of the same name patches the first's object into the second's (kubectl v0.36.3
//   pkg/cmd/apply/apply.go `applyOneObject`: :681-699 creates only an object not found, :743 patches one that exists).
// - `kubectl apply --prune -l <selector>` lists every non-namespaced kind of its allowlist cluster-wide, Namespaces by
//   default, and deletes each object that matches the selector, carries the last-applied annotation and was not in
//   this apply (kubectl v0.36.3 pkg/cmd/apply/prune.go:87-91 pruning non-namespaced mappings in namespace "",
//   :100 the label selector, :118-125 the annotation and visited checks; pkg/util/prune/prune.go:47-48 Namespace in
//   the default non-namespaced allowlist).
// - Argo CD raises SharedResourceWarning on an object whose tracking id names another Application, and leaves it out
//   of its own sync status (argo-cd v3.5.1 controller/state.go:804-814, :981): the last sync's Application owns it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'yaml';
import {
  DockyardChart, DroneBuildAdmissionPolicy, DroneCi, DroneKubeRunner, DroneSecretsExtension, Harbor, HarborStorage, LocalSecretStore, Namespace, NodeMirrorFiles, Postgres,
  ProxyUpstream, Redis, synthesize,
  TEAM_INGRESS_HOSTS_POLICY, TEAM_PLATFORM_LABEL, TeamAdmissionPolicy, TeamPlatform, TeamPlatformProps, WOODPECKER_BUILD_POLICY, WoodpeckerBuildAdmissionPolicy,
  WoodpeckerCi,
} from '../../lib';
import { CLUSTER_KINDS } from '../../lib/core/chart';
import { admits } from '../policy/checks/admission';
import { selects } from '../policy/checks/selectors';
import { droneServer } from '../drone/fixtures';
import { find, refusal } from '../util';
import { ExampleStack, synthStack } from '../stacks';
import { loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { github } from '../woodpecker/fixtures';
import { connectionAllowed, namespaceLabels } from './network-model';

let apps = 0;

interface EnvOptions {
  readonly platform?: Partial<TeamPlatformProps>;
  readonly engine?: 'drone' | 'woodpecker';
  /** Whether this platform renders the cluster-wide Drone build policy. */
  readonly buildPolicy?: boolean;
  readonly chartLabels?: Record<string, string>;
  /** Whether team `pay` has a Drone runner of its own. */
  readonly dedicatedRunner?: boolean;
}

/**
 * One platform of the cluster: its engine in `ci-<env>`, Harbor in `harbor-<env>`, a TeamPlatform whose team `pay`
 * has the app namespaces `pay-<env>` and `pay-<env>-2` and the build namespace `pay-<env>-builds`, and the team
 * admission policies with hosts under `apps.<env>.example.com`.
 */
function env(name: string, options: EnvOptions = {}): any[] {
  const app = new App({ outdir: path.join(os.tmpdir(), `dockyard-two-platforms-${process.pid}-${++apps}`) });
  const chart = new DockyardChart(app, 'platform', { namespace: `ci-${name}`, labels: options.chartLabels });
  new Namespace(chart, 'Namespace', { name: `ci-${name}` });
  new Namespace(chart, 'HarborNamespace', { name: `harbor-${name}` });
  let ci;
  if ((options.engine ?? 'drone') === 'drone') {
    const server = droneServer(chart, { host: `drone.${name}.example.com` });
    const secretsExtension = new DroneSecretsExtension(chart, 'Secrets');
    const runner = new DroneKubeRunner(chart, 'Runner', { server, secretsExtension });
    if (options.buildPolicy ?? true) new DroneBuildAdmissionPolicy(chart, 'BuildPolicy');
    ci = new DroneCi(chart, 'Ci', { server, runner, secretsExtension });
  } else {
    ci = new WoodpeckerCi(chart, 'Ci', { host: `ci.${name}.example.com`, gitProvider: github(chart), database: new Postgres(chart, 'Postgres').addDatabase('woodpecker') });
  }
  const postgres = new Postgres(chart, 'HarborDatabase', { name: 'harbor-db' });
  const harbor = new Harbor(chart, 'Harbor', {
    namespace: `harbor-${name}`, externalUrl: `https://harbor.${name}.example.com`, database: postgres.addDatabase('registry', { user: 'harbor' }),
    redis: new Redis(chart, 'Redis', { namespace: `harbor-${name}` }), storage: HarborStorage.filesystem(),
  });
  harbor.addProxyCache('dockerhub', { upstream: ProxyUpstream.dockerHub() });
  const teams = new TeamPlatform(chart, 'Teams', {
    ci, harbor, sharedProjects: ['dockerhub'], admissionPolicy: { hostsDomain: `apps.${name}.example.com` }, ...options.platform,
  });
  teams.addTeam({ name: 'pay', repos: [(options.engine ?? 'drone') === 'drone' ? 'acme/pay-*' : 'acme/pay-app'], namespaces: [`pay-${name}`, `pay-${name}-2`], buildNamespace: `pay-${name}-builds`,
    dedicatedRunner: options.dedicatedRunner,
  });
  return chart.toJson();
}

const pod = (namespace: string, ip: string) => ({ ip, namespace, podLabels: { app: 'web' } });
const clusterNames = (objects: any[]) => objects.filter((o) => CLUSTER_KINDS.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`);
/** The cluster-scoped objects both outputs hold under one name: one object in the cluster, whichever was applied last. */
function collisions(a: any[], b: any[]): string[] {
  const names = new Set(clusterNames(b));
  return clusterNames(a).filter((n) => names.has(n));
}
/** The namespaces of `other` that a binding of `objects` applies its policy in. */
function boundIn(objects: any[], other: any[], kind: string, name: string): string[] {
  const labels = namespaceLabels(other);
  return [...labels.keys()].filter((ns) => selects(find(objects, kind, name).spec.matchResources.namespaceSelector, labels.get(ns)!));
}
/** Each NetworkPolicy peer, and admission binding, of `objects` that selects a namespace of `other`: `<policy> -> <namespaces>`. */
function crossSelections(objects: any[], other: any[]): string[] {
  const labels = namespaceLabels(other);
  const selected = (selector: any) => [...labels.keys()].filter((ns) => selects(selector, labels.get(ns)!));
  const found: string[] = [];
  for (const o of objects) {
    const selectors = o.kind === 'NetworkPolicy'
      ? [...(o.spec.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(o.spec.egress ?? []).flatMap((r: any) => r.to ?? [])]
        .filter((peer: any) => peer.namespaceSelector).map((peer: any) => peer.namespaceSelector)
      : o.kind === 'ValidatingAdmissionPolicyBinding' ? [o.spec.matchResources.namespaceSelector] : [];
    for (const hit of selectors.map(selected).filter((h: string[]) => h.length > 0)) {
      found.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} -> ${hit.join(',')}`);
    }
  }
  return [...new Set(found)].sort();
}
const ingress = (host: string) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'pay-staging' },
  spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

describe('two platforms in one cluster, without platformName (one platform per cluster)', () => {
  const staging = env('staging');
  const production = env('production');
  const cluster = [...staging, ...production];

  test('a team of one platform reaches, and is reached by, the same-named team of the other: both select namespaces by team name only', () => {
    expect(connectionAllowed(cluster, pod('pay-staging', '10.1.0.1'), pod('pay-production', '10.1.0.2'), 5432)).toBe(true);
    expect(connectionAllowed(cluster, pod('pay-production', '10.1.0.2'), pod('pay-staging', '10.1.0.1'), 5432)).toBe(true);
  });

  test('what of one platform selects namespaces of the other: the teams\' NetworkPolicies and every admission binding', () => {
    expect(crossSelections(staging, production)).toEqual([
      'NetworkPolicy pay-staging-2/team-default-deny -> pay-production,pay-production-2',
      'NetworkPolicy pay-staging/team-default-deny -> pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-drone-builds -> ci-production-builds,pay-production-builds',
      'ValidatingAdmissionPolicyBinding /dockyard-team-ingress-hosts -> pay-production-builds,pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-team-ingresses -> pay-production-builds,pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-team-platform-objects -> pay-production-builds,pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-team-route-hosts -> pay-production-builds,pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-team-secrets -> pay-production-builds,pay-production,pay-production-2',
      'ValidatingAdmissionPolicyBinding /dockyard-team-services -> pay-production-builds,pay-production,pay-production-2',
    ]);
  });

  test('the team admission policies and the Drone build policy name the same cluster-scoped objects in both outputs', () => {
    expect(collisions(staging, production).sort()).toEqual([
      'ValidatingAdmissionPolicy/dockyard-drone-builds', 'ValidatingAdmissionPolicy/dockyard-team-ingress-hosts', 'ValidatingAdmissionPolicy/dockyard-team-ingresses',
      'ValidatingAdmissionPolicy/dockyard-team-platform-objects', 'ValidatingAdmissionPolicy/dockyard-team-route-hosts', 'ValidatingAdmissionPolicy/dockyard-team-secrets',
      'ValidatingAdmissionPolicy/dockyard-team-services',
      'ValidatingAdmissionPolicyBinding/dockyard-drone-builds', 'ValidatingAdmissionPolicyBinding/dockyard-team-ingress-hosts', 'ValidatingAdmissionPolicyBinding/dockyard-team-ingresses',
      'ValidatingAdmissionPolicyBinding/dockyard-team-platform-objects', 'ValidatingAdmissionPolicyBinding/dockyard-team-route-hosts',
      'ValidatingAdmissionPolicyBinding/dockyard-team-secrets', 'ValidatingAdmissionPolicyBinding/dockyard-team-services',
    ]);
  });

  test('production applied last: its hosts policy, now the only one, refuses staging\'s teams their own hosts', () => {
    const last = find(production, 'ValidatingAdmissionPolicy', TEAM_INGRESS_HOSTS_POLICY);
    const stagingTeam = namespaceLabels(staging).get('pay-staging')!;
    // the binding that survives selects staging's team namespaces too
    expect(boundIn(production, staging, 'ValidatingAdmissionPolicyBinding', TEAM_INGRESS_HOSTS_POLICY)).toEqual(['pay-staging-builds', 'pay-staging', 'pay-staging-2']);
    expect(admits(find(staging, 'ValidatingAdmissionPolicy', TEAM_INGRESS_HOSTS_POLICY), ingress('web.pay.apps.staging.example.com'), stagingTeam)).toBe(true);
    expect(admits(last, ingress('web.pay.apps.staging.example.com'), stagingTeam)).toBe(false);
    // and lets them claim production's
    expect(admits(last, ingress('web.pay.apps.production.example.com'), stagingTeam)).toBe(true);
  });

  test.each(['drone', 'woodpecker'] as const)('RBAC stays within each platform on %s: every RoleBinding binds ServiceAccounts of its own output\'s namespaces, and no output has a ClusterRole', (engine) => {
    const [a, b] = engine === 'drone' ? [staging, production] : [env('staging', { engine }), env('production', { engine })];
    for (const [objects, other] of [[a, b], [b, a]]) {
      const own = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
      const bindings = objects.filter((o) => o.kind === 'RoleBinding');
      expect(bindings.length).toBeGreaterThan(0);
      const crossing = bindings.flatMap((b) => [b.metadata.namespace, ...b.subjects.filter((x: any) => x.kind === 'ServiceAccount').map((x: any) => x.namespace)])
        .filter((ns) => !own.has(ns));
      expect(crossing).toEqual([]);
      expect(objects.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
      expect(other.filter((o) => own.has(o.metadata.namespace))).toEqual([]);
    }
  });

  test('the only label both platforms\' Namespaces share is app.kubernetes.io/managed-by: a prune by it deletes the other platform\'s', () => {
    const prodNamespaces = production.filter((o) => o.kind === 'Namespace');
    const selector = { matchLabels: { 'app.kubernetes.io/managed-by': 'dockyard' } };
    // `kubectl apply --prune -l app.kubernetes.io/managed-by=dockyard -f dist-staging/` lists Namespaces cluster-wide
    expect(prodNamespaces.filter((ns) => selects(selector, ns.metadata.labels)).map((ns) => ns.metadata.name))
      .toEqual(prodNamespaces.map((ns) => ns.metadata.name));
  });
});

describe('two platforms in one cluster, each with a platformName', () => {
  const staging = env('staging', { platform: { platformName: 'staging' }, chartLabels: { [TEAM_PLATFORM_LABEL]: 'staging' } });
  // the cluster-wide Drone build policy is made by one of them only
  const production = env('production', { platform: { platformName: 'production' }, buildPolicy: false, chartLabels: { [TEAM_PLATFORM_LABEL]: 'production' } });
  const cluster = [...staging, ...production];

  test('a team reaches its own app namespaces, and not the same-named team\'s of the other platform', () => {
    expect(connectionAllowed(cluster, pod('pay-staging', '10.1.0.1'), pod('pay-staging-2', '10.1.0.3'), 5432)).toBe(true);
    expect(connectionAllowed(cluster, pod('pay-staging', '10.1.0.1'), pod('pay-production', '10.1.0.2'), 5432)).toBe(false);
    expect(connectionAllowed(cluster, pod('pay-production', '10.1.0.2'), pod('pay-staging', '10.1.0.1'), 5432)).toBe(false);
    // each direction alone is closed too: neither side's policy admits the other
    expect(connectionAllowed([...staging, ...production.filter((o) => o.kind !== 'NetworkPolicy')], pod('pay-staging', '10.1.0.1'), pod('pay-production', '10.1.0.2'), 5432)).toBe(false);
    expect(connectionAllowed([...production, ...staging.filter((o) => o.kind !== 'NetworkPolicy')], pod('pay-staging', '10.1.0.1'), pod('pay-production', '10.1.0.2'), 5432)).toBe(false);
  });

  test('nothing of one platform selects a namespace of the other but the one Drone build policy', () => {
    expect(crossSelections(staging, production)).toEqual(['ValidatingAdmissionPolicyBinding /dockyard-drone-builds -> ci-production-builds,pay-production-builds']);
    expect(crossSelections(production, staging)).toEqual([]);
  });

  test('no cluster-scoped object of one output has a name of the other\'s', () => {
    expect(collisions(staging, production)).toEqual([]);
    expect(clusterNames(staging)).toContain('ValidatingAdmissionPolicy/dockyard-team-ingress-hosts-staging');
  });

  test('each platform\'s team policies bind its own team namespaces only, and admit its own hosts there', () => {
    const name = `${TEAM_INGRESS_HOSTS_POLICY}-staging`;
    expect(boundIn(staging, production, 'ValidatingAdmissionPolicyBinding', name)).toEqual([]);
    expect(boundIn(staging, staging, 'ValidatingAdmissionPolicyBinding', name)).toEqual(['pay-staging-builds', 'pay-staging', 'pay-staging-2']);
    expect(boundIn(production, production, 'ValidatingAdmissionPolicyBinding', `${TEAM_INGRESS_HOSTS_POLICY}-production`))
      .toEqual(['pay-production-builds', 'pay-production', 'pay-production-2']);
    const labels = namespaceLabels(staging).get('pay-staging')!;
    expect(admits(find(staging, 'ValidatingAdmissionPolicy', name), ingress('web.pay.apps.staging.example.com'), labels)).toBe(true);
    expect(admits(find(staging, 'ValidatingAdmissionPolicy', name), ingress('web.pay.apps.production.example.com'), labels)).toBe(false);
  });

  test('the one Drone build policy covers both platforms\' build namespaces, so one of them makes it', () => {
    expect(boundIn(staging, production, 'ValidatingAdmissionPolicyBinding', 'dockyard-drone-builds')).toEqual(['ci-production-builds', 'pay-production-builds']);
  });

  test('a prune selector on the chart\'s platform label selects only that platform\'s Namespaces', () => {
    const selector = { matchLabels: { [TEAM_PLATFORM_LABEL]: 'staging' } };
    expect(production.filter((o) => o.kind === 'Namespace' && selects(selector, o.metadata.labels))).toEqual([]);
    expect(staging.filter((o) => !selects(selector, o.metadata.labels ?? {}))).toEqual([]);
  });

  test('a team on a dedicated runner: its build and pull-request namespaces carry the platform label too', () => {
    const objects = env('staging', { platform: { platformName: 'staging' }, dedicatedRunner: true });
    for (const ns of ['pay-staging-builds', 'pay-pull-requests']) {
      expect(find(objects, 'Namespace', ns).metadata.labels[TEAM_PLATFORM_LABEL]).toBe('staging');
    }
  });

  test('on Woodpecker too, the team\'s namespaces carry the platform label, its build namespace included', () => {
    const objects = env('staging', { engine: 'woodpecker', platform: { platformName: 'staging' } });
    for (const ns of ['pay-staging', 'pay-staging-2', 'pay-staging-builds']) {
      expect(find(objects, 'Namespace', ns).metadata.labels[TEAM_PLATFORM_LABEL]).toBe('staging');
    }
  });
});

describe('the Woodpecker build policy of two platforms', () => {
  const policyOf = (runtimeClassNames: string[]) => {
    const app = new App({ outdir: path.join(os.tmpdir(), `dockyard-two-platforms-${process.pid}-${++apps}`) });
    const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
    new WoodpeckerBuildAdmissionPolicy(chart, 'BuildPolicy', { runtimeClassNames });
    return find(chart.toJson(), 'ValidatingAdmissionPolicy', WOODPECKER_BUILD_POLICY);
  };
  const step = (runtimeClassName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'step', namespace: 'ci-staging-builds' },
    spec: { runtimeClassName, containers: [{ name: 'step', image: 'alpine' }] } });

  test('is one object under one name: the copy applied last sets the RuntimeClasses both platforms\' steps may name', () => {
    const staging = policyOf(['gvisor']);
    const production = policyOf([]);
    expect(production.metadata.name).toBe(staging.metadata.name);
    expect(admits(staging, step('gvisor'))).toBe(true);
    // production applied last: staging's gVisor steps are refused
    expect(admits(production, step('gvisor'))).toBe(false);
  });
});

describe('platformName refusals', () => {
  test('a name that is no DNS label is refused, naming platformName', () => {
    expect(refusal(() => env('staging', { platform: { platformName: 'Staging' } }))).toMatch(/^invalid platformName "Staging": /);
  });

  test('admissionPolicy.platformName other than the TeamPlatform\'s is refused: the policies would bind other namespaces than the teams are in', () => {
    expect(refusal(() => env('staging', { platform: { platformName: 'staging', admissionPolicy: { platformName: 'production' } } })))
      .toBe('invalid admissionPolicy.platformName "production": must be left out: set the TeamPlatform\'s platformName, which labels its teams\' ' +
        'namespaces too, and the policies take it from there (it is "staging")');
  });

  test('two platforms\' policies in one app are let through; the same platform\'s twice refused', () => {
    const app = new App({ outdir: path.join(os.tmpdir(), `dockyard-two-platforms-${process.pid}-${++apps}`) });
    const chart = new DockyardChart(app, 'platform', { namespace: 'ci' });
    new TeamAdmissionPolicy(chart, 'Staging', { platformName: 'staging' });
    new TeamAdmissionPolicy(chart, 'Production', { platformName: 'production' });
    expect(refusal(() => new TeamAdmissionPolicy(chart, 'Again', { platformName: 'staging' })))
      .toBe('invalid admissionPolicy {"platformName":"staging"}: must be set once in an app for platform "staging": platform/Staging renders the ' +
        'cluster\'s team policies already, which cover every team namespace of every TeamPlatform of that platformName');
  });
});

// containerd reads one hosts.toml per registry host, `<config_path>/<host>/hosts.toml` (containerd v2.3.4
// core/remotes/docker/config/hosts.go ConfigureHosts, HostDirFromRoot), and RKE2 one registries.yaml: two platforms'
// node files for docker.io go to one path on a node, the second copy replacing the first
describe('node mirror files of two platforms', () => {
  test('both write docker.io\'s mirror to the same node paths, each pointing at its own Harbor', () => {
    const written = (name: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-two-platforms-nodes-'));
      try {
        const app = new App({ outdir: path.join(dir, 'dist') });
        const chart = new DockyardChart(app, 'platform', { namespace: `ci-${name}` });
        new NodeMirrorFiles(chart, 'Nodes', { mirrors: [{ upstream: 'docker.io', endpoint: `https://harbor.${name}.example.com`, project: 'dockerhub' }] });
        const files = synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }))
          .map((f) => path.relative(path.join(dir, 'dist'), f)).filter((f) => f.startsWith('nodes/'));
        return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, 'dist', f), 'utf8')]));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const staging = written('staging');
    const production = written('production');
    expect([...staging.keys()]).toEqual(['nodes/rke2/registries.yaml', 'nodes/containerd/certs.d/docker.io/hosts.toml']);
    expect([...production.keys()]).toEqual([...staging.keys()]);
    for (const [file, text] of staging) {
      expect(text).toContain('harbor.staging.example.com');
      expect(production.get(file)).toContain('harbor.production.example.com');
      expect(production.get(file)).not.toContain('harbor.staging.example.com');
    }
  });
});

// `kubectl apply -l <selector> -f <dir>` applies only the objects of its files whose labels match (cli-runtime v0.36.2
// pkg/resource/builder.go:1158-1164, a FilteredVisitor over the files' objects), and prunes by the same selector
describe('a chart label selects the whole platform, its generated Secrets included', () => {
  const secretsOf = (labels?: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-two-platforms-secrets-'));
    try {
      const app = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(app, 'platform', { namespace: 'ci-staging', labels });
      new Namespace(chart, 'Namespace', { name: 'ci-staging' });
      new Postgres(chart, 'Postgres');
      synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'secrets.json') }));
      return yaml.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', 'secrets.local.yaml'), 'utf8')).map((d) => d.toJS());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test('each generated Secret carries the chart\'s labels, so kubectl apply -l takes it', () => {
    const secrets = secretsOf({ [TEAM_PLATFORM_LABEL]: 'staging' });
    expect(secrets.length).toBeGreaterThan(0);
    const selector = { matchLabels: { [TEAM_PLATFORM_LABEL]: 'staging' } };
    expect(secrets.filter((s) => !selects(selector, s.metadata.labels))).toEqual([]);
    expect(secrets.every((s) => s.metadata.labels['app.kubernetes.io/managed-by'] === 'dockyard')).toBe(true);
  });

  test('without chart labels the Secrets are labelled as before', () => {
    expect(secretsOf().map((s) => s.metadata.labels)).toEqual(secretsOf().map(() => ({ 'app.kubernetes.io/managed-by': 'dockyard' })));
  });
});

// README "Two platforms in one cluster": the example stacks are one per cluster, whatever their DOCKYARD_* settings
describe('two default stacks in one cluster', () => {
  const stack = (name: string) => synthStack(name, (app) => defaultStack(app, loadConfig({
    DOCKYARD_HOST: `drone.${name}.example.com`, DOCKYARD_HARBOR_HOST: `harbor.${name}.example.com`, DOCKYARD_ORG: `acme-${name}`,
  }, { warn: () => undefined })));

  test('write the same Namespaces and the same generated Secrets, whose second apply replaces the first\'s values', () => {
    const staging = stack('staging');
    const production = stack('production');
    const names = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    const namespaces = (s: ExampleStack) => names(s.objects.filter((o) => o.kind === 'Namespace'));
    expect(namespaces(production)).toEqual(namespaces(staging));
    expect(namespaces(staging).length).toBeGreaterThan(0);
    expect(names(production.secrets)).toEqual(names(staging.secrets));
    // with values of their own states: the PostgreSQL superuser's password differs
    const password = (s: ExampleStack) => s.secrets.find((o) => o.metadata.name === 'postgres-superuser').stringData.password;
    expect(password(production)).not.toBe(password(staging));
  });
});
