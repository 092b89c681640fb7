import { generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { Chart } from 'cdk8s';
import { DigestSource, withDigests } from './checksum';
import { keyedDigest, sha256 } from './hash';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './labels';
import { ObjectNames } from './object-names';
import { checkObjectSizes } from './object-size';
import { SecretFile } from './output-file';
import {
  keyRecordText, loadKeyRecord, loadState, SecretStateError, STATE_DIGEST_KEY, stateText, withMutex, writeAtomically,
} from './secret-files';
import { movedEntries, movedWithoutValues, moveTarget, parseMoves, SecretMove } from './secret-moves';
import { previousOutput } from './previous-output';
import { followMovedPaths } from './moved-paths';
import { realPath } from './paths';
import { derivedMisfit, isRoot, misfit, recipeOf } from './secret-recipe';
import { renderDockerConfig, renderTemplate, Secret, SecretKey, SecretValue, SecretValueKind } from './secret';
import { GENERATED_HEADER, GENERATED_HEADER_END, keepManifestBytes, SECRETS_FILE, stateNamedBy, statePathsNamed } from './secret-manifest';
import { declaredForKeys, retiredSecretKeys, runSecretRecordReviews, secretOfStateKey, secretStateKey } from './secret-record-review';
import { toYamlChunks } from './yaml';
import { takeWalkedTree } from './walked-tree';
import { certificateEnding, selfSignedCertificatePem } from './x509';
import { compare, editDistance, fewOf, nearestName } from './text';
import { warnMisspeltVariables } from './variable-names';
import { printWarning } from './warn';
import { rotationSteps } from './rotation-steps';
import { checkInputValue } from './input-value';
import { describePath, describeValue, invalidSecret } from './validation';
import { inputVariableOf, originOf, valueRules } from './value-rules';

/** Props of a `LocalSecretStore`. */
export interface LocalSecretStoreProps {
  /**
   * The JSON file that keeps generated values between synths (mode 0600). Keep it out of git and back it up:
   * it is the only copy of every credential's value.
   *
   * @default ".dockyard/secrets.json"
   */
  readonly statePath?: string;
  /**
   * The key record: which credentials exist and how each is made, without values. Commit it. A synth fails when
   * the state lacks a key the record lists, instead of silently making a new credential.
   *
   * @default - `<state name>.lock.json` beside the state, or beside the `.dockyard` folder that holds it (which is
   * git-ignored): `secrets.lock.json` for the default state
   */
  readonly lockPath?: string;
  /**
   * Keys to make anew on this synth, on purpose: `all`, `lost` (every key the record lists and the state lacks, after
   * a partial loss), `unusable` (every key the state holds but cannot use: a changed recipe, a damaged value, a changed
   * input), `<namespace>/<secret>` (every kept key of that Secret) or `<namespace>/<secret>/<key>`. Values derived
   * from them (copies, templates, certificates, htpasswd lines, docker configs) follow. An input is read again from its environment variable.
   *
   * @default - the comma-separated `DOCKYARD_ROTATE` environment variable, else none
   */
  readonly rotate?: readonly string[];
  /**
   * Namespaces whose kept values follow their Secrets to another namespace, on purpose, as `<old>=<new>`: each
   * declared key in `<new>` that the state lacks takes the value the state holds for the same Secret and key in
   * `<old>`, made by the same recipe (and the values derived from it, so certificates stay too). Without it, a Secret
   * moved to another namespace whose old values the state still holds is refused: its keys would be made anew.
   * The old keys stay in the state and the record, as every key does; declared again (moved back), they are refused
   * until a move carries the current values back or a rotation renews them.
   *
   * @default - the comma-separated `DOCKYARD_MOVE` environment variable, else none
   */
  readonly move?: readonly string[];
  /**
   * How long a synth waits for another synth that holds the same state.
   *
   * @default 30000
   */
  readonly lockTimeoutMs?: number;
}

/** What a render produced: the Secrets' manifest and every `SecretFile`. */
export interface RenderedSecrets {
  /** The generated Secrets as a multi-document YAML manifest. */
  readonly manifest: string;
  /** Each `SecretFile`, by its path below the output directory. */
  readonly files: {
    /** The file's path below the output directory. */
    path: string;
    /** The file's content. */
    content: string;
  }[];
}

const ROTATE_ALL = 'all';
/** The `DOCKYARD_ROTATE` entry for every declared key the record lists and the state lacks (a lost or partial state). */
const ROTATE_LOST = 'lost';
/** The `DOCKYARD_ROTATE` entry for every declared key the state holds but cannot use (`unfit`). */
const ROTATE_UNUSABLE = 'unusable';
/** Up to how many lost or unusable keys the way out lists by name before it offers `lost` or `unusable`. */
const MAX_NAMED_LOST = 10;
/** The suffix of the entry that marks a key retired (`onRetiredKeys`), whose value the state no longer keeps. */
const RETIRED = '#retired';

/**
 * The secret source of the embedded default stack.
 *
 * Each generated value is drawn once from a crypto-random source, saved in a local state file (mode 0600), and
 * reused on every later synth, so credentials never churn. The Secrets are rendered to their own manifest, apart
 * from the main manifests, which stay free of credentials and byte-identical between synths.
 *
 * Credentials rotate only on purpose. A committed key record lists every kept key with its recipe; a synth whose
 * state lacks a recorded key, keeps a value that does not fit its recipe, or whose recipe or input changed, fails
 * and names the keys and the two ways out: restore the state, or rotate those keys (`rotate`, `DOCKYARD_ROTATE`).
 * Synths sharing a state are serialised by a lock file beside it.
 *
 * RSA keys are kept like random values. Certificates and htpasswd lines are derived from other values but still
 * kept, for they embed a random serial, salt and timestamp: each is saved with a `<key>#inputs` entry, the SHA-256
 * of what it was made from, and is made again only when that changes (a rotated key or password, a new user).
 */
export class LocalSecretStore {
  /** The state file. */
  public readonly statePath: string;
  /** The key record. */
  public readonly lockPath: string;
  private readonly rotate: readonly string[];
  private readonly moves: readonly SecretMove[];
  private readonly lockTimeoutMs: number;

  public constructor(props: LocalSecretStoreProps = {}) {
    const statePath = props.statePath ?? path.join('.dockyard', 'secrets.json');
    if (typeof statePath !== 'string' || statePath.trim() === '' || statePath.endsWith('/') || statePath.includes('\0')) {
      throw new SecretStateError(`invalid statePath ${describePath(statePath)}: must be the path of a file, e.g. ".dockyard/secrets.json"`);
    }
    this.statePath = statePath;
    this.lockPath = props.lockPath ?? defaultLockPath(statePath);
    if (path.resolve(this.lockPath) === path.resolve(statePath)) {
      throw new SecretStateError(`invalid lockPath ${describePath(this.lockPath)}: must differ from the state file`);
    }
    this.rotate = props.rotate ?? envList('DOCKYARD_ROTATE');
    this.moves = parseMoves(props.move ?? envList('DOCKYARD_MOVE'), (message) => new SecretStateError(message));
    warnMisspeltVariables([...(props.rotate === undefined ? ['DOCKYARD_ROTATE'] : []), ...(props.move === undefined ? ['DOCKYARD_MOVE'] : [])]);
    warnOtherStateVariable(statePath);
    this.lockTimeoutMs = props.lockTimeoutMs ?? 30000;
  }

  /**
   * Render every generated Secret below `scope` as a multi-document YAML manifest.
   *
   * Values missing from the state are generated and the state file is saved before the manifest is returned.
   */
  public render(scope: IConstruct): string {
    return this.renderAll(scope).manifest;
  }

  /** Render the Secrets' manifest and every `SecretFile` below `scope`, such as node registry credentials. */
  public renderAll(scope: IConstruct): RenderedSecrets {
    return this.transaction(scope, () => undefined, () => undefined);
  }

  /**
   * One synth, holding the state's lock throughout, so two synths never interleave: the state, the key record and
   * what `write` writes always come from one run.
   *
   * 1. Every value is produced: kept, or made where the rules allow (nothing is saved yet).
   * 2. `resolve` runs with the values' digests available to `secretDigest` and the pod checksums, and resolves the
   *    charts, which settles the namespaces every Secret is copied to.
   * 3. The Secrets are rendered and their sizes checked (`checkObjectSizes`, as the charts' objects are), then the
   *    state and the key record are saved.
   * 4. `write` runs with what `resolve` returned and the rendered Secrets.
   *
   * A failure in steps 1 to 3 saves and writes nothing.
   */
  public transaction<R>(scope: IConstruct, resolve: () => R, write: (resolved: R, secrets: RenderedSecrets) => void): RenderedSecrets {
    return withMutex(`${this.statePath}.mutex`, this.lockTimeoutMs, () => {
      const session = this.open(scope);
      const resolved = withDigests(scope, session.digest, resolve);
      const rendered = session.render();
      session.save();
      write(resolved, rendered);
      return rendered;
    });
  }

  /**
   * Whether the output directory `dir` holds Secrets made from this state, as its Secrets file's header names it: read
   * as the refusal of a new state over an output reads it (`statePathsNamed`), so an output written from another
   * directory, beside the state or from this one, stays on the record and is named on a rotation.
   */
  private madeOutput(dir: string): boolean {
    const named = stateNamedBy(path.join(dir, SECRETS_FILE));
    return named !== undefined && statePathsNamed(named, [dir]).includes(path.resolve(this.statePath));
  }

  /** Write a manifest from `render`, or another credential file, to `file`, readable only by its owner. */
  public writeManifest(file: string, manifest: string): void {
    writeAtomically(file, manifest);
  }

  private open(scope: IConstruct): { digest: DigestSource; render: () => RenderedSecrets; save: () => void } {
    const loaded = loadState(this.statePath);
    const record = loadKeyRecord(this.lockPath);
    let movedKeys: string[] = [];
    const movedTo: Record<string, string> = { ...loaded?.movedTo };
    // copied only when values may be carried over into it (`move`)
    const kept: Record<string, string> = this.moves.length > 0 ? { ...loaded?.values } : loaded?.values ?? {};
    // Secret.allIn and SecretFile.allIn, from one walk of the tree: the caller's, if it has just walked it
    const all = takeWalkedTree(scope) ?? scope.node.findAll();
    const secrets = all.filter((c): c is Secret => c instanceof Secret);
    const files = all.filter((c): c is SecretFile => c instanceof SecretFile);
    checkUnique(secrets);

    // every root, by its state key: what this synth writes on the record and what rotation may name; and the path of
    // the construct that declares each, which the state keeps (`movedWithoutValues`)
    const roots = new Map<string, SecretValue>();
    const declaring = new Map<string, string>();
    for (const secret of secrets) {
      let path: string | undefined;
      for (const [k, v] of Object.entries(secret.values)) {
        if (isRoot(v)) {
          const stateKey = stateKeyOf(secret, k);
          roots.set(stateKey, v);
          declaring.set(stateKey, path ??= secret.node.path);
        }
      }
    }
    files.filter((f) => isRoot(f.value)).forEach((f) => roots.set(`file:${f.path}`, f.value));
    // the state's record of who declared each key, the keys not declared now following their constructs' moves
    const recordedBy = followMovedPaths(loaded?.declaredBy ?? {}, declaring, all, previousOutput(scope).charts);
    // values that follow their Secrets to another namespace (`move`) count as kept from here on
    if (this.moves.length > 0) {
      const declared = new Set(secrets.map((secret) => `${secret.namespace}/${secret.secretName}/`));
      const carried = movedEntries(this.moves, roots, declared, kept, new Set(Object.keys(movedTo)), record?.keys ?? {}, recipeOf,
        (m) => new SecretStateError(m));
      for (const [key, { value, source }] of carried) {
        kept[key] = value;
        // the key holds the current value again; the one it came from holds an old one from now on
        delete movedTo[key];
        movedTo[source] = key;
      }
      movedKeys = [...carried.keys()].filter((k) => roots.has(k)).sort();
    }
    const values: Record<string, string> = { ...kept };
    // an input whose variable now holds another value than the kept one: the state is sound, the variable differs
    const changedInput = (stateKey: string, value: SecretValue): boolean => {
      const given = value.kind === SecretValueKind.INPUT ? inputValue(value.env!) : '';
      return given !== '' && given !== kept[stateKey];
    };
    const inputChanged = (value: SecretValue): string => `is an input whose variable ${value.env} now holds a different value: unset ` +
      `${value.env} (or set it back) to go on with the kept one, or rotate the key to take the new one`;
    // why a kept value cannot be used as it is, if it cannot: its recipe changed, it does not fit the recipe, or it is
    // an input whose variable now holds another value (`inputOnly`: the state is sound, only the variable differs)
    const unfit = (stateKey: string, value: SecretValue): { why: string; inputOnly: boolean } | undefined => {
      const recorded = record?.keys[stateKey];
      // an input recorded before it had an owner takes the one it is declared with (`belongingTo`)
      const unowned = value.kind === SecretValueKind.INPUT && recorded === `input(${value.env})`;
      const why = recorded !== undefined && recorded !== recipeOf(value) && !unowned ? `was made as ${recorded} and is now declared as ${recipeOf(value)}`
        : misfit(value, kept[stateKey]);
      if (why !== undefined) return { why, inputOnly: false };
      return changedInput(stateKey, value) ? { why: inputChanged(value), inputOnly: true } : undefined;
    };
    const rotating = this.rotation(roots, {
      lost: (k) => !(k in kept) && record?.keys[k] !== undefined,
      unusable: (k) => k in kept && unfit(k, roots.get(k)!) !== undefined,
      recorded: (k) => record?.keys[k] !== undefined,
      // looked up only for an entry that names no key, the rare case
      given: () => new Set(Secret.requiredIn(scope).map((r) => `${r.namespace}/${r.secretName}`)),
    });

    // A retired key (a Harbor robot, deleted with its secret) is revoked: the value kept for it is dropped once nothing
    // declares it, and the key marked, so that one declared again later (a team onboarded again under its old name)
    // is made anew, never given back the value its retirement revoked
    const retired = retiredSecretKeys(scope);
    const revived = [...roots.keys()].filter((k) => values[`${k}${RETIRED}`] !== undefined && !rotating.has(k));
    revived.forEach((k) => rotating.add(k));
    const lost: string[] = [];
    const problems: string[] = [];
    const unusable: string[] = [];
    // whether a key cannot be used for another reason than its input's variable changed
    let otherThanInputs = false;
    const inputs: string[] = [];
    const made: string[] = [];
    for (const [stateKey, value] of roots) {
      const recorded = record?.keys[stateKey];
      if (rotating.has(stateKey)) {
        continue;
      }
      if (!(stateKey in kept)) {
        if (recorded !== undefined) {
          lost.push(stateKey);
        }
        continue;
      }
      const problem = unfit(stateKey, value);
      if (problem !== undefined) {
        problems.push(`${stateKey} ${problem.why}`);
        unusable.push(stateKey);
        if (!problem.inputOnly) {
          otherThanInputs = true;
        }
      }
    }
    if (lost.length > 0) {
      // rotating a key that encrypts stored data loses that data: say so where the way out is offered
      const encrypting = lost.filter((k) => roots.get(k)!.encrypts !== undefined);
      throw new SecretStateError(`the secret state ${describePath(this.statePath)} lacks ${count(lost, 'key')} that ${describePath(this.lockPath)} ` +
        `records: ${fewOf(lost)}. Nothing was written. Restore the state from your backup, or rebuild it from the cluster's Secrets, or make ` +
        `them anew on purpose with DOCKYARD_ROTATE=${lost.length === roots.size ? ROTATE_ALL : lost.length <= MAX_NAMED_LOST ? lost.join(',') : ROTATE_LOST} ` +
        `(this rotates those credentials` +
        `${encrypting.length > 0 ? `, and loses what ${encrypting.join(' and ')} encrypt${encrypting.length > 1 ? '' : 's'}` : ''}; ` +
        'see the README, "Credentials")');
    }
    // a key declared again whose value moved away since: its kept value is from before the move, and the key it moved
    // to may have rotated; refused, with the way to take the current value back and the way to renew it
    // (the construct that moved them: another stack's Secret of the same name on a shared state is none of them)
    // declared by the same construct, or by one of this stack's charts (its constructs may have moved since: a Secret
    // moved back and wrapped in one edit), whose charts are the app's and the previous output's
    let ownCharts: Set<string> | undefined;
    const ours = (declarer: string | undefined): boolean => {
      ownCharts ??= new Set([...all.filter((c) => Chart.isChart(c)).map((c) => c.node.path), ...previousOutput(scope).charts]);
      return declarer !== undefined && ownCharts.has(declarer.split('/')[0]);
    };
    // (not where this stack's previous output held the key's own Secret: that value is the one it deploys, and the
    // move was another stack's on a shared state, which declares the Secret alike)
    const heldBefore = (k: string): boolean => previousOutput(scope).secrets.has(secretOfStateKey(k));
    const stale = [...roots.keys()].filter((k) => movedTo[k] !== undefined && k in kept && !rotating.has(k)
      && (recordedBy[k] === declaring.get(k) || ours(recordedBy[k])) && !heldBefore(k));
    if (stale.length > 0) {
      // the way back, in the form the move took: a Secret renamed moves back by its names, a namespace by its own
      // where each value is now: moved on again since, it is where the last move took it
      const current = (k: string): string => {
        let at = movedTo[k];
        for (let hops = 0; movedTo[at] !== undefined && hops < 100; hops++) at = movedTo[at];
        return at;
      };
      const back = [...new Set(stale.map((k) => {
        const [toNs, toName] = current(k).split('/');
        const [ns, name] = k.split('/');
        return toName === name ? `${toNs}=${ns}` : `${toNs}/${toName}=${ns}/${name}`;
      }))];
      throw new SecretStateError(`this stack declares ${count(stale, 'key')} again whose value${stale.length > 1 ? 's' : ''} DOCKYARD_MOVE carried to ` +
        `another ${back.some((b) => b.includes('/')) ? 'Secret' : 'namespace'}: ${fewOf(stale.map((k) => `${k} (moved to ${current(k)})`))}. The state still holds the value from before the move, ` +
        `which may be one rotated away since. Nothing was written. To take the current values back, synth with DOCKYARD_MOVE=${back.join(',')}; ` +
        `to make them anew, DOCKYARD_ROTATE=${stale.length <= MAX_NAMED_LOST ? stale.join(',') : '<each key>'}`);
    }
    // a Secret moved to another namespace would get new values, silently: refused, with the ways to keep or renew them
    const fresh = [...roots.keys()].filter((k) => !(k in kept) && record?.keys[k] === undefined && !rotating.has(k));
    const moved = movedWithoutValues(fresh, roots, kept, recordedBy, declaring, previousOutput(scope).secrets, new Set(Object.keys(movedTo)));
    // a move given already that did not carry a key: the key's recipe is not the kept one's
    const remade = moved.filter((m) => this.moves.some((move) => moveTarget(move, m.source) === m.key));
    if (remade.length > 0) {
      throw new SecretStateError(`DOCKYARD_MOVE cannot carry ${fewOf(remade.map((m) => m.source))} to ` +
        `${fewOf(remade.map((m) => m.key))}: the kept value was made by another recipe than the key is declared with now. Nothing was written. ` +
        `Make ${remade.length > 1 ? 'them' : 'it'} anew on purpose with DOCKYARD_ROTATE=${remade.map((m) => m.key).join(',')}, or declare the ` +
        'recipe it was made with (the key record lists it)');
    }
    if (moved.length > 0) {
      const from = [...new Set(moved.map((m) => m.entry))];
      const renamed = moved.some((m) => m.entry.includes('/'));
      const losing = moved.filter((m) => roots.get(m.key)!.encrypts !== undefined || roots.get(m.key)!.firstStartChange !== undefined);
      throw new SecretStateError(`this stack declares ${count(moved, 'key')} that the secret state ${describePath(this.statePath)} lacks, while it holds ` +
        `the same Secrets' keys in another ${renamed ? 'Secret' : 'namespace'} that the stack no longer declares: ` +
        `${fewOf(moved.map((m) => `${m.key} (kept in ${m.entry.split('=')[0]})`))}. ` +
        `Did a ${renamed ? 'name or namespace' : 'namespace'} change? Nothing was written. To keep their values, synth with DOCKYARD_MOVE=${from.join(',')}; if both ` +
        `${renamed ? 'Secrets' : 'namespaces'} are meant to exist (one stack for two environments), give each its own state; to make them anew on ` +
        `purpose, DOCKYARD_ROTATE=${moved.length <= MAX_NAMED_LOST ? moved.map((m) => m.key).join(',') : '<each key>'}` +
        `${losing.length > 0 ? ` (which loses what ${fewOf(losing.map((m) => m.key), 3)} encrypt${losing.length > 1 ? '' : 's'} or locks out what logs in with ${losing.length > 1 ? 'them' : 'it'})` : ''}` +
        ' (see the README, "Credentials")');
    }
    // only inputs whose variables changed: nothing to restore, the way out is the variable or a rotation (a trial was
    // sent to its backup by the message below)
    if (problems.length > 0 && !otherThanInputs) {
      throw new SecretStateError(`${count(problems, 'input')} of this stack differ${problems.length > 1 ? '' : 's'} from the value${problems.length > 1 ? 's' : ''} ` +
        `the secret state ${describePath(this.statePath)} keeps: ${fewOf(problems)}. Nothing was written. To take the new ` +
        `value${problems.length > 1 ? 's' : ''} on purpose, synth with DOCKYARD_ROTATE=` +
        `${unusable.length <= MAX_NAMED_LOST ? unusable.join(',') : ROTATE_UNUSABLE} (see the README, "Credentials")`);
    }
    if (problems.length > 0) {
      throw new SecretStateError(`the secret state ${describePath(this.statePath)} has ${count(problems, 'key')} that cannot be used: ` +
        `${fewOf(problems)}. Nothing was written. Restore the state from your backup, or rotate on purpose with DOCKYARD_ROTATE=` +
        `${unusable.length <= MAX_NAMED_LOST ? unusable.join(',') : ROTATE_UNUSABLE} (see the README, "Credentials")`);
    }

    const valueOf = (key: SecretKey): string => {
      const secret = key.secret as Secret;
      return produce(secret.values[key.key], stateKeyOf(secret, key.key));
    };
    rotating.forEach((k) => delete values[k]);
    // a declared key is current, however it was made (revived, or rotated on purpose): its mark goes
    roots.forEach((_, k) => delete values[`${k}${RETIRED}`]);
    // the keys this synth retires first, which it says (a stack may retire one by itself: the default stack's
    // node-puller under a mirror), as the synth that made them anew later does
    const newlyRetired: string[] = [];
    for (const [k, retiredBy] of retired) {
      // only the retiring construct's own key: another stack on the same state may declare a robot of that name, at
      // the same key, which is not revoked (the state records who declared each key last)
      const declarer = recordedBy[k];
      if (!roots.has(k) && (declarer === undefined || declarer === retiredBy) && (k in values || record?.keys[k] !== undefined)) {
        if (k in values) {
          newlyRetired.push(k);
        }
        delete values[k];
        values[`${k}${RETIRED}`] = 'revoked';
      }
    }
    const keepRoot = (stateKey: string, make: () => string): string => {
      if (values[stateKey] === undefined) {
        values[stateKey] = make();
        made.push(stateKey);
      }
      return values[stateKey];
    };
    // each value once: a state key names one declared value, whose value does not change once produced (a copy,
    // such as a team's pull secret handed to its pipelines, is produced again otherwise)
    const produced = new Map<string, string>();
    const produce = (value: SecretValue, stateKey: string): string => {
      let v = produced.get(stateKey);
      if (v === undefined) {
        v = produceOnce(value, stateKey);
        produced.set(stateKey, v);
      }
      return v;
    };
    const produceOnce = (value: SecretValue, stateKey: string): string => {
      switch (value.kind) {
        case SecretValueKind.RANDOM:
          return keepRoot(stateKey, () => random(value.alphabet!, value.length!, value.mixedClasses ?? false));
        case SecretValueKind.RSA_PRIVATE_KEY:
          return keepRoot(stateKey, () => rsaPrivateKey(value.bits!));
        case SecretValueKind.INPUT:
          return keepRoot(stateKey, () => {
            const given = inputValue(value.env!);
            if (given === '') {
              inputs.push(`${value.env} (${value.description})`);
            }
            return given;
          });
        case SecretValueKind.COPY:
          return valueOf(value.sources.value);
        case SecretValueKind.TEMPLATE:
          return renderTemplate(value, mapValues(value.sources, valueOf));
        case SecretValueKind.DOCKER_CONFIG_JSON:
          return renderDockerConfig(value, mapValues(value.sources, valueOf));
        case SecretValueKind.CERTIFICATE: {
          const key = valueOf(value.sources.key);
          const pem = derive(value, stateKey, [value.commonName, value.days, key],
            () => selfSignedCertificatePem(key, { commonName: value.commonName!, days: value.days! }));
          // kept as long as its key, commonName and days are: nothing renews it on its last day, so say it first
          const ending = certificateEnding(pem);
          if (ending !== undefined) {
            const source = value.sources.key;
            printWarning(`the certificate ${stateKey} ${ending.getTime() <= Date.now() ? 'expired' : 'expires'} on ${ending.toISOString()}, ` +
              'and the secret state keeps it as it is: to renew it, change its days (SecretValue.selfSignedCertificate) or rotate the key it is ' +
              `made from (DOCKYARD_ROTATE=${stateKeyOf(source.secret as Secret, source.key)}), synth and apply; every pod that reads it rolls`);
          }
          return pem;
        }
        case SecretValueKind.HTPASSWD: {
          const password = valueOf(value.sources.password);
          return derive(value, stateKey, [value.user, password], () => `${value.user}:${bcrypt().hashSync(password, 10)}`);
        }
      }
    };
    /** The kept value at `stateKey` if it was made from `from` and still reads, else a new one from `make`. */
    const derive = (value: SecretValue, stateKey: string, from: unknown[], make: () => string): string => {
      const fingerprint = sha256(JSON.stringify(from));
      if (values[stateKey] === undefined || values[`${stateKey}#inputs`] !== fingerprint || derivedMisfit(value, values[stateKey]) !== undefined) {
        values[stateKey] = make();
        values[`${stateKey}#inputs`] = fingerprint;
      }
      return values[stateKey];
    };

    // every value now, before the charts resolve: pod checksums and Job names need their digests
    const data = new Map(secrets.map((secret) => [secret, Object.fromEntries(Object.keys(secret.values).sort()
      .map((k) => [k, produce(secret.values[k], stateKeyOf(secret, k))]))]));
    const rendered = files.map((f) => ({ path: f.path, content: produce(f.value, `file:${f.path}`) }));
    if (inputs.length > 0) {
      throw new SecretStateError(`missing secret inputs: set ${[...new Set(inputs)].join(', ')} and synth again; nothing was written`);
    }
    // values a program splices as they are into a format of its own (`requireValue`): refused before anything is written
    for (const { key, rule, reader } of valueRules(scope)) {
      const value = key.secret instanceof Secret ? data.get(key.secret)?.[key.key] : undefined;
      if (value !== undefined && !rule.fits(value)) {
        invalidSecret(sourceOf(key.secret as Secret, key.key), `${rule.allowed}, as ${reader} reads it; nothing was written`);
      }
    }
    // the digest key is kept with the values: a digest in a committed manifest then reveals nothing of a value
    const digestKeyDrawn = values[STATE_DIGEST_KEY] === undefined;
    values[STATE_DIGEST_KEY] ??= randomBytes(32).toString('hex');
    const digestKey = values[STATE_DIGEST_KEY];
    const byStateKey = new Map(secrets.flatMap((secret) => Object.entries(data.get(secret)!).map(([k, v]) => [stateKeyOf(secret, k), v])));
    // the values of generated Secrets only: one the app merely reads (created out of band) is counted by name. Each
    // key's digest is computed once per open: every pod checksum and every render of a Job name asks again (at 1,000
    // teams some 8,000 asks of 2,000 keys), and the values and the digest key are fixed from here on
    const digests = new Map<string, string>();
    const digest: DigestSource = (stateKey, generated) => {
      const value = generated ? byStateKey.get(stateKey) : undefined;
      if (value === undefined) {
        return undefined;
      }
      let hmac = digests.get(stateKey);
      if (hmac === undefined) {
        hmac = keyedDigest(digestKey, stateKey, value);
        digests.set(stateKey, hmac);
      }
      return hmac;
    };

    const render = (): RenderedSecrets => {
      // each Secret's namespaces, settled now that the charts are resolved
      const namespaces = secrets.map((secret) => secret.namespaces);
      checkCopies(secrets, namespaces);
      const bySecret = secrets.flatMap((secret, i) => namespaces[i].map((namespace) => [secret, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: secret.secretName,
          namespace,
          // the chart's labels (`ChartProps.labels`), as cdk8s gives every object of the chart: `kubectl apply -l`
          // applies only the objects of its files that match (cli-runtime v0.36.2 pkg/resource/builder.go:1158-1164),
          // so a platform selected by its chart's label would otherwise skip its generated Secrets
          labels: { ...Chart.of(secret).labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
          ...(Object.keys(secret.annotations).length > 0 ? { annotations: secret.annotations } : {}),
        },
        type: secret.type,
        stringData: data.get(secret)!,
      }] as const));
      const docs = bySecret.map(([, doc]) => doc);
      // and to one object per identity with them (the charts, rendered first, claimed theirs: `withObjectNames`)
      const names = ObjectNames.for(scope);
      bySecret.forEach(([secret, doc]) => names.claim(doc, () => `generated Secret ${secret.node.path}`, false));
      // applied like the charts' objects, so held to the same limits: one too large fails here, before the state
      // is saved or any file written
      checkObjectSizes(scope, docs);
      // a YAML comment ends at a line break: a path that could hold one, or that reads ambiguously, is quoted
      const from = /^[!#-~]+$/.test(this.statePath) ? this.statePath : describePath(this.statePath);
      const header = `${GENERATED_HEADER}${from}${GENERATED_HEADER_END}\n`;
      // kept as the UTF-8 a synth writes (a string of a thousand teams' Secrets would only be encoded again), and
      // decoded only for a caller that reads `manifest`
      const chunks = [Buffer.from(header, 'utf8'), ...toYamlChunks(docs)];
      let text: string | undefined;
      const result: RenderedSecrets = {
        get manifest() {
          return (text ??= Buffer.concat(chunks).toString('utf8'));
        },
        files: rendered,
      };
      keepManifestBytes(result, chunks);
      return result;
    };

    // the record lists the roots declared now, and keeps the keys it recorded before that are not declared now, as
    // the state keeps their values: a construct removed and added back finds its credentials again, and if they are
    // lost meanwhile, the record still says they were made. So two apps, or both engines of one stack, that share a
    // state each keep the other's keys guarded: a synth of one never takes the other's keys off the record.
    const save = () => {
      const nextRecord = { keys: { ...record?.keys, ...Object.fromEntries([...roots].map(([k, v]) => [k, recipeOf(v)])) } };
      // each file is written only when its text would change: the texts list the same sorted entries exactly when
      // the maps hold the same keys with the same values (strings, or kept values taken over as they were read)
      const declaredBy = { ...recordedBy, ...Object.fromEntries(declaring) };
      // what each key was declared for: a key declared now takes this synth's word (or none), one not declared keeps its record
      const declaredFor: Record<string, string> = Object.fromEntries(Object.entries(loaded?.declaredFor ?? {}).filter(([k]) => !roots.has(k)));
      declaredForKeys(scope).forEach((what, k) => { if (roots.has(k)) declaredFor[k] = what; });
      // the output directories synths from this state wrote: this synth's, and those recorded that still hold
      // Secrets made from it (one deleted, or made from another state since, drops off); this synth's under another
      // name (a link to it, which synth follows) is this synth's, not another stack's
      const here = previousOutput(scope).directory;
      const real = here === undefined ? undefined : realPath(here);
      const others = (loaded?.outputs ?? []).filter((o) => o !== here && realPath(o) !== real && this.madeOutput(o));
      // what constructs check against the state as it was (a retired team's robots, say): a new state holds nothing
      if (loaded !== undefined) {
        runSecretRecordReviews({
          scope, onRecord: new Set([...Object.keys(loaded.values), ...Object.keys(record?.keys ?? {})]), declaredBy: recordedBy,
          declared: new Set(roots.keys()),
          retiredBefore: new Set(Object.keys(values).filter((k) => k.endsWith(RETIRED)).map((k) => k.slice(0, -RETIRED.length))),
          declaredFor: loaded.declaredFor, otherOutputs: others,
        });
      }
      // a key made anew holds a current value
      made.forEach((k) => delete movedTo[k]);
      const outputs = [...new Set([...others, ...(here ? [here] : [])])].sort(compare);
      if (loaded === undefined || !sameEntries(values, loaded.values) || !sameEntries(declaredBy, loaded.declaredBy)
        || !sameEntries(movedTo, loaded.movedTo) || !sameEntries(declaredFor, loaded.declaredFor)
        || outputs.join('\n') !== [...loaded.outputs].sort(compare).join('\n')) {
        writeAtomically(this.statePath, stateText({ values, declaredBy, movedTo, outputs, declaredFor }));
      }
      if (record === undefined || !sameEntries(nextRecord.keys, record.keys)) {
        writeAtomically(this.lockPath, keyRecordText(nextRecord), 0o644);
      }
      report(made, rotating, this.lockPath, roots, new Set(revived), rotationSteps(scope));
      staleOutputsWarning(made.filter((k) => rotating.has(k) && !revived.includes(k)), outputs.filter((o) => o !== here));
      if (newlyRetired.length > 0) {
        process.stderr.write(`dockyard: retired ${count(newlyRetired, 'key')}, whose ${newlyRetired.length > 1 ? 'values this synth dropped' : 'value this synth dropped'} ` +
          `from the state and the configuration Jobs revoke once applied (a synth that declares ${newlyRetired.length > 1 ? 'one' : 'it'} again makes it anew): ` +
          `${fewOf(newlyRetired, 10)}\n`);
      }
      if (movedKeys.length > 0) {
        process.stderr.write(`dockyard: kept ${count(movedKeys, 'key')} in ${movedKeys.length > 1 ? 'their' : 'its'} new ${this.moves.some((m) => m.from.includes('/')) ? 'place' : 'namespace'} (DOCKYARD_MOVE=` +
          `${this.moves.map((m) => `${m.from}=${m.to}`).join(',')}): ${fewOf(movedKeys, 10)}; unset DOCKYARD_MOVE for the next synth\n`);
      }
      if (loaded === undefined && record === undefined && made.length > 0) {
        // a mistyped state path starts a new state as quietly as a first synth does: say which one, so that a
        // user who meant an existing state sees it before applying credentials that would replace every one; a
        // like-named state beside it makes a typo likely, so then it is a warning that names it
        const beside = otherStates(this.statePath);
        process.stderr.write(`dockyard: ${beside.length > 0 ? 'warning: ' : ''}${describePath(this.statePath)} and ${describePath(this.lockPath)} ` +
          `did not exist: this synth started a new secret state${beside.length > 0 ? `, beside ${beside.map(describePath).join(', ')}` : ''}. ` +
          'If you meant an existing one, check the state path (DOCKYARD_STATE in the example stacks; the key record follows it) before ' +
          'applying the new Secrets\n');
      } else if (loaded !== undefined && digestKeyDrawn) {
        // a state rebuilt from the cluster's Secrets, as the README says to after a loss, has every value but this
        // key, which no Secret holds: every checksum and Job digest changes with it, so the apply rolls every reader
        // or a state last written by a release from before the key (7ac10d2, 12-02), whose backups hold none either:
        // the warning names both, and offers a backup's key only where it has one
        process.stderr.write(`dockyard: warning: the secret state ${describePath(this.statePath)} held no #digest-key (the key of the ` +
          'pods\' input checksums and the Jobs\' digests, which no Secret holds, so a state rebuilt from the cluster\'s Secrets lacks it, ' +
          'as does one last written by a release from before 12-02): this synth drew a new one, so once applied every workload that reads ' +
          'a generated value rolls once and every Job named by a digest runs once more; if a backup of the state holds a #digest-key, ' +
          'take it instead\n');
      }
      if (loaded !== undefined && record === undefined) {
        // a state restored, or pointed at, without its record: the record that guards its keys against loss starts
        // anew from what this synth declares, which a restore meant to keep
        process.stderr.write(`dockyard: warning: the key record ${describePath(this.lockPath)} did not exist for the state ` +
          `${describePath(this.statePath)}: this synth started a new one, from this stack's keys. If you restored the state from a ` +
          'backup, restore its key record beside it too (it lists the keys of every stack on the state, and guards them against loss)\n');
      }
    };
    return { digest, render, save };
  }

  /**
   * The state keys to make anew, from `rotate`: `all`, `lost` (every declared key the record lists and the state
   * lacks), `unusable` (every declared key the state holds but cannot use), a Secret or a key. An entry that names no
   * declared key fails, listing what may be named.
   */
  private rotation(roots: Map<string, SecretValue>, is: { lost(k: string): boolean; unusable(k: string): boolean; recorded(k: string): boolean;
    /** The `<namespace>/<secret>` of each Secret the stack takes as it is in the cluster (`Secret.fromSecretName`). */
    given(): ReadonlySet<string> }): Set<string> {
    const out = new Set<string>();
    for (const entry of this.rotate) {
      const hits = entry === ROTATE_ALL ? [...roots.keys()]
        : entry === ROTATE_LOST ? [...roots.keys()].filter(is.lost)
          : entry === ROTATE_UNUSABLE ? [...roots.keys()].filter(is.unusable)
            // a key, or every key of a Secret: a bare namespace is no entry (`harbor` meant for `harbor/harbor-core`
            // would rotate every credential there, those that lose data included)
            : [...roots.keys()].filter((k) => k === entry || (isSecretEntry(entry) && k.startsWith(`${entry}/`)));
      if (hits.length === 0 && entry === ROTATE_LOST) {
        throw new SecretStateError('invalid DOCKYARD_ROTATE entry "lost": the state lacks no key of this stack that the record lists, so there ' +
          'is nothing to make anew; unset it');
      }
      if (hits.length === 0 && entry === ROTATE_UNUSABLE) {
        throw new SecretStateError('invalid DOCKYARD_ROTATE entry "unusable": every key of this stack that the state holds can be used, so there ' +
          'is nothing to make anew; unset it');
      }
      if (hits.length === 0 && is.recorded(entry)) {
        throw new SecretStateError(`invalid DOCKYARD_ROTATE entry ${describeValue(entry)}: the key record lists it, but this stack does not ` +
          'declare it (another stack on the same state does, or did): rotate it with the stack that declares it');
      }
      if (hits.length === 0) {
        const keys = [...roots.keys()];
        const below = keys.filter((k) => k.startsWith(`${entry}/`));
        if (entry.startsWith('file:') && below.length > 0) {
          throw new SecretStateError(`invalid DOCKYARD_ROTATE entry ${describeValue(entry)}: a folder rotates nothing: name each file to rotate, ` +
            `e.g. ${fewOf(below.sort(), 3)}`);
        }
        const inNamespace = [...new Set(below.map((k) => secretOfStateKey(k)))].sort();
        if (inNamespace.length > 0) {
          throw new SecretStateError(`invalid DOCKYARD_ROTATE entry ${describeValue(entry)}: a namespace rotates nothing, as its Secrets hold ` +
            `unrelated credentials, some of them encrypting data: name each Secret or key to rotate, e.g. ${fewOf(inNamespace, 3)}`);
        }
        // a Secret made by hand (the OAuth client's, say) is no key of the state: say where it is changed instead
        const made = is.given();
        const given = [entry, entry.split('/').slice(0, 2).join('/')].find((e) => made.has(e));
        if (given !== undefined) {
          throw new SecretStateError(`invalid DOCKYARD_ROTATE entry ${describeValue(entry)}: Secret ${given} is one you create in the cluster ` +
            '(Secret.fromSecretName, listed as required after each synth), which no synth makes or rotates: change it there with kubectl, ' +
            'then restart the workloads that read it (kubectl rollout restart), and unset DOCKYARD_ROTATE');
        }
        const near = [ROTATE_ALL, ROTATE_LOST, ROTATE_UNUSABLE].find((word) => word === entry.toLowerCase()) ?? nearestKey(entry, keys);
        throw new SecretStateError(`invalid DOCKYARD_ROTATE entry ${describeValue(entry)}: must be "all", "lost", "unusable", <namespace>/<secret> or ` +
          `<namespace>/<secret>/<key> of a key this stack declares, ${near !== undefined ? `did you mean ${near}?` : `e.g. ${fewOf([...roots.keys()].sort(), 3)}`}`);
      }
      hits.forEach((k) => out.add(k));
    }
    return out;
  }
}

/** The comma-separated entries of the environment variable `name`, trimmed, empty ones dropped. */
function envList(name: 'DOCKYARD_ROTATE' | 'DOCKYARD_MOVE'): string[] {
  const raw = process.env[name] ?? '';
  const entries = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  // set to blanks or commas alone, it would rotate or move nothing without a word, though the user meant it to; set
  // empty (`DOCKYARD_ROTATE= npm run synth`) it is the usual way to unset a variable for one command
  if (entries.length === 0 && raw !== '') {
    const allowed = name === 'DOCKYARD_ROTATE'
      ? '"all", "lost", "unusable", <namespace>/<secret>, <namespace>/<secret>/<key> or file:<path>'
      : '<old namespace>=<new namespace> or <old namespace>/<old secret>=<new namespace>/<new secret>';
    throw new SecretStateError(`invalid ${name} ${describeValue(raw)}: names nothing: must be a comma-separated list of ${allowed}, or unset`);
  }
  return entries;
}

/** Whether a `DOCKYARD_ROTATE` entry names a Secret, `<namespace>/<secret>`, whose every key it rotates. */
function isSecretEntry(entry: string): boolean {
  const parts = entry.split('/');
  return !entry.startsWith('file:') && parts.length === 2 && !parts.includes('');
}

/**
 * The declared key or Secret (`<namespace>/<secret>`) a typo could have made `entry`: the single nearest within two
 * edits (three from 24 characters), else none. Names only, never values.
 */
function nearestKey(entry: string, keys: readonly string[]): string | undefined {
  return nearestName(entry, [...keys, ...keys.map((k) => secretOfStateKey(k))]);
}

/**
 * `secrets.lock.json` beside a state in `.dockyard/secrets.json`; `<name>.lock.json` beside any other state.
 *
 * @internal
 */
export function defaultLockPath(statePath: string): string {
  const dir = path.dirname(statePath);
  const name = `${path.basename(statePath).replace(/\.json$/, '')}.lock.json`;
  return path.join(path.basename(dir) === '.dockyard' ? path.dirname(dir) : dir, name);
}

/** Whether `a` and `b` have the same own keys, each with the same value. */
function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) {
    return false;
  }
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) {
      return false;
    }
  }
  return true;
}

