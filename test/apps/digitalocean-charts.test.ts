import { createHash } from 'crypto';
import { App, Chart } from 'cdk8s';
import { digitalOceanCharts, DOCR_TOKEN_INPUT } from '../../apps/digitalocean/charts';
import { DIGITALOCEAN_EXAMPLE } from '../../apps/digitalocean/config';
import { CiEngineKind, Image, ImageDigests, ImageRelocation, Images } from '../../lib';
import { imagesOf } from '../registry/images-of';
import { synthStack } from '../stacks';
import { find, stderrOf } from '../util';

const MIRROR = 'mirror.example.com/airgap';
const CHARTS = { ...DIGITALOCEAN_EXAMPLE, postgresConnectionLimit: 22 };

/** The DigitalOcean charts, synthesized with their generated Secrets, the DOCR token given as its input. */
function synth(name: string, build: (app: App) => Chart) {
  const saved = process.env[DOCR_TOKEN_INPUT];
  process.env[DOCR_TOKEN_INPUT] = 'dop_v1_docr';
  try {
    let stack!: ReturnType<typeof synthStack>;
    stderrOf(() => { stack = synthStack(name, build); });
    return stack;
  } finally {
    if (saved === undefined) delete process.env[DOCR_TOKEN_INPUT];
    else process.env[DOCR_TOKEN_INPUT] = saved;
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
          ? { 'dockyard/harbor-pull': ['harbor.example.com', 'registry.digitalocean.com'], 'dockyard/harbor-push': ['harbor.example.com'] } : {}),
      });
      expect(pullingWith(stack.objects, 'registry-credentials')).toEqual(['dockyard', 'dockyard-builds']);
      expect(pullingWith(stack.objects, 'docr-credentials')).toEqual(['dockyard-builds']);
      expect(find(stack.objects, 'ServiceAccount', 'default', 'dockyard-builds').imagePullSecrets)
        .toEqual([{ name: 'docr-credentials' }, { name: 'registry-credentials' }]);
    });

    test('Harbor proxies Docker Hub, and its puller robot may pull only through it', () => {
      const config = harborConfig(stack.objects);
      expect(config.projects.map((p: any) => `${p.name}:${p.registry}:${p.public}`)).toEqual(['dockerhub:dockerhub:false']);
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
      expect([config.registries, config.projects]).toEqual([[], []]);
      expect(config.robots.map((r: any) => r.name)).toEqual(engine === CiEngineKind.DRONE ? ['drone'] : []);
      expect(loginsOf(stack.secrets)).toEqual(engine === CiEngineKind.DRONE ? { 'dockyard/harbor-push': ['harbor.example.com'] } : {});
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
        ...(engine === CiEngineKind.DRONE ? { 'dockyard/harbor-pull': ['registry.digitalocean.com'], 'dockyard/harbor-push': ['harbor.example.com'] } : {}),
      });
      expect(pullingWith(stack.objects, 'docr-credentials')).toEqual(['dockyard-builds']);
      expect(pullingWith(stack.objects, 'registry-credentials')).toEqual([]);
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
