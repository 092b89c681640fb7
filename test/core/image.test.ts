import { Construct } from 'constructs';
import { Image, ImageRelocation, Images } from '../../lib';
import { Postgres } from '../../lib';
import { container, find, synth, testChart } from '../util';

describe('Image', () => {
  test('normalises Docker Hub official images to docker.io/library', () => {
    const image = Image.of('postgres:17.9');
    expect(image.registry).toBe('docker.io');
    expect(image.repository).toBe('library/postgres');
    expect(image.reference).toBe('docker.io/library/postgres:17.9');
  });

  test('keeps registries, ports, tags and digests', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(Image.of('registry.example.com:5000/team/app:1.2.3').registry).toBe('registry.example.com:5000');
    expect(Image.of(`ghcr.io/org/app@${digest}`).reference).toBe(`ghcr.io/org/app@${digest}`);
    expect(Image.of(`ghcr.io/org/app:1.0@${digest}`).tag).toBe('1.0');
    expect(Image.of('drone/drone:2.28.2').reference).toBe('docker.io/drone/drone:2.28.2');
  });

  test('withTag and withRegistry derive new references', () => {
    const image = Image.of('docker.io/drone/drone:2.28.2');
    expect(image.withTag('2.24.0').reference).toBe('docker.io/drone/drone:2.24.0');
    expect(image.withRegistry('mirror.example.com/hub').reference).toBe('mirror.example.com/hub/drone/drone:2.28.2');
  });

  test('fails on unpinned or malformed references', () => {
    expect(() => Image.of('drone/drone')).toThrow('invalid image "docker.io/drone/drone": must be pinned to an explicit tag other than "latest" or to a digest');
    expect(() => Image.of('drone/drone:latest')).toThrow(/must be pinned/);
    expect(() => Image.of('Drone/Drone:1')).toThrow(/invalid image "Drone\/Drone:1": must be an image reference/);
  });
});

describe('Images.relocate', () => {
  test('rewrites the images of every construct below the scope at synth time, nearest scope winning', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    Images.relocate(chart, { relocate: (image) => image.withRegistry('mirror.example.com/hub') });
    const objects = synth(chart);
    expect(container(find(objects, 'StatefulSet', 'a')).image).toBe('mirror.example.com/hub/library/postgres:17.9-bookworm');
  });

  test('one image relocated to two mirrors in two subtrees is two pairs', () => {
    const chart = testChart();
    const one = new Construct(chart, 'One');
    const other = new Construct(chart, 'Other');
    new Postgres(one, 'A', { name: 'a' });
    new Postgres(other, 'B', { name: 'b' });
    Images.relocate(one, ImageRelocation.registry('a.example.com/m'));
    Images.relocate(other, ImageRelocation.registry('b.example.com/m'));
    synth(chart);
    expect(Images.relocatedPairs(chart)).toEqual([
      `${Postgres.IMAGE.reference} a.example.com/m/library/postgres:17.9-bookworm`,
      `${Postgres.IMAGE.reference} b.example.com/m/library/postgres:17.9-bookworm`,
    ]);
  });

  test('relocateAll overrides the relocations set before it at or below its scope; synth lists the images it mirrored', () => {
    const chart = testChart();
    const db = new Postgres(chart, 'A', { name: 'a' });
    Images.relocate(db, ImageRelocation.upstream());
    Images.relocateAll(chart, ImageRelocation.registry('mirror.example.com/hub'));
    expect(container(find(synth(chart), 'StatefulSet', 'a')).image).toBe('mirror.example.com/hub/library/postgres:17.9-bookworm');
    expect(Images.relocatedPairs(chart)).toContain(`${Postgres.IMAGE.reference} mirror.example.com/hub/library/postgres:17.9-bookworm`);
    // synthesize writes them to images.pairs.txt (lib/core/synth.ts) for any mirror relocation
    expect(Images.mirrored(chart)).toBe(true);
  });

  test('leaves images alone without a rewrite', () => {
    const chart = testChart();
    new Postgres(chart, 'A', { name: 'a' });
    expect(container(find(synth(chart), 'StatefulSet', 'a')).image).toBe(Postgres.IMAGE.reference);
  });
});