function stateKeyOf(secret: Secret, key: string): string {
  return secretStateKey(secret.namespace, secret.secretName, key);
}

/**
 * Where the value of `secret`'s `key` comes from, as a refusal names it: the input variable it was given as,
 * following copies, else the state key of the value it copies.
 */
function sourceOf(secret: Secret, key: string): string {
  const origin = originOf(secret.key(key));
  return inputVariableOf(origin) ?? stateKeyOf(origin.secret as Secret, origin.key);
}

function mapValues(sources: Readonly<Record<string, SecretKey>>, f: (k: SecretKey) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(sources).map(([name, key]) => [name, f(key)]));
}

function count(items: unknown[], noun: string): string {
  return `${items.length} ${noun}${items.length === 1 ? '' : 's'}`;
}

/** The DOCKYARD_STATE warnings printed in this process: one a state, however many stores a program makes. */
const stateVariableWarned = new Set<string>();

/**
 * Warn, once, when `DOCKYARD_STATE` names another file than `statePath`. The variable is the example stacks' (apps/),
 * which pass it as statePath: a stack of one's own that does not would synthesize from another state than the one a
 * user restoring by it (README, "Credentials") meant, without a word. The two are compared as files: through the
 * real path of each one's folder, so a link to the state's folder is the same state.
 */
