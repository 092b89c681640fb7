import { sha256, shortHash } from '../core/hash';
import { compare } from '../core/text';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Image, invalid, Resources, SecretKey } from '../core';
import { MAX_JOB_NAME, maxJobNamePrefix } from '../core/deployment';
import { EnvVars } from '../core/env';
import { currentJobsConfigMap, currentJobsEnv, currentJobsVolume } from '../core/current-jobs';
import { templateNamedJob } from '../core/job';
import { kube } from '../core/k8s';
import { PodFirewall } from '../core/network';
import { podTemplate } from '../core/pod';
import { componentName, componentPlacement, componentUrl, HarborContext, LIBRARY } from './context';
import { DesiredState } from './configuration';
import { scriptCode } from './script-code';
import { gcScheduleStep } from './rotation-steps';

/** A pinned Node.js image for the configuration script, which needs nothing but Node's standard library. */
export const CONFIGURE_IMAGE = Image.of('docker.io/library/node:22.12.0-alpine');

/**
 * The most projects one chunk of the configuration declares. With two robots a team, a chunk of 50 teams also
 * reaches `CHUNK_MAX_SECRETS`; either bound splits it.
 */
export const CHUNK_MAX_PROJECTS = 50;

/**
 * The hex digits of a chunk's index that Harbor's `name` leaves room for in its Job's name: indexes below 2^16, a trie
 * up to 15 levels deep, which holds hundreds of thousands of projects. A project with more robots than one chunk
 * holds splits deeper (its robots share its key's first 41 bits); `chunks()` refuses a Job name that then outgrows
 * `MAX_JOB_NAME`.
 */
const CHUNK_INDEX_DIGITS = 4;

/**
 * What a configure Job's name adds to Harbor's `name` before its `-<8 hex>` hash, at most:
 * `-configure[-<chunk index, hex>]`. Harbor's name leaves room for it: `maxJobNamePrefix(CONFIGURE_JOB_SUFFIX)`.
 */
export const CONFIGURE_JOB_SUFFIX = '-configure-'.length + CHUNK_INDEX_DIGITS;
/**
 * The most secrets (robot secrets, upstream registry passwords) one chunk's Job reads: one variable each, plus the
 * five every Job has, so no Job has more than 105 variables.
 */
export const CHUNK_MAX_SECRETS = 100;
/**
 * The most bytes of `config.json` one chunk holds, so that its ConfigMap stays well under 64 KiB. A single robot or
 * project larger than this (a robot with hundreds of permissions) gets a chunk of its own, which may be larger.
 */
export const CHUNK_MAX_BYTES = 48 * 1024;

// Chunk keys: 1 bit for the first chunks (proxy caches, their registries, "library"), 40 bits of the hash of the
// unit's project, 1 bit that puts the project before its robots, 40 bits of the hash of a robot's name. Collisions
// are harmless: items that share a key share a chunk, which may then exceed the bounds.
const HASH_BITS = 40;
const KEY_BITS = 1 + HASH_BITS + 1 + HASH_BITS;
// The key of the OIDC settings and of Harbor's other settings: all zeros, which the first chunk in key order always
// holds, so that exactly one Job, the one that keeps the plain name, applies them
const FIRST_CHUNK_KEY = '0'.repeat(KEY_BITS);
// The variable of the OIDC client secret
const OIDC_SECRET_ENV = 'OIDC_CLIENT_SECRET';
// config.json without items: the braces, the three keys and their brackets
const CONFIG_OVERHEAD_BYTES = 64;
// what every item line costs besides its JSON: 4 spaces of indent, "," and a line break
const ITEM_LINE_BYTES = 6;

