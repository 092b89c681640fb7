import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compare } from './text';
import { describePath } from './validation';

/**
 * The files a local secret store keeps: the state (values, git-ignored, mode 0600), the key record (which keys
 * exist and their recipes, no values, committed) and the synth mutex. Every failure names the file and never
 * quotes its content, which may hold credentials.
 */

/**
 * The state entry that keys the digests of values (`secretDigest`, pod checksums): made once with the state, and
 * renewed by no rotation.
 */
export const STATE_DIGEST_KEY = '#digest-key';

/** A secret store file that cannot be used as it is; the message names the file and how to fix it. */
export class SecretStateError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SecretStateError';
  }
}

/** The values a state file keeps, by `<namespace>/<secret>/<key>` (and `<...>#inputs` fingerprints). */
export interface SecretState {
  readonly values: Record<string, string>;
  /**
   * The construct path of the Secret that declared each generated key, by its state key: a key a synth lacks is
   * then told apart as the same construct's in a namespace it moved to (`movedWithoutValues`) from another
   * stack's on the same state. Absent from states written before it was kept.
   */
  readonly declaredBy: Record<string, string>;
  /**
   * Where `DOCKYARD_MOVE` carried each kept key's value, by its state key: the key holds the value from before the
   * move, which a synth declaring it again must not take silently (the key in its new namespace may have rotated).
   */
  readonly movedTo: Record<string, string>;
  /**
   * The output directories that synths from this state wrote, as absolute paths: a rotation names the others, whose
   * Secrets still hold the old values until their stacks are synthesized again. Absent from states written before
   * it was kept.
   */
  readonly outputs: readonly string[];
  /**
   * What each Harbor robot key declared since it was kept was declared for (`onDeclaredFor`): `team`, a
   * TeamPlatform's team, which the platform warns of when its team leaves unretired; `harbor`, the Harbor's own
   * robot, which Harbor warns of. Absent for a key only an earlier release declared (and from states written before
   * it was kept): a review reads that as unknown (lib/harbor/left-robots.ts).
   */
  readonly declaredFor: Record<string, string>;
}

/** The key record: every root key and its recipe, e.g. `alphanumeric(32)`. */
export interface KeyRecord {
  readonly keys: Record<string, string>;
}