function warnOtherStateVariable(statePath: string): void {
  const variable = process.env.DOCKYARD_STATE;
  if (variable === undefined || variable === '' || sameFile(variable, statePath) || stateVariableWarned.has(`${variable}\0${statePath}`)) {
    return;
  }
  stateVariableWarned.add(`${variable}\0${statePath}`);
  printWarning(`DOCKYARD_STATE ${describePath(variable)} is not this stack's secret state ${describePath(statePath)}: only Dockyard's ` +
    'example stacks read that variable; a stack of your own takes its state from LocalSecretStore\'s statePath, which this synth uses');
}

/** Whether paths `a` and `b` name one file, their folders compared by real path where they exist. */
function sameFile(a: string, b: string): boolean {
  const real = (file: string): string => {
    const folder = path.resolve(path.dirname(file));
    try {
      return path.join(fs.realpathSync(folder), path.basename(file));
    } catch {
      return path.join(folder, path.basename(file));
    }
  };
  return real(a) === real(b);
}


/** Two generated Secrets of one name in one namespace would share values and emit conflicting documents. */
function checkUnique(secrets: Secret[]): void {
  const seen = new Map<string, Secret>();
  for (const s of secrets) {
    const id = `${s.namespace}/${s.secretName}`;
    const other = seen.get(id);
    if (other) {
      throw new SecretStateError(`generated Secret ${id} is declared twice, at ${other.node.path} and ${s.node.path}: give each its own name`);
    }
    seen.set(id, s);
  }
}