/** One declared item, placed in a chunk as a whole: a project (with its registry), or a robot. */
interface Entry {
  readonly key: string;
  /** A proxy cache's registry endpoint, without its `accessSecretEnv`, which each chunk names. */
  readonly registry?: Record<string, unknown>;
  readonly project?: object;
  /** Without its `secretEnv`, which each chunk names. */
  readonly robot?: object;
  /** Whether the robot may push to Harbor's "library" (`LIBRARY`), which its Job warns of while library is public. */
  readonly pushesToLibrary?: boolean;
  /** The registry's password or the robot's secret. */
  readonly secret?: SecretKey;
  /** A retired robot's name. */
  readonly retired?: string;
  /** The name of a retired project, whose group members are removed. */
  readonly retiredGroups?: string;
  /** Harbor's OIDC settings, without the variable of their client secret (`secret`), which the chunk names. */
  readonly oidc?: object;
  /** Harbor-wide settings (who may create projects), in the first chunk only. */
  readonly settings?: object;
  /** The garbage collection schedule, in the first chunk only. */
  readonly gc?: object;
  /** The audit log purge schedule, in the first chunk only. */
  readonly audit?: object;
  /** Secrets the Job does not read but whose change must run it again: what Harbor keeps with the `gc` schedule. */
  readonly captured?: readonly SecretKey[];
  readonly bytes: number;
}

/** A node of the chunk trie: a leaf holds entries in declaration order (rendered in key order), an inner node two halves by the next key bit. */
interface TrieNode {
  readonly depth: number;
  /** 1 for the root, `2i + bit` for the children of node `i`: a number that names exactly one prefix. */
  readonly index: bigint;
  entries?: Entry[];
  children?: [TrieNode | undefined, TrieNode | undefined];
  projects: number;
  secrets: number;
  bytes: number;
}

/** One chunk as it renders: its name, its state and its secrets. */
export interface ConfigureChunk {
  /** The chunk's name: its ConfigMap's name adds a hash of `config`, its Job's a hash of the Job's pod template. */
  readonly name: string;
  /** What it applies, with the variables of its secrets. */
  readonly state: DesiredState;
  /** `state` as its ConfigMap holds it, `config.json` (`configText`). */
  readonly config: string;
  /** The name of its ConfigMap: `<name>-<8 hex of config>`. */
  readonly configMap: string;
  /** Its secrets, by variable, in the order the Job reads them. */
  readonly secrets: ReadonlyArray<readonly [string, SecretKey]>;
  /** Secrets its Job's name depends on without reading them (`Entry.captured`). */
  readonly captured: readonly SecretKey[];
}

/** Each hex digit's four bits, as a string of `0` and `1`, by the digit. */
const NIBBLE_BITS: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 16 }, (_, i) => [i.toString(16), i.toString(2).padStart(4, '0')]));

/** The first `count` bits (at most 256) of the SHA-256 of `text`, as a string of `0` and `1`. */
function bits(text: string, count: number): string {
  // digit by digit from the hex digest, a table lookup each: thousands of keys a synth (a project's and each robot's)
  const hex = sha256(text);
  let out = '';
  for (let i = 0; out.length < count; i++) {
    out += NIBBLE_BITS[hex[i]];
  }
  return out.slice(0, count);
}

/** Bit `depth` of an entry's key: 0 or 1. */
function keyBit(entry: Entry, depth: number): 0 | 1 {
  return entry.key.charCodeAt(depth) === 0x31 ? 1 : 0;
}

function bytesOf(value: object): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8') + ITEM_LINE_BYTES;
}

function over(node: TrieNode): boolean {
  return node.projects > CHUNK_MAX_PROJECTS || node.secrets > CHUNK_MAX_SECRETS || node.bytes > CONFIG_OVERHEAD_BYTES + CHUNK_MAX_BYTES;
}

function leaf(depth: number, index: bigint, entries: Entry[]): TrieNode {
  const node: TrieNode = { depth, index, entries: [], projects: 0, secrets: 0, bytes: 0 };
  entries.forEach((e) => put(node, e));
  return node;
}

function put(node: TrieNode, e: Entry): void {
  node.entries!.push(e);
  node.projects += e.project ? 1 : 0;
  node.secrets += e.secret ? 1 : 0;
  node.bytes += e.bytes;
}

