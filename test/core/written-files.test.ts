import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { chartList, previousOutputOf } from '../../lib/core/previous-output';
import { fileList, filesOfMark, unlistedEntries } from '../../lib/core/written-files';

// The mark of a synth's output directory lists the files it wrote, for the next synth to refuse anything put there
// since (lib/core/synth.ts checkOutputDirectory): the list must read back exactly, whatever a path holds.
describe('the mark\'s list of files', () => {
  test('reads back any paths exactly, sorted, with text after it and before it', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), fc.string(), (files, after) => {
      const mark = `Written by Dockyard's synth\n${fileList(files)}${after}`;
      expect(filesOfMark(mark)).toEqual([...files].sort());
    }));
  });

  test('a mark without the list (an earlier version\'s) lists nothing; a line edited into no string is left out', () => {
    expect(filesOfMark(undefined)).toBeUndefined();
    expect(filesOfMark('Written by Dockyard\'s synth, which replaces this whole directory every time it runs: keep nothing else here.\n')).toBeUndefined();
    const mark = fileList(['a.txt', 'b.txt']).replace('"b.txt"', 'b.txt');
    expect(filesOfMark(mark)).toEqual(['a.txt']);
  });
});

describe('unlistedEntries', () => {
  test('names what the list does not account for: files, a folder alone, an empty folder, a link', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-written-'));
    try {
      for (const f of ['a.k8s.yaml', 'nodes/x/hosts.toml', 'nodes/extra.txt', 'mine/one.yaml', 'mine/two/three.yaml']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), '');
      }
      fs.mkdirSync(path.join(dir, 'nodes', 'empty'));
      // what macOS Finder leaves in a folder it shows is nothing to keep
      fs.writeFileSync(path.join(dir, '.DS_Store'), '');
      fs.writeFileSync(path.join(dir, 'nodes', '.DS_Store'), '');
      fs.symlinkSync(path.join(dir, 'nodes'), path.join(dir, 'link'));
      expect(unlistedEntries(dir, ['a.k8s.yaml', 'nodes/x/hosts.toml'])).toEqual(['link', 'mine', 'nodes/empty', 'nodes/extra.txt']);
      // a listed path that is a folder on disk is something else than the file written there
      expect(unlistedEntries(dir, ['a.k8s.yaml', 'nodes/x/hosts.toml', 'nodes/extra.txt', 'mine', 'link', 'nodes/empty'])).toEqual(['mine', 'nodes/empty']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// third review: the previous output's charts were read from its top-level `*.k8s.yaml` files, so a user's OutputFile
// named like one, or a nested chart's manifest, could name another stack's chart on a shared state
describe('the mark\'s list of charts', () => {
  test('names the app\'s own charts only, whatever files look like manifests', () => {
    const app = new App();
    const platform = new Chart(app, 'platform');
    new Chart(platform, 'nested');
    new Chart(app, 'teams');
    const mark = `${fileList(['platform.k8s.yaml', 'nested.k8s.yaml', 'other.k8s.yaml', 'teams.k8s.yaml'])}${chartList(app)}`;
    expect([...previousOutputOf(mark).charts]).toEqual(['platform', 'teams']);
    // a mark without the list names no chart
    expect([...previousOutputOf(fileList(['platform.k8s.yaml'])).charts]).toEqual([]);
  });
});