/** A copy shared into a namespace must not collide with another generated Secret of that name there. */
function checkCopies(secrets: Secret[], namespaces: string[][]): void {
  const owner = new Map<string, Secret>();
  for (let i = 0; i < secrets.length; i++) {
    const s = secrets[i];
    for (const ns of namespaces[i]) {
      const id = `${ns}/${s.secretName}`;
      const other = owner.get(id);
      if (other && other !== s) {
        throw new SecretStateError(`generated Secrets ${other.node.path} and ${s.node.path} would both be written as ${id}: give each its own name`);
      }
      owner.set(id, s);
    }
  }
}

/**
 * The secret states beside `statePath` whose names a typo could have made its own (at most two edits: `secret.json`
 * for `secrets.json`), sorted, at most three: `.json` files, not key records, that hold a version 1 state. An
 * unreadable folder or file is left out.
 */
function otherStates(statePath: string): string[] {
  const dir = path.dirname(statePath);
  const base = path.basename(statePath);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n !== base && n.endsWith('.json') && !n.endsWith('.lock.json') && editDistance(n, base) <= 2).sort()
    .map((n) => path.join(dir, n)).filter((file) => {
      try {
        const state = JSON.parse(fs.readFileSync(file, 'utf8'));
        return state?.version === 1 && typeof state.values === 'object';
      } catch {
        return false;
      }
    }).slice(0, 3);
}