/**
 * The declared state split into chunks of bounded size: a binary trie over the entries' keys (extendible hashing).
 * A chunk is the set of entries whose key starts with its prefix; one that outgrows a bound splits in two by the
 * next bit of the key. So the chunks depend on the set of declared names only, not on the order of declaration,
 * and a new entry changes the one chunk its key falls in (or splits it in two, or starts a new one); every other
 * chunk, and its Job, stays byte for byte the same. A key starts with a hash of the entry's unit: a project with the
 * robots whose first permission names it, so a team's robots are normally applied by the Job that creates its
 * project. Sorted order would shift every chunk after an inserted name, and declaration order every chunk after a
 * removed or inserted one; hashing shifts nothing.
 *
 * Inserting is O(key length), splitting O(chunk size), and each entry moves in at most `KEY_BITS` splits: building the
 * layout is linear in the number of entries.
 */
class ChunkTrie {
  private readonly root: TrieNode = leaf(0, 1n, []);
  private leafCount = 1;

  /** The chunks there are, at least one: it never decreases, as entries are only ever added. */
  public get size(): number {
    return this.leafCount;
  }

  public add(entry: Entry): void {
    let node = this.root;
    while (node.children) {
      const bit = keyBit(entry, node.depth);
      const child = node.children[bit];
      if (!child) {
        node.children[bit] = leaf(node.depth + 1, node.index * 2n + BigInt(bit), [entry]);
        this.leafCount++;
        return;
      }
      node = child;
    }
    put(node, entry);
    this.split(node);
  }

  /**
   * The chunks in key order, each named after the highest node whose first chunk it is: the first chunk of all
   * (the root's) keeps the plain name, and when a chunk splits, its first half keeps its name.
   */
  public chunks(): Array<{ index: bigint; entries: Entry[] }> {
    const out: Array<{ index: bigint; entries: Entry[] }> = [];
    const visit = (node: TrieNode, name: bigint) => {
      if (node.entries) {
        out.push({ index: name, entries: node.entries });
        return;
      }
      const [first, second] = node.children!.filter((c): c is TrieNode => c !== undefined);
      visit(first, name);
      if (second) {
        visit(second, second.index);
      }
    };
    visit(this.root, this.root.index);
    return out;
  }

  private split(node: TrieNode): void {
    if (!over(node) || node.entries!.length < 2 || node.depth >= KEY_BITS) {
      return;
    }
    const halves: [Entry[], Entry[]] = [[], []];
    // in declaration order, which each half keeps
    node.entries!.forEach((e) => halves[keyBit(e, node.depth)].push(e));
    node.entries = undefined;
    node.children = [undefined, undefined];
    for (const bit of [0, 1]) {
      if (halves[bit].length > 0) {
        node.children[bit] = leaf(node.depth + 1, node.index * 2n + BigInt(bit), halves[bit]);
      }
    }
    this.leafCount += node.children.filter((c) => c).length - 1;
    node.children.forEach((c) => c && this.split(c));
  }
}

/**
 * The text of `config.json`: one item a line, so that a diff shows what changed. `retiredRobots`,
 * `retiredProjectGroups`, `oidc`, `settings`, `gc` (the first chunk's) and `libraryDeclared` are written only when there are any, so a
 * chunk without them reads as it did before they existed.
 */
export function configText(state: DesiredState): string {
  const list = (items: readonly unknown[]) => (items.length === 0 ? '[]' : `[\n${items.map((i) => `    ${JSON.stringify(i)}`).join(',\n')}\n  ]`);
  const optional = (key: string, items: readonly unknown[] | undefined) => (items !== undefined && items.length > 0 ? `,\n  ${JSON.stringify(key)}: ${list(items)}` : '');
  const retired = optional('retiredRobots', state.retiredRobots) + optional('retiredProjectGroups', state.retiredProjectGroups) +
    optional('leftProjects', state.leftProjects);
  const oidc = state.oidc !== undefined ? `,\n  "oidc": ${JSON.stringify(state.oidc)}` : '';
  const settings = state.settings !== undefined ? `,\n  "settings": ${JSON.stringify(state.settings)}` : '';
  const gc = state.gc !== undefined ? `,\n  "gc": ${JSON.stringify(state.gc)}` : '';
  const audit = state.audit !== undefined ? `,\n  "audit": ${JSON.stringify(state.audit)}` : '';
  const library = state.libraryDeclared === true ? ',\n  "libraryDeclared": true' : '';
  return `{\n  "registries": ${list(state.registries)},\n  "projects": ${list(state.projects)},\n  "robots": ${list(state.robots)}${retired}${oidc}${settings}${gc}${audit}${library}\n}\n`;
}

