import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DockyardChart, Images, LocalSecretStore, OutputFile, printRequiredSecrets, runSynth, Secret, SecretFile, SecretValue, synthesize } from '../../lib';
import { countIndirectInputs } from '../../lib/core/checksum';
import { kube } from '../../lib/core/k8s';
import { goneObjectList, goneObjects, goneStatefulSetsWarning, leftObjectsCommands, leftObjectsWarning, objectList } from '../../lib/core/left-objects';
import { stderrOf, tempDirs } from '../util';

/** When set, stands in for `fs.renameSync` (the module's own property cannot be spied on). */
let mockRename: ((from: fs.PathLike, to: fs.PathLike) => void) | undefined;
/** When set, stands in for `fs.rmSync`, likewise. */
let mockRm: ((target: fs.PathLike, options?: fs.RmOptions) => void) | undefined;
/** When set, stands in for `fs.mkdtempSync`, likewise. */
let mockMkdtemp: ((prefix: string) => string) | undefined;
/** When set, stands in for `fs.statSync`, likewise. */
let mockStat: ((target: fs.PathLike, options?: fs.StatSyncOptions) => fs.Stats | undefined) | undefined;
jest.mock('fs', () => {
  const actual = jest.requireActual('fs');
  return {
    ...actual,
    renameSync: (from: any, to: any) => (mockRename ?? actual.renameSync)(from, to),
    rmSync: (target: any, options: any) => (mockRm ?? actual.rmSync)(target, options),
    mkdtempSync: (prefix: any, options: any) => (mockMkdtemp ? mockMkdtemp(prefix) : actual.mkdtempSync(prefix, options)),
    statSync: (target: any, options: any) => (mockStat ?? actual.statSync)(target, options),
  };
});

// synthesize swaps its output in through two siblings of the output directory: `.<dir>.new-XXXXXX`, the staging
// folder it fills, and `.<dir>.old-XXXXXX`, where the previous output waits between the two renames

const workdir = tempDirs('dockyard-synth-');

/** An app writing to `outdir`: one ConfigMap holding `note`, and one generated Secret. */
function build(outdir: string, note = 'one'): App {
  const app = new App({ outdir });
  const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
  kube(chart, 'C', 'ConfigMap', { metadata: { name: 'settings' }, data: { note } });
  new Secret(chart, 'Db', { name: 'db', values: { password: SecretValue.alphanumeric(32) } });
  return app;
}

function synthInto(outdir: string, statePath: string, note?: string): string[] {
  let written: string[] = [];
  stderrOf(() => { written = synthesize(build(outdir, note), new LocalSecretStore({ statePath })); });
  return written;
}

/** A work directory with one synth done into its `dist`, from its `state.json`. */
function synthedOnce(): { dir: string; outdir: string; statePath: string } {
  const dir = workdir();
  const outdir = path.join(dir, 'dist');
  const statePath = path.join(dir, 'state.json');
  synthInto(outdir, statePath);
  return { dir, outdir, statePath };
}

/** `build`'s app with an `OutputFile` (content `<id>\n`), or a `SecretFile` for a `.local.` path, per entry, by construct ID. */
function withFiles(outdir: string, files: Record<string, string>): App {
  const app = build(outdir);
  const chart = app.charts[0];
  for (const [id, file] of Object.entries(files)) {
    if (file.includes('.local.')) {
      new SecretFile(chart, id, { path: file, value: SecretValue.alphanumeric(16) });
    } else {
      new OutputFile(chart, id, { path: file, content: () => `${id}\n` });
    }
  }
  return app;
}