/**
 * Tell the operator, on stderr, which credentials this synth made: never silently. A rotated key that encrypts data
 * kept elsewhere (`SecretValue.encrypting`), or that its consumer reads only on its first start
 * (`SecretValue.readOnFirstStart`), gets a warning line of its own, whatever else was rotated with it; so does each
 * step a consumer declared to run once the rotation of a key is applied (`stepAfterRotating`, `steps`).
 */
function report(
  made: string[], rotating: Set<string>, lockPath: string, roots: ReadonlyMap<string, SecretValue>, revived: ReadonlySet<string>,
  steps: ReadonlyMap<string, ReadonlySet<string>>,
): void {
  const rotated = made.filter((k) => rotating.has(k) && !revived.has(k));
  const remade = made.filter((k) => revived.has(k));
  const created = made.filter((k) => !rotating.has(k));
  if (remade.length > 0) {
    process.stderr.write(`dockyard: made ${count(remade, 'key')} anew that an earlier synth retired, whose old ${remade.length > 1 ? 'values were' : 'value was'} ` +
      `revoked: ${fewOf(remade, 10)}\n`);
  }
  if (rotated.length > 0) {
    // every one: a rotation is deliberate, and its list is what to check before applying
    process.stderr.write(`dockyard: rotated ${count(rotated, 'key')} on purpose: ${rotated.join(', ')}\n`);
  }
  for (const key of rotated) {
    const value = roots.get(key);
    if (value?.encrypts !== undefined) {
      process.stderr.write(`dockyard: warning: rotated ${key}, which encrypts ${value.encrypts}: once applied, what it encrypted can no ` +
        'longer be read; the cluster keeps the old value until you apply, so restoring the state from your backup still undoes this ' +
        '(see the README, "Credentials")\n');
    }
    if (value?.firstStartChange !== undefined) {
      process.stderr.write(`dockyard: warning: rotated ${key}, which its consumer reads only on its first start: before applying, ` +
        `${value.firstStartChange}, or what logs in with it is locked out (see the README, "Credentials")\n`);
    }
    for (const step of steps.get(key) ?? []) {
      process.stderr.write(`dockyard: warning: rotated ${key}: once applied, ${step} (see the README, "Credentials")\n`);
    }
  }
  // an input's value is the operator's, taken from its variable: not generated
  const taken = created.filter((k) => roots.get(k)?.kind === SecretValueKind.INPUT);
  const generated = created.filter((k) => roots.get(k)?.kind !== SecretValueKind.INPUT);
  if (generated.length > 0) {
    process.stderr.write(`dockyard: generated ${count(generated, 'new key')}, recorded in ${describePath(lockPath)}: ${fewOf(generated, 10)}\n`);
  }
  if (taken.length > 0) {
    process.stderr.write(`dockyard: took ${count(taken, 'new input')} from ${taken.length === 1 ? 'its variable' : 'their variables'}, recorded in ` +
      `${describePath(lockPath)}: ${fewOf(taken.map((k) => `${k} (${roots.get(k)!.env})`), 10)}\n`);
  }
}

