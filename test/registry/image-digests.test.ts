// Images.pinDigests over whole stacks: every image a pod pulls, a build step runs or a pipeline names comes through
// the one hook (Images.resolve), so with requireAll a stack synthesizes only if each is pinned. The kubelet's runtime
// pulls a reference with a tag and a digest by the digest alone: containerd v2.3.4 core/remotes/docker/resolver.go:248-262
// (`refspec.Digest()` set: it fetches manifests/<digest>, the tag unused).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { defaultStack } from '../../apps/default/stack';
import { CiEngineKind, Image, ImageDigests, ImageRelocation, Images, LocalSecretStore, Postgres, synthesize } from '../../lib';
import { synth, testChart, thrown } from '../util';
import { imagesOf } from './images-of';
import { capture, defaults, dockyardImages, scratchDir, synthApp, warnings } from './synth-app';

const MIRROR = 'mirror.example.com/airgap';
/** A digest of its own for each reference. */
const digestOf = (reference: string) => `sha256:${createHash('sha256').update(reference).digest('hex')}`;
const lock = (references: readonly string[]) => ImageDigests.of(Object.fromEntries(references.map((r) => [r, digestOf(r)])));

/**
 * What stays by tag whatever is pinned: Trivy's vulnerability databases, rebuilt every few hours under it, and Drone's
 * placeholder, which its runner tells by the image its container status reports (lib/drone/runner.ts).
 */
const byTagOnly = (reference: string) => reference.includes('/aquasec/trivy-') || reference.includes('/drone/placeholder:');