/** Every file below `dir`, by its path there, with its content. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe('synthesize: the staging folders', () => {
  test('an output directory below a folder whose name holds ".new-" is written', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'site.new-ui', 'dist');
    const written = synthInto(outdir, path.join(dir, 'state.json'));
    expect(written).toEqual([path.join(outdir, 'test.k8s.yaml'), path.join(outdir, 'secrets.local.yaml')]);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
    // a second synth swaps the previous output out beside it, in the same folder, and removes it
    synthInto(outdir, path.join(dir, 'state.json'), 'two');
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    expect(fs.readdirSync(path.join(dir, 'site.new-ui'))).toEqual(['dist']);
    expect(fs.readdirSync(dir).sort()).toEqual(['site.new-ui', 'state.json', 'state.lock.json']);
  });

  test('a staging folder an interrupted synth left is removed, secrets and all; other folders are not', () => {
    const { dir, outdir, statePath } = synthedOnce();
    // a synth killed while writing: its half-filled staging folder, with the generated Secrets
    const stale = path.join(dir, '.dist.new-Ab3xYz');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'secrets.local.yaml'), 'kind: Secret\n', { mode: 0o600 });
    // not a staging folder of this output directory: another's, and one of another shape
    fs.mkdirSync(path.join(dir, '.dist2.new-Ab3xYz'));
    fs.mkdirSync(path.join(dir, '.dist.new-keep-me'));
    synthInto(outdir, statePath, 'two');
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.new-keep-me', '.dist2.new-Ab3xYz', 'dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  test('a previous output beside the directory that is no synth\'s is kept, with a warning; a synth\'s is removed', () => {
    const { dir, outdir, statePath } = synthedOnce();
    // an earlier version, killed while it removed a folder of sources it had replaced
    const foreign = path.join(dir, '.dist.old-Src123');
    fs.mkdirSync(path.join(foreign, 'src'), { recursive: true });
    fs.writeFileSync(path.join(foreign, 'package.json'), '{}');
    const synths = path.join(dir, '.dist.old-Syn123');
    fs.cpSync(outdir, synths, { recursive: true });
    const stderr = stderrOf(() => synthesize(build(outdir, 'two'), new LocalSecretStore({ statePath })));
    expect(stderr).toContain(`dockyard: warning: kept "${foreign}", which an interrupted synth left beside the output: it holds no synth's ` +
      'output (no .dockyard-output, no generated Secrets), so it is not removed; delete it once you have looked at it');
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.old-Src123', 'dist', 'state.json', 'state.lock.json']);
    expect(fs.readdirSync(foreign).sort()).toEqual(['package.json', 'src']);
  });

  test('a synth interrupted between the renames: the previous output is put back first, and then replaced', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const previous = fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8');
    // killed after moving the output aside, before moving the staging folder in; an older leftover beside it
    fs.renameSync(outdir, path.join(dir, '.dist.old-Qw12er'));
    fs.mkdirSync(path.join(dir, '.dist.old-Zz99zz'));
    fs.writeFileSync(path.join(dir, '.dist.old-Zz99zz', 'test.k8s.yaml'), 'stale\n');
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dir, '.dist.old-Zz99zz'), past, past);
    fs.mkdirSync(path.join(dir, '.dist.new-Qw12er'));

    // a synth that fails while rendering touches nothing: the leftovers are cleared when an output is written
    const app = build(outdir, 'two');
    const chart = app.node.findChild('test') as DockyardChart;
    kube(chart, 'B', 'ConfigMap', { metadata: { name: 'big' }, data: { x: 'x'.repeat(1024 * 1024) } });
    expect(() => stderrOf(() => synthesize(app, new LocalSecretStore({ statePath })))).toThrow(/^invalid ConfigMap platform\/big/);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.new-Qw12er', '.dist.old-Qw12er', '.dist.old-Zz99zz', 'state.json', 'state.lock.json']);

    synthInto(outdir, statePath, 'two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    // the kept password is the previous output's
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toBe(previous);
  });

  test('the newest previous output is the one put back', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.renameSync(outdir, path.join(dir, '.dist.old-Newest'));
    fs.mkdirSync(path.join(dir, '.dist.old-Oldest'));
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dir, '.dist.old-Oldest'), past, past);
    // a synth whose swap fails after the recovery: the output it recovered stays, and the older one is gone
    const renameSync = jest.requireActual('fs').renameSync;
    mockRename = (from, to) => {
      if (String(from).includes('.dist.new-')) throw new Error('interrupted');
      renameSync(from, to);
    };
    try {
      expect(() => synthInto(outdir, statePath, 'two')).toThrow('interrupted');
    } finally {
      mockRename = undefined;
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
  });

  test('a synth killed after the swap, before removing the previous output: the next removes it and keeps its own', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.mkdirSync(path.join(dir, '.dist.old-Ab3xYz'));
    fs.writeFileSync(path.join(dir, '.dist.old-Ab3xYz', 'test.k8s.yaml'), 'previous\n');
    synthInto(outdir, statePath, 'two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  // a bad-input trial: an output directory an earlier `sudo npm run synth` wrote, which the user may rename but not
  // empty, failed the synth after it had swapped the new output in and saved the state, and every synth after it
  test('a previous output that cannot be removed is warned of, once the new output and the state are saved, and removed later', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const rmSync = jest.requireActual('fs').rmSync;
    const denied = Object.assign(new Error('EACCES: permission denied, unlink'), { code: 'EACCES' });
    mockRm = (target, options) => {
      if (String(target).includes('.dist.old-')) throw denied;
      rmSync(target, options);
    };
    let written: string[] = [];
    const warnings = (note: string) => stderrOf(() => { written = synthesize(build(outdir, note), new LocalSecretStore({ statePath })); });
    try {
      const first = warnings('two');
      const left = fs.readdirSync(dir).filter((n) => n.startsWith('.dist.old-'));
      expect(left).toHaveLength(1);
      expect(first).toBe(`dockyard: warning: the previous output could not be removed from "${path.join(dir, left[0])}" (EACCES), which still ` +
        'holds its Secrets: remove it as the user who owns its files (an earlier synth run as another user?); the output is written\n');
      expect(written).toContain(path.join(outdir, 'test.k8s.yaml'));
      expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
      // the next synth is not stopped by it either: the same warning, for each folder it cannot remove
      const next = warnings('three').split('\n').filter((l) => l.startsWith('dockyard: warning: the previous output could not be removed'));
      expect(next).toHaveLength(2);
      // the earlier folder is tried before the new output is made, which may yet fail: only the later says it is written
      expect(next.filter((l) => l.endsWith('; the output is written'))).toHaveLength(1);
      expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: three');
    } finally {
      mockRm = undefined;
    }
    expect(warnings('four')).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
  });

  // a bad-input trial: with an output directory in a folder owned by another user, the synth saved a rotation, then
  // failed on mkdtemp with the system's bare error
  test('an output directory in a folder it may not write is refused before the state is saved', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const state = fs.readFileSync(statePath);
    const record = fs.readFileSync(path.join(dir, 'state.lock.json'));
    const mkdtempSync = jest.requireActual('fs').mkdtempSync;
    // the folder refuses what the synth makes there (stood in for: this runs as root too, whom no mode stops; the
    // test after this one makes a folder refuse it for real)
    mockMkdtemp = (prefix) => {
      if (path.dirname(prefix) === dir) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      return mkdtempSync(prefix);
    };
    try {
      expect(() => synthesize(build(outdir, 'two'), new LocalSecretStore({ statePath, rotate: ['platform/db/password'] })))
        .toThrow(new Error(`invalid output directory "${outdir}": its folder "${dir}" cannot be written (EACCES), where each synth makes the new ` +
          'output beside the old one before swapping it in; synthesize into a directory in a folder you can write (CDK8S_OUTDIR, or new App({ outdir }))'));
      // a folder not made yet is judged by the nearest that is
      expect(() => synthesize(build(path.join(dir, 'a', 'b', 'dist')), new LocalSecretStore({ statePath })))
        .toThrow(`its folder "${dir}" cannot be written (EACCES)`);
    } finally {
      mockMkdtemp = undefined;
    }
    expect(fs.readFileSync(statePath)).toEqual(state);
    expect(fs.readFileSync(path.join(dir, 'state.lock.json'))).toEqual(record);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
  });

  // a review's find: as root, CDK8S_OUTDIR=/proc/x passed the access() check (root passes every mode), then the synth
  // saved the state and failed with a bare "ENOENT: ... mkdtemp" naming no CDK8S_OUTDIR. The folder is now probed as
  // the synth uses it (mkdtemp there, removed at once). Not stood in for: as root, /proc makes no directory (Linux
  // fs/proc/root.c proc_root_inode_operations has no mkdir); as another user, a folder of mode 0555 refuses one
  test('an output directory in a folder that makes no directory is refused in one line naming CDK8S_OUTDIR, before the state is saved', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const state = fs.readFileSync(statePath);
    const root = process.getuid?.() === 0;
    if (root && !fs.existsSync('/proc/self')) throw new Error('running as root without /proc: no folder here refuses root a directory');
    const folder = root ? '/proc' : path.join(dir, 'read-only');
    if (!root) fs.mkdirSync(folder, { mode: 0o555 });
    const target = path.join(folder, 'x');
    // /proc holds a directory per process, which come and go with the other test workers: only what is not a
    // process's is compared (a probe or an output would be a name of the synth's, never all digits)
    const entries = () => fs.readdirSync(folder).filter((e) => !(root && /^[0-9]+$/.test(e)));
    const before = entries();
    const code = root ? 'ENOENT' : 'EACCES';
    // as cdk8s reads it: App's outdir defaults to CDK8S_OUTDIR
    const saved = process.env.CDK8S_OUTDIR;
    process.env.CDK8S_OUTDIR = target;
    try {
      // build's app, with its Secret to rotate, and no outdir of its own
      const app = build(undefined as unknown as string, 'two');
      expect(app.outdir).toBe(target);
      expect(() => synthesize(app, new LocalSecretStore({ statePath, rotate: ['platform/db/password'] })))
        .toThrow(new Error(`invalid output directory "${target}": its folder "${folder}" cannot be written (${code}), where each synth makes the ` +
          'new output beside the old one before swapping it in; synthesize into a directory in a folder you can write (CDK8S_OUTDIR, or new App({ outdir }))'));
    } finally {
      if (saved === undefined) delete process.env.CDK8S_OUTDIR; else process.env.CDK8S_OUTDIR = saved;
    }
    // nothing saved, nothing made, the previous output kept
    expect(fs.readFileSync(statePath)).toEqual(state);
    expect(entries()).toEqual(before);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
    // and a folder that takes a directory leaves no probe behind
    synthInto(outdir, statePath, 'two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', ...(root ? [] : ['read-only']), 'state.json', 'state.lock.json']);
  });

  // review RV4: a synth killed (Ctrl-C) between making the folder's probe and removing it left the probe beside the
  // output for good, as nothing cleared a ".probe-" folder. It is named as a staging folder now, which the next synth
  // removes as it removes the staging folder of a synth killed while writing
  test('a probe left by a synth killed between making and removing it is removed by the next synth', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const mkdtempSync = jest.requireActual('fs').mkdtempSync;
    // the first folder a synth makes is the probe: made for real, then the synth dies before removing it
    mockMkdtemp = (prefix) => {
      mkdtempSync(prefix);
      mockMkdtemp = undefined;
      throw Object.assign(new Error('killed'), { code: 'EINTR' });
    };
    try {
      expect(() => synthInto(outdir, statePath, 'two')).toThrow();
    } finally {
      mockMkdtemp = undefined;
    }
    expect(fs.readdirSync(dir)).toHaveLength(4);
    synthInto(outdir, statePath, 'two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  // stop 44's note: an output directory of another user's in a sticky folder (/tmp) passed the folder's access check,
  // then the swap's rename failed with EPERM after the state was saved. Linux lets only an entry's owner, or the
  // folder's, rename it out of a sticky folder (torvalds/linux v6.12 fs/namei.c may_delete -> check_sticky ->
  // __check_sticky: fsuid owns the inode or the dir, or CAP_FOWNER)
  test('an output directory of another user in a sticky folder is refused before the state is saved', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const state = fs.readFileSync(statePath);
    fs.chmodSync(dir, 0o1777);
    const owner = fs.statSync(outdir).uid;
    const getuid = jest.spyOn(process, 'getuid').mockReturnValue(owner + 4242);
    try {
      expect(() => synthesize(build(outdir, 'two'), new LocalSecretStore({ statePath, rotate: ['platform/db/password'] })))
        .toThrow(new Error(`invalid output directory "${outdir}": it belongs to user ${owner}, and its folder "${dir}" has the sticky bit (as ` +
          `/tmp does), so this synth, as user ${owner + 4242}, may not move it aside to swap the new output in; remove it as its owner, or ` +
          'synthesize into a directory of your own (CDK8S_OUTDIR, or new App({ outdir }))'));
      // the folder its own, or the output: sticky or not, it may move it. The owner is stood in for (`fs.statSync`)
      // rather than changed (chown needs root), so that either half of the rule, dropped, fails as any CI user
      const actualStat = jest.requireActual('fs').statSync;
      const ownedBy = (target: string, uid: number) => (p: fs.PathLike, o?: fs.StatSyncOptions) => {
        const stat = actualStat(p, o);
        return p === target ? Object.assign(Object.create(Object.getPrototypeOf(stat)), stat, { uid }) : stat;
      };
      try {
        mockStat = ownedBy(dir, owner + 4242);
        synthesize(build(outdir, 'two'), new LocalSecretStore({ statePath }));
        expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
        mockStat = ownedBy(outdir, owner + 4242);
        synthesize(build(outdir, 'four'), new LocalSecretStore({ statePath }));
        expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: four');
      } finally {
        mockStat = undefined;
      }
      // not sticky: the folder's write access suffices, and the synth writes
      fs.chmodSync(dir, 0o777);
      synthesize(build(outdir, 'three'), new LocalSecretStore({ statePath }));
    } finally {
      getuid.mockRestore();
    }
    expect(fs.readFileSync(statePath)).toEqual(state);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: three');
  });

  // the kernel's rule itself, where this test may act as another user
  (process.getuid?.() === 0 ? test : test.skip)('Linux refuses another user the rename out of a sticky folder that the check foresees', () => {
    const dir = workdir();
    fs.chmodSync(dir, 0o1777);
    fs.mkdirSync(path.join(dir, 'dist'), { mode: 0o777 });
    fs.chmodSync(path.join(dir, 'dist'), 0o777);
    const mv = spawnSync('runuser', ['-u', 'nobody', '--', 'mv', path.join(dir, 'dist'), path.join(dir, '.dist.old')], { encoding: 'utf8' });
    expect(mv.stderr).toContain('Operation not permitted');
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(true);
  });

  test('when neither the swap nor putting the previous output back works, the previous output is kept beside', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const renameSync = jest.requireActual('fs').renameSync;
    mockRename = (from, to) => {
      if (String(from).includes('.dist.new-') || String(from).includes('.dist.old-')) throw new Error('EIO');
      renameSync(from, to);
    };
    try {
      expect(() => synthInto(outdir, statePath, 'two')).toThrow(/^EIO; the previous output could not be put back either and is kept in ".*\.dist\.old-\w{6}" \(the next synth puts it back if ".*dist" is missing, and otherwise removes it: copy it out first if you need it\)$/);
    } finally {
      mockRename = undefined;
    }
    const kept = fs.readdirSync(dir).filter((n) => n.startsWith('.dist.old-'));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, kept[0], 'test.k8s.yaml'), 'utf8')).toContain('note: one');
    // the next synth puts it back, then swaps
    synthInto(outdir, statePath, 'three');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: three');
  });

  test('a dangling output link whose folder is a link is followed from the real folder, and through a link to a link', () => {
    const dir = workdir();
    // proj -> real/proj, and proj/dist -> ../gitops, which is real/gitops
    fs.mkdirSync(path.join(dir, 'real', 'proj'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'real', 'gitops'));
    fs.symlinkSync(path.join(dir, 'real', 'proj'), path.join(dir, 'proj'));
    fs.symlinkSync(path.join('..', 'gitops'), path.join(dir, 'proj', 'dist'));
    // and a link to that link
    fs.symlinkSync(path.join(dir, 'proj', 'dist'), path.join(dir, 'out'));
    const statePath = path.join(dir, 'state.json');
    synthInto(path.join(dir, 'proj', 'dist'), statePath);
    fs.renameSync(path.join(dir, 'real', 'gitops'), path.join(dir, 'real', '.gitops.old-Ab3xYz'));
    synthInto(path.join(dir, 'out'), statePath, 'two');
    expect(fs.readFileSync(path.join(dir, 'real', 'gitops', 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    expect(fs.readdirSync(path.join(dir, 'real')).sort()).toEqual(['gitops', 'proj']);
    expect(fs.readdirSync(dir).sort()).toEqual(['out', 'proj', 'real', 'state.json', 'state.lock.json']);
  });

  test('an output path whose links form a loop fails in one line, before any state is saved', () => {
    const dir = workdir();
    fs.symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    const outdir = path.join(dir, 'a');
    expect(() => synthInto(outdir, path.join(dir, 'state.json'))).toThrow(
      `invalid output directory ${JSON.stringify(outdir)}: its symbolic links form a loop (more than 40 to follow); point it at a directory, or at nothing`);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  test('an output path below a folder whose links form a loop fails in one line, before any state is saved', () => {
    const dir = workdir();
    fs.symlinkSync(path.join(dir, 'l2'), path.join(dir, 'l1'));
    fs.symlinkSync(path.join(dir, 'l1'), path.join(dir, 'l2'));
    const outdir = path.join(dir, 'l1', 'dist');
    expect(() => synthInto(outdir, path.join(dir, 'state.json'))).toThrow(
      `invalid output directory ${JSON.stringify(outdir)}: ${JSON.stringify(outdir)} cannot be read (ELOOP); point it at a directory you can write, or at nothing`);
    expect(fs.readdirSync(dir).sort()).toEqual(['l1', 'l2']);
  });

  test('an output path that is a file, or a link to one, fails in one line, and the file stays', () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    fs.symlinkSync(path.join(dir, 'notes.txt'), path.join(dir, 'dist'));
    for (const outdir of [path.join(dir, 'notes.txt'), path.join(dir, 'dist')]) {
      expect(() => synthInto(outdir, path.join(dir, 'state.json'))).toThrow(
        `invalid output directory ${JSON.stringify(outdir)}: ${JSON.stringify(path.join(dir, 'notes.txt'))} is not a directory; point it at a directory, or at nothing`);
    }
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'notes.txt']);
  });

  test('an output link left dangling by an interrupted swap gets its target back, and stays a link', () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'gitops'));
    const link = path.join(dir, 'dist');
    fs.symlinkSync(path.join(dir, 'gitops'), link);
    const statePath = path.join(dir, 'state.json');
    synthInto(link, statePath);
    fs.renameSync(path.join(dir, 'gitops'), path.join(dir, '.gitops.old-Ab3xYz'));
    synthInto(link, statePath, 'two');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'gitops', 'test.k8s.yaml'), 'utf8')).toContain('note: two');
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'gitops', 'state.json', 'state.lock.json']);
  });
});

describe('synthesize: one file per path', () => {
  /** `build`'s app, its chart holding an `OutputFile` or a `SecretFile` at each of `files`, by id. */
  test.each<[string, Record<string, string>, string]>([
    ['two output files', { A: 'nodes/a.txt', B: 'nodes/a.txt' },
      'invalid path "nodes/a.txt": two files would be written there (test/A and test/B); give one another path or a directory of its own'],
    ['two output files, one spelled with "./" and "//"', { A: 'nodes/a.txt', B: './nodes//a.txt' },
      'invalid path "./nodes//a.txt": two files would be written there (test/A and test/B); give one another path or a directory of its own'],
    ['two secret files', { A: 'nodes/a.local.yaml', B: 'nodes/a.local.yaml' },
      'invalid path "nodes/a.local.yaml": two files would be written there (test/A and test/B); give one another path or a directory of its own'],
    ['an output file over a chart\'s manifest', { A: 'test.k8s.yaml' },
      'invalid path "test.k8s.yaml": synth writes the manifest of chart test there, which test/A would overwrite; give test/A another path'],
    ['a secret file over the generated Secrets', { A: 'secrets.local.yaml' },
      'invalid path "secrets.local.yaml": synth writes the generated Secrets there, which test/A would overwrite; give test/A another path'],
    ['a file where another needs a folder', { A: 'nodes', B: 'nodes/rke2/a.txt' },
      'invalid path "nodes/rke2/a.txt": test/B needs a folder "nodes" for it, where test/A would write a file; give one another path'],
    ['a file inside a chart\'s manifest', { A: 'test.k8s.yaml/a.txt' },
      'invalid path "test.k8s.yaml/a.txt": test/A needs a folder "test.k8s.yaml" for it, where the manifest of chart test would write a file; give one another path'],
  ])('refused before anything is saved or written: %s', (_, files, message) => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const app = withFiles(outdir, files);
    expect(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }))).toThrow(message);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('with a mirror relocation, a file over images.pairs.txt fails; without one, that path is free', () => {
    const dir = workdir();
    const mirrored = withFiles(path.join(dir, 'dist'), { A: 'images.pairs.txt' });
    Images.relocate(mirrored, { relocate: (image) => image.withRegistry('mirror.example.com'), mirror: true });
    expect(() => synthesize(mirrored, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }))).toThrow(
      'invalid path "images.pairs.txt": synth writes the list of images to mirror there, which test/A would overwrite; give test/A another path');
    expect(fs.readdirSync(dir)).toEqual([]);
    let written: string[] = [];
    stderrOf(() => { written = synthesize(withFiles(path.join(dir, 'dist'), { A: 'images.pairs.txt' }), new LocalSecretStore({ statePath: path.join(dir, 'state.json') })); });
    expect(written.map((f) => path.relative(path.join(dir, 'dist'), f))).toEqual(['test.k8s.yaml', 'images.pairs.txt', 'secrets.local.yaml']);
    expect(fs.readFileSync(path.join(dir, 'dist', 'images.pairs.txt'), 'utf8')).toBe('A\n');
  });

  test('a failing synth leaves the previous output and the secret state as they were', () => {
    const { dir, outdir, statePath } = synthedOnce();
    const output = contents(outdir);
    const state = fs.readFileSync(statePath, 'utf8');
    const app = withFiles(outdir, { A: 'nodes/a.txt', Key: 'nodes/key.local.txt', B: 'nodes/a.txt' });
    expect(() => synthesize(app, new LocalSecretStore({ statePath }))).toThrow('invalid path "nodes/a.txt": two files would be written there (test/A and test/B)');
    expect(contents(outdir)).toEqual(output);
    expect(Object.keys(output)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(fs.readFileSync(statePath, 'utf8')).toBe(state);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
  });

  test('files at distinct paths, one a folder\'s neighbour, are all written', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    stderrOf(() => synthesize(withFiles(outdir, { A: 'nodes/a.txt', B: 'nodes-a.txt', D: 'nodes/a.txt.d/b.txt', Key: 'nodes/a.local.txt' }),
      new LocalSecretStore({ statePath: path.join(dir, 'state.json') })));
    expect(Object.keys(contents(outdir))).toEqual(['.dockyard-output', 'nodes-a.txt', 'nodes/a.local.txt', 'nodes/a.txt', 'nodes/a.txt.d/b.txt', 'secrets.local.yaml', 'test.k8s.yaml']);
  });
});