/**
 * The Jobs that apply the declared registries, projects and robots through Harbor's API, retrying until Harbor
 * answers. The declared state is split into chunks (`ChunkTrie`): each has a ConfigMap with its part of the state
 * and a Job that reads only its own secrets, so no object grows with the number of projects and robots past
 * `CHUNK_MAX_PROJECTS`, `CHUNK_MAX_SECRETS` and `CHUNK_MAX_BYTES`, and a rotated robot secret runs one Job again.
 * The script is in one ConfigMap that every Job mounts. The Jobs run at the same time; a robot whose project
 * another chunk creates waits for it (lib/harbor/configure.js, "Chunks").
 *
 * Both ConfigMaps are named by their content (`<name>-configure-script-<hash>`, `<chunk>-<hash>`), as the
 * PostgreSQL reconciler's script is: a Job still retrying an older state keeps reading its own script and state.
 * The script's hash leaves out its comment lines (`scriptCode`): a release that only rewords them changes the
 * ConfigMap in place, which a running Job may then read, doing the same.
 * With fixed names it would read the new `config.json` with its old environment, where a robot's variable may hold
 * another robot's secret (after a robot is removed, the variables after it are renumbered), and set it.
 *
 * Nor does such a Job, still retrying once its successor is done, apply its older state after the newer one (a robot
 * secret set back, a retired robot or group back): every Job mounts a ConfigMap of a fixed name,
 * `<name>-configure-jobs`, listing the current Jobs, and reads its own name from its pod's `job-name` label. The
 * kubelet projects each new list into running pods too, so an earlier Job finds itself left out and writes nothing
 * more, and each Job's first write waits until its copy of the list is old enough for every earlier Job to have seen
 * it (lib/harbor/configure.js, "Superseded runs"). Nothing has to order two states: their names are hashes, and a time
 * or counter would make the synth depend on when or where it ran; being listed is enough.
 *
 * Each Job is idempotent, and its name carries a hash of its pod template as it renders (`templateNamedJob`: the
 * content-named ConfigMaps, the relocated image, its pull secrets, its labels, Harbor's version among them, its
 * environment) and of a digest of the secrets it sets (which reveals nothing of the values): Kubernetes refuses any
 * change to a Job's pod template, so any change, a rotated secret included, runs a new Job. Finished Jobs are
 * removed after ten minutes, so that applying an earlier state again (a reverted change, a restored secret state)
 * runs its Job anew rather than finding it completed.
 *
 * They need no Kubernetes API access: robot secrets are generated by the secret source and set on the robots, and
 * the pull Secrets are rendered from the same values.
 */
export class ConfigureJobs extends Construct {
  private readonly trie = new ChunkTrie();
  private readonly slots: ConfigureJob[] = [];
  // "library" is Harbor's own project; robots that name it or a proxy cache first go with the first chunks
  private readonly firstUnits = new Set([LIBRARY]);
  /** Whether `library` is declared (`Harbor.declareLibrary`): the chunks of robots that push there say so (`render`). */
  private libraryDeclared = false;
  private readonly unitHashes = new Map<string, string>();
  private readonly scriptName: string;
  private layout?: ConfigureChunk[];
  /** The projects that left the code (`watchLeftProjects`), as the layout was rendered with them. */
  private layoutLeft?: string;
  private leftProjects: () => readonly string[] = () => [];