describe.each([CiEngineKind.DRONE, CiEngineKind.WOODPECKER])('Images.pinDigests with requireAll over the default stack on %s', (ci) => {
  // every image as the stack names it, before any relocation: what a mirror's pairs list as sources
  const all = imagesOf(synthApp((app) => {
    defaultStack(app, defaults({ ci }));
    Images.relocateAll(app, ImageRelocation.upstream());
  }).docs);
  const sources = all.filter((r) => !byTagOnly(r));
  // the whole list, as the README's recipe makes it: a line for an image pulled by tag is no stale line
  const byTag = imagesOf(synthApp((app) => defaultStack(app, defaults({ ci }))).docs);
  // as DOCKYARD_IMAGE_DIGESTS pins them: the stack's imageDigests, with requireAll
  const pinned = synthApp((app) => defaultStack(app, defaults({ ci, imageDigests: lock(all) })));
  const mirrored = synthApp((app) => {
    defaultStack(app, defaults({ ci }));
    Images.relocateAll(app, ImageRelocation.registry(MIRROR));
    Images.pinDigests(app, lock(all), { requireAll: true });
  });

  test('every image, the pipelines\' and build pods\' included, is pulled at its digest through the proxy cache, and nothing warns', () => {
    expect(sources.length).toBeGreaterThan(10);
    const images = imagesOf(pinned.docs);
    // the same images, each at a digest, the databases (and Drone's placeholder) by tag
    expect(images.map((i) => i.replace(/@sha256:[a-f0-9]{64}$/, '')).sort()).toEqual(byTag);
    expect(images.filter((i) => !i.includes('@'))).toEqual(byTag.filter(byTagOnly));
    expect(images.filter((i) => !i.includes('@')).length).toBe(all.filter(byTagOnly).length);
    // each digest is its source's: every one of the lock's but those by tag, and no other
    expect([...new Set(images.filter((i) => i.includes('@')).map((i) => i.replace(/^.*@/, '')))].sort()).toEqual(sources.map(digestOf).sort());
    expect(warnings(pinned.stderr)).toEqual([]);
  });

  test('through a mirror each image is its copy at its source\'s digest; the pairs copy the source at its digest to the destination\'s tag', () => {
    const at = (r: string) => (byTagOnly(r) ? '' : `@${digestOf(r)}`);
    expect(imagesOf(mirrored.docs)).toEqual(all.map((r) => `${Image.of(r).withRegistry(MIRROR).reference}${at(r)}`).sort());
    const listed = dockyardImages(['--pairs', mirrored.outdir]);
    expect(listed.status).toBe(0);
    const pairs = listed.stdout.trimEnd().split('\n').map((l) => l.split(' '));
    // a pinned source without its tag, which skopeo refuses beside a digest (crane takes either)
    const source = (r: string) => (byTagOnly(r) ? r : `${Image.of(r).registry}/${Image.of(r).repository}${at(r)}`);
    expect(pairs.map(([s]) => s).sort()).toEqual(all.map(source).sort());
    const destinations = new Map(all.map((r) => [source(r), Image.of(r).withRegistry(MIRROR).reference]));
    for (const [s, destination] of pairs) {
      expect(destination).toBe(destinations.get(s));
    }
  });

  test('an image the digests leave out fails the synth, naming it and what to add, and writes nothing', () => {
    const missing = sources.find((r) => r.includes('/postgres:'))!;
    const root = scratchDir();
    const outdir = path.join(root, 'dist');
    const error = thrown(() => capture(() => {
      const app = new App({ outdir });
      defaultStack(app, defaults({ ci, imageDigests: lock(sources.filter((r) => r !== missing)) }));
      synthesize(app, new LocalSecretStore({ statePath: path.join(root, 'state.json') }));
    }));
    const quoted = missing.replace(/[.]/g, '\\.');
    expect(error.message).toMatch(new RegExp(`^invalid image ${quoted} for [^ ]+: it has no digest in the image digests pinned on the app root ` +
      `with requireAll; add a line "${quoted} sha256:…" \\(\`crane digest ${quoted}\`\\)$`));
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('Images.pinDigests', () => {
  const POSTGRES = Postgres.IMAGE.reference;

  test('pins only the images it names, leaves an image with a digest of its own alone, and the nearest scope\'s digests apply', () => {
    const chart = testChart('data');
    const own = `${POSTGRES}@${digestOf('own')}`;
    new Postgres(chart, 'Pg', { image: Image.of(own) });
    const other = testChart('other');
    new Postgres(other, 'Pg');
    Images.pinDigests(chart.node.root, lock([POSTGRES]));
    Images.pinDigests(other, ImageDigests.of({ [POSTGRES]: digestOf('nearest') }));
    // the server keeps its own; the reconciler Job's psql, the default image, is pinned
    expect(imagesOf(synth(chart)).filter((i) => i.includes('/postgres:'))).toEqual([own, `${POSTGRES}@${digestOf(POSTGRES)}`].sort());
    expect(imagesOf(synth(other)).filter((i) => i.includes('/postgres:'))).toEqual([`${POSTGRES}@${digestOf('nearest')}`]);
  });

  test('with requireAll, an image with a digest of its own keeps it; a check\'s look (_peek) sees the pinned digest', () => {
    const chart = testChart('data');
    const own = `${POSTGRES}@${digestOf('own')}`;
    new Postgres(chart, 'Pg', { image: Image.of(own) });
    // the lock names the reconciler's psql image only: the server's own digest needs no line
    Images.pinDigests(chart.node.root, lock([POSTGRES]), { requireAll: true });
    expect(imagesOf(synth(chart)).filter((i) => i.includes('/postgres:'))).toEqual([own, `${POSTGRES}@${digestOf(POSTGRES)}`].sort());
    expect(Images._peek(chart, Image.of(POSTGRES)).reference).toBe(`${POSTGRES}@${digestOf(POSTGRES)}`);
    expect(Images._peek(chart, Image.of(own)).reference).toBe(own);
  });

  test('synth warns of digests nothing pulls, once, naming them; a check\'s look at an image is no use of its digest', () => {
    const stale = 'docker.io/library/postgres:15.1';
    const synthesized = synthApp((app) => {
      defaultStack(app, defaults());
      Images.pinDigests(app, ImageDigests.of({ [stale]: digestOf(stale) }));
      expect(Images._peek(app, Image.of(stale)).digest).toBe(digestOf(stale));
    });
    expect(warnings(synthesized.stderr)).toEqual([`dockyard: warning: image digests pinned on the app root name 1 image nothing below it pulls: ${stale}; ` +
      'remove them (an older version\'s images?), or check their references against `dockyard-images`']);
  });
});
