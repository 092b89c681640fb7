import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { Image, ImageRelocation, Images, LocalSecretStore, Postgres, synthesize } from '../../lib';
import { container, find, synth, testChart } from '../util';
import { imagesOf } from './images-of';
import { capture, defaults, dockyardImages, scratchDir, synthApp, warnings } from './synth-app';

const MIRROR = 'mirror.example.com/airgap';

describe('Images.relocateAll: one call relocates a whole stack', () => {
  const relocated = synthApp((app) => {
    defaultStack(app, defaults());
    Images.relocateAll(app, ImageRelocation.registry(MIRROR));
  });
  const original = synthApp((app) => {
    defaultStack(app, defaults());
    Images.relocateAll(app, ImageRelocation.upstream());
  });
  const images = imagesOf(relocated.docs);

  test('after defaultStack(), every image of the manifests, pipelines and build pods comes from the mirror, Harbor\'s included', () => {
    expect(images.length).toBeGreaterThan(15);
    expect(images.filter((i) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
    expect(images).toContain(`${MIRROR}/goharbor/harbor-core:v2.15.1`);
    const pipelines = relocated.docs.filter((d) => d.kind === 'pipeline');
    expect(pipelines.length).toBeGreaterThan(0);
    expect(pipelines.flatMap((p) => p.steps.map((s: any) => s.image)).filter((i: string) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
    const runner = find(relocated.docs.filter((d) => d.metadata), 'Deployment', 'drone-runner');
    const annotated = runner.metadata.annotations['dockyard.dev/images'].split(',');
    expect(annotated).toEqual([`${MIRROR}/drone/git:1.2.0`, `${MIRROR}/drone/placeholder:1`]);
    // overriding the stack's own relocations is what relocateAll is for: no warning
    expect(warnings(relocated.stderr)).toEqual([]);
  });

  test('the original images are those of the same stack relocated nowhere, Harbor\'s own on Docker Hub', () => {
    const originals = imagesOf(original.docs);
    expect(originals.length).toBe(images.length);
    // but Trivy's databases (the annotation of its StatefulSet), copied with them
    expect(originals.filter((i) => !i.startsWith('docker.io/'))).toEqual(['mirror.gcr.io/aquasec/trivy-db:2', 'mirror.gcr.io/aquasec/trivy-java-db:1']);
    expect(original.files).not.toContain('images.pairs.txt');
  });

  test('images.pairs.txt and dockyard-images --pairs list exactly the relocated images, source before destination', () => {
    const originals = imagesOf(original.docs);
    const listed = dockyardImages(['--pairs', relocated.outdir]);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    const pairs = listed.stdout.trimEnd().split('\n').map((l) => l.split(' '));
    expect(pairs.map(([source]) => source)).toEqual(originals);
    expect(pairs.map(([, destination]) => destination).sort()).toEqual(images);
    for (const [source, destination] of pairs) {
      expect(destination).toBe(Image.of(source).withRegistry(MIRROR).reference);
    }
    expect(fs.readFileSync(path.join(relocated.outdir, 'images.pairs.txt'), 'utf8')).toBe(listed.stdout);
    // the plain list is still the post-relocation references
    expect(dockyardImages([relocated.outdir]).stdout.trimEnd().split('\n')).toEqual(images);
  });

  test('Harbor\'s self-pull guard still refuses to pull Harbor through itself, whatever relocateAll says', () => {
    for (const relocation of [(h: string) => ImageRelocation.proxyCache(h, 'dockerhub'), (h: string) => ImageRelocation.registry(`${h}/mirror`)]) {
      const app = new App({ outdir: '/nonexistent' });
      const chart = defaultStack(app, defaults());
      Images.relocateAll(app, relocation('harbor.example.com'));
      expect(() => capture(() => chart.toJson())).toThrow(/Harbor at harbor\.example\.com (cannot pull its own images through itself|needs to start); .*\(Images\.relocateAll\(the app root, .*\) overrides any relocation below it\)/);
    }
  });
});

describe('relocations that another shadows or overwrites warn at synth', () => {
  test('a relocation set on the app after the stack relocated its chart warns, naming the scopes and both relocations', () => {
    const { stderr, docs } = synthApp((app) => {
      defaultStack(app, defaults());
      Images.relocate(app, ImageRelocation.registry(MIRROR));
    });
    expect(imagesOf(docs).some((i) => i.startsWith(`${MIRROR}/`))).toBe(false);
    const mirror = `Images.relocate(the app root, ImageRelocation.registry("${MIRROR}"))`;
    // one line per pair of relocations, naming the first image they disagree about
    const lines = warnings(stderr);
    expect(lines).toHaveLength(4);
    expect(lines).toContain(`dockyard: warning: image relocation ${mirror} is shadowed below "dockyard" by ` +
      'Images.relocate("dockyard", ImageRelocation.proxyCache("harbor.example.com", "dockerhub", "docker.io")) ' +
      `(e.g. docker.io/drone/drone:2.28.2 becomes harbor.example.com/dockerhub/drone/drone:2.28.2, not ${MIRROR}/drone/drone:2.28.2); ` +
      'use Images.relocateAll to override the relocations below a scope');
    for (const scope of ['dockyard/Harbor', 'dockyard/Postgres', 'dockyard/Redis']) {
      expect(lines.filter((l) => l.startsWith(`dockyard: warning: image relocation ${mirror} is shadowed below "${scope}" by ` +
        `Images.relocate("${scope}", ImageRelocation.upstream()) (e.g. docker.io/`))).toHaveLength(1);
    }
  });

  test('relocating the returned chart overwrites the stack\'s relocation and is shadowed by its exemptions: both warn', () => {
    const { stderr } = synthApp((app) => {
      const chart = defaultStack(app, defaults());
      Images.relocate(chart, ImageRelocation.registry(MIRROR));
    });
    const lines = warnings(stderr);
    expect(lines).toContain('dockyard: warning: image relocation Images.relocate("dockyard", ImageRelocation.proxyCache("harbor.example.com", ' +
      `"dockerhub", "docker.io")) is overwritten by Images.relocate("dockyard", ImageRelocation.registry("${MIRROR}")); ` +
      'only the last relocation set on a scope applies');
    expect(lines.filter((l) => l.includes('is shadowed below "dockyard/Harbor" by Images.relocate("dockyard/Harbor", ImageRelocation.upstream())'))).toHaveLength(1);
    expect(lines).toHaveLength(4);
  });

  test('of two relocateAll above an image the outermost wins, and the inner one warns', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    Images.relocateAll(chart, ImageRelocation.registry('inner.example.com/m'));
    Images.relocateAll(chart.node.root, ImageRelocation.registry(MIRROR));
    const { value: objects, stderr } = capture(() => synth(chart));
    expect(container(find(objects, 'StatefulSet', 'a')).image).toBe(`${MIRROR}/library/postgres:17.9-bookworm`);
    expect(warnings(stderr)).toEqual([expect.stringContaining('image relocation Images.relocateAll("test", ImageRelocation.registry("inner.example.com/m")) ' +
      `is shadowed below the app root by Images.relocateAll(the app root, ImageRelocation.registry("${MIRROR}"))`)]);
  });

  test('a relocation set after relocateAll, that relocateAll overrides, warns; agreeing or exempting relocations do not', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'A', { name: 'a' });
    Images.relocateAll(chart, ImageRelocation.registry(MIRROR));
    Images.relocate(db, ImageRelocation.upstream());
    expect(warnings(capture(() => synth(chart)).stderr)).toEqual([expect.stringContaining(
      'image relocation Images.relocate("test/A", ImageRelocation.upstream()) is shadowed below "test" by Images.relocateAll("test", ')]);

    const quiet = testChart();
    const other = new Postgres(quiet, 'A', { name: 'a' });
    Images.relocate(quiet, ImageRelocation.registry(MIRROR));
    new Postgres(quiet, 'B', { name: 'b' });
    Images.relocate(other, ImageRelocation.upstream());       // an exemption set after the relocation above: the design
    Images.relocate(quiet, ImageRelocation.registry(MIRROR)); // overwritten by the same relocation
    Images.relocate(quiet.node.root, ImageRelocation.registry(MIRROR));
    const { value: objects, stderr } = capture(() => synth(quiet));
    expect(container(find(objects, 'StatefulSet', 'a')).image).toBe(Postgres.IMAGE.reference);
    expect(container(find(objects, 'StatefulSet', 'b')).image).toBe(`${MIRROR}/library/postgres:17.9-bookworm`);
    // the app root's relocation, set last, agrees with the chart's about b, but not with a's exemption about a
    expect(warnings(stderr)).toEqual([`dockyard: warning: image relocation Images.relocate(the app root, ImageRelocation.registry("${MIRROR}")) ` +
      'is shadowed below "test/A" by Images.relocate("test/A", ImageRelocation.upstream()) (e.g. docker.io/library/postgres:17.9-bookworm ' +
      `becomes docker.io/library/postgres:17.9-bookworm, not ${MIRROR}/library/postgres:17.9-bookworm); ` +
      'use Images.relocateAll to override the relocations below a scope']);
  });

  test('the default stack on its own, with or without a mirror, warns about nothing', () => {
    expect(warnings(synthApp((app) => defaultStack(app, defaults())).stderr)).toEqual([]);
    expect(warnings(synthApp((app) => defaultStack(app, defaults({ imageMirror: MIRROR }))).stderr)).toEqual([]);
  });
});

describe('mirror mode of the default stack (DOCKYARD_IMAGE_MIRROR)', () => {
  const mirrored = synthApp((app) => defaultStack(app, defaults({ imageMirror: MIRROR })));
  // the state of the one configure Job, through the Job: its ConfigMap is named by its content
  const harborConfig = (docs: any[]) => {
    const objects = docs.filter((d) => d.metadata);
    const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('harbor-configure-'));
    expect(jobs).toHaveLength(1);
    return JSON.parse(find(objects, 'ConfigMap', jobs[0].spec.template.spec.volumes[0].projected.sources[1].configMap.name).data['config.json']);
  };

  test('declares no Docker Hub proxy cache and writes no node mirror files, only the pairs to copy', () => {
    const config = harborConfig(mirrored.docs);
    expect(config.registries).toEqual([]);
    expect(config.projects.map((p: any) => p.name)).toEqual(['apps']);
    expect(config.robots.find((r: any) => r.name === 'puller').permissions.map((p: any) => p.namespace)).toEqual(['apps']);
    expect(mirrored.files).toEqual(['.dockyard-output', 'dockyard.k8s.yaml', 'images.pairs.txt', 'pipelines/demo.drone.yml', 'secrets.local.yaml']);
    expect(mirrored.files.some((f) => f.includes('hosts.toml'))).toBe(false);
    expect(imagesOf(mirrored.docs).filter((i) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
    const pairs = dockyardImages(['--pairs', mirrored.outdir]).stdout.trimEnd().split('\n');
    expect(pairs.map((l) => l.split(' ')[1]).sort()).toEqual(imagesOf(mirrored.docs));
    // Trivy's databases, OCI artifacts no pod runs, are copied with the images (test/harbor/harbor.test.ts)
    expect(pairs).toEqual(expect.arrayContaining([
      `mirror.gcr.io/aquasec/trivy-db:2 ${MIRROR}/aquasec/trivy-db:2`, `mirror.gcr.io/aquasec/trivy-java-db:1 ${MIRROR}/aquasec/trivy-java-db:1`,
    ]));
  });

  test('Trivy downloads its databases from the mirror too: nothing of the stack reaches a public registry', () => {
    const trivy = find(mirrored.docs.filter((d) => d.metadata), 'StatefulSet', 'harbor-trivy');
    const env = Object.fromEntries(trivy.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.SCANNER_TRIVY_DB_REPOSITORY).toBe(`${MIRROR}/aquasec/trivy-db:2`);
    expect(env.SCANNER_TRIVY_JAVA_DB_REPOSITORY).toBe(`${MIRROR}/aquasec/trivy-java-db:1`);
  });

  test('the proxy mode still proxies Docker Hub and writes the node mirror files', () => {
    const proxied = synthApp((app) => defaultStack(app, defaults()));
    expect(harborConfig(proxied.docs).projects.map((p: any) => p.name)).toEqual(['dockerhub', 'apps']);
    expect(proxied.files).toContain('nodes/containerd/certs.d/docker.io/hosts.toml');
    expect(proxied.files).not.toContain('images.pairs.txt');
  });

  // containerd's CRI plugin logs in with `configs.<host>.auth` whenever the kubelet passes no credentials for the
  // pull (containerd/containerd v1.7.29, pkg/cri/server/image_pull.go lines 479-481: `if auth == nil &&
  // config.Auth != nil`; docs/cri/registry.md lines 123-125), so the node's login serves every pod on the node:
  // its robot may pull only through the proxy cache, never the platform's `apps` project
  test('the node mirror login is a robot of its own that may pull only the proxy-cache project', () => {
    const proxied = synthApp((app) => defaultStack(app, defaults()));
    const config = harborConfig(proxied.docs);
    const local = parseAllDocuments(fs.readFileSync(path.join(proxied.outdir, 'nodes/rke2/registries.local.yaml'), 'utf8'))[0].toJS();
    const username: string = local.configs['harbor.example.com'].auth.username;
    expect(username).toBe('robot$node-puller');
    const robot = config.robots.find((r: any) => `robot$${r.name}` === username);
    const proxyCaches = config.projects.filter((p: any) => p.registry !== null).map((p: any) => p.name);
    expect(proxyCaches).toEqual(['dockerhub']);
    expect(robot.permissions.map((p: any) => p.namespace)).toEqual(proxyCaches);
    expect(robot.permissions.flatMap((p: any) => p.access.map((a: any) => `${a.resource}:${a.action}`))).toEqual(['repository:pull']);
    // not the pods' login, which may pull `apps` too
    const pull = proxied.secrets.find((s) => s.metadata.name === 'registry-credentials');
    expect(JSON.parse(pull.stringData['.dockerconfigjson']).auths['harbor.example.com'].username).toBe('robot$puller');
    expect(config.robots.find((r: any) => r.name === 'puller').permissions.map((p: any) => p.namespace)).toEqual(['dockerhub', 'apps']);
    const nodeSecret = proxied.secrets.find((s) => s.metadata.name === 'harbor-robot-node-puller').stringData.secret;
    expect(local.configs['harbor.example.com'].auth.password).toBe(nodeSecret);
  });

  test('rotating the node robot\'s secret changes the node files\' login, and nothing of the pods\' logins', () => {
    const root = scratchDir();
    const outdir = path.join(root, 'dist');
    const synthOnce = (rotate: string[]) => capture(() => {
      const app = new App({ outdir });
      defaultStack(app, defaults());
      synthesize(app, new LocalSecretStore({ statePath: path.join(root, 'state.json'), rotate }));
    });
    const read = (f: string) => fs.readFileSync(path.join(outdir, f), 'utf8');
    synthOnce([]);
    const [nodes, containerd, secrets] = [read('nodes/rke2/registries.local.yaml'), read('nodes/containerd/certs.d/docker.io/hosts.toml'), read('secrets.local.yaml')];
    synthOnce(['harbor/harbor-robot-node-puller/secret']);
    expect(read('nodes/rke2/registries.local.yaml')).not.toBe(nodes);
    const password = (text: string) => parseAllDocuments(text)[0].toJS().configs['harbor.example.com'].auth.password;
    expect(password(read('nodes/rke2/registries.local.yaml'))).not.toBe(password(nodes));
    expect(read('nodes/containerd/certs.d/docker.io/hosts.toml')).toBe(containerd);
    const pullLogin = (text: string) => parseAllDocuments(text).map((d) => d.toJS()).find((d: any) => d?.metadata?.name === 'registry-credentials').stringData;
    expect(pullLogin(read('secrets.local.yaml'))).toEqual(pullLogin(secrets));
  });

  test('without DOCKYARD_IMAGE_MIRROR_USER the mirror is pulled anonymously: the pull secret holds Harbor only', () => {
    const pull = mirrored.secrets.find((s) => s.metadata.name === 'harbor-pull');
    expect(Object.keys(JSON.parse(pull.stringData['.dockerconfigjson']).auths)).toEqual(['harbor.example.com']);
  });

  test('a mirror login gets a pull secret of its own, for every pod pulling from the mirror, and joins the pipelines\' image_pull_secrets', () => {
    const withLogin = synthApp((app) => defaultStack(app, defaults({ imageMirror: MIRROR, imageMirrorUser: 'mirror-bot' })),
      { DOCKYARD_IMAGE_MIRROR_PASSWORD: 'mirror-token-123' });
    const auths = (s: any, key: string) => JSON.parse(s.stringData[key]).auths;
    const expected = Buffer.from('mirror-bot:mirror-token-123').toString('base64');
    const pull = withLogin.secrets.find((s) => s.metadata.name === 'harbor-pull');
    expect(Object.keys(auths(pull, '.dockerconfigjson'))).toEqual(['harbor.example.com', 'mirror.example.com']);
    expect(auths(pull, '.dockerconfigjson')['mirror.example.com'].auth).toBe(expected);
    const listed = ['demo', 'dockyard', 'dockyard-builds', 'dockyard-deploy', 'dockyard-publish'];
    // the mirror's login apart from Harbor's: a pod pulling from the mirror never gets the platform's Harbor robot
    const mirror = withLogin.secrets.filter((s) => s.metadata.name === 'image-mirror-credentials');
    expect(mirror.map((s) => s.metadata.namespace).sort()).toEqual([...listed, 'harbor'].sort());
    for (const s of mirror) {
      expect(Object.keys(auths(s, '.dockerconfigjson'))).toEqual(['mirror.example.com']);
      expect(auths(s, '.dockerconfigjson')['mirror.example.com'].auth).toBe(expected);
    }
    // Harbor's puller robot (`apps`) only where pipelines push or deploy and the demo runs: not in the builds' pool
    const harbor = withLogin.secrets.filter((s) => s.metadata.name === 'registry-credentials');
    expect(harbor.map((s) => s.metadata.namespace).sort()).toEqual(['demo', 'dockyard-deploy', 'dockyard-publish']);
    for (const s of harbor) {
      expect(Object.keys(auths(s, '.dockerconfigjson'))).toEqual(['harbor.example.com']);
    }
    const pods = withLogin.docs.filter((d) => d.spec?.template?.spec).map((w) => w.spec.template.spec);
    expect(pods.length).toBeGreaterThan(5);
    for (const pod of pods) {
      expect(pod.imagePullSecrets).toEqual([{ name: 'image-mirror-credentials' }]);
    }
    // the listed namespaces' default accounts, and the deploy identity, pull with both; the builds' pool with the mirror's
    const accounts = withLogin.docs.filter((d) => d.kind === 'ServiceAccount' && d.imagePullSecrets);
    expect(accounts.map((a) => `${a.metadata.namespace}/${a.metadata.name}`).sort())
      .toEqual(['demo/default', 'dockyard-builds/default', 'dockyard-deploy/default', 'dockyard-deploy/deployer', 'dockyard-publish/default']);
    for (const a of accounts) {
      expect(a.imagePullSecrets.map((s: any) => s.name).sort())
        .toEqual(a.metadata.namespace === 'dockyard-builds' ? ['image-mirror-credentials'] : ['image-mirror-credentials', 'registry-credentials']);
    }
    for (const pipeline of withLogin.docs.filter((d) => d.kind === 'pipeline')) {
      expect(pipeline.image_pull_secrets).toEqual(['harbor_pull_dockerconfigjson']);
    }
    expect(withLogin.docs.filter((d) => d.kind === 'secret').map((d) => d.get.path)).toContain('harbor-pull');
  });

  test('DOCKYARD_IMAGE_MIRROR_USER is read only with a mirror, and must be a user name', () => {
    expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: MIRROR, DOCKYARD_IMAGE_MIRROR_USER: 'mirror-bot' }).imageMirrorUser).toBe('mirror-bot');
    expect(loadConfig({ DOCKYARD_IMAGE_MIRROR: MIRROR }).imageMirrorUser).toBeUndefined();
    const rule = 'must be a user name of at most 255 characters without ":", whitespace or control characters, and only with DOCKYARD_IMAGE_MIRROR set';
    expect(() => loadConfig({ DOCKYARD_IMAGE_MIRROR_USER: 'mirror-bot' }))
      .toThrow(`invalid DOCKYARD_IMAGE_MIRROR_USER "mirror-bot": DOCKYARD_IMAGE_MIRROR is not set, and the login is for the mirror; ${rule}`);
    expect(() => loadConfig({ DOCKYARD_IMAGE_MIRROR: MIRROR, DOCKYARD_IMAGE_MIRROR_USER: 'a:b' })).toThrow(`invalid DOCKYARD_IMAGE_MIRROR_USER "a:<redacted>": ${rule}`);
    // the user and the mirror's host are the password's owner in the key record (SecretValue.belongingTo): bounded
    expect(() => loadConfig({ DOCKYARD_IMAGE_MIRROR: MIRROR, DOCKYARD_IMAGE_MIRROR_USER: 'u'.repeat(256) })).toThrow(/^invalid DOCKYARD_IMAGE_MIRROR_USER "u+…" \(256 characters\): must be a user name of at most 255 characters/);
    const longest = synthApp((app) => defaultStack(app, defaults({ imageMirror: `${'h'.repeat(63)}.${'m'.repeat(63)}.example.com/m`, imageMirrorUser: 'u'.repeat(255) })),
      { DOCKYARD_IMAGE_MIRROR_PASSWORD: 'mirror-token-123' });
    expect(longest.files).toContain('images.pairs.txt');
  });
});
