#!/usr/bin/env node
'use strict';
// Lists every container image the synthesized manifests use, one reference per line, sorted and
// unique (like Rancher's rancher-images.txt), so the list can be fed to a mirroring tool for an
// air-gapped registry. With --pairs, lists `<source> <destination>` for each image relocated to a
// mirror instead, from the images.pairs.txt synth writes. Nothing but images goes to stdout;
// diagnostics go to stderr.

const fs = require('fs');
const path = require('path');

// `cdk8s.Yaml.load` would be the obvious parser, but it ignores syntax errors (it returns whatever
// `parseAllDocuments` recovered) and spawns a Node process per file. So use the `yaml` library that
// cdk8s itself bundles (a runtime dependency, unlike our dev-only `yaml`), with the same YAML 1.1
// schema, and report its errors.
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

const USAGE = `Usage: dockyard-images [--help] [--pairs] <file-or-dir>...

Prints every container image used by the given Kubernetes manifests and Drone pipelines,
one per line, sorted and unique. Directories are searched recursively for *.yaml and *.yml
files, except *.local.yaml (generated Secrets, never workloads). Default: dist

  --pairs  print "<source> <destination>" instead, sorted and unique, for exactly the images
           of those manifests that synth relocated to a mirror (ImageRelocation.registry), as
           recorded in images.pairs.txt beside them: the input of a copy loop such as
           while read -r src dst; do crane copy "$src" "$dst"; done
`;

// Written at synth beside the manifests when images are relocated to a mirror: `<source> <destination>` lines.
const PAIRS_FILE = 'images.pairs.txt';

// Where each workload kind keeps its pod spec.
const POD_SPEC = {
  Pod: (d) => d.spec,
  Deployment: (d) => d.spec?.template?.spec,
  StatefulSet: (d) => d.spec?.template?.spec,
  DaemonSet: (d) => d.spec?.template?.spec,
  ReplicaSet: (d) => d.spec?.template?.spec,
  ReplicationController: (d) => d.spec?.template?.spec,
  Job: (d) => d.spec?.template?.spec,
  CronJob: (d) => d.spec?.jobTemplate?.spec?.template?.spec,
};

// Images a workload starts indirectly (e.g. the Drone runner's build pods), declared on it.
const IMAGES_ANNOTATION = 'dockyard.dev/images';

class UserError extends Error {}

/**
 * The files to read for one argument: a file as given, or a directory's YAML files and images.pairs.txt files in
 * sorted order.
 */
function filesOf(arg) {
  let stat;
  try {
    stat = fs.statSync(arg);
  } catch (e) {
    throw new UserError(e.code === 'ENOENT' ? `no such file or directory: ${arg}` : `cannot read ${arg}: ${e.message}`);
  }
  if (!stat.isDirectory()) return [arg];
  const files = [];
  for (const name of fs.readdirSync(arg).sort()) {
    const full = path.join(arg, name);
    if (fs.statSync(full).isDirectory()) {
      files.push(...filesOf(full));
    } else if ((/\.ya?ml$/.test(name) && !/\.local\.ya?ml$/.test(name)) || name === PAIRS_FILE) {
      // *.local.yaml hold the generated credentials (Secrets only): no images, so don't even parse them
      files.push(full);
    }
  }
  return files;
}

/** The non-empty documents of a YAML file; throws naming the file on a syntax error. */
function loadDocuments(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' });
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new UserError(`${file}: invalid YAML: ${doc.errors[0].message.trimEnd()}`);
    try {
      return doc.toJS();
    } catch (e) {
      // e.g. an alias to an undefined anchor, only detected when resolving
      throw new UserError(`${file}: invalid YAML: ${e.message}`);
    }
  }).filter((obj) => obj !== null && typeof obj === 'object'); // skip empty and scalar documents
}

/** The images one document references. */
function imagesOf(doc) {
  const images = [];
  const add = (image) => {
    if (typeof image === 'string' && image.trim() !== '') images.push(image.trim());
  };

  const annotation = doc.metadata?.annotations?.[IMAGES_ANNOTATION];
  if (typeof annotation === 'string') annotation.split(',').forEach(add);

  const podSpec = POD_SPEC[doc.kind]?.(doc);
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const container of list(podSpec?.[key])) add(container?.image);
  }

  // Drone pipelines (e.g. generated .drone.yml examples) run their steps' images in build pods
  if (doc.kind === 'pipeline') {
    for (const step of [...list(doc.steps), ...list(doc.services)]) add(step?.image);
    add(doc.clone?.image);
  }
  // Woodpecker workflows (.woodpecker/*.yaml) have no kind; their steps, services and clone steps are a list or a
  // map (woodpecker v3.17.0 pipeline/frontend/yaml/types/container_list.go:29-60 accepts both)
  if (doc.kind === undefined && doc.steps && typeof doc.steps === 'object') {
    for (const group of [doc.steps, doc.services, doc.clone]) {
      for (const step of Object.values(group ?? {})) add(step?.image);
    }
  }
  return images;
}

function list(value) {
  return Array.isArray(value) ? value : [];
}

/** The `[source, destination]` pairs of an images.pairs.txt file; throws naming the file and line on a bad line. */
function loadPairs(file) {
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) throw new UserError(`${file}:${i + 1}: expected "<source> <destination>", got ${JSON.stringify(line)}`);
    return [fields];
  });
}

function isPairsFile(file) {
  return path.basename(file) === PAIRS_FILE || file.endsWith('.pairs.txt');
}

function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const pairsMode = argv.includes('--pairs');
  const options = argv.filter((arg) => arg !== '--pairs');
  const unknown = options.find((arg) => arg.startsWith('-'));
  if (unknown) throw new UserError(`unknown option: ${unknown} (see --help)`);

  const args = options.length > 0 ? options : ['dist'];
  const all = args.flatMap(filesOf);
  const files = all.filter((file) => !isPairsFile(file));
  const images = new Set(files.flatMap((file) => loadDocuments(file).flatMap(imagesOf)));
  if (images.size === 0) {
    const read = files.length > 0 ? `read ${files.join(', ')}` : 'no *.yaml or *.yml files';
    throw new UserError(`no container images found in ${args.join(', ')} (${read})`);
  }
  let lines = [...images];
  if (pairsMode) {
    const pairFiles = all.filter(isPairsFile);
    if (pairFiles.length === 0) {
      throw new UserError(`no ${PAIRS_FILE} in ${args.join(', ')}: synth writes it beside the manifests when images are relocated ` +
        'to a mirror, e.g. Images.relocateAll(app, ImageRelocation.registry(...))');
    }
    // only images the manifests really use: a pair whose destination no manifest names was not relocated here; a
    // pinned image is named at its digest (Images.pinDigests), its pair's destination by its tag alone
    const named = new Set([...images].map((image) => image.replace(/^(.*:[^/@]+)@sha256:[a-f0-9]{64}$/, '$1')));
    lines = pairFiles.flatMap(loadPairs).filter(([, destination]) => images.has(destination) || named.has(destination)).map((pair) => pair.join(' '));
  }
  // plain code-unit order, so the list is byte-identical whatever the locale
  const sorted = [...new Set(lines)].sort();
  process.stdout.write(sorted.length > 0 ? sorted.join('\n') + '\n' : '');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`dockyard-images: ${e instanceof UserError ? e.message : e.stack}\n`);
  process.exitCode = 1;
}
