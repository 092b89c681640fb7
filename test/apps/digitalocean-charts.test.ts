import { createHash } from 'crypto';
import { App, Chart } from 'cdk8s';
import { digitalOceanCharts, DOCR_TOKEN_INPUT, MIRROR_PASSWORD_INPUT } from '../../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { CiEngineKind, Harbor, Image, ImageDigests, ImageRelocation, Images } from '../../lib';
import { GitProviderKind } from '../../apps/shared/git-provider';
import { CLONE_TOKEN_INPUT } from '../../apps/shared/clone-login';
import { droneRunnerPullSecret, droneStepSecret } from '../drone/upstream';
import { imagesOf } from '../registry/images-of';
import { kubeletLogins } from '../registry/kubelet-keyring';
import { keptRsaKeys } from '../integ/rendered';
import { synthStack } from '../stacks';
import { find, quotes, readmeQuotes, stderrOf, thrown } from '../util';

const MIRROR = 'mirror.example.com/airgap';
const CHARTS = { ...DIGITALOCEAN_EXAMPLE, postgresConnectionLimit: 22 };

/**
 * Harbor's RSA token key, drawn once in the file (1-2 s a draw, most of a synth's time): every synth here starts from
 * it and draws the other values as on a new state.
 */
const TOKEN_KEY = keptRsaKeys(() => digitalOceanCharts(new App(), CHARTS));

/** The DigitalOcean charts, synthesized with their generated Secrets, the DOCR token given as its input. */
function synth(name: string, build: (app: App) => Chart) {
  const inputs: Record<string, string> = { [DOCR_TOKEN_INPUT]: 'dop_v1_docr', [MIRROR_PASSWORD_INPUT]: 'mirror-token', [CLONE_TOKEN_INPUT]: 'github_pat_clone' };
  const saved = Object.fromEntries(Object.keys(inputs).map((k) => [k, process.env[k]]));
  Object.assign(process.env, inputs);
  try {
    let stack!: ReturnType<typeof synthStack>;
    stderrOf(() => { stack = synthStack(name, build, TOKEN_KEY()); });
    return stack;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Each Secret that holds a registry login, or the DOCR token itself, by `<namespace>/<name>`: its registries, or "token". */
function loginsOf(secrets: any[]): Record<string, string[]> {
  return Object.fromEntries(secrets.flatMap((s) => {
    const values = Object.values(s.stringData ?? {}) as string[];
    const registries = values.flatMap((v) => { try { return Object.keys(JSON.parse(v).auths ?? {}); } catch { return []; } });
    const raw = registries.length === 0 && values.includes('dop_v1_docr');
    return registries.length > 0 || raw ? [[`${s.metadata.namespace}/${s.metadata.name}`, raw ? ['token'] : registries]] : [];
  }));
}

/** The namespaces whose pods name `secret` as an image pull secret, by their own spec or their namespace's default ServiceAccount. */
function pullingWith(objects: any[], secret: string): string[] {
  const pods = objects.filter((o) => (o.spec?.template?.spec?.imagePullSecrets ?? []).some((p: any) => p.name === secret));
  const accounts = objects.filter((o) => o.kind === 'ServiceAccount' && (o.imagePullSecrets ?? []).some((p: any) => p.name === secret));
  return [...new Set([...pods, ...accounts].map((o) => o.metadata.namespace))].sort();
}

/** Every pod template: its namespace, ServiceAccount and own pull secrets, and where it is, for a failure to name. */
function podsOf(objects: any[]): { where: string; namespace: string; account: string; own: string[] }[] {
  return objects.filter((o) => o.spec?.template?.spec?.containers).map((o) => ({
    where: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
    namespace: o.metadata.namespace,
    account: o.spec.template.spec.serviceAccountName ?? 'default',
    own: (o.spec.template.spec.imagePullSecrets ?? []).map((p: any) => p.name),
  }));
}

/** The pull secrets a pod pulls with: its own, and its ServiceAccount's where the charts render that account. */
function pullSecretsOf(objects: any[], pod: ReturnType<typeof podsOf>[number]): string[] {
  const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === pod.namespace && o.metadata.name === pod.account);
  return [...pod.own, ...(account?.imagePullSecrets ?? []).map((p: any) => p.name)];
}

/** Where Harbor's Trivy downloads its databases: SCANNER_TRIVY_DB_REPOSITORY, then SCANNER_TRIVY_JAVA_DB_REPOSITORY. */
function trivySources(objects: any[]): string[] {
  const env = find(objects, 'StatefulSet', 'harbor-trivy').spec.template.spec.containers[0].env;
  return ['SCANNER_TRIVY_DB_REPOSITORY', 'SCANNER_TRIVY_JAVA_DB_REPOSITORY'].map((name) => env.find((e: any) => e.name === name).value);
}

/** Trivy's upstream sources, comma-separated as Harbor's adapter reads each variable. */
const TRIVY_UPSTREAM = [
  'mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2', 'mirror.gcr.io/aquasec/trivy-java-db:1,ghcr.io/aquasecurity/trivy-java-db:1',
];

/** Harbor's configuration, as its configure Job applies it. */
function harborConfig(objects: any[]): any {
  const texts = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.data?.['config.json']).filter((t) => typeof t === 'string');
  expect(texts).toHaveLength(1);
  return JSON.parse(texts[0]);
}

