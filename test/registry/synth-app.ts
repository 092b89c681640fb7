// Synths of whole apps for the relocation tests: each into a fresh directory, with stderr captured.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, DefaultStackConfig } from '../../apps/default/config';
import { defaultStack } from '../../apps/default/stack';
import { LocalSecretStore, synthesize } from '../../lib';
import { copyKeptState, keptRsaKeys } from '../integ/rendered';

export const ROOT = path.resolve(__dirname, '../..');
const roots: string[] = [];
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

/** A fresh directory, removed after the file's tests. */
export function scratchDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockyard-relocate-all-'));
  roots.push(root);
  return root;
}

/** What a synth wrote, and what it said on stderr. */
export interface Synthesized {
  readonly outdir: string;
  readonly stderr: string;
  readonly docs: any[];
  readonly secrets: any[];
  readonly files: string[];
}

/**
 * Harbor's RSA token key and the digest key, drawn once in a test file (test/integ/rendered.ts keptRsaKeys): a draw
 * takes 1-2 s, most of a synth's time, and every stack here has a Harbor that declares the key at the same state key.
 */
const TOKEN_KEY = keptRsaKeys(() => defaultStack(new App(), DEFAULT_CONFIG));

/**
 * Build an app with `build`, synthesize it to a fresh directory, and capture stderr meanwhile. The state starts with
 * TOKEN_KEY's keys; every other value is drawn as on a new state.
 */
export function synthApp(build: (app: App) => void, env: Record<string, string> = {}): Synthesized {
  const root = scratchDir();
  const outdir = path.join(root, 'dist');
  copyKeptState(TOKEN_KEY(), path.join(root, 'state.json'));
  const { stderr } = capture(() => withEnv(env, () => {
    const app = new App({ outdir });
    build(app);
    synthesize(app, new LocalSecretStore({ statePath: path.join(root, 'state.json') }));
  }));
  const files = (fs.readdirSync(outdir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(outdir, f)).isFile()).sort();
  const load = (f: string) => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS()).filter(Boolean);
  return {
    outdir,
    stderr: stderr.replace(/^dockyard: generated .*\n/gm, ''),
    docs: files.filter((f) => /\.ya?ml$/.test(f) && !f.includes('.local.')).flatMap(load),
    secrets: load('secrets.local.yaml'),
    files,
  };
}

export function capture<T>(run: () => T): { value: T; stderr: string } {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    return { value: run(), stderr: lines.join('') };
  } finally {
    spy.mockRestore();
  }
}

export function withEnv<T>(env: Record<string, string>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
}

export function dockyardImages(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin/dockyard-images.js'), ...args], { encoding: 'utf8' });
}

export const defaults = (overrides: Partial<DefaultStackConfig> = {}): DefaultStackConfig => ({ ...DEFAULT_CONFIG, ...overrides });
export const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockyard: warning:'));
