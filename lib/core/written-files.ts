import * as fs from 'fs';
import * as path from 'path';

// Every synth replaces its whole output directory, so a file someone put there after the last synth (a
// kustomization.yaml for GitOps, notes, a file another tool wrote) would be deleted with the rest, without a word.
// Each synth lists the files it wrote in its output directory's mark (`OUTPUT_MARKER`), and the next one refuses a
// directory holding anything neither that list nor its own files account for. Not exported from lib/core.

/** The line that opens the list in the mark; a mark without it (an earlier version's) lists nothing. */
const LIST_HEADER = 'The files it wrote, one a line (JSON strings, paths from this directory), for the next synth to compare:\n';
/** The line after the list: what follows in the mark is another list. */
const LIST_END = 'End of the files.\n';

/** The mark's list of `files` (relative paths, as `path.posix.normalize` writes them), sorted, each a JSON string. */
export function fileList(files: readonly string[]): string {
  return markList(LIST_HEADER, LIST_END, files);
}

/** The files a previous mark (its text) lists, or undefined when it lists none (a version before the list). */
export function filesOfMark(mark: string | undefined): string[] | undefined {
  return readMarkList(mark, LIST_HEADER, LIST_END);
}

/**
 * A list of the mark: `header`, each of `items` sorted and written as a JSON string on a line of its own (so any
 * text reads back exactly), then `end`.
 */
export function markList(header: string, end: string, items: readonly string[]): string {
  return `${header}${[...items].sort().map((f) => `${JSON.stringify(f)}\n`).join('')}${end}`;
}

/** The items of the list `markList(header, end, …)` wrote into `mark`, or undefined where the mark has no such list. */
export function readMarkList(mark: string | undefined, header: string, end: string): string[] | undefined {
  const at = mark?.indexOf(header) ?? -1;
  if (mark === undefined || at < 0) {
    return undefined;
  }
  const start = at + header.length;
  const stop = mark.indexOf(end, start);
  const items: string[] = [];
  for (const line of mark.slice(start, stop < 0 ? undefined : stop).split('\n')) {
    try {
      const item: unknown = line === '' ? undefined : JSON.parse(line);
      if (typeof item === 'string') items.push(item);
    } catch {
      // a line edited by hand is no item of the list: what it named counts as not listed
    }
  }
  return items;
}

/** Files a desktop's file browser leaves in a folder it shows, which a synth may delete without a word. */
export const DESKTOP_FILES: ReadonlySet<string> = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/**
 * What `dir` holds that none of `files` (the paths a synth wrote or writes, relative) accounts for: a file not
 * listed, or a folder holding no listed file (named alone, not what is inside it), as paths relative to `dir`,
 * sorted. A symbolic link counts as a file, and is not followed; a desktop's own files (`.DS_Store`) count for nothing.
 */
export function unlistedEntries(dir: string, files: readonly string[]): string[] {
  const listed = new Set(files);
  const folders = new Set<string>();
  for (const file of files) {
    for (let slash = file.indexOf('/'); slash >= 0; slash = file.indexOf('/', slash + 1)) {
      folders.add(file.slice(0, slash));
    }
  }
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const at = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // what a desktop writes into any folder it shows (macOS Finder, Windows Explorer): no one's work to lose
      if (DESKTOP_FILES.has(entry.name) && entry.isFile()) {
        continue;
      }
      if (entry.isDirectory() && folders.has(at)) {
        walk(at);
      } else if (!listed.has(at) || entry.isDirectory()) {
        found.push(at);
      }
    }
  };
  walk('');
  return found.sort();
}