/**
 * Warn, on a rotation, of the other output directories made from the same state (`SecretState.outputs`): their
 * Secrets, which may hold a rotated key or a value made from one, keep the old values until their stacks are
 * synthesized again, and applying one as it is puts the old values back in the cluster, unannounced.
 */
function staleOutputsWarning(rotated: readonly string[], others: readonly string[]): void {
  if (rotated.length === 0 || others.length === 0) {
    return;
  }
  const shown = others.map((o) => {
    const relative = path.relative(process.cwd(), o);
    return describePath(relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : o);
  });
  const one = others.length === 1;
  process.stderr.write(`dockyard: warning: ${one ? 'another output directory was' : 'other output directories were'} made from this state before ` +
    `this rotation, and may hold the old ${rotated.length === 1 ? 'value' : 'values'}: ${shown.join(', ')}; synthesize ${one ? 'its stack' : 'their stacks'} ` +
    `again before applying ${one ? 'it' : 'them'}, or the apply puts the old ${rotated.length === 1 ? 'value' : 'values'} back in the cluster\n`);
}

function rsaPrivateKey(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
}

/** bcryptjs, loaded only when a hash must be made: a synth whose state holds every value never pays for it. */
function bcrypt(): typeof import('bcryptjs') {
  return require('bcryptjs');
}

/** Draw `length` characters uniformly from `alphabet`; rejection sampling avoids modulo bias. */
function random(alphabet: string, length: number, mixedClasses: boolean): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) {
        out += alphabet[byte % alphabet.length];
      }
    }
    // redraw the rare value that lacks a class, which keeps every accepted value uniformly distributed
    if (out.length === length && mixedClasses && !(/[A-Z]/.test(out) && /[a-z]/.test(out) && /\d/.test(out))) {
      out = '';
    }
  }
  return out;
}

/** The value of the input variable `env` (`SecretValue.input`), empty if unset; refused as `checkInputValue` says. */
function inputValue(env: string): string {
  const given = process.env[env] ?? '';
  checkInputValue(env, given);
  return given;
}