/** Read a JSON file that must hold an object, or undefined when it does not exist. */
function readJson(file: string, what: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err: any) {
    if (err.code === 'ENOENT') {
      return undefined;
    }
    throw new SecretStateError(`cannot read the ${what} ${describePath(file)}: ${err.code === 'EISDIR' ? 'it is a directory' : err.code ?? 'unreadable'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Node's SyntaxError quotes the text around the fault, which may be a password or a key: never pass it on
    throw new SecretStateError(`the ${what} ${describePath(file)} is not valid JSON (truncated or edited?); restore it from your backup. Its content is not shown, for it may hold credentials`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretStateError(`the ${what} ${describePath(file)} does not hold a JSON object; restore it from your backup`);
  }
  return parsed as Record<string, unknown>;
}

/** A map of strings from `raw[field]`, naming each bad entry by key only. */
function stringMap(raw: Record<string, unknown>, field: string, file: string, what: string): Record<string, string> {
  const map = raw[field];
  if (Number.isInteger(raw.version) && (raw.version as number) > 1) {
    // not damaged: a later release wrote it, which may keep what this one would drop on its next write
    throw new SecretStateError(`the ${what} ${describePath(file)} is version ${raw.version}, written by a later release of Dockyard ` +
      `than this one, which reads version 1: synthesize with that release, or restore a version 1 ${what} from your backup`);
  }
  if (raw.version !== 1 || typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new SecretStateError(`the ${what} ${describePath(file)} is not a version 1 ${what} with a "${field}" object; restore it from your backup`);
  }
  return map as Record<string, string>;
}

/** Load the state at `file`; a missing file is an empty state. Entries are checked against recipes later. */
export function loadState(file: string): SecretState | undefined {
  const raw = readJson(file, 'secret state');
  if (raw === undefined) {
    return undefined;
  }
  tightenMode(file);
  const outputs = Array.isArray(raw.outputs) && raw.outputs.every((o) => typeof o === 'string') ? [...raw.outputs as string[]] : [];
  return {
    values: { ...stringMap(raw, 'values', file, 'secret state') }, declaredBy: optionalStringMap(raw.declaredBy), movedTo: optionalStringMap(raw.movedTo),
    outputs, declaredFor: optionalStringMap(raw.declaredFor),
  };
}

/** A map of strings kept beside the values, advisory: anything else reads as none (a state written before it). */
function optionalStringMap(map: unknown): Record<string, string> {
  const valid = typeof map === 'object' && map !== null && !Array.isArray(map) && Object.values(map).every((v) => typeof v === 'string');
  return valid ? { ...map as Record<string, string> } : {};
}

/** Load the key record at `file`, or undefined when there is none yet. */
export function loadKeyRecord(file: string): KeyRecord | undefined {
  const raw = readJson(file, 'key record');
  if (raw === undefined) {
    return undefined;
  }
  const keys = stringMap(raw, 'keys', file, 'key record');
  for (const [k, v] of Object.entries(keys)) {
    if (typeof v !== 'string') {
      throw new SecretStateError(`the key record ${describePath(file)} has a recipe for ${JSON.stringify(k)} that is not a string; restore it from git`);
    }
  }
  return { keys: { ...keys } };
}

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compare(a, b)));
}

/** The text of a state file: sorted, so an unchanged state is byte-identical. */
export function stateText(state: SecretState): string {
  const movedTo = Object.keys(state.movedTo).length > 0 ? { movedTo: sorted(state.movedTo) } : {};
  const outputs = state.outputs.length > 0 ? { outputs: [...state.outputs].sort(compare) } : {};
  const declaredFor = Object.keys(state.declaredFor).length > 0 ? { declaredFor: sorted(state.declaredFor) } : {};
  return JSON.stringify({ version: 1, values: sorted(state.values), declaredBy: sorted(state.declaredBy), ...movedTo, ...outputs, ...declaredFor },
    undefined, 2) + '\n';
}

/** The text of a key record: sorted, with a note for whoever opens it. */
export function keyRecordText(record: KeyRecord): string {
  return JSON.stringify({
    version: 1,
    about: 'Which generated credentials exist and how each is made; no values. Commit this file. ' +
      'A synth fails when the secret state lacks a key listed here: restore the state, or rotate on purpose (DOCKYARD_ROTATE).',
    keys: sorted(record.keys),
  }, undefined, 2) + '\n';
}

/** A state readable by others is made private again, and the operator is told. */
function tightenMode(file: string): void {
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
    process.stderr.write(`dockyard: warning: ${describePath(file)} was readable by others (mode ${mode.toString(8).padStart(4, '0')}); it is now 0600\n`);
  }
}

/**
 * Write `content` to `file` atomically (a temporary file renamed over it), so a crash never leaves half a file;
 * the temporary file is removed on every path. `mode` 0600 keeps credentials to their owner.
 */
export function writeAtomically(file: string, content: string, mode: number = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content, { mode });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Whether a process with `pid` runs on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: any) {
    return err.code === 'EPERM';
  }
}

/**
 * Run `fn` holding an exclusive lock file at `file`, so two synths sharing a state never interleave their reads
 * and writes. A lock left by a process that no longer runs on this host is taken over; one held by a live process
 * is waited for up to `timeoutMs`.
 */
export function withMutex<T>(file: string, timeoutMs: number, fn: () => T): T {
  // the first folder this made, if any: a first synth that fails leaves no empty `.dockyard/` behind it
  const made = fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const me = `${process.pid}@${os.hostname()}\n`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err: any) {
      if (err.code === 'ENOENT' && Date.now() < deadline) {
        // another synth's failed first run removed the folder it had made, between our two calls
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        continue;
      }
      if (err.code !== 'EEXIST') {
        throw new SecretStateError(`cannot create the synth lock ${describePath(file)}: ${err.code ?? 'error'}`);
      }
    }
    let holder = '';
    try {
      holder = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released between our two calls
    }
    const [pid, host] = holder.trim().split('@');
    if (host === os.hostname() && /^\d+$/.test(pid) && !alive(Number(pid))) {
      fs.rmSync(file, { force: true }); // its synth died: the state it guarded was written atomically or not at all
      continue;
    }
    if (Date.now() >= deadline) {
      throw new SecretStateError(`another synth (${holder.trim() || 'unknown'}) holds ${describePath(file)}; wait for it to finish, ` +
        'or remove the file if no synth is running');
    }
    Atomics.wait(sleeper, 0, 0, 50);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(file, { force: true });
    if (made !== undefined) removeEmptyFolders(path.dirname(file), made);
  }
}

/** Remove `from` and the folders above it up to `upTo`, each while it is empty (what a failed first synth made). */
function removeEmptyFolders(from: string, upTo: string): void {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // not empty: it holds the state, or another synth's lock
    }
    if (path.resolve(dir) === path.resolve(upTo) || path.dirname(dir) === dir) return;
  }
}
