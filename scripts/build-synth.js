#!/usr/bin/env node
'use strict';
// The fast build behind `npm run synth`: compiles the given entry points and every file they import (relative
// imports, followed through the sources) to JavaScript with TypeScript's own `ts.transpileModule`, without
// type-checking. Only what the synth runs is compiled: the Pulumi program (lib/pulumi, apps/digitalocean) and its
// type definitions are never read. `npm test` and editors still type-check everything; `npm run build` (full tsc)
// stays the library build.
//
// The output is tsc's, byte for byte: the same emitter with the compiler options of tsconfig.json, which sets
// `isolatedModules`, so no file's JavaScript depends on types from another (tsc enforces that in `npm test`). The
// layout is tsc's too (outDir/<path>.js), and the `.js` files beside the compiled sources are emitted as tsc emits
// them with `allowJs`: lib/harbor/configure-job.ts reads its Job's script from `path.join(__dirname,
// 'configure.js')`, and the ConfigMap holds tsc's re-emitted text of it.
//
// Unchanged files are not compiled again: <outDir>/.synth-build.json records, per source, the digests of its text
// and of its output and its imports. A file is compiled when its text changed, its output is missing or differs
// from what was written, or TypeScript, tsconfig.json or this script changed. TypeScript itself is only loaded
// when something must be compiled.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const CACHE_FILE = '.synth-build.json';
const DEFAULT_ENTRIES = ['apps/default/main.ts', 'apps/harbor-do/main.ts'];

const USAGE = `Usage: node scripts/build-synth.js [--outDir DIR] [--no-cache] [ENTRY.ts...]

Compiles the entry points (default: ${DEFAULT_ENTRIES.join(' ')}) and everything they import to
JavaScript in DIR (default: tsconfig.json's outDir), as tsc would, without type-checking.
`;

class UserError extends Error {}

const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');

function parseArgs(argv) {
  const args = { outDir: undefined, cache: true, entries: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === '--outDir') {
      if (i + 1 >= argv.length) throw new UserError('--outDir needs a directory');
      args.outDir = path.resolve(argv[++i]);
    } else if (arg === '--no-cache') {
      args.cache = false;
    } else if (arg.startsWith('-')) {
      throw new UserError(`unknown option ${arg}\n${USAGE}`);
    } else {
      args.entries.push(path.resolve(arg));
    }
  }
  if (args.entries.length === 0) args.entries = DEFAULT_ENTRIES.map((e) => path.join(ROOT, e));
  return args;
}

let ts;
let compilerOptions;
/** TypeScript and tsconfig.json's compiler options, loaded on first use. */
function typescript() {
  if (!ts) {
    ts = require(require.resolve('typescript', { paths: [ROOT] }));
    const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new UserError(formatDiagnostics([d])); } };
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, host);
    compilerOptions = parsed.options;
  }
  return ts;
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n',
  });
}

/** tsconfig.json's outDir and rootDir (as absolute paths), read without TypeScript when it is plain JSON. */
function layout() {
  const file = path.join(ROOT, 'tsconfig.json');
  let options;
  try {
    options = JSON.parse(fs.readFileSync(file, 'utf8')).compilerOptions ?? {};
  } catch {
    typescript();
    options = { outDir: compilerOptions.outDir, rootDir: compilerOptions.rootDir };
  }
  if (!options.outDir || !options.rootDir) {
    throw new UserError('tsconfig.json must set compilerOptions.outDir and rootDir');
  }
  return { outDir: path.resolve(ROOT, options.outDir), rootDir: path.resolve(ROOT, options.rootDir) };
}

