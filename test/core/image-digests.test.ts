import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Image, ImageDigests, Images, Postgres } from '../../lib';
import { synth, testChart, thrown } from '../util';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

describe('ImageDigests', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-digests-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const f = path.join(dir, `digests-${Math.random().toString(36).slice(2)}.txt`);
    fs.writeFileSync(f, text);
    return f;
  };

  test('keys images as Image.of normalizes them: a bare Docker Hub name is its docker.io/library reference', () => {
    const digests = ImageDigests.of({ 'postgres:17.9-bookworm': D1, 'ghcr.io/acme/app:1.2.3': D2 });
    expect(digests.references).toEqual(['docker.io/library/postgres:17.9-bookworm', 'ghcr.io/acme/app:1.2.3']);
    expect(digests.digestOf(Image.of('docker.io/library/postgres:17.9-bookworm'))).toBe(D1);
    expect(digests.digestOf(Image.of('index.docker.io/library/postgres:17.9-bookworm'))).toBe(D1);
    expect(digests.digestOf(Image.of('postgres:17.9'))).toBeUndefined();
  });

  test('reads a file of "<reference> <digest>" lines, skipping comments and blank lines, CRLF and extra blanks too', () => {
    const digests = ImageDigests.fromFile(file(`# pinned 2026-12-04\n\ndocker.io/drone/drone:2.28.2 ${D1}\r\n  ghcr.io/acme/app:1.2.3\t${D2}  \n`));
    expect(digests.references).toEqual(['docker.io/drone/drone:2.28.2', 'ghcr.io/acme/app:1.2.3']);
    expect(digests.digestOf(Image.of('drone/drone:2.28.2'))).toBe(D1);
  });

  describe('refuses, in one line naming the prop or the file and line', () => {
    test.each([
      ['a reference without a tag', { [`docker.io/drone/drone@sha256:${'c'.repeat(64)}`]: D1 }, 'invalid digests "docker.io/drone/drone@sha256:ccccc'],
      ['a reference that is none', { 'Not An Image': D1 }, 'invalid digests "Not An Image": must be an image reference with a tag and without a digest'],
      // a key on Docker Hub's host with capitals, which Image.of refuses (8cef6ef), with Image.of's reason, not the general rule
      ['a reference on Docker Hub\'s host with capitals', { 'Docker.io/drone/drone:2.28.2': D1 }, 'invalid digests "Docker.io/drone/drone:2.28.2": must ' +
        'name Docker Hub\'s host in lower case, as in "docker.io/drone/drone:2.28.2": the kubelet and containerd read "Docker.io" as a registry of its own, not Docker Hub'],
      ['a digest that is not sha256 hex', { 'postgres:17': 'sha256:ABC' }, 'invalid digests {"postgres:17":"sha256:ABC"}: "sha256:ABC" must be a digest "sha256:" and 64 lower-case hex digits'],
      ['one image with two digests, spelled two ways', { 'postgres:17': D1, 'docker.io/library/postgres:17': D2 },
        `invalid digests "postgres:17": names "docker.io/library/postgres:17" twice, with two digests (${D2} and ${D1}): an image has one`],
    ])('%s', (_, digests, message) => {
      expect(thrown(() => ImageDigests.of(digests as Record<string, string>)).message.startsWith(message)).toBe(true);
    });

    test('a list rather than a map', () => {
      expect(thrown(() => ImageDigests.of(['postgres:17'] as unknown as Record<string, string>)).message)
        .toBe('invalid digests ["postgres:17"]: must map image references to digests, e.g. { "docker.io/drone/drone:2.28.2": "sha256:…" }');
    });

    test('a file line of one field, or three', () => {
      const f = file(`postgres:17 ${D1}\npostgres:16\n`);
      expect(thrown(() => ImageDigests.fromFile(f)).message).toBe(`invalid digests file "${f}" line 2 "postgres:16": must be "<reference> <digest>", ` +
        'e.g. "docker.io/drone/drone:2.28.2 sha256:…"');
      const g = file(`postgres:17 ${D1} extra\n`);
      expect(thrown(() => ImageDigests.fromFile(g)).message).toMatch(/^invalid digests file ".*" line 1 "postgres:17 sha256:a+ extra": must be "<reference> <digest>"/);
    });

    test('a file line with a bad digest, or a reference without a tag', () => {
      const f = file('postgres:17 md5:abc\n');
      expect(thrown(() => ImageDigests.fromFile(f)).message).toBe(`invalid digests file "${f}" line 1 "postgres:17 md5:abc": "md5:abc" must be a digest ` +
        '"sha256:" and 64 lower-case hex digits, as `crane digest` or `skopeo inspect --format {{.Digest}}` print it for the multi-platform image');
      const g = file(`postgres ${D1}\n`);
      expect(thrown(() => ImageDigests.fromFile(g)).message).toMatch(/^invalid digests file ".*" line 1 "postgres sha256:a+": must be an image reference with a tag/);
    });

    // a bad-input trial: DOCKYARD_IMAGE_DIGESTS=/dev/null, a readable file of no lines, refused the first image naming
    // neither the variable nor the file
    test('an image the file leaves out is refused naming the file and what it was given as', () => {
      const f = file('# no digests yet\n');
      const chart = testChart('data');
      new Postgres(chart, 'Pg');
      Images.pinDigests(chart.node.root, ImageDigests.fromFile(f, 'DOCKYARD_IMAGE_DIGESTS'), { requireAll: true });
      expect(thrown(() => synth(chart)).message).toBe(`invalid image ${Postgres.IMAGE.reference} for test/Pg: it has no digest in the image ` +
        `digests of DOCKYARD_IMAGE_DIGESTS "${f}" pinned on the app root with requireAll; add a line "${Postgres.IMAGE.reference} sha256:…" ` +
        `(\`crane digest ${Postgres.IMAGE.reference}\`)`);
    });

    test('a file that cannot be read', () => {
      const missing = path.join(dir, 'missing.txt');
      expect(thrown(() => ImageDigests.fromFile(missing)).message).toBe(`invalid digests file "${missing}": cannot be read (ENOENT): it must be a ` +
        'file of "<reference> <digest>" lines');
    });
  });
});