  public constructor(scope: Construct, id: string, private readonly ctx: HarborContext) {
    super(scope, id);
    const { namespace, labels, selector } = componentPlacement(this, ctx, 'configure');
    // the script without its comment lines (script-code.ts), which are most of its explanation and some 40% of its
    // size: the object, the largest of Harbor's and the same at any number of teams, stays far under the 256 KiB a
    // client-side apply stores, and its comments are read in lib/harbor/configure.js, not in the cluster. Named by that
    // content, as each chunk's ConfigMap is (see above), so a release that only rewords a comment changes nothing
    const code = scriptCode(fs.readFileSync(path.join(__dirname, 'configure.js'), 'utf8'));
    this.scriptName = `${componentName(ctx, 'configure-script')}-${shortHash(code)}`;
    kube(this, 'Script', 'ConfigMap', { metadata: { name: this.scriptName, namespace, labels }, data: { 'configure.js': code } });
    // the current Jobs, before them in the manifest so that an apply replaces it first; its name is fixed, so the
    // kubelet brings each new list into the running pods of earlier Jobs (see above)
    currentJobsConfigMap(this, 'CurrentJobs', { name: currentJobsName(ctx), namespace, labels, jobs: () => this.slots.map((slot) => slot.job) });
    // the Jobs call out to core; nothing calls in
    new PodFirewall(this, 'NetworkPolicy', { name: componentName(ctx, 'configure'), namespace, podLabels: selector });
    this.addSlots();
  }

  /** Declare a project; for a proxy cache, with its registry endpoint and the upstream's password, if any. */
  public addProject(name: string, project: object, registry?: Record<string, unknown>, password?: SecretKey): void {
    if (registry) {
      this.firstUnits.add(name);
    }
    if (name === LIBRARY) {
      this.libraryDeclared = true;
    }
    password?.selectorFor(this.ctx.namespace);
    const entry = { registry, project, secret: password };
    const sized = registry ? { ...registry, accessSecretEnv: password ? 'UPSTREAM_999_PASSWORD' : null } : undefined;
    this.add({ ...entry, key: this.unitKey(name).padEnd(KEY_BITS, '0'), bytes: bytesOf(project) + (sized ? bytesOf(sized) : 0) });
  }

  /**
   * Declare a robot that goes with the project `unit` (its first permission's), and the secret the Job sets on it.
   * `pushesToLibrary`: whether it may push to Harbor's "library", which may then be declared in another chunk.
   */
  public addRobot(name: string, robot: object, unit: string, secret: SecretKey, pushesToLibrary = false): void {
    secret.selectorFor(this.ctx.namespace);
    const key = `${this.unitKey(unit)}1${bits(`robot:${name}`, HASH_BITS)}`;
    this.add({ key, robot, secret, pushesToLibrary, bytes: bytesOf({ ...robot, secretEnv: 'ROBOT_999_SECRET' }) });
  }

  /**
   * Declare a system-level robot to delete (`Harbor.retireRobot`). It goes in the chunk its own name's hash falls in
   * (a declared robot goes with the project of its first permission instead, which a retired one no longer names):
   * one chunk's Job runs again. Harbor refuses to declare and retire one name, so no two Jobs disagree about a robot.
   */
  public retireRobot(name: string): void {
    this.add({ key: `${this.unitKey(name)}1${bits(`robot:${name}`, HASH_BITS)}`, retired: name, bytes: bytesOf([name]) });
  }

  /**
   * Declare a project whose group members to remove (`Harbor.retireProjectGroups`). It goes where the project's own
   * key puts it, the chunk that held the project while it was declared, as long as the layout has not split it since:
   * then the one Job whose project left runs again with the retirement. Harbor refuses to declare and retire one
   * project, so no two Jobs disagree about its groups.
   */
  public retireProjectGroups(name: string): void {
    this.add({ key: this.unitKey(name).padEnd(KEY_BITS, '0'), retiredGroups: name, bytes: bytesOf([name]) });
  }

  /**
   * Declare Harbor's OIDC settings (`HarborProps.oidc`) and their client secret. They go in the first chunk, whose Job
   * keeps the plain name (`FIRST_CHUNK_KEY`): one Job sets them, and a change of them, or of the secret, runs it again.
   */
  public setOidc(oidc: object, secret: SecretKey): void {
    secret.selectorFor(this.ctx.namespace);
    this.add({ key: FIRST_CHUNK_KEY, oidc, secret, bytes: bytesOf({ oidc: { ...oidc, clientSecretEnv: OIDC_SECRET_ENV } }) });
  }