// Every synth replaces its whole output directory (the swap above), so one pointed by mistake at a folder of sources
// would lose them: such a folder is refused before anything is saved, and a synth's own is known by its mark
describe('synthesize: an output directory that is not a synth\'s', () => {
  const tree = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

  test('a folder of sources is refused in one line, left as it was, and nothing is saved', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'project');
    fs.mkdirSync(path.join(outdir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'package.json'), '{}');
    fs.writeFileSync(path.join(outdir, 'src', 'a.ts'), 'export {};');
    fs.writeFileSync(path.join(outdir, 'dockyard.k8s.yaml'), 'old');
    // a file of that name is not a synth's unless it begins as a synth writes it
    fs.writeFileSync(path.join(outdir, 'secrets.local.yaml'), 'apiVersion: v1\n');
    const statePath = path.join(dir, 'state.json');
    expect(() => synthInto(outdir, statePath)).toThrow(`invalid output directory "${outdir}": it holds "package.json", "src", which this ` +
      'synth does not write, and no .dockyard-output marks it a synth\'s; every synth replaces the whole directory: synthesize into a ' +
      'directory of its own (CDK8S_OUTDIR, or new App({ outdir })), or empty this one first');
    expect(tree(outdir)).toEqual(['dockyard.k8s.yaml', 'package.json', 'secrets.local.yaml', 'src', path.join('src', 'a.ts')]);
    expect(fs.readdirSync(dir)).toEqual(['project']);
  });

  test('more than three such entries are counted, not all named', () => {
    const outdir = path.join(workdir(), 'out');
    fs.mkdirSync(outdir);
    ['a', 'b', 'c', 'd', 'e'].forEach((name) => fs.writeFileSync(path.join(outdir, name), ''));
    expect(() => synthInto(outdir, path.join(path.dirname(outdir), 'state.json'))).toThrow(/: it holds "a", "b", "c" and 2 more, which this synth does not write/);
  });

  test('a git repository is refused even in a synth\'s own directory', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.mkdirSync(path.join(outdir, '.git'));
    const state = fs.readFileSync(statePath, 'utf8');
    expect(() => synthInto(outdir, statePath, 'two')).toThrow(`invalid output directory "${outdir}": it holds a git repository (.git), which ` +
      'the synth would delete with the rest, as every synth replaces the whole directory; synthesize into a directory of its own ' +
      '(CDK8S_OUTDIR, or new App({ outdir })) and copy the output from there');
    expect(fs.existsSync(path.join(outdir, '.git'))).toBe(true);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: one');
    expect(fs.readFileSync(statePath, 'utf8')).toBe(state);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
  });

  test('a synth\'s own directory carries the mark, listing the files written, and is replaced whole', () => {
    const { outdir, statePath } = synthedOnce();
    expect(fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8')).toMatch(new RegExp('^Written by Dockyard\'s synth, which replaces this whole ' +
      'directory every time it runs: keep nothing else here.\nThe files it wrote, one a line \\(JSON strings, paths from this directory\\), for ' +
      'the next synth to compare:\n".dockyard-output"\n"secrets.local.yaml"\n"test.k8s.yaml"\nEnd of the files.\nThe charts it wrote, one a line ' +
      '\\(JSON strings of the IDs of the app\'s own charts\\):\n"test"\nEnd of the charts.\nThe objects it wrote'));
    synthInto(outdir, statePath, 'two');
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  // a kustomization.yaml or notes put into the output after a synth were deleted by the next one without a word
  test('a file put there since the last synth is refused in one line, naming it; nothing is saved or written', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.writeFileSync(path.join(outdir, 'kustomization.yaml'), 'resources: [test.k8s.yaml]\n');
    const state = fs.readFileSync(statePath, 'utf8');
    const output = contents(outdir);
    expect(() => synthInto(outdir, statePath, 'two')).toThrow(`invalid output directory "${outdir}": it holds "kustomization.yaml", which the ` +
      'last synth did not write and this one would delete, as every synth replaces the whole directory; move it out (keep files of your ' +
      'own beside the output directory, not in it), or delete it');
    expect(contents(outdir)).toEqual(output);
    expect(fs.readFileSync(statePath, 'utf8')).toBe(state);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
    // moved out, the synth passes
    fs.rmSync(path.join(outdir, 'kustomization.yaml'));
    synthInto(outdir, statePath, 'two');
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  test('a folder put there is named alone, a file in a synth\'s folder by its path, and a link without following it', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    stderrOf(() => synthesize(withFiles(outdir, { A: 'nodes/a.txt' }), new LocalSecretStore({ statePath })));
    fs.mkdirSync(path.join(outdir, 'overlays', 'prod'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'overlays', 'prod', 'patch.yaml'), '');
    fs.writeFileSync(path.join(outdir, 'nodes', 'README'), '');
    fs.symlinkSync(dir, path.join(outdir, 'up'));
    expect(() => stderrOf(() => synthesize(withFiles(outdir, { A: 'nodes/a.txt' }), new LocalSecretStore({ statePath }))))
      .toThrow(`invalid output directory "${outdir}": it holds "nodes/README", "overlays", "up", which the last synth did not write and this ` +
        'one would delete, as every synth replaces the whole directory; move them out');
    // an empty folder is something put there too
    fs.rmSync(path.join(outdir, 'overlays'), { recursive: true });
    fs.rmSync(path.join(outdir, 'nodes', 'README'));
    fs.rmSync(path.join(outdir, 'up'));
    fs.mkdirSync(path.join(outdir, 'nodes', 'spare'));
    expect(() => stderrOf(() => synthesize(withFiles(outdir, { A: 'nodes/a.txt' }), new LocalSecretStore({ statePath }))))
      .toThrow(/: it holds "nodes\/spare", which the last synth did not write/);
  });

  test('what this synth writes now, or the last one wrote, is no file put there', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const statePath = path.join(dir, 'state.json');
    stderrOf(() => synthesize(withFiles(outdir, { A: 'nodes/a.txt' }), new LocalSecretStore({ statePath })));
    // a file at a path the next synth writes (which replaces it), and the last one's file it no longer writes
    fs.writeFileSync(path.join(outdir, 'b.txt'), 'by hand');
    stderrOf(() => synthesize(withFiles(outdir, { B: 'b.txt' }), new LocalSecretStore({ statePath })));
    expect(tree(outdir)).toEqual(['.dockyard-output', 'b.txt', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'b.txt'), 'utf8')).toBe('B\n');
  });

  test('an output whose mark lists no files (an earlier version\'s) is replaced whole, as that version did', () => {
    const { outdir, statePath } = synthedOnce();
    fs.writeFileSync(path.join(outdir, '.dockyard-output'), 'Written by Dockyard\'s synth, which replaces this whole directory every time it runs: keep nothing else here.\n');
    fs.writeFileSync(path.join(outdir, 'notes.txt'), 'mine');
    synthInto(outdir, statePath, 'two');
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
  });

  test('the previous output an interrupted synth left beside a missing directory is checked for files put there too', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.writeFileSync(path.join(outdir, 'notes.txt'), 'mine');
    fs.renameSync(outdir, path.join(dir, '.dist.old-Ab3xYz'));
    expect(() => synthInto(outdir, statePath, 'two')).toThrow(`invalid output directory "${outdir}" (the previous output, which an interrupted ` +
      `synth left in "${path.join(dir, '.dist.old-Ab3xYz')}" and this one would put back): it holds "notes.txt", which the last synth did not write`);
    expect(fs.readdirSync(dir).sort()).toEqual(['.dist.old-Ab3xYz', 'state.json', 'state.lock.json']);
  });

  test('an output of a version before the mark is replaced, and marked: known by its generated Secrets\' first line', () => {
    const { outdir, statePath } = synthedOnce();
    fs.rmSync(path.join(outdir, '.dockyard-output'));
    // what the stack wrote then but not now (node files written only without a mirror, say)
    fs.mkdirSync(path.join(outdir, 'nodes'));
    fs.writeFileSync(path.join(outdir, 'nodes', 'registries.yaml'), 'mirrors: {}\n');
    expect(fs.readFileSync(path.join(outdir, 'secrets.local.yaml'), 'utf8')).toMatch(/^# Generated by Dockyard from /);
    synthInto(outdir, statePath, 'two');
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(fs.readFileSync(path.join(outdir, 'test.k8s.yaml'), 'utf8')).toContain('note: two');
  });

  test('an unmarked directory of manifests and image pairs only is replaced, and marked', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'other.k8s.yaml'), 'a chart since removed');
    fs.writeFileSync(path.join(outdir, 'images.pairs.txt'), '');
    synthInto(outdir, path.join(dir, 'state.json'));
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
  });

  test('the previous output an interrupted synth left beside a missing directory is checked, as it would be put back and replaced', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    // an earlier version replaced any directory: killed between its renames while replacing a folder of sources
    const kept = path.join(dir, '.dist.old-Ab3xYz');
    fs.mkdirSync(path.join(kept, 'src'), { recursive: true });
    fs.writeFileSync(path.join(kept, 'package.json'), '{}');
    expect(() => synthInto(outdir, path.join(dir, 'state.json'))).toThrow(`invalid output directory "${outdir}" (the previous output, which an ` +
      `interrupted synth left in "${kept}" and this one would put back): it holds "package.json", "src", which this synth does not write`);
    expect(fs.readdirSync(dir)).toEqual(['.dist.old-Ab3xYz']);
    expect(tree(kept)).toEqual(['package.json', 'src']);
    // a git repository there too
    fs.rmSync(path.join(kept, 'package.json'));
    fs.rmSync(path.join(kept, 'src'), { recursive: true });
    fs.mkdirSync(path.join(kept, '.git'));
    fs.writeFileSync(path.join(kept, '.dockyard-output'), '');
    expect(() => synthInto(outdir, path.join(dir, 'state.json'))).toThrow(/^invalid output directory ".*" \(the previous output, .*\): it holds a git repository/);
  });

  test('a synth\'s previous output left beside a missing directory, known by its generated Secrets, is put back and replaced', () => {
    const { dir, outdir, statePath } = synthedOnce();
    fs.rmSync(path.join(outdir, '.dockyard-output'));
    fs.writeFileSync(path.join(outdir, 'notes.txt'), 'put there by hand');
    fs.renameSync(outdir, path.join(dir, '.dist.old-Ab3xYz'));
    synthInto(outdir, statePath, 'two');
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
    expect(fs.readdirSync(dir).sort()).toEqual(['dist', 'state.json', 'state.lock.json']);
  });

  // second review: a new output directory a desktop had shown held only its .DS_Store, and was refused
  test('a desktop\'s own files are no foreign entries, marked or not', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, '.DS_Store'), '');
    synthInto(outdir, path.join(dir, 'state.json'));
    fs.writeFileSync(path.join(outdir, 'Thumbs.db'), '');
    synthInto(outdir, path.join(dir, 'state.json'), 'two');
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
  });

  test('an empty directory is written', () => {
    const outdir = path.join(workdir(), 'empty');
    fs.mkdirSync(outdir);
    synthInto(outdir, path.join(path.dirname(outdir), 'state.json'));
    expect(tree(outdir)).toEqual(['.dockyard-output', 'secrets.local.yaml', 'test.k8s.yaml']);
  });

  test('no OutputFile may take the mark\'s path', () => {
    const dir = workdir();
    const app = build(path.join(dir, 'dist'));
    new OutputFile(app.node.children[0] as DockyardChart, 'Mark', { path: '.dockyard-output', content: () => 'x' });
    expect(() => synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') })))
      .toThrow('invalid path ".dockyard-output": synth writes the mark of a synth\'s output directory there, which test/Mark would overwrite; give test/Mark another path');
  });
});

