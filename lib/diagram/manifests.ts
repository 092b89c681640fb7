import * as fs from 'fs';
import * as path from 'path';
import { manifestObjects } from '../core/manifest-objects';

/** A problem with the input, reported as one line. */
export class DiagramInputError extends Error {}

/**
 * The YAML files of a file or directory, in sorted order, searched recursively. `*.local.yaml` files (the generated
 * Secrets, such as `secrets.local.yaml`) are never read.
 */
export function manifestFiles(arg: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(arg);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DiagramInputError(code === 'ENOENT' ? `no such file or directory: ${arg}` : `cannot read ${arg}: ${(e as Error).message}`);
  }
  if (!stat.isDirectory()) {
    if (isLocal(path.basename(arg))) throw new DiagramInputError(`${arg} holds generated Secrets: not read`);
    return [arg];
  }
  const files: string[] = [];
  for (const name of fs.readdirSync(arg).sort()) {
    const full = path.join(arg, name);
    if (fs.statSync(full).isDirectory()) files.push(...manifestFiles(full));
    else if (/\.ya?ml$/.test(name) && !isLocal(name)) files.push(full);
  }
  return files;
}

function isLocal(name: string): boolean {
  return /\.local\.ya?ml$/.test(name);
}

/** The objects (non-empty mapping documents) of a YAML file; throws naming the file on a syntax error. */
export function loadObjects(file: string): any[] {
  try {
    return manifestObjects(file);
  } catch (e) {
    throw new DiagramInputError((e as Error).message);
  }
}