  /**
   * Declare Harbor's own settings (`HarborProps.usersCreateProjects`). Every Harbor declares them, so the first chunk's
   * Job always applies them, and, as the one Job that knows whether `oidc` is declared, warns while Harbor is in
   * `oidc_auth` without it (lib/harbor/configure.js, "Settings" and "OIDC"). Called once.
   */
  public setSettings(settings: object): void {
    this.add({ key: FIRST_CHUNK_KEY, settings, bytes: bytesOf({ settings }) });
  }

  /**
   * Declare the garbage collection schedule (`HarborProps.garbageCollection`) in the first chunk. Harbor keeps core's
   * registry cache URL, password included, and core's URL with a saved schedule, and reads neither again
   * (`HarborGarbageCollection`): `gc.captures` names the URLs, without the password, and `captured`
   * the passwords, which the Job does not read but its name digests (`templateNamedJob`), so that a move of the cache
   * or a rotation of its password runs the Job again, which saves the schedule anew. Called once.
   */
  public setGarbageCollection(gc: object, captured: readonly SecretKey[]): void {
    captured.forEach((key) => {
      key.selectorFor(this.ctx.namespace);
      // the Job runs at the apply, while core rolls, and an old core pod may save the old password: the synth that
      // rotates it says how to run the Job again once core has rolled (lib/harbor/rotation-steps.ts)
      gcScheduleStep(this, this.ctx, key, currentJobsName(this.ctx));
    });
    this.add({ key: FIRST_CHUNK_KEY, gc, captured, bytes: bytesOf({ gc }) });
  }

  /**
   * Declare the audit log purge schedule (`HarborProps.auditLogRetention`) in the first chunk, whose Job saves it on
   * every run. Called once.
   */
  public setAuditLogRetention(audit: object): void {
    this.add({ key: FIRST_CHUNK_KEY, audit, bytes: bytesOf({ audit }) });
  }

  /**
   * Name the projects that left the code without a retirement (lib/core/left-names.ts), known only as the synth
   * renders, from its previous output. They go in the first chunk, whose Job warns of each that is public in Harbor
   * (lib/harbor/configure.js, "Left projects"); not in the chunk trie, which takes entries only while the code
   * declares them, as each may add a Job. A few names, which the chunk bounds do not count.
   */
  public watchLeftProjects(left: () => readonly string[]): void {
    this.leftProjects = left;
    this.layout = undefined;
  }

  /** The chunks as they render, in the order of their Jobs. */
  public chunks(): ConfigureChunk[] {
    const left = this.leftProjects();
    const leftKey = JSON.stringify(left);
    if (!this.layout || this.layoutLeft !== leftKey) {
      this.layoutLeft = leftKey;
      const base = componentName(this.ctx, 'configure');
      this.layout = this.trie.chunks().map(({ index, entries }) => {
        const name = index === 1n ? base : `${base}-${index.toString(16)}`;
        // what this chunk's name adds to Harbor's, before the Job's "-<8 hex>"
        const suffix = name.length - this.ctx.name.length;
        if (this.ctx.name.length > maxJobNamePrefix(suffix)) {
          invalid('name', this.ctx.name, `is too long for the configure Job of chunk ${name}: a Job's name labels its pods, so is at ` +
            `most ${MAX_JOB_NAME} characters; a project with this many robots needs a Harbor name of at most ${maxJobNamePrefix(suffix)}`);
        }
        return render(name, entries, index === 1n ? left : [], this.libraryDeclared);
      });
    }
    return this.layout;
  }

  private add(entry: Entry): void {
    this.trie.add(entry);
    this.layout = undefined;
    this.addSlots();
  }

  /** One ConfigMap and Job a chunk: chunks only ever split or start, so there are only ever more of them. */
  private addSlots(): void {
    while (this.slots.length < this.trie.size) {
      const i = this.slots.length;
      this.slots.push(new ConfigureJob(this, `Chunk${i}`, this.ctx, { scriptName: this.scriptName, chunk: () => this.chunks()[i] }));
    }
  }