// kubectl apply creates and updates what the manifests hold and deletes nothing without --prune: an object a stack
// stops writing stays in the cluster (k8s.io/kubectl pkg/cmd/apply/apply.go deletes only in its prune step). Each
// synth lists its objects in the mark, and the next names those it no longer writes.
describe('synthesize: objects the previous output held that this one does not', () => {
  const synthWith = (outdir: string, statePath: string, extra: (chart: DockyardChart) => void): string => {
    const app = build(outdir);
    extra(app.node.children[0] as DockyardChart);
    return stderrOf(() => synthesize(app, new LocalSecretStore({ statePath })));
  };
  const role = (chart: DockyardChart, name: string) => kube(chart, `R-${name}`, 'Role', { metadata: { name, namespace: 'team-a' }, rules: [] });

  test('are named in one warning line, generated Secrets among them; a synth that drops nothing says nothing', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => {
      role(chart, 'team-members');
      new Secret(chart, 'Pull', { name: 'team-a-pull', namespace: 'team-a', values: { token: SecretValue.alphanumeric(16) } });
    });
    expect(fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8')).toContain('rbac.authorization.k8s.io\tRole\tteam-a\tteam-members\n');
    const stderr = synthWith(outdir, statePath, () => undefined);
    const mark = path.join(outdir, '.dockyard-output');
    expect(stderr.split('\n').filter((l) => l.includes('no longer writes'))).toEqual(['dockyard: warning: the previous output held 2 objects this ' +
      'synth no longer writes, which kubectl apply leaves in the cluster as they are: Role team-a/team-members, Secret team-a/team-a-pull; ' +
      `delete them once nothing needs them, with the kubectl delete commands below, which "${mark}" also lists until the next synth, or a GitOps tool's ` +
      'pruning (kubectl apply --prune leaves Roles unless --prune-allowlist names each, and the default kinds to prune too, as it replaces them; see the README, "Applying dist/ to a cluster")']);
    // the next line deletes each by name (kubectl v0.36.3 pkg/cmd/delete/delete.go:224 takes TYPE[.VERSION][.GROUP]/NAME)
    expect(stderr.split('\n')).toContain('dockyard: to delete them: kubectl delete --ignore-not-found -n team-a ' +
      'role.rbac.authorization.k8s.io/team-members secret/team-a-pull');
    // and the mark holds the same commands, before its own object list
    const text = fs.readFileSync(mark, 'utf8');
    expect(text).toContain('as the commands that delete them:\nkubectl delete --ignore-not-found -n team-a ' +
      'role.rbac.authorization.k8s.io/team-members secret/team-a-pull\nEnd of the objects no longer written.\n');
    expect(text.indexOf('End of the objects no longer written.')).toBeLessThan(text.indexOf('The objects it wrote'));
    expect(synthWith(outdir, statePath, () => undefined)).not.toContain('no longer writes');
    expect(fs.readFileSync(mark, 'utf8')).not.toContain('no longer written');
  });

  // kubectl v0.36.3 pkg/util/prune/prune.go:29-50: without --prune-allowlist, --prune deletes ConfigMaps, Secrets,
  // Services, workloads, Jobs, Ingresses, claims and Namespaces, and none of the RBAC, NetworkPolicies, quotas, limits
  // and disruption budgets a switch from Drone to Woodpecker leaves (README, CI engines, Switching); the warning names
  // the kinds among the objects gone that it leaves, each once, and with none such, that it needs --all or a selector
  // (pkg/cmd/apply/apply.go:435-437)
  test('say which of their kinds kubectl apply --prune would leave', () => {
    const note = (gone: string[]) => /\((kubectl apply --prune [^;]*);/.exec(leftObjectsWarning(gone, 'dist/.dockyard-output')!)![1];
    expect(note(['\tConfigMap\tdockyard\tpostgres-reconcile-745daad5', '\tServiceAccount\tdockyard\tdrone', 'apps\tDeployment\tdockyard\tdrone',
      'networking.k8s.io\tNetworkPolicy\tdockyard\tdrone', 'networking.k8s.io\tIngress\tdockyard\tdrone', 'rbac.authorization.k8s.io\tRole\tdockyard\tdrone-secrets',
      'policy\tPodDisruptionBudget\tdockyard\tdrone-secrets', 'rbac.authorization.k8s.io\tRole\tdockyard-builds\tdrone-runner',
      '\tLimitRange\tdockyard-builds\tdrone-runner-builds', '\tResourceQuota\tdockyard-builds\tdrone-runner-builds']))
      .toBe('kubectl apply --prune leaves ServiceAccounts, NetworkPolicies, Roles, PodDisruptionBudgets, LimitRanges, ResourceQuotas unless ' +
        '--prune-allowlist names each, and the default kinds to prune too, as it replaces them');
    // a kind of the allowlist in another group is no such kind
    expect(note(['example.com\tDeployment\tapps\tweb', 'apps\tDeployment\tapps\tweb'])).toBe('kubectl apply --prune leaves Deployments unless --prune-allowlist names ' +
      'each, and the default kinds to prune too, as it replaces them');
    expect(note(['\tConfigMap\tdockyard\tpostgres-reconcile-745daad5', 'batch\tJob\tdockyard\tpostgres-reconcile-745daad5', '\tNamespace\t\tteam-a']))
      .toBe('kubectl apply --prune deletes these kinds only with --all or a label selector');
  });

  // the warning names five; the mark the synth writes lists only what it writes, so this line is the one place
  // every object gone is named
  test('Namespaces alone get their command alone; nothing gone, no line', () => {
    const mark = objectList(['\tNamespace\t\tteam-a', '\tNamespace\t\tteam-b']);
    expect(leftObjectsCommands(goneObjects(mark, ['\tNamespace\t\tteam-b']))).toBe('to delete them, once nothing in them may stay (deleting a Namespace ' +
      'deletes everything in it, apps and volumes included): kubectl delete --ignore-not-found namespace/team-a');
    expect(leftObjectsCommands(goneObjects(mark, ['\tNamespace\t\tteam-a', '\tNamespace\t\tteam-b']))).toBeUndefined();
    expect(leftObjectsCommands(goneObjects(undefined, []))).toBeUndefined();
    // the mark's section puts them last too, after a line that says why
    expect(goneObjectList(goneObjects(mark, []))).toContain('\n# then, once nothing in them may stay (deleting a Namespace deletes everything in it, ' +
      'apps and volumes included):\nkubectl delete --ignore-not-found namespace/team-a namespace/team-b\nEnd of the objects no longer written.\n');
  });

  // a StatefulSet's claims outlive it (Kubernetes' default retention, Retain: kubernetes/website
  // content/en/docs/concepts/workloads/controllers/statefulset.md), so deleting an in-cluster PostgreSQL dropped for a
  // managed one keeps its data with no server to dump it from: the synth says to move it first
  test('a StatefulSet among them gets a warning of its own: move its data first; its claims stay', () => {
    const { outdir, statePath } = synthedOnce();
    const claims = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }];
    synthWith(outdir, statePath, (chart) => {
      kube(chart, 'Ss', 'StatefulSet', { metadata: { name: 'postgres', namespace: 'dockyard' }, spec: { volumeClaimTemplates: claims } as any });
      // one whose claims go with it (a Woodpecker route's agent, Harbor's Trivy), and one without claims: nothing to move
      kube(chart, 'Agent', 'StatefulSet', { metadata: { name: 'woodpecker-agent', namespace: 'dockyard' },
        spec: { volumeClaimTemplates: claims, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } } as any });
      kube(chart, 'Bare', 'StatefulSet', { metadata: { name: 'bare', namespace: 'dockyard' }, spec: {} as any });
      role(chart, 'kept');
    });
    const lines = synthWith(outdir, statePath, () => undefined).split('\n');
    expect(lines.filter((l) => l.includes('among them'))).toEqual(['dockyard: warning: StatefulSet dockyard/postgres is among them: move what it ' +
      'holds before deleting (an in-cluster PostgreSQL\'s databases: dump them and restore them into the new server, see the README, "Moving from ' +
      'the in-cluster Postgres to a managed one"), as a deleted StatefulSet leaves its volume claims and their data but no server to read them: ' +
      'delete the claims (kubectl -n dockyard get pvc) once the data may go']);
    // all three are among the objects gone, with their delete commands
    const commands = lines.join('\n');
    ['bare', 'postgres', 'woodpecker-agent'].forEach((name) => expect(commands).toContain(`statefulset.apps/${name}`));
    // after the warning of every object gone and its commands
    expect(lines.findIndex((l) => l.includes('among them'))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('dockyard: to delete them')));
    // nothing else gone, or no StatefulSet among them: no such line
    expect(goneStatefulSetsWarning(goneObjects(objectList(['rbac.authorization.k8s.io\tRole\tteam-a\tr']), []))).toBeUndefined();
    // without the previous output to read, each is named
    expect(goneStatefulSetsWarning(goneObjects(objectList(['apps\tStatefulSet\ta\tx', 'apps\tStatefulSet\tb\ty']), []))).toBe(
      'warning: StatefulSet a/x, StatefulSet b/y are among them: move what they hold before deleting (an in-cluster PostgreSQL\'s databases: dump ' +
      'them and restore them into the new server, see the README, "Moving from the in-cluster Postgres to a managed one"), as a deleted ' +
      'StatefulSet leaves its volume claims and their data but no ' +
      'server to read them: delete the claims (kubectl -n a get pvc, kubectl -n b get pvc) once the data may go');
  });

  test('a StatefulSet gone whose claims go with it, or that had none, gets no warning of its own', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => {
      kube(chart, 'Agent', 'StatefulSet', { metadata: { name: 'woodpecker-agent', namespace: 'dockyard' }, spec: {
        volumeClaimTemplates: [{ metadata: { name: 'config' }, spec: {} }], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } } as any });
      kube(chart, 'Bare', 'StatefulSet', { metadata: { name: 'bare', namespace: 'dockyard' }, spec: { volumeClaimTemplates: [] } as any });
    });
    const stderr = synthWith(outdir, statePath, () => undefined);
    expect(stderr).toContain('StatefulSet dockyard/woodpecker-agent');
    expect(stderr).not.toContain('among them');
  });

  // kubectl reads `<type>.<group>` as a resource (its plural or singular name: k8s.io/apimachinery v0.36.3
  // pkg/api/meta/restmapper.go:192-270), and failing that as a kind (k8s.io/cli-runtime v0.36.2
  // pkg/resource/builder.go:790-802; group_version.go:76-83), which discovery maps lower-cased too (k8s.io/client-go
  // v0.36.3 restmapper/discovery.go:114; restmapper.go:466-515): the kind lower-cased names a CRD's objects whatever
  // its plural and singular, which the mark does not record and a guess from the kind may miss
  test('each object is named by its kind, lower-cased, and its group: a plain chart\'s custom resource too', () => {
    const mark = objectList([
      // Gateway API v1.6.1 config/crd/standard/gateway.networking.k8s.io_httproutes.yaml: plural httproutes
      'gateway.networking.k8s.io\tHTTPRoute\tteam-a\tweb',
      // a CRD may name its resources otherwise (plural "geese" for the kind Goose)
      'birds.example.com\tGoose\tteam-a\tgus',
    ]);
    expect(leftObjectsCommands(goneObjects(mark, []))).toBe('to delete them: kubectl delete --ignore-not-found -n team-a ' +
      'httproute.gateway.networking.k8s.io/web goose.birds.example.com/gus');
  });

  test('the next line names every one in kubectl delete commands, one per namespace, the Namespaces last and apart', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => {
      ['a', 'b', 'c', 'd', 'e', 'f'].forEach((n) => role(chart, n));
      kube(chart, 'Ns', 'Namespace', { metadata: { name: 'team-a' } });
      kube(chart, 'Cr', 'ClusterRole', { metadata: { name: 'gone' }, rules: [] });
      new ApiObject(new Chart(chart.node.scope as App, 'plain'), 'Cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd name', namespace: 'b-ns' } });
    });
    const lines = synthWith(outdir, statePath, () => undefined).split('\n').filter((l) => l.startsWith('dockyard: to delete them'));
    expect(lines).toEqual(['dockyard: to delete them: kubectl delete --ignore-not-found clusterrole.rbac.authorization.k8s.io/gone; ' +
      "kubectl delete --ignore-not-found -n b-ns 'configmap/odd name'; kubectl delete --ignore-not-found -n team-a " +
      ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `role.rbac.authorization.k8s.io/${n}`).join(' ') + '; then, once nothing in them may stay ' +
      '(deleting a Namespace deletes everything in it, apps and volumes included): kubectl delete --ignore-not-found namespace/team-a']);
  });

  test('many are counted past the first five; one is named alone', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => ['a', 'b', 'c', 'd', 'e', 'f', 'g'].forEach((n) => role(chart, n)));
    expect(synthWith(outdir, statePath, (chart) => role(chart, 'g'))).toContain('held 6 objects this synth no longer writes, which kubectl ' +
      'apply leaves in the cluster as they are: Role team-a/a, Role team-a/b, Role team-a/c, Role team-a/d, Role team-a/e and 1 more; delete them');
    // the one the line leaves out is in the mark, with the rest
    expect(fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8')).toMatch(/^kubectl delete --ignore-not-found -n team-a .*role\.rbac\.authorization\.k8s\.io\/f( |$)/m);
    expect(synthWith(outdir, statePath, () => undefined)).toContain('held 1 object this synth no longer writes, which kubectl apply leaves in ' +
      'the cluster as it is: Role team-a/g; delete it once nothing needs it, with the kubectl delete commands below');
  });

  test('an object renamed is one gone; one moved to another chart is not', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => role(chart, 'old'));
    expect(synthWith(outdir, statePath, (chart) => role(chart, 'new'))).toContain('held 1 object this synth no longer writes, which kubectl apply ' +
      'leaves in the cluster as it is: Role team-a/old;');
    const stderr = synthWith(outdir, statePath, (chart) => role(new DockyardChart(chart.node.scope as App, 'other'), 'new'));
    expect(stderr).not.toContain('no longer writes');
  });

  test('a plain cdk8s chart\'s objects are listed too', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => new ApiObject(new Chart(chart.node.scope as App, 'plain'), 'Cm', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone-cm', namespace: 'x' },
    }));
    expect(fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8')).toContain('\tConfigMap\tx\tgone-cm\n');
    expect(synthWith(outdir, statePath, () => undefined)).toContain('held 1 object this synth no longer writes, which kubectl apply leaves in ' +
      'the cluster as it is: ConfigMap x/gone-cm;');
  });

  // the TTL-after-finished controller deletes a Job, Complete or Failed, that long after it finished (kubernetes
  // pkg/controller/ttlafterfinished/ttlafterfinished_controller.go, needsCleanup): nothing for the user to delete; a
  // suspended Job never starts, so never finishes
  test('a Job that deletes itself once finished is not listed, in a Dockyard chart or a plain one; a suspended one is', () => {
    const { outdir, statePath } = synthedOnce();
    const job = (scope: Construct, name: string, spec: object) => new ApiObject(scope, 'Job', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'x' },
      spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [] } } },
    });
    const jobs = (chart: DockyardChart) => {
      job(new Construct(chart, 'Passing'), 'passing', { ttlSecondsAfterFinished: 600 });
      job(new Construct(chart, 'NoTtl'), 'no-ttl', { activeDeadlineSeconds: 3600 });
      job(new Construct(chart, 'Suspended'), 'suspended', { ttlSecondsAfterFinished: 600, suspend: true });
      job(new Chart(chart.node.scope as App, 'plain'), 'plain-passing', { ttlSecondsAfterFinished: 600 });
    };
    synthWith(outdir, statePath, jobs);
    const mark = fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8');
    expect(mark).not.toContain('\tpassing\n');
    expect(mark).not.toContain('\tplain-passing\n');
    expect(mark).toContain('batch\tJob\tx\tno-ttl\n');
    expect(mark).toContain('batch\tJob\tx\tsuspended\n');
    expect(synthWith(outdir, statePath, () => undefined)).toContain('held 2 objects this synth no longer writes, which kubectl apply leaves in ' +
      'the cluster as they are: Job x/no-ttl, Job x/suspended;');
  });

  test('a Job that removes itself, listed by an earlier version and written still, is no object gone', () => {
    const { outdir, statePath } = synthedOnce();
    const job = (chart: DockyardChart) => new ApiObject(chart, 'Job', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'passing', namespace: 'x' },
      spec: { ttlSecondsAfterFinished: 600, template: { spec: { restartPolicy: 'Never', containers: [] } } },
    });
    synthWith(outdir, statePath, job);
    // as the version before this one listed it
    fs.appendFileSync(path.join(outdir, '.dockyard-output'), 'batch\tJob\tx\tpassing\n');
    expect(synthWith(outdir, statePath, job)).not.toContain('no longer writes');
  });

  // stop 43's note: marks written from b1bff8a to 43f3f5d (12-04/05) listed Jobs that remove themselves, and the first
  // synth after upgrading named each no longer written (a script's new hash renames its Job) as left in the cluster
  test('a Job that removes itself, listed by an earlier version and no longer written, is not named; one without a TTL is', () => {
    const { outdir, statePath } = synthedOnce();
    const job = (name: string, spec: object) => (chart: DockyardChart) => new ApiObject(chart, `Job-${name}`, {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'x' },
      spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [] } } },
    });
    synthWith(outdir, statePath, (chart) => {
      job('configure-abc12', { ttlSecondsAfterFinished: 600 })(chart);
      job('kept-for-ever', { activeDeadlineSeconds: 3600 })(chart);
    });
    // as those versions listed it
    fs.appendFileSync(path.join(outdir, '.dockyard-output'), 'batch\tJob\tx\tconfigure-abc12\n');
    const stderr = synthWith(outdir, statePath, job('configure-def34', { ttlSecondsAfterFinished: 600 }));
    expect(stderr).toContain('held 1 object this synth no longer writes, which kubectl apply leaves in the cluster as it is: Job x/kept-for-ever;');
    expect(stderr).not.toContain('configure-abc12');
    expect(fs.readFileSync(path.join(outdir, '.dockyard-output'), 'utf8')).not.toContain('configure-abc12');
  });

  test('the previous output an interrupted synth left beside a missing directory is the one compared with', () => {
    const { dir, outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => role(chart, 'kept'));
    fs.renameSync(outdir, path.join(dir, '.dist.old-Ab3xYz'));
    expect(synthWith(outdir, statePath, () => undefined)).toContain('held 1 object this synth no longer writes, which kubectl apply leaves in ' +
      'the cluster as it is: Role team-a/kept;');
  });

  test('an output of a version whose mark lists nothing, or none at all: nothing to compare', () => {
    const { outdir, statePath } = synthedOnce();
    synthWith(outdir, statePath, (chart) => role(chart, 'x'));
    fs.writeFileSync(path.join(outdir, '.dockyard-output'), 'Written by Dockyard\'s synth, which replaces this whole directory every time it runs: keep nothing else here.\n');
    expect(synthWith(outdir, statePath, () => undefined)).not.toContain('no longer writes');
    expect(synthWith(path.join(path.dirname(outdir), 'fresh'), statePath, () => undefined)).not.toContain('no longer writes');
  });
});

