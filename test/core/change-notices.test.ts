import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Lazy } from 'cdk8s';
import { DockyardChart, Image, ImageRelocation, Images, LocalSecretStore, OutputFile, SecretFile, SecretValue, synthesize } from '../../lib';
import { kube } from '../../lib/core/k8s';
import { stderrOf, thrown } from '../util';

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * Synths into one output directory from one state, each with the given file content, the secret file's value rotated
 * where `rotate` says; returns each synth's stderr.
 */
function synths(...runs: { content: string; rotate?: boolean }[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-notices-'));
  made.push(dir);
  return runs.map(({ content, rotate }) => {
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
    new OutputFile(chart, 'Node', { path: 'nodes/a.yaml', content: () => content, onChange: 'copy it to every node' });
    new OutputFile(chart, 'Quiet', { path: 'nodes/b.yaml', content: () => content });
    new SecretFile(chart, 'Login', { path: 'nodes/a.local.yaml', value: SecretValue.alphanumeric(24), onChange: 'install it on every node' });
    const store = new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate: rotate ? ['file:nodes/a.local.yaml'] : [] });
    let secret = '';
    const stderr = stderrOf(() => {
      synthesize(app, store);
      secret = fs.readFileSync(path.join(dir, 'dist', 'nodes', 'a.local.yaml'), 'utf8');
    });
    return stderr + (stderr.includes(secret) ? '\nTHE SECRET WAS PRINTED' : '');
  });
}