  private unitKey(project: string): string {
    // a team's project and both its robots share the project's hash: made once
    let hash = this.unitHashes.get(project);
    if (hash === undefined) {
      hash = bits(`project:${project}`, HASH_BITS);
      this.unitHashes.set(project, hash);
    }
    return `${this.firstUnits.has(project) ? '0' : '1'}${hash}`;
  }
}

/**
 * A chunk's state and secrets, with variables numbered within the chunk. A chunk with a robot that may push to
 * Harbor's "library", declared (`libraryDeclared`) in another chunk, says so (`libraryDeclared: true`): its Job then
 * knows that the other Job sets library's visibility, and warns of no public library (lib/harbor/configure.js,
 * "Public library"). A robot goes with the project of its first permission, which need not be library's.
 */
function render(name: string, entries: readonly Entry[], leftProjects: readonly string[], libraryDeclared: boolean): ConfigureChunk {
  const state = { registries: [] as object[], projects: [] as object[], robots: [] as object[] };
  const retiredRobots: string[] = [];
  const retiredProjectGroups: string[] = [];
  const secrets: Array<readonly [string, SecretKey]> = [];
  let oidc: object | undefined;
  let settings: object | undefined;
  let gc: object | undefined;
  let audit: object | undefined;
  const captured: SecretKey[] = [];
  let pushesToLibrary = false;
  // in key order, not the order declared: a team's project and robots sit where their names' hashes put them, so the
  // order of the addTeam calls changes no chunk (the trie already places entries by key); the project's key sorts
  // before its robots', and Harbor gets every project of a chunk before its robots anyway (configure.js)
  for (const e of [...entries].sort((a, b) => compare(a.key, b.key))) {
    if (e.retired !== undefined) {
      retiredRobots.push(e.retired);
    }
    if (e.retiredGroups !== undefined) {
      retiredProjectGroups.push(e.retiredGroups);
    }
    if (e.settings) {
      settings = e.settings;
    }
    if (e.gc) {
      gc = e.gc;
      captured.push(...e.captured ?? []);
    }
    if (e.audit) {
      audit = e.audit;
    }
    if (e.oidc) {
      oidc = { ...e.oidc, clientSecretEnv: OIDC_SECRET_ENV };
      secrets.push([OIDC_SECRET_ENV, e.secret!]);
    }
    if (e.registry) {
      const env = e.secret ? `UPSTREAM_${state.registries.length}_PASSWORD` : null;
      state.registries.push({ ...e.registry, accessSecretEnv: env });
      if (env) {
        secrets.push([env, e.secret!]);
      }
    }
    if (e.project) {
      state.projects.push(e.project);
    }
    if (e.robot) {
      const env = `ROBOT_${state.robots.length}_SECRET`;
      state.robots.push({ ...e.robot, secretEnv: env });
      secrets.push([env, e.secret!]);
      pushesToLibrary ||= e.pushesToLibrary === true;
    }
  }
  // no key in the chunk that declares library, nor in one no robot of which pushes there: their config.json stays as it was
  const libraryElsewhere = libraryDeclared && pushesToLibrary && !state.projects.some((p) => (p as { name?: string }).name === LIBRARY);
  // no key for none: the chunk's config.json stays as it was before retirements and OIDC existed
  const rendered = {
    ...state, ...(retiredRobots.length > 0 ? { retiredRobots } : {}),
    ...(retiredProjectGroups.length > 0 ? { retiredProjectGroups } : {}), ...(leftProjects.length > 0 ? { leftProjects: [...leftProjects] } : {}),
    ...(oidc ? { oidc } : {}), ...(settings ? { settings } : {}),
    ...(gc ? { gc } : {}), ...(audit ? { audit } : {}), ...(libraryElsewhere ? { libraryDeclared: true } : {}),
  };
  const config = configText(rendered);
  return { name, state: rendered, config, configMap: `${name}-${shortHash(config)}`, secrets, captured };
}