describe('printRequiredSecrets', () => {
  test('prints each Secret to create with its keys, and its description only when it has one', () => {
    const app = new App({ outdir: path.join(workdir(), 'dist') });
    const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
    Secret.fromSecretName(chart, 'OAuth', 'drone-oauth', { description: 'the OAuth client secret' }).key('client-secret');
    const token = Secret.fromSecretName(chart, 'Token', 'api-token');
    token.key('token');
    token.key('id');
    expect(stderrOf(() => printRequiredSecrets(app)).split('\n').sort()).toEqual([
      '',
      'dockyard: create Secret platform/api-token (keys: id, token)',
      'dockyard: create Secret platform/drone-oauth (keys: client-secret): the OAuth client secret',
    ]);
  });

  // A Secret made outside Dockyard counts in its readers' pod checksums by name alone (lib/core/checksum.ts), so a
  // change of it rolls none of them: the synth names what to restart, the pods another hands its value to included
  // (Harbor's jobservice loads the database password from core once, at start: goharbor/harbor v2.15.1
  // src/jobservice/job/impl/context.go `Init`).
  test('after synthesize, names the commands that restart every workload reading it, those another hands it to included, and no CronJob, and run its Jobs again', () => {
    const dir = workdir();
    const app = new App({ outdir: path.join(dir, 'dist') });
    const chart = new DockyardChart(app, 'test', { namespace: 'platform' });
    const token = Secret.fromSecretName(chart, 'Token', 'api-token', { description: 'the API token' }).key('token');
    Secret.fromSecretName(chart, 'Unread', 'unread').key('k');
    const pod = (name: string, extra: any = {}) => ({
      metadata: { labels: { app: name } },
      spec: { containers: [{ name, image: 'busybox', ...extra.container }], volumes: extra.volumes },
    });
    const workload = (kind: string, name: string, extra: any = {}) => new ApiObject(chart, name, {
      apiVersion: 'apps/v1', kind, metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: pod(name, extra) },
    });
    workload('Deployment', 'by-env', { container: { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }] } });
    workload('StatefulSet', 'by-volume', { volumes: [{ name: 't', secret: { secretName: 'api-token' } }] });
    workload('Deployment', 'handed-it');
    countIndirectInputs(chart, 'Deployment', 'platform', 'handed-it', { keys: [token] });
    workload('Deployment', 'unrelated');
    new ApiObject(chart, 'Cron', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: pod('cron', { container: { envFrom: [{ secretRef: { name: 'api-token' } }] } }) } } },
    });
    // a Job keeps its name when the Secret changes: it must be deleted to run again
    new ApiObject(chart, 'Once', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once-0123abcd' },
      spec: { template: pod('once', { container: { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } }] } }) },
    });
    // before the synth, the readers are not known yet
    expect(stderrOf(() => printRequiredSecrets(app))).toContain('dockyard: create Secret platform/api-token (keys: token): the API token\n');
    synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
    expect(stderrOf(() => printRequiredSecrets(app)).split('\n').sort()).toEqual([
      '',
      'dockyard: create Secret platform/api-token (keys: token): the API token; a change of it reaches no running pod and runs no Job ' +
        'again: after one, run kubectl -n platform rollout restart deployment/by-env deployment/handed-it statefulset/by-volume and ' +
        'kubectl -n platform delete --ignore-not-found job/once-0123abcd, then apply the manifests again',
      'dockyard: create Secret platform/unread (keys: k)',
    ]);
  });
});