describe.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('the DigitalOcean charts on %s', (engine) => {
  describe('with the Container Registry, through Harbor\'s proxy cache', () => {
    const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, containerRegistry: true }));

    test('DOCR\'s login is only in the build namespace, and in the pipelines\' harbor-pull; Harbor\'s where pods pull through it', () => {
      expect(loginsOf(stack.secrets)).toEqual({
        'dockyard/registry-credentials': ['harbor.example.com'],
        'dockyard-builds/registry-credentials': ['harbor.example.com'],
        'dockyard-builds/docr-token': ['token'],
        'dockyard-builds/docr-credentials': ['registry.digitalocean.com'],
        ...(engine === CiEngineKind.DRONE
          ? { 'dockyard/harbor-pull': ['harbor.example.com', 'registry.digitalocean.com', 'harbor.example.com/library/'], 'dockyard/harbor-push': ['harbor.example.com'] } : {}),
      });
      expect(pullingWith(stack.objects, 'registry-credentials')).toEqual(['dockyard', 'dockyard-builds']);
      expect(pullingWith(stack.objects, 'docr-credentials')).toEqual(['dockyard-builds']);
      expect(find(stack.objects, 'ServiceAccount', 'default', 'dockyard-builds').imagePullSecrets)
        .toEqual([{ name: 'docr-credentials' }, { name: 'registry-credentials' }]);
    });

    if (engine === CiEngineKind.DRONE) {
      test('a platform pipeline\'s step runs an image another pushed to the private library: harbor-pull logs in there as drone', () => {
        // what a step pulling harbor.example.com/library/... gets: `image_pull_secrets: [harbor-pull]`, read through
        // the secrets extension (../drone/upstream.ts droneStepSecret), copied by the runner into the pod's pull Secret
        // (drone-runner-kube v1.0.0-rc.5 engine/compiler/compiler.go:546-561, runner-go v1.12.0 registry/auths,
        // droneRunnerPullSecret), and matched by the kubelet (kubernetes v1.35.0 pkg/credentialprovider/keyring.go,
        // ../registry/kubelet-keyring.ts), which tries each login in turn
        const file = [
          { kind: 'pipeline', type: 'kubernetes', name: 'deploy', image_pull_secrets: ['harbor-pull'], steps: [{ name: 'run', image: 'harbor.example.com/library/builder:1' }] },
          { kind: 'secret', name: 'harbor-pull', get: { path: 'harbor-pull', name: '.dockerconfigjson' } },
        ];
        const value = droneStepSecret(stack, 'drone-runner', file, 'harbor-pull', { repo: 'example/infra', event: 'push' });
        const pod = droneRunnerPullSecret([value])!;
        const password = (robot: string) => stack.secrets.find((o) => o.metadata.namespace === 'harbor' && o.metadata.name === `harbor-robot-${robot}`).stringData.secret;
        const drone = { username: 'robot$drone', password: password('drone') };
        const puller = { username: 'robot$puller', password: password('puller') };
        expect(kubeletLogins([pod], 'harbor.example.com/library/builder:1')).toEqual([drone, puller]);
        // elsewhere on Harbor, puller's alone, as before: a project whose name begins "library" too
        expect(kubeletLogins([pod], 'harbor.example.com/dockerhub/library/alpine:3')).toEqual([puller]);
        expect(kubeletLogins([pod], 'harbor.example.com/library-tools/x:1')).toEqual([puller]);
        // and Harbor lets drone pull library, puller only the proxy cache: Dockyard's robots are system robots, to which
        // Harbor v2.15.1 gives no pull with a push (src/common/security/robot/context.go:101-118; only a project robot's
        // push brings pull, :126-140), and the token service grants each action the robot may (src/core/service/token/creator.go:147-183)
        const config = harborConfig(stack.objects);
        const access = (robot: string) => config.robots.find((r: any) => r.name === robot).permissions
          .flatMap((p: any) => p.access.map((a: any) => `${p.namespace}:${a.resource}:${a.action}`)).sort();
        expect(access('drone')).toEqual(['library:repository:pull', 'library:repository:push']);
        expect(access('puller')).toEqual(['dockerhub:repository:pull']);
        // the build pool's pull secret, which every team's builds get, still holds puller's login alone
        expect(kubeletLogins([find(stack.secrets, 'Secret', 'registry-credentials', 'dockyard-builds').stringData['.dockerconfigjson']],
          'harbor.example.com/library/builder:1')).toEqual([puller]);
      });
    }

    test('Harbor proxies Docker Hub, and its puller robot may pull only through it', () => {
      const config = harborConfig(stack.objects);
      // Harbor's library, public from Harbor's first start, declared private: the platform's pipelines push there
      expect(config.projects.map((p: any) => `${p.name}:${p.registry}:${p.public}`)).toEqual(['library:null:false', 'dockerhub:dockerhub:false']);
      expect(config.robots.find((r: any) => r.name === 'puller').permissions.map((p: any) => p.namespace)).toEqual(['dockerhub']);
    });
  });

  describe('pinned to digests (imageDigests)', () => {
    // every image as the charts name it before any relocation: a mirror's pairs' sources
    const sources = imagesOf(synth('digitalocean', (app) => {
      const chart = digitalOceanCharts(app, { ...CHARTS, ciEngine: engine });
      Images.relocateAll(app, ImageRelocation.upstream());
      return chart;
    }).objects);
    const digestOf = (reference: string) => `sha256:${createHash('sha256').update(reference).digest('hex')}`;
    const digests = (references: string[]) => ImageDigests.of(Object.fromEntries(references.map((r) => [r, digestOf(r)])));

    test('every image but those pulled by tag is at its source\'s digest, through the proxy cache', () => {
      const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageDigests: digests(sources) }));
      const images = imagesOf(stack.objects);
      expect(images.filter((i) => !i.includes('@sha256:'))).toEqual(images.filter((i) => /\/aquasec\/trivy-|\/drone\/placeholder:/.test(i)));
      expect(images.filter((i) => i.includes('@sha256:')).length).toBeGreaterThan(8);
      for (const image of images.filter((i) => i.includes('@sha256:'))) {
        const [name, digest] = image.split('@');
        // the source whose digest it carries is the image, relocated or not
        const source = sources.find((s) => digestOf(s) === digest)!;
        expect(name.endsWith(Image.of(source).repository + ':' + Image.of(source).tag)).toBe(true);
      }
    });

    test('an image the digests leave out fails the synth, naming it', () => {
      const missing = sources.find((r) => r.includes('/harbor-core:'))!;
      expect(() => synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageDigests: digests(sources.filter((r) => r !== missing)) })))
        .toThrow(`invalid image ${missing} for `);
    });
  });

  describe('from an air-gap mirror', () => {
    test('without the Container Registry: no proxy cache, no puller robot, and no registry login anywhere', () => {
      const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: MIRROR }));
      const config = harborConfig(stack.objects);
      expect([config.registries, config.projects.map((p: any) => `${p.name}:${p.public}`)]).toEqual([[], ['library:false']]);
      expect(config.robots.map((r: any) => r.name)).toEqual(engine === CiEngineKind.DRONE ? ['drone'] : []);
      // the pipelines' harbor-pull holds drone's login to library alone: a step may run what a platform pipeline pushed there
      expect(loginsOf(stack.secrets)).toEqual(engine === CiEngineKind.DRONE
        ? { 'dockyard/harbor-pull': ['harbor.example.com/library/'], 'dockyard/harbor-push': ['harbor.example.com'] } : {});
      expect(stack.secrets.map((s) => s.metadata.name)).not.toContain('harbor-robot-puller');
      expect(imagesOf(stack.objects).filter((i) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
      // Trivy's databases come from the mirror too, as in the default stack
      const trivy = find(stack.objects, 'StatefulSet', 'harbor-trivy').spec.template.spec.containers[0].env;
      expect(trivy.filter((e: any) => /^SCANNER_TRIVY_(JAVA_)?DB_REPOSITORY$/.test(e.name)).map((e: any) => e.value))
        .toEqual([`${MIRROR}/aquasec/trivy-db:2`, `${MIRROR}/aquasec/trivy-java-db:1`]);
    });

    test('with the Container Registry: DOCR\'s login alone, in the build namespace and the pipelines\' harbor-pull', () => {
      const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: MIRROR, containerRegistry: true }));
      expect(loginsOf(stack.secrets)).toEqual({
        'dockyard-builds/docr-token': ['token'],
        'dockyard-builds/docr-credentials': ['registry.digitalocean.com'],
        ...(engine === CiEngineKind.DRONE
          ? { 'dockyard/harbor-pull': ['registry.digitalocean.com', 'harbor.example.com/library/'], 'dockyard/harbor-push': ['harbor.example.com'] } : {}),
      });
      expect(pullingWith(stack.objects, 'docr-credentials')).toEqual(['dockyard-builds']);
      expect(pullingWith(stack.objects, 'registry-credentials')).toEqual([]);
    });

    test('on the Container Registry: every pod pulls from it with DOCR\'s login, which is in its namespace, and pipelines with harbor-pull', () => {
      const mirror = 'registry.digitalocean.com/acme/mirror';
      const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: mirror, containerRegistry: true }));
      expect(imagesOf(stack.objects).filter((i) => !i.startsWith(`${mirror}/`))).toEqual([]);
      // the kubelet pulls with the pod's imagePullSecrets and its ServiceAccount's, from the pod's namespace
      // (kubernetes pkg/kubelet/kubelet_pods.go getPullSecretsForPod; plugin/pkg/admission/serviceaccount adds the account's)
      const workloads = podsOf(stack.objects);
      expect(workloads.length).toBeGreaterThan(8);
      for (const w of workloads) {
        expect([w.where, pullSecretsOf(stack.objects, w)]).toEqual([w.where, expect.arrayContaining(['docr-credentials'])]);
        expect(loginsOf(stack.secrets)[`${w.namespace}/docr-credentials`]).toEqual(['registry.digitalocean.com']);
      }
      expect(loginsOf(stack.secrets)['dockyard-builds/docr-credentials']).toEqual(['registry.digitalocean.com']);
      if (engine === CiEngineKind.DRONE) {
        expect(loginsOf(stack.secrets)['dockyard/harbor-pull']).toEqual(['registry.digitalocean.com', 'harbor.example.com/library/']);
      }
      expect(trivySources(stack.objects)).toEqual(TRIVY_UPSTREAM);
    });

    test('with a login of its own: every pod that pulls has it in its namespace, the password from the secret input', () => {
      const stack = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: MIRROR, imageMirrorUser: 'puller' }));
      for (const w of podsOf(stack.objects)) {
        expect([w.where, pullSecretsOf(stack.objects, w)]).toEqual([w.where, expect.arrayContaining(['image-mirror-credentials'])]);
        expect(loginsOf(stack.secrets)[`${w.namespace}/image-mirror-credentials`]).toEqual(['mirror.example.com']);
      }
      // the build namespace's pods (pipelines) pull with its default ServiceAccount's
      expect(find(stack.objects, 'ServiceAccount', 'default', 'dockyard-builds').imagePullSecrets).toEqual([{ name: 'image-mirror-credentials' }]);
      if (engine === CiEngineKind.DRONE) {
        expect(loginsOf(stack.secrets)['dockyard/harbor-pull']).toEqual(['mirror.example.com', 'harbor.example.com/library/']);
      }
      // the password is the secret input the Pulumi program supplies, in every copy of the login
      for (const copy of stack.secrets.filter((o) => o.metadata.name === 'image-mirror-credentials')) {
        const auth = JSON.parse(copy.stringData['.dockerconfigjson']).auths['mirror.example.com'];
        expect([auth.username, auth.password]).toEqual(['puller', 'mirror-token']);
      }
      // the loginless charts read no such input
      expect(stack.secrets.filter((o) => o.metadata.name === 'image-mirror-password').map((o) => o.metadata.namespace)).toEqual(['dockyard']);
      const anonymous = synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: MIRROR }));
      expect(anonymous.secrets.map((o) => o.metadata.name)).not.toContain('image-mirror-password');
      // Trivy downloads its databases with no login (Dockyard gives it none, a pull secret serves the kubelet alone): from a mirror that
      // needs one they stay upstream; an anonymous mirror serves its copies
      expect(trivySources(stack.objects)).toEqual(TRIVY_UPSTREAM);
      expect(trivySources(anonymous.objects)).toEqual([`${MIRROR}/aquasec/trivy-db:2`, `${MIRROR}/aquasec/trivy-java-db:1`]);
    });

    test('refuses a mirror the pods could not pull from, naming the setting', () => {
      const charts = (extra: object) => () => synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, ...extra }));
      expect(charts({ imageMirror: 'registry.digitalocean.com/acme' })).toThrow(
        'invalid imageMirror "registry.digitalocean.com/acme": is on the Container Registry, which every pull must log in to: set containerRegistry true');
      expect(charts({ imageMirror: 'registry.digitalocean.com/acme', containerRegistry: true, imageMirrorUser: 'bob' })).toThrow(
        'invalid imageMirrorUser "bob": must not be set with imageMirror on registry.digitalocean.com');
      expect(charts({ imageMirrorUser: 'bob' })).toThrow('invalid imageMirrorUser "bob": imageMirror is not set');
      expect(charts({ imageMirror: MIRROR, imageMirrorUser: 'bob:hunter2' })).toThrow('invalid imageMirrorUser "bob:<redacted>": must be a user name');
      expect(charts({ imageMirror: 'harbor.example.com/mirror' })).toThrow('invalid imageMirror "harbor.example.com/mirror": is on Harbor\'s host');
    });

    test('the mirror overrides any relocation set below the app, as the default stack\'s does (Images.relocateAll)', () => {
      let warnings = '';
      const stack = synth('digitalocean', (app) => {
        const chart = digitalOceanCharts(app, { ...CHARTS, ciEngine: engine, imageMirror: MIRROR });
        Images.relocate(chart, ImageRelocation.upstream());
        warnings = stderrOf(() => chart.toJson());
        return chart;
      });
      expect(imagesOf(stack.objects).filter((i) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
      expect(warnings).toContain(`is shadowed below the app root by Images.relocateAll(the app root, ImageRelocation.registry("${MIRROR}"))`);
    });
  });
});

