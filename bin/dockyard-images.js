#!/usr/bin/env node
'use strict';
// Lists every container image the synthesized manifests use, one reference per line, sorted and
// unique (like Rancher's rancher-images.txt), so the list can be fed to a mirroring tool for an
// air-gapped registry. Nothing but images goes to stdout; diagnostics go to stderr.

const fs = require('fs');
const path = require('path');

// `cdk8s.Yaml.load` would be the obvious parser, but it ignores syntax errors (it returns whatever
// `parseAllDocuments` recovered) and spawns a Node process per file. So use the `yaml` library that
// cdk8s itself bundles (a runtime dependency, unlike our dev-only `yaml`), with the same YAML 1.1
// schema, and report its errors.
const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));

const USAGE = `Usage: dockyard-images [--help] <file-or-dir>...

Prints every container image used by the given Kubernetes manifests and Drone pipelines,
one per line, sorted and unique. Directories are searched recursively for *.yaml and *.yml
files, except *.local.yaml (generated Secrets, never workloads). Default: dist
`;

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

/** The YAML files to read for one argument: a file as given, or a directory's YAML files in sorted order. */
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
    } else if (/\.ya?ml$/.test(name) && !/\.local\.ya?ml$/.test(name)) {
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
  return images;
}

function list(value) {
  return Array.isArray(value) ? value : [];
}

function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = argv.find((arg) => arg.startsWith('-'));
  if (unknown) throw new UserError(`unknown option: ${unknown} (see --help)`);

  const args = argv.length > 0 ? argv : ['dist'];
  const files = args.flatMap(filesOf);
  const images = new Set(files.flatMap((file) => loadDocuments(file).flatMap(imagesOf)));
  if (images.size === 0) {
    const read = files.length > 0 ? `read ${files.join(', ')}` : 'no *.yaml or *.yml files';
    throw new UserError(`no container images found in ${args.join(', ')} (${read})`);
  }
  // plain code-unit order, so the list is byte-identical whatever the locale
  process.stdout.write([...images].sort().join('\n') + '\n');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`dockyard-images: ${e instanceof UserError ? e.message : e.stack}\n`);
  process.exitCode = 1;
}