describe('runSynth: an entry point that synthesizes nothing', () => {
  const WARNING = 'dockyard: warning: no app was synthesized: the function given to runSynth returned without calling ' +
    'synthesize(app, secrets), so no Secrets were written (app.synth() writes the manifests only); call it at the end, after the app is built\n';

  /** What `runSynth(main)` prints on stderr, and the exit code it sets. */
  function run(main: () => void): { stderr: string; exitCode: typeof process.exitCode } {
    const saved = process.exitCode;
    process.exitCode = undefined;
    try {
      const stderr = stderrOf(() => runSynth(main));
      return { stderr, exitCode: process.exitCode };
    } finally {
      process.exitCode = saved;
    }
  }

  test('one that builds an app and never calls synthesize gets one warning line, writes nothing and exits 0', () => {
    const outdir = path.join(workdir(), 'dist');
    expect(run(() => { build(outdir); })).toEqual({ stderr: WARNING, exitCode: undefined });
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('one that synthesizes gets no warning', () => {
    const dir = workdir();
    const outdir = path.join(dir, 'dist');
    const { stderr, exitCode } = run(() => { synthesize(build(outdir), new LocalSecretStore({ statePath: path.join(dir, 'state.json') })); });
    // it reports the new state and keys, and nothing else
    expect(stderr).toMatch(/^dockyard: generated 1 new key/);
    expect(stderr).not.toContain('warning');
    expect(exitCode).toBeUndefined();
    expect(fs.existsSync(path.join(outdir, 'test.k8s.yaml'))).toBe(true);
  });

  test('one that fails prints its error, not the warning', () => {
    const { stderr, exitCode } = run(() => { throw new Error('broken'); });
    expect(stderr).toMatch(/^dockyard: error: broken\b/);
    expect(stderr).not.toContain('warning');
    expect(exitCode).toBe(1);
  });

  test('an async one is not warned of: it may synthesize after it returns', () => {
    expect(run((async () => undefined) as () => void)).toEqual({ stderr: '', exitCode: undefined });
  });
});