describe('OutputFile and SecretFile onChange', () => {
  test('a first synth announces nothing; the same content again nothing; a change names the file and what to do, never the content', () => {
    const [first, same, changed, rotated] = synths({ content: 'one' }, { content: 'one' }, { content: 'two' }, { content: 'two', rotate: true });
    expect(first).not.toMatch(/changed|is new/);
    expect(same).not.toMatch(/changed|is new/);
    const notices = (stderr: string) => stderr.split('\n').filter((l) => /changed|is new|SECRET/.test(l));
    expect(notices(changed)).toEqual([expect.stringMatching(/^dockyard: .*dist\/nodes\/a\.yaml changed: copy it to every node$/)]);
    // a rotated secret file is announced, its content never printed
    expect(notices(rotated)).toEqual([expect.stringMatching(/^dockyard: .*dist\/nodes\/a\.local\.yaml changed: install it on every node$/)]);
    // a file without a note changes silently
    expect(changed).not.toContain('b.yaml');
  });

  // an upgrade trial: a release that changed the containerd login file's header told every upgrade to restart
  // containerd on every node
  test('a change of comment lines only says so, and that there is nothing to do', () => {
    const [, comments, both] = synths({ content: '# header one\nkey: 1\n' }, { content: '# header two\n  # more\nkey: 1\n' },
      { content: '# header two\nkey: 2\n' });
    const notices = (stderr: string) => stderr.split('\n').filter((l) => /changed|is new/.test(l));
    expect(notices(comments)).toEqual([expect.stringMatching(/^dockyard: .*dist\/nodes\/a\.yaml changed in its comment lines \(#\) only: nothing to do$/)]);
    expect(notices(both)).toEqual([expect.stringMatching(/^dockyard: .*dist\/nodes\/a\.yaml changed: copy it to every node$/)]);
  });

  // an upgrade trial: a release that relocated two more images (Trivy's databases) left the mirror without them, and
  // nothing said to copy the new pairs before applying
  test('with a mirror, a change of images.pairs.txt says to copy the images it lists that the mirror lacks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-notices-'));
    made.push(dir);
    const synth = (images: string[]) => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
      images.forEach((image, i) => kube(chart, `D${i}`, 'ConfigMap', { metadata: { name: `c${i}` }, data: { image: Lazy.any({ produce: () => Images.resolve(chart, Image.of(image)).reference }) } }));
      // a file the mark lists with its note beside it: images.pairs.txt, which the mark never lists, is still compared
      new OutputFile(chart, 'Node', { path: 'nodes/a.yaml', content: () => 'a', onChange: 'copy it to every node' });
      Images.relocateAll(app, ImageRelocation.registry('mirror.example.com/airgap'));
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    };
    expect(synth(['nginx:1.27.3'])).not.toMatch(/images\.pairs\.txt/);
    expect(synth(['nginx:1.27.3'])).not.toMatch(/images\.pairs\.txt/);
    expect(synth(['nginx:1.27.3', 'redis:7.4']).split('\n').filter((l) => l.includes('images.pairs.txt'))).toEqual([
      expect.stringMatching(/^dockyard: .*dist\/images\.pairs\.txt changed: copy the images it lists that the mirror lacks \(dockyard-images --pairs\) before applying$/),
    ]);
  });

  // a mirror taken out of NodeMirrorFiles left its hosts.toml on the nodes, where containerd kept reading it, and the
  // synth that dropped it from the output said nothing
  test('a file with a note that a synth no longer writes is named, with where its copy went; one without a note is not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-notices-'));
    made.push(dir);
    const synth = (files: string[]) => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
      files.forEach((f) => new OutputFile(chart, f, { path: `nodes/${f}.yaml`, content: () => f, onChange: `copy it to /etc/${f}.yaml on every node` }));
      new OutputFile(chart, 'Quiet', { path: `nodes/quiet-${files.length}.yaml`, content: () => 'q' });
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    };
    expect(synth(['a', 'b'])).not.toMatch(/no longer written/);
    const gone = synth(['a']).split('\n').filter((l) => /no longer written/.test(l));
    expect(gone).toEqual([expect.stringMatching(
      /^dockyard: .*dist\/nodes\/b\.yaml is no longer written: remove the copy made of it \(it said: copy it to \/etc\/b\.yaml on every node\), or what reads it there keeps reading it$/)]);
    // once: the next synth's previous output lists it no more
    expect(synth(['a'])).not.toMatch(/no longer written/);
  });

  // a note need not name a place ('copy it to every node', OutputFile's own example): a file that was copied with the
  // same note beside the one gone is a copy of its own, so the gone one's copy is still to be removed, not 'replaced'
  test('a file gone beside another with the same note, both copied before, is named to be removed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-notices-'));
    made.push(dir);
    const synth = (files: string[]) => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
      files.forEach((f) => new OutputFile(chart, f, { path: `nodes/${f}.yaml`, content: () => f, onChange: 'copy it to every node' }));
      return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    };
    synth(['a', 'b']);
    expect(synth(['a']).split('\n').filter((l) => /no longer written/.test(l))).toEqual([expect.stringMatching(
      /^dockyard: .*dist\/nodes\/b\.yaml is no longer written: remove the copy made of it \(it said: copy it to every node\), or what reads it there keeps reading it$/)]);
  });

  test('a first synth into an empty directory made for it announces nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-notices-'));
    made.push(dir);
    fs.mkdirSync(path.join(dir, 'dist'));
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'platform', { namespace: 'platform' });
    new OutputFile(chart, 'Node', { path: 'nodes/a.yaml', content: () => 'one', onChange: 'copy it to every node' });
    expect(stderrOf(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))).not.toMatch(/is new|changed/);
  });

  test('refuses a note that is not one short line', () => {
    const chart = new DockyardChart(new App(), 'c');
    for (const bad of ['', 'two\nlines', 'x'.repeat(301)]) {
      expect(thrown(() => new OutputFile(chart, `F${bad.length}`, { path: 'a.txt', content: () => '', onChange: bad })).message)
        .toMatch(/^invalid onChange .*: must be one line of at most 300 characters saying what to do with the changed file/);
    }
    expect(thrown(() => new SecretFile(chart, 'S', { path: 'a.local.txt', value: SecretValue.alphanumeric(16), onChange: ' ' })).message)
      .toMatch(/^invalid onChange " ": must be one line/);
  });
});
