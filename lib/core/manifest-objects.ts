import * as fs from 'fs';
import * as path from 'path';
import type * as YamlModule from 'yaml';

// the `yaml` library cdk8s bundles (a runtime dependency, unlike our dev-only `yaml`), as bin/dockyard-images.js does
const YAML: typeof YamlModule = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

/**
 * The objects (non-empty mapping documents) of a manifest file, read as YAML 1.1 as kubectl reads it; throws an
 * `Error` of one line naming the file on a syntax error. Here, at the bottom of the house, for the synth (which reads
 * the previous output's manifests) and the diagram alike.
 */
export function manifestObjects(file: string): any[] {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    try {
      return doc.toJS();
    } catch (e) {
      throw new Error(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }).filter((o) => o !== null && typeof o === 'object' && !Array.isArray(o));
}

/**
 * One document of a manifest (the text between two `---` lines), read as `manifestObjects` reads it, or undefined
 * when it does not parse: for a reader that picks a few documents out of a large manifest before parsing them.
 */
export function manifestDocument(text: string): any {
  try {
    return YAML.parse(text, { version: '1.1' });
  } catch {
    return undefined;
  }
}