// valkeyMaxClients reaches the Valkey's ExternalRedis, whose limit Harbor's Redis budget shares (lib/harbor/redis-budget.ts);
// a limit too small is refused naming the setting, and only that refusal is renamed
// Harbor creates library public (goharbor/harbor v2.15.1 make/migrations/postgresql/0001_initial_schema.up.sql:81,
// :120); the program declares it (Harbor.declareLibrary), private unless publicLibrary
describe('DigitalOcean: Harbor\'s library (publicLibrary)', () => {
  test('declared private by default, public when set; no pod the program renders pulls from it', () => {
    const library = (extra: object) => harborConfig(synth('digitalocean', (app) => digitalOceanCharts(app, { ...CHARTS, ...extra })).objects)
      .projects.find((p: any) => p.name === 'library');
    // its storage quota is left as Harbor keeps it (storageLimit null): one set by hand stays
    expect(library({})).toEqual({ name: 'library', public: false, registry: null, storageLimit: null, metadata: {} });
    expect(library({ publicLibrary: true })).toMatchObject({ name: 'library', public: true });
    expect(library({ publicLibrary: false }).public).toBe(false);
    const stack = synth('digitalocean', (app) => digitalOceanCharts(app, CHARTS));
    expect(imagesOf(stack.objects).filter((i) => i.startsWith('harbor.example.com/library/'))).toEqual([]);
  });
});

