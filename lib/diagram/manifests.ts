import * as fs from 'fs';
import * as path from 'path';
import type * as YamlModule from 'yaml';

/** A problem with the input, reported as one line. */
export class DiagramInputError extends Error {}

// the `yaml` library cdk8s bundles (a runtime dependency, unlike our dev-only `yaml`), as bin/dockyard-images.js does
const YAML: typeof YamlModule = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

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
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((doc) => {
    if (doc.errors.length > 0) throw new DiagramInputError(`${file}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    try {
      return doc.toJS();
    } catch (e) {
      throw new DiagramInputError(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }).filter((o) => o !== null && typeof o === 'object' && !Array.isArray(o));
}
