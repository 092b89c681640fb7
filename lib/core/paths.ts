import * as fs from 'fs';
import * as path from 'path';

/** `p` made absolute with symbolic links of its existing ancestors resolved, so two spellings of a path compare equal. */
export function realPath(p: string): string {
  const absolute = path.resolve(p);
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) {
        return absolute;
      }
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * Whether `file` is `dir` or lies below it, comparing real paths: an output directory that is a symbolic link, or
 * a state reached through one, is caught too.
 */
export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(realPath(dir), realPath(file));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
