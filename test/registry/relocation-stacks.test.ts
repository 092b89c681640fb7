import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Image, LocalSecretStore, synthesize } from '../../lib';
import { EXAMPLE_STACKS } from '../stacks';
import { imagesOf } from './images-of';

const MIRROR = 'mirror.example.com/airgap';
const ROOT = path.resolve(__dirname, '../..');

/** Every image the written output names: pod containers, the images build pods run, and pipeline steps. */
function imagesIn(outdir: string): string[] {
  const files = (fs.readdirSync(outdir, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f) && !f.includes('.local.'));
  const docs = files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS()));
  return imagesOf(docs);
}

describe.each(EXAMPLE_STACKS)('image relocation of the $name stack', ({ build }) => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-airgap-'));
  const app = new App({ outdir });
  build(app, MIRROR);
  synthesize(app, new LocalSecretStore({ statePath: path.join(outdir, '..', `${path.basename(outdir)}.json`) }));
  const images = imagesIn(outdir);

  test('points every image at the mirror, keeping paths and tags', () => {
    expect(images.length).toBeGreaterThan(5);
    expect(images.filter((i) => !i.startsWith(`${MIRROR}/`))).toEqual([]);
    expect(images).toContain(`${MIRROR}/goharbor/harbor-core:v2.15.1`);
  });

  test('dockyard-images lists exactly the images of the manifests', () => {
    const listed = spawnSync(process.execPath, [path.join(ROOT, 'bin/dockyard-images.js'), outdir], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual(images);
  });

  test('dockyard-images --pairs pairs every image with the original it was relocated from', () => {
    const listed = spawnSync(process.execPath, [path.join(ROOT, 'bin/dockyard-images.js'), '--pairs', outdir], { encoding: 'utf8' });
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    const pairs = listed.stdout.trim().split('\n').map((line) => line.split(' '));
    expect(pairs.map(([, destination]) => destination).sort()).toEqual(images);
    for (const [source, destination] of pairs) {
      expect(Image.of(source).registry).not.toBe(MIRROR.split('/')[0]);
      expect(destination).toBe(Image.of(source).withRegistry(MIRROR).reference);
    }
  });
});
