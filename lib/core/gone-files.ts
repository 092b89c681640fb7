import * as path from 'path';
import { IConstruct } from 'constructs';
import { OutputFile, SecretFile } from './output-file';
import { markList, readMarkList } from './written-files';

// A file with an `onChange` note is copied somewhere by hand (the node files: hosts.toml, registries.yaml), and a
// synth that no longer writes it (a mirror taken out of NodeMirrorFiles, NodeMirrorFiles gone under an image mirror)
// took it out of the output without a word: the copy stayed, and containerd kept pulling that registry through the
// old mirror. Each synth lists such files with their notes in the mark, and the next names those it no longer writes.
// Not exported from lib/core.

/** The line that opens the mark's list of the files read elsewhere, and the line after it. */
const NOTED_HEADER = 'The files copied elsewhere by hand, one a line (JSON strings: the path, a space, what to do when it changes):\n';
const NOTED_END = 'End of the files copied elsewhere.\n';

/** The `onChange` note of each output and secret file of `app`, by its path as the mark writes it. */
export function notesOf(app: IConstruct): Map<string, string> {
  const notes = new Map<string, string>();
  for (const f of [...OutputFile.allIn(app), ...SecretFile.allIn(app)]) {
    if (f.onChange !== undefined) notes.set(path.posix.normalize(f.path), f.onChange);
  }
  return notes;
}

/** The mark's list of the files with an `onChange` note (`notesOf`), with it; nothing where none has one. */
export function notedFileList(notes: ReadonlyMap<string, string>): string {
  // paths hold no space (OutputFile and SecretFile refuse one), so the first splits the path from its note
  return notes.size === 0 ? '' : markList(NOTED_HEADER, NOTED_END, [...notes].map(([p, note]) => `${p} ${note}`));
}

/**
 * The files with a note that the previous output's mark lists, by path, with their notes; undefined where it lists
 * none (no file had a note, or an older version wrote it).
 */
export function markedNotes(mark: string | undefined): Map<string, string> | undefined {
  const items = readMarkList(mark, NOTED_HEADER, NOTED_END);
  return items === undefined ? undefined : new Map(items.map((item) => {
    const space = item.indexOf(' ');
    return space < 0 ? [item, ''] : [item.slice(0, space), item.slice(space + 1)];
  }));
}

/**
 * For each file with a note that the previous output's mark lists (`previous`, its `markedNotes`) and this synth no
 * longer writes (`written`, the paths it writes), `<output directory>/<path> is no longer written: …`, naming where
 * its note said to copy it. Where a file this synth writes has the same note (`notes`, this synth's `notesOf`) and
 * the previous output did not list it with that note, it goes to the same place and is named as the one to copy
 * there instead: with the nodes' login taken out of `NodeMirrorFiles`, registries.yaml takes the place of
 * registries.local.yaml, and removing the copy left the nodes without one.
 */
export function goneFileNotices(outdir: string, previous: ReadonlyMap<string, string> | undefined, written: readonly string[],
  notes: ReadonlyMap<string, string>): string[] {
  const now = new Set(written.map((p) => path.posix.normalize(p)));
  const before = previous ?? new Map<string, string>();
  return [...before].flatMap(([file, note]) => {
    if (now.has(file)) {
      return [];
    }
    // one the previous output had copied with the same note already went somewhere else than this file's copy: notes
    // such as 'copy it to every node' (OutputFile's own example) name no place, and two such files are two copies
    const successor = [...notes].find(([p, n]) => n === note && now.has(p) && before.get(p) !== note)?.[0];
    return [successor !== undefined
      ? `${path.join(outdir, file)} is no longer written: ${path.join(outdir, successor)} replaces it there (${note})`
      : `${path.join(outdir, file)} is no longer written: remove the copy made of it (it said: ${note}), or what reads it there keeps reading it`];
  });
}