describe('DigitalOcean: the managed Valkey\'s maxclients (valkeyMaxClients)', () => {
  const harborOf = (chart: Chart) => chart.node.findAll().find((c): c is Harbor => c instanceof Harbor)!;

  test('sizes Harbor\'s Redis pools from it; unset, as before', () => {
    expect(harborOf(digitalOceanCharts(new App(), CHARTS)).redisPools).toEqual({ redis: undefined, registryCache: undefined });
    // the example's one replica each: 4 kept free, (5 + 31 + 5) x 2 fixed, 10 pools (test/harbor/redis-budget.test.ts)
    expect(harborOf(digitalOceanCharts(new App(), { ...CHARTS, valkeyMaxClients: 1000 })).redisPools).toEqual({ redis: 91, registryCache: 91 });
  });

  test('refuses a limit too small as the setting, and leaves Harbor\'s other refusals as they are', () => {
    // the value quoted as the setting's text, and this program's remedy: nothing of ExternalRedis, replicas or jobWorkers,
    // which a Pulumi user never writes
    const message = thrown(() => digitalOceanCharts(new App(), { ...CHARTS, valkeyMaxClients: 100 })).message;
    expect(message).toMatch(/^invalid valkeyMaxClients "100": must keep 4 connections free .* be at least 126; set it to the maxclients the managed Valkey's INFO clients prints, /);
    expect(message).not.toMatch(/ExternalRedis|maxClients|replicas|jobWorkers/);
    // as the README quotes it (DigitalOcean, the managed Valkey)
    const quoted = readmeQuotes('invalid valkeyMaxClients "100":');
    expect(quoted.length).toBeGreaterThan(0);
    for (const q of quoted) expect([q, quotes(q, message)]).toEqual([q, true]);
    expect(() => digitalOceanCharts(new App(), { ...CHARTS, valkeyMaxClients: 100, postgresConnectionLimit: 4 }))
      .toThrow(/^invalid database\.connectionLimit 3: /);
  });
});

describe('DigitalOcean: a self-hosted forge at a private address and one that refuses anonymous clones', () => {
  test.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('%s: every build namespace reaches the forge on its port; the server clones public repositories with the login', (engine) => {
    const objects = synth('digitalocean', (app) => digitalOceanCharts(app, {
      ...CHARTS, ciEngine: engine, gitProvider: GitProviderKind.GITLAB, gitServer: 'https://code.acme.dev:8443',
      gitServerEgress: { cidrs: ['10.110.0.9/32'], port: 8443 }, authenticatePublicRepos: true,
      // Drone takes it only with a clone login (DroneServerProps.authenticatePublicRepos), Woodpecker refuses one
      ...(engine === CiEngineKind.DRONE ? { cloneUser: 'acme-ci' } : {}),
    })).objects;
    const buildPolicies = objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.policyTypes.includes('Egress') && /-builds$/.test(o.metadata.name));
    expect(buildPolicies.length).toBeGreaterThan(0);
    for (const policy of buildPolicies) {
      expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.110.0.9/32' } }], ports: [{ port: 8443, protocol: 'TCP' }] });
    }
    const server = find(objects, 'Deployment', engine);
    const env = Object.fromEntries(server.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env[engine === CiEngineKind.DRONE ? 'DRONE_GIT_ALWAYS_AUTH' : 'WOODPECKER_AUTHENTICATE_PUBLIC_REPOS']).toBe('true');
  });
});