/** What a chunk's Job is built from. */
interface ConfigureJobProps {
  /** The script's ConfigMap, named by its content. */
  readonly scriptName: string;
  /** The chunk it applies, known once every item is declared. */
  readonly chunk: () => ConfigureChunk;
}

/** The environment of a chunk's Job, built when it renders: its secrets are known only once every item is declared. */
class ChunkEnv extends EnvVars {
  public constructor(namespace: string, private readonly build: () => EnvVars) {
    super(namespace);
  }

  /** @internal */
  public _toKube() {
    return this.build()._toKube();
  }
}

/** The fixed name of the ConfigMap that lists the current configure Jobs. */
function currentJobsName(ctx: Pick<HarborContext, 'name'>): string {
  return componentName(ctx, 'configure-jobs');
}

/** Where every Job mounts the script, its chunk's state and the list of the current Jobs. */
const CONFIG_DIR = '/etc/harbor-configure';

/** The ConfigMap and Job of one chunk; which chunk, and so its names and content, is settled when it renders. */
class ConfigureJob extends Construct {
  /** The chunk's Job, named as it renders. */
  public readonly job: ApiObject;

  public constructor(scope: Construct, id: string, ctx: HarborContext, props: ConfigureJobProps) {
    super(scope, id);
    const { namespace, labels } = componentPlacement(this, ctx, 'configure');
    const configMap = () => props.chunk().configMap;
    // the secrets it reads, and those whose change must run it again though it does not read them (`captured`)
    const keys = () => [ctx.credentials.adminPassword, ...props.chunk().secrets.map(([, key]) => key), ...props.chunk().captured];
    const env = new ChunkEnv(namespace, () => {
      const vars = new EnvVars(namespace);
      vars.value('HARBOR_URL', componentUrl(ctx, 'core', 80));
      vars.secret('HARBOR_ADMIN_PASSWORD', ctx.credentials.adminPassword);
      vars.value('CONFIG_FILE', `${CONFIG_DIR}/config.json`);
      currentJobsEnv(vars);
      props.chunk().secrets.forEach(([variable, key]) => vars.secret(variable, key));
      return vars;
    });
    kube(this, 'Config', 'ConfigMap', {
      metadata: { name: Lazy.any({ produce: configMap }), namespace, labels },
      data: { 'config.json': Lazy.any({ produce: () => props.chunk().config }) },
    });
    const listed = currentJobsVolume(currentJobsName(ctx));
    const template = podTemplate(this, labels, {
      namespace,
      // the node user of the official image
      runAs: { user: 1000, group: 1000 },
      containers: [{
        name: 'configure',
        image: CONFIGURE_IMAGE,
        command: ['node', `${CONFIG_DIR}/configure.js`],
        env,
        // the whole directory, never a subPath: the kubelet updates only whole projected volumes in running pods
        mounts: [{ volume: 'config', path: CONFIG_DIR, readOnly: true }, listed.mount],
        resources: Resources.of({ cpuRequest: '50m', cpuLimit: '200m', memoryRequest: '64Mi', memoryLimit: '128Mi' }),
      }],
      // the shared script and this chunk's state side by side; the current Jobs in a volume of their own, which an
      // earlier state's content-named ConfigMaps, gone, cannot keep from updating (currentJobsVolume)
      volumes: [{
        name: 'config',
        projected: {
          sources: [{ configMap: { name: props.scriptName } }, { configMap: { name: Lazy.any({ produce: configMap }) as unknown as string } }],
        },
      }, listed.volume],
    });
    // a Job's pod template is immutable: the Job is named by its template as it renders (which names the script and
    // the state by their content) and by the digest of the secrets it sets, which the template only names
    this.job = templateNamedJob(this, 'Resource', {
      name: (templateHash, secretsDigest) => `${props.chunk().name}-${shortHash(`${templateHash}\n${secretsDigest}`)}`,
      secrets: keys,
      namespace,
      labels,
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 3600,
        // a failed run is retried by the Job in a new pod
        template: { ...template, spec: { ...template.spec!, restartPolicy: 'OnFailure' } },
      },
    });
  }
}