/** The source file a relative import names, as TypeScript's node resolution finds it. */
function resolveImport(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  if (/\.json$/.test(base)) return undefined; // JSON modules are not compiled (nor used by the synth)
  const candidates = /\.[cm]?js$/.test(base)
    ? [base.replace(/js$/, 'ts'), base]
    : [`${base}.ts`, `${base}.tsx`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.tsx'), path.join(base, 'index.js')];
  const found = candidates.find((c) => fs.statSync(c, { throwIfNoEntry: false })?.isFile());
  if (found === undefined) {
    throw new UserError(`${path.relative(ROOT, from)}: cannot find the module ${JSON.stringify(specifier)}`);
  }
  // a declaration file or JSON emits nothing
  return /\.d\.ts$/.test(found) ? undefined : found;
}

function readCache(file, key) {
  try {
    const cache = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (cache.key === key && cache.files && typeof cache.files === 'object') return cache.files;
  } catch {
    // none yet, or unreadable: compile everything
  }
  return {};
}

/** Write `text` to `file` through a temporary sibling, so no reader sees half a file. */
function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Compile `entries` and their imports into `outDir`. Returns the sources (relative to the repository) in the order
 * visited and those compiled this time.
 */
function build({ entries, outDir, cache: useCache = true }) {
  const { outDir: defaultOutDir, rootDir } = layout();
  outDir = outDir ?? defaultOutDir;
  const tsPackage = fs.readFileSync(require.resolve('typescript/package.json', { paths: [ROOT] }), 'utf8');
  const key = sha([fs.readFileSync(__filename, 'utf8'), JSON.parse(tsPackage).version,
    fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')].join('\0'));
  const cacheFile = path.join(outDir, CACHE_FILE);
  const cached = useCache ? readCache(cacheFile, key) : {};
  const record = { ...cached };
  const visited = [];
  const compiled = [];
  const diagnostics = [];
  const seen = new Set();
  const queue = entries.map((e) => path.resolve(e));
  for (const entry of queue) {
    if (!fs.statSync(entry, { throwIfNoEntry: false })?.isFile()) throw new UserError(`no such entry point: ${entry}`);
  }
  // the .js files beside the compiled sources, which tsc emits with allowJs (and the code may read at run time)
  const besides = new Set();
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = path.relative(rootDir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UserError(`${path.relative(ROOT, file)} lies outside rootDir ${rootDir}`);
    }
    visited.push(rel);
    const dir = path.dirname(file);
    if (!besides.has(dir)) {
      besides.add(dir);
      for (const name of fs.readdirSync(dir).sort()) {
        if (name.endsWith('.js') && fs.statSync(path.join(dir, name)).isFile()) queue.push(path.join(dir, name));
      }
    }
    const source = fs.readFileSync(file, 'utf8');
    const sourceHash = sha(source);
    const dest = path.join(outDir, rel.replace(/\.tsx?$/, '.js'));
    let entry = cached[rel];
    if (entry?.source !== sourceHash) {
      const imports = typescript().preProcessFile(source, true, true).importedFiles
        .map((ref) => ref.fileName).filter((spec) => spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..');
      entry = { source: sourceHash, imports: [...new Set(imports)], output: undefined };
    }
    for (const spec of entry.imports) {
      const target = resolveImport(file, spec);
      if (target !== undefined) queue.push(target);
    }
    let current;
    try {
      current = fs.readFileSync(dest, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === undefined || entry.output === undefined || sha(current) !== entry.output) {
      const result = typescript().transpileModule(source, { compilerOptions, fileName: file, reportDiagnostics: true });
      if (current !== result.outputText) writeAtomically(dest, result.outputText);
      compiled.push(rel);
      if (result.diagnostics?.length) {
        // a syntax error: tsc emits and fails too; the file is compiled again next time
        diagnostics.push(...result.diagnostics);
        delete record[rel];
        continue;
      }
      entry = { ...entry, output: sha(result.outputText) };
    }
    record[rel] = entry;
  }
  if (diagnostics.length > 0) {
    if (useCache) writeAtomically(cacheFile, `${JSON.stringify({ key, files: record })}\n`);
    throw new UserError(formatDiagnostics(diagnostics).trimEnd());
  }
  if (useCache && compiled.length > 0) writeAtomically(cacheFile, `${JSON.stringify({ key, files: record })}\n`);
  return { visited, compiled, outDir };
}

module.exports = { build };

/**
 * Whether DOCKYARD_DEBUG asks for stack traces: the rule of lib/core/debug.ts (anything but empty, 0, false, no, off,
 * around whitespace), which this script cannot import: it runs before the library is compiled.
 */
function debugRequested() {
  const value = process.env.DOCKYARD_DEBUG ?? '';
  return !['', '0', 'false', 'no', 'off'].includes(value.trim().toLowerCase());
}

if (require.main === module) {
  try {
    build(parseArgs(process.argv.slice(2)));
  } catch (e) {
    if (!(e instanceof UserError) || debugRequested()) throw e;
    process.stderr.write(`build-synth: ${e.message}\n`);
    process.exitCode = 1;
  }
}
