import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DockyardChart, LocalSecretStore, synthesize, ValidationError } from '../lib';

/** A chart in namespace `ns` of a fresh app. */
export function testChart(namespace = 'test'): DockyardChart {
  return new DockyardChart(new App({ outdir: '/nonexistent' }), 'test', { namespace });
}

/** The synthesized objects of `chart`. */
export function synth(chart: Chart): any[] {
  return chart.toJson();
}

/** The one object of `kind` named `name`, failing clearly when absent. */
export function find(objects: any[], kind: string, name: string, namespace?: string): any {
  const hit = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (hit.length !== 1) {
    throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${hit.length}`);
  }
  return hit[0];
}

/** The first container of a workload's pod template. */
export function container(workload: any, name?: string): any {
  const containers = workload.spec.template.spec.containers;
  return name ? containers.find((c: any) => c.name === name) : containers[0];
}

/** A container's environment as a name → env var map. */
export function envOf(c: any): Record<string, any> {
  return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
}

/** What is written on stderr while `fn` runs (and nothing reaches the terminal). */
export function stderrOf(fn: () => void): string {
  let out = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return out;
}

/** The error `fn` throws; fails the test if it throws nothing. */
export function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (err: any) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * Synths of one chart through `synthesize` and a `LocalSecretStore` that keeps its state between them, as
 * `npm run synth` does: `run(rotate)` builds the chart (namespace `ci`) with `build`, synthesizes it, rotating the
 * given state keys, and returns its objects. Then `done()` removes the state and output.
 */
export function repeatedSynths(build: (chart: DockyardChart) => void): { run: (rotate?: string[]) => any[]; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-synths-'));
  return {
    run: (rotate = []) => {
      const app = new App({ outdir: path.join(dir, 'dist') });
      build(new DockyardChart(app, 'test', { namespace: 'ci' }));
      synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json'), rotate }));
      return parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', 'test.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    },
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Build a chart (`dockyard`, namespace `dockyard`) with `build` and synthesize it into `dir`/dist with the state
 * `dir`/state.json, under the `DOCKYARD_*` variables `env` (restored after), as `npm run synth` does on day two over
 * the previous output; returns the manifest's text.
 */
export function synthIn(dir: string, build: (chart: DockyardChart) => void, env: Record<string, string> = {}): string {
  const app = new App({ outdir: path.join(dir, 'dist') });
  build(new DockyardChart(app, 'dockyard', { namespace: 'dockyard' }));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    synthesize(app, new LocalSecretStore({ statePath: path.join(dir, 'state.json') }));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
  return fs.readFileSync(path.join(dir, 'dist', 'dockyard.k8s.yaml'), 'utf8');
}

/**
 * `fn` run in an empty working folder, for code whose defaults depend on what the working folder holds (apps/teams's
 * state: a clone may hold the state it kept before). `fn` must be synchronous: the folder is restored when it
 * returns. (Jest's default workers are processes, each with a working folder of its own.)
 */
export function inEmptyFolder<T>(fn: () => T): T {
  const cwd = process.cwd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-cwd-'));
  try {
    process.chdir(dir);
    return fn();
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The values of a generated Secrets manifest, by `<namespace>/<secret>/<key>`. */
export function secretValues(manifest: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const doc of parseAllDocuments(manifest).map((d) => d.toJS())) {
    for (const [k, v] of Object.entries(doc.stringData as Record<string, string>)) {
      out[`${doc.metadata.namespace}/${doc.metadata.name}/${k}`] = v;
    }
  }
  return out;
}

/** The message of what `act` throws, which must be a one-line ValidationError. */
export function refusal(act: () => unknown): string {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as Error).message.split('\n')).toHaveLength(1);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

/**
 * A list of the current Jobs (lib/core/current-jobs.ts) as a fenced Job's pod reads it: a fresh folder for each test
 * of the calling file, and `write`, which puts `names` in it one a line, `ageSeconds` old (its modification time, which
 * the settling reads).
 */
export function currentJobsLists(): { readonly dir: () => string; write(names: string[], ageSeconds?: number): string } {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'current-jobs-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    write(names, ageSeconds = 3600) {
      const file = path.join(dir, 'current-jobs');
      fs.writeFileSync(file, names.map((n) => `${n}\n`).join(''));
      const then = new Date(Date.now() - ageSeconds * 1000);
      fs.utimesSync(file, then, then);
      return file;
    },
  };
}

/**
 * The ServiceAccounts `names` in each of `namespaces`, as objects of the user's own: a runner policy or route may name only an
 * account the app defines in a namespace the app creates (`checkPinnedAccounts`).
 */
export function serviceAccounts(chart: Chart, namespaces: readonly string[], names: readonly string[]): void {
  for (const namespace of namespaces) {
    for (const name of names) {
      new ApiObject(chart, `Account-${namespace}-${name}`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
    }
  }
}

/**
 * A maker of temporary directories, each `<tmpdir>/<prefix>XXXXXX`, all removed after the calling file's tests
 * (`afterAll`): call it at the top of a test file.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** The README, each line break read as one space, as Markdown renders a paragraph. */
export function readmeText(): string {
  return fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8').replace(/\n/g, ' ');
}

/**
 * The README's inline code spans that start with `start`, read with each line break as one space, as Markdown renders
 * them: the refusals the README quotes, shortened with "…".
 */
export function readmeQuotes(start: string): string[] {
  const flat = readmeText();
  // from each backquote that opens `start` to the one that closes it (code blocks elsewhere keep a count of backquotes
  // from pairing them)
  return flat.split(`\`${start}`).slice(1).map((rest) => start + rest.slice(0, rest.indexOf('`')));
}

/** Whether `message` holds a README quote's parts, those its "…" leaves out in between, in their order. */
export function quotes(quote: string, message: string): boolean {
  let at = 0;
  for (const part of quote.split('…')) {
    const found = message.indexOf(part, at);
    if (found < 0 || (at === 0 && found !== 0)) return false;
    at = found + part.length;
  }
  return true;
}
