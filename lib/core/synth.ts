import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { applyOrderWarnings, ManifestNamespaces } from './apply-order';
import { outsideSecretReaders } from './checksum';
import { CLUSTER_KINDS, DockyardChart } from './chart';
import { debugRequested } from './debug';
import { isUserError } from './validation';
import { defaultLockPath, LocalSecretStore } from './local-secret-store';
import { objectIdentity, ObjectNames, removesItself, withObjectNames } from './object-names';
import { GENERATED_HEADER, manifestBytes, SECRETS_FILE, stateNamedBy, statePathsNamed } from './secret-manifest';
import { withWalkedTree } from './walked-tree';
import { IMAGE_PAIRS_FILE, Images } from './image';
import { OutputFile, SecretFile } from './output-file';
import { isInside } from './paths';
import { goneObjectList, goneObjects, goneStatefulSetsWarning, leftObjectsCommands, leftObjectsWarning, objectList, secretsOfMark, withoutPassingJobs } from './left-objects';
import { keptListWarnings, keptLists } from './kept-lists';
import { chartList, OUTPUT_MARKER, previousOutputOf, readMark, withPreviousOutput } from './previous-output';
import { fewOf } from './text';
import { checkVersionChanges } from './version-changes';
import { goneFileNotices, markedNotes, notedFileList, notesOf } from './gone-files';
import { DESKTOP_FILES, fileList, filesOfMark, unlistedEntries } from './written-files';
import { withUserAccountsHeld } from './pull-access';
import { outputShardsOf, shardChangeWarnings } from './output-shards';
import { Secret } from './secret';
import { SecretStateError, STATE_DIGEST_KEY } from './secret-files';
import { secretOfStateKey } from './secret-record-review';
import { describePath, invalid, ValidationError } from './validation';
import { warnOnce } from './warn';
import { toYamlChunks } from './yaml';

export { SECRETS_FILE };

export { OUTPUT_MARKER };
const OUTPUT_MARKER_TEXT = 'Written by Dockyard\'s synth, which replaces this whole directory every time it runs: keep nothing else here.\n';

/** How many times `synthesize` was called in this process: `runSynth` warns of an entry point that never calls it. */
let synthesizeCalls = 0;

/**
 * Synthesize `app` into its output directory, as `cdk8s synth` expects: one `<chart id>.k8s.yaml` per chart, every
 * `OutputFile`, and, from `secrets`, the generated Secrets (`secrets.local.yaml`) and every `SecretFile`, readable
 * only by their owner. Returns the paths written.
 *
 * Everything is rendered before anything is written, so a failure while rendering writes nothing and the previous
 * output, generated Secrets included, stays as it was: an object too large for a cluster (`DockyardChart.toJson`
 * checks every object's size, `LocalSecretStore` every generated Secret's) fails the synth there. Then the secret
 * state and its key record are saved, and the new output is written to a sibling folder and swapped in whole, so a
 * reader never sees half of one synth and half of another, and files a stack no longer makes are gone. A failure
 * while writing or swapping (a full disk, say) leaves the previous output in place but the state already holding
 * any value made in this synth; the next synth keeps that value and writes it out. One interrupted between the two
 * renames of the swap leaves the previous output beside it, and the next synth that gets as far as writing puts it
 * back before it swaps.
 * The charts are resolved first, because resolving them settles which namespaces need a copy of which Secret.
 * It stands in for `App.synth()`: `Chart.toJson()` still validates and resolves every construct, but the YAML
 * writer is several times faster.
 *
 * The secret state and its key record must live outside the output directory, which every synth replaces.
 */
export function synthesize(app: App, secrets: LocalSecretStore): string[] {
  synthesizeCalls++;
  for (const [what, file] of [['state', secrets.statePath], ['key record', secrets.lockPath]]) {
    if (isInside(file, app.outdir)) {
      throw new SecretStateError(`invalid secret ${what} ${describePath(file)}: it lies inside the output directory ${describePath(app.outdir)}, ` +
        'which every synth replaces; keep it outside, e.g. ".dockyard/secrets.json"');
    }
  }
  // the program itself, compiled into the output directory (tsc's suggested outDir is dist/, cdk8s's default too):
  // the swap would delete it, and the next run would find no program (a library user's trial)
  const program = process.argv[1];
  if (program !== undefined && program !== '' && isInside(path.resolve(program), app.outdir)) {
    // "build", the README's outDir, is no way out where it lies in the output directory too (an output directory
    // "build", or the project's own folder): then only another output directory is
    const compileElsewhere = isInside(path.resolve('build'), app.outdir) ? '' : 'compile the stack elsewhere (tsconfig.json "outDir": "build") or ';
    throw new ValidationError(`invalid output directory ${describePath(app.outdir)}: it holds the running program ${describePath(program)}, ` +
      `and every synth replaces the whole directory; ${compileElsewhere}synthesize into another directory (CDK8S_OUTDIR, or new App({ outdir }))`);
  }
  // an output path that is a file, a link loop or unreadable, or in a folder this synth may not write (or, sticky,
  // may not move another user's output out of), fails before
  // anything is made or saved (a folder that turns unwritable during the synth fails when the output is written,
  // after the state is saved, which the next synth writes out)
  checkOutputFolderWritable(app.outdir, outputPath(app.outdir));
  let written: string[] = [];
  // one walk of the tree serves the secret store (its Secrets), the charts' order and the first chart's objects:
  // nothing runs between them that could add a construct (a later chart is walked again, after the first renders)
  const walk = walkApp(app);
  checkOutputDirectory(app.outdir, checkFilePaths(app, walk?.charts ?? app.charts));
  // the previous output's mark: the objects it wrote, to name those this synth no longer writes, its Secrets and
  // charts, by which the state check and the store know this stack's own, and the images the version check compares
  const mark = previousMark(app.outdir);
  checkStateOfOutput(app.outdir, secrets, mark);
  // a component's new version that would refuse the data its previous version left, before anything is saved
  checkVersionChanges(app, previousOutputDirectory(app.outdir), mark);
  const transaction = () => secrets.transaction(app, () => {
    // resolved inside the store's transaction: pod checksums and Job names take the digests of the Secrets' values
    // each manifest as the UTF-8 its file holds (a string of it would only be encoded again to be written), a
    // DockyardChart's written object by object
    const unclaimed: string[] = [];
    const unclaimedPassing = new Set<string>();
    const manifests = (walk?.charts ?? app.charts).flatMap((chart, i) => {
      if (!isDockyardChart(chart)) {
        return [{ path: manifestPath(chart), content: plainChartChunks(chart, unclaimed, unclaimedPassing) }];
      }
      // a chart split over shard files (TeamPlatformProps.outputShards) writes each, the empty ones too: a Flux
      // kustomization.yaml listing a missing file fails its build (kustomize api v0.21.1
      // api/internal/target/kusttarget.go:418-455), while kustomize, kubectl and Argo CD read an empty one as no objects
      const paths = manifestPaths(chart);
      return chart._toYamlFiles(i === 0 ? walk?.own.get(chart) : undefined).map((content, k) => ({ path: paths[k], content }));
    });
    const outputs = withImagePairs(app, OutputFile.allIn(app).map((f) => ({ path: f.path, content: f.content() })));
    // every image is resolved now
    Images._warnUnusedDigests(app);
    return { manifests, outputs, unclaimed, unclaimedPassing };
  }, ({ manifests, outputs, unclaimed, unclaimedPassing }, rendered) => {
    // one chart whose manifest sorts before the Secrets' (the default `dockyard`) cannot be out of order: skip the walk;
    // a chart split into shard files is checked (its shard files sort before its own)
    const charts = walk?.charts ?? app.charts;
    if (charts.length > 1 || charts.some((chart) => manifestPaths(chart).length > 1 || manifestPath(chart) > SECRETS_FILE)) {
      applyOrderWarnings([
        ...charts.flatMap((chart) => chartNamespaces(chart, walk?.own.get(chart))),
        secretNamespaces(walk?.all ?? app.node.findAll()),
      ]).forEach((warning) => warnOnce(app, warning));
    }
    const files = [
      ...[...manifests, ...outputs].map((f) => ({ ...f, mode: 0o644 })),
      ...[{ path: SECRETS_FILE, content: manifestBytes(rendered) }, ...rendered.files].map((f) => ({ ...f, mode: 0o600 })),
    ];
    // every object written is compared with the previous list (one an earlier version listed, which it still writes,
    // is no object gone); the new list leaves out those the cluster removes itself, so none is ever named as gone
    const names = ObjectNames.for(app);
    const identities = [...names.identities(), ...unclaimed];
    // the files copied elsewhere by hand, by their notes: this synth's, and the previous output's
    const notes = notesOf(app);
    const previousNotes = markedNotes(mark);
    const notices = [...changeNotices(app, files, notes, previousNotes), ...goneFileNotices(app.outdir, previousNotes, files.map((f) => f.path), notes)];
    const previous = previousOutputDirectory(app.outdir);
    const gone = withoutPassingJobs(goneObjects(mark, identities), previous);
    const left = leftObjectsWarning(gone, path.join(app.outdir, OUTPUT_MARKER));
    if (left !== undefined) notices.push(left, leftObjectsCommands(gone)!);
    // a StatefulSet's data outlives it on its claims, with no server left to dump it from
    const sets = goneStatefulSetsWarning(gone, previous);
    if (sets !== undefined) notices.push(sets);
    // an admin dropped from the code stays one: the engines never demote (lib/core/ci-admins.ts); a Harbor project
    // dropped from the code stays in Harbor, public or not, and no Job looks at it (lib/core/left-names.ts); a URL
    // changed leaves the forge's webhooks on the old one: the engines write them once, at activation
    notices.push(...keptListWarnings(mark, app));
    // teams moved between files move between the GitOps tool's owners of those files
    notices.push(...shardChangeWarnings(filesOfMark(mark), charts.map((c) => ({ id: c.node.id, shards: manifestPaths(c).length - 1 }))));
    const listed = identities.filter((i) => !names.passes(i) && !unclaimedPassing.has(i));
    replaceDirectory(app.outdir, (staging) => {
      files.forEach((f) => {
        fs.mkdirSync(path.dirname(path.join(staging, f.path)), { recursive: true });
        writeFile(path.join(staging, f.path), f.content, f.mode);
      });
      const paths = [OUTPUT_MARKER, ...files.map((f) => path.posix.normalize(f.path))];
      writeFile(path.join(staging, OUTPUT_MARKER), OUTPUT_MARKER_TEXT + fileList(paths) + chartList(app) + notedFileList(notes) + goneObjectList(gone) +
        keptLists(app) + objectList(listed), 0o644);
    });
    written = files.map((f) => path.join(app.outdir, f.path));
    notices.forEach((line) => process.stderr.write(`dockyard: ${line}\n`));
  });
  // one set of object names across the charts: they land on one cluster
  withPreviousOutput(app, { ...previousOutputOf(mark), directory: path.resolve(app.outdir) }, () =>
    withObjectNames(app, () => withUserAccountsHeld(app, () => (walk === undefined ? transaction() : withWalkedTree(app, walk.all, transaction)))));
  return written;
}

/**
 * Refuse two files at one path below the output directory, or a file where another needs a folder, before anything
 * is saved or written: the second would replace the first (two `NodeMirrorFiles` in one `directory`, say), or the
 * write would fail half-way. The files synth writes itself, each chart's manifest, `secrets.local.yaml` and, with a
 * mirror, `images.pairs.txt`, are claimed first, so the message names the `OutputFile` or `SecretFile` to move.
 * Paths are compared as written with `.` and repeated `/` dropped (`checkPath` refuses `..`).
 */
function checkFilePaths(app: App, charts: readonly Chart[]): string[] {
  const owners = new Map<string, { path: string; owner: string; ours: boolean }>();
  const claim = (file: string, owner: string, ours: boolean): void => {
    const key = path.posix.normalize(file).replace(/\/$/, '');
    const other = owners.get(key);
    if (other !== undefined) {
      invalid('path', file, other.ours && !ours
        ? `synth writes ${other.owner} there, which ${owner} would overwrite; give ${owner} another path`
        : `two files would be written there (${other.owner} and ${owner}); give one another path or a directory of its own`);
    }
    owners.set(key, { path: file, owner, ours });
  };
  charts.forEach((chart) => manifestPaths(chart).forEach((file) => claim(file, `the manifest of chart ${chart.node.path}`, true)));
  claim(SECRETS_FILE, 'the generated Secrets', true);
  claim(OUTPUT_MARKER, 'the mark of a synth\'s output directory', true);
  if (Images.mirrored(app)) {
    claim(IMAGE_PAIRS_FILE, 'the list of images to mirror', true);
  }
  [...OutputFile.allIn(app), ...SecretFile.allIn(app)].forEach((f) => claim(f.path, f.node.path, false));
  for (const [key, { path: file, owner }] of owners) {
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const folder = owners.get(key.slice(0, slash));
      if (folder !== undefined) {
        invalid('path', file, `${owner} needs a folder ${describePath(folder.path)} for it, where ${folder.owner} would write a file; ` +
          'give one another path');
      }
    }
  }
  return [...owners.keys()];
}

/**
 * Refuse an output directory that is not a synth's own before anything is saved or written: every synth replaces the
 * whole directory, so one pointed by mistake at a folder of sources (a mistyped CDK8S_OUTDIR or `outdir`) would lose
 * them. A directory with `OUTPUT_MARKER`, or with the generated Secrets a synth writes (one of a version before the
 * mark), is a synth's; any other may hold only what this synth writes (`written`, as `checkFilePaths` normalized
 * them) and, as an earlier one may have, chart manifests (`*.k8s.yaml`) and the list of images to mirror. A git
 * repository is refused even in a synth's own directory: the swap would delete its history. Where the directory is
 * missing and an interrupted synth left the previous output beside it, that one is checked: it is put back, then replaced.
 */
function checkOutputDirectory(link: string, written: readonly string[]): void {
  const dir = outputPath(link);
  let checked = dir;
  let entries = readOutput(link, dir);
  // killed between a swap's two renames, a synth left the previous output beside the directory, and this one puts it
  // back before it swaps (`recoverSiblings`): that is what would be replaced, so that is checked
  let held = describePath(link);
  if (entries === undefined) {
    const previous = previousOutputs(dir)[0];
    if (previous === undefined) return;
    checked = previous;
    entries = readOutput(link, previous)!;
    held = `${held} (the previous output, which an interrupted synth left in ${describePath(previous)} and this one would put back)`;
  }
  const elsewhere = 'synthesize into a directory of its own (CDK8S_OUTDIR, or new App({ outdir }))';
  if (entries.includes('.git')) {
    throw new ValidationError(`invalid output directory ${held}: it holds a git repository (.git), which the synth would ` +
      `delete with the rest, as every synth replaces the whole directory; ${elsewhere} and copy the output from there`);
  }
  if (isSynthOutput(checked)) {
    // a synth's directory: what was put there since the last synth (which lists its files in the mark) would be
    // deleted with the rest, so it is refused, unless this synth writes it
    const before = filesOfMark(readMark(checked));
    const added = before === undefined ? [] : unlistedEntries(checked, [...before, ...written]);
    if (added.length > 0) {
      const them = added.length === 1 ? 'it' : 'them';
      throw new ValidationError(`invalid output directory ${held}: it holds ${fewOf(added.map(describePath), 3)}, which the last synth did ` +
        `not write and this one would delete, as every synth replaces the whole directory; move ${them} out (keep files of your own ` +
        `beside the output directory, not in it), or delete ${them}`);
    }
    return;
  }
  const ours = new Set(written.map((file) => file.split('/')[0]));
  const foreign = entries.filter((e) => !ours.has(e) && !e.endsWith('.k8s.yaml') && e !== IMAGE_PAIRS_FILE && !DESKTOP_FILES.has(e)).sort();
  if (foreign.length > 0) {
    throw new ValidationError(`invalid output directory ${held}: it holds ${fewOf(foreign.map(describePath), 3)}, ` +
      `which this synth does not write, and no ${OUTPUT_MARKER} marks it a synth's; every synth replaces the whole directory: ${elsewhere}, ` +
      'or empty this one first');
  }
}

/** The entries of `dir`, the output directory `link` names (or its kept previous output); undefined if it is not there. */
function readOutput(link: string, dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir);
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined;
    throw new ValidationError(`invalid output directory ${describePath(link)}: it cannot be read (${err?.code ?? 'error'}); ` +
      'point it at a directory you can write, or at nothing');
  }
}

/**
 * The state path that the previous synth's Secrets in `outdir` were made from, as their first line names it
 * (`LocalSecretStore`'s header: the path as given, or quoted as `describePath` quotes it), if they are there.
 */
function previousStatePath(outdir: string): string | undefined {
  // where the directory is missing and an interrupted synth left the previous output beside it, that one is what
  // this synth puts back and replaces (`recoverSiblings`), so its Secrets are the ones at stake
  let held: string;
  try {
    const dir = outputPath(outdir);
    held = fs.existsSync(dir) ? dir : previousOutputs(dir)[0] ?? dir;
  } catch {
    return undefined;
  }
  return stateNamedBy(path.join(held, SECRETS_FILE));
}

/**
 * Refuse, before anything is saved or written, a synth whose state did not make the output it would replace, where
 * the output's Secrets are the last copy of their values but the cluster's:
 * - a new state over an output made from another state that still exists (its file, or its key record): a mistyped
 *   state path (`DOCKYARD_STATE=.dockyard/secret.json`) replaced every credential of the output with new ones, which
 *   an apply then rolled out, and the synth only warned (a new user's trial);
 * - an existing state over an output made from another state whose file still exists and is no copy of it: pointing
 *   `apps/teams` at the default stack's state with its own output still in place replaced every credential there (an
 *   upgrade trial); a copy, or a backup of the same state (`lineageOf`), is the same state, unless it lacks a key
 *   the output holds;
 * - a new state at the very path the output was made from, whose file and key record are both gone (`.dockyard/`
 *   deleted): every credential would be made anew, Harbor's `secret-key` among them (an accidental-rotation trial).
 * An output that names no state, or a state of which nothing is left at another path, starts anew as before, with
 * the store's notice; so does any state once the output directory is moved away.
 */
function checkStateOfOutput(outdir: string, secrets: LocalSecretStore, mark: string | undefined): void {
  const given = previousStatePath(outdir);
  if (given === undefined) {
    return;
  }
  // the header names the path as the previous synth was given it: a relative one from that synth's working directory,
  // which may not be this one's (a synth run from elsewhere, CDK8S_OUTDIR and DOCKYARD_STATE absolute). That folder
  // is taken to be this one, or the one that holds the output directory (as "dist" and ".dockyard/secrets.json" are
  // beside each other), and the state found from either counts
  const current = path.resolve(secrets.statePath);
  const currentExists = fs.existsSync(secrets.statePath);
  const currentKnown = currentExists || fs.existsSync(secrets.lockPath);
  const candidates = statePathsNamed(given, [outputPath(outdir), outdir]).map((state) => ({ state, exists: fs.existsSync(state), record: defaultLockPath(state) }));
  // the output's own state: as it was, or lost (file and record), which the store refuses itself where one is left
  if (candidates.some((c) => c.state === current)) {
    if (!currentKnown) {
      throw new SecretStateError(`invalid secret state ${describePath(secrets.statePath)}: neither it nor its key record exists, while the output ` +
        `directory ${describePath(outdir)} holds Secrets made from it: this synth would start a new state and write new credentials in place of ` +
        'all of those, keys that encrypt stored data among them; restore the state and its key record from your backup (README, ' +
        'Credentials: back up, restore, rotate), or move the output directory away to start a new state on purpose');
    }
    return;
  }
  // the state, or its key record where the default puts it (a state whose file alone is lost is refused as lost at
  // its own path, and this output is the last copy of its values but the cluster's)
  const found = candidates.find((c) => c.exists || fs.existsSync(c.record));
  if (found === undefined) {
    return;
  }
  const from = found.state;
  const shown = path.isAbsolute(given) || from === path.resolve(given) ? given : from;
  if (currentKnown) {
    // another existing state: refused where its file is there and is not this one's copy (a key record alone, left
    // behind by a state moved to this path, says nothing of the values)
    if (!found.exists || !currentExists) {
      return;
    }
    const lineage = lineageOf(from, current, [found.record, secrets.lockPath], heldBy(mark));
    if (lineage.copy && lineage.missing.length === 0) {
      return;
    }
    if (lineage.copy) {
      // a backup older than some of the output's keys: they would be made anew, while the cluster runs them
      const them = lineage.missing.length === 1 ? 'it' : 'them';
      throw new SecretStateError(`invalid secret state ${describePath(secrets.statePath)}: it is a copy of ${describePath(shown)}, which the ` +
        `output directory ${describePath(outdir)} was made from, without ${lineage.missing.length === 1 ? 'a value' : 'values'} for ` +
        `${fewOf(lineage.missing)}, which the output holds: this synth would make ${them} anew; restore a newer backup, or move the output ` +
        `directory away to make ${them} anew on purpose`);
    }
    throw new SecretStateError(`invalid secret state ${describePath(secrets.statePath)}: the output directory ${describePath(outdir)} holds Secrets ` +
      `made from another state, ${describePath(shown)}, which still exists: this synth would write this state's credentials in place of all of ` +
      'those; check the state path (DOCKYARD_STATE in the example stacks), or move the output directory away to switch it to this state on purpose');
  }
  const which = found.exists ? 'which does' : `whose key record ${describePath(found.record)} does`;
  throw new SecretStateError(`invalid secret state ${describePath(secrets.statePath)}: neither it nor its key record exists, while the output ` +
    `directory ${describePath(outdir)} holds Secrets made from ${describePath(shown)}, ${which}: this synth would start a new state and write ` +
    'new credentials in place of all of those; check the state path (DOCKYARD_STATE in the example stacks), or move the output directory away ' +
    'to start a new state on purpose');
}

/**
 * Which of a state's keys the output directory (its previous mark's text) holds: the keys of the Secrets it lists, and
 * of the secret files it wrote; every key for an output whose mark lists neither (an earlier version's).
 */
function heldBy(mark: string | undefined): (key: string) => boolean {
  const files = filesOfMark(mark);
  if (files === undefined) {
    return () => true;
  }
  const secrets = secretsOfMark(mark);
  const written = new Set(files);
  return (key) => (key.startsWith('file:') ? written.has(key.slice('file:'.length)) : secrets.has(secretOfStateKey(key)));
}

/**
 * What the state `b` is to the state `a` the output was made from: a copy where the two are byte-identical or hold
 * one generated value alike (a backup, taken before or after a rotation: the README's restore points
 * DOCKYARD_STATE at it; a backup from before DOCKYARD_ROTATE=all shares the state's digest key, which no rotation
 * renews), with the keys of `a` the output holds (`held`) that `b` lacks, which a synth would make anew. Two states
 * made apart share no generated value; an input (a token the user gave both, as the key records say) and the entries
 * beside values (`#retired`, `#inputs`) count for nothing. Content cannot tell a backup from a copy that went its own
 * way: this is a guard against mistakes, not proof. A state that cannot be read is no copy.
 */
function lineageOf(a: string, b: string, records: readonly string[], held: (key: string) => boolean): { copy: boolean; missing: string[] } {
  const [textA, textB] = [fs.readFileSync(a), fs.readFileSync(b)];
  if (textA.equals(textB)) {
    return { copy: true, missing: [] };
  }
  try {
    const [valuesA, valuesB] = [textA, textB].map((t) => JSON.parse(t.toString('utf8'))?.values ?? {}) as Record<string, unknown>[];
    const inputs = new Set(records.filter((r) => fs.existsSync(r)).flatMap((r) => Object.entries(JSON.parse(fs.readFileSync(r, 'utf8'))?.keys ?? {})
      .filter(([, recipe]) => typeof recipe === 'string' && recipe.startsWith('input(')).map(([k]) => k)));
    const value = (k: string): boolean => !k.includes('#') && !inputs.has(k);
    const shares = Object.entries(valuesA).some(([k, v]) => (value(k) || k === STATE_DIGEST_KEY) && typeof v === 'string' && v !== '' && valuesB[k] === v);
    // a state rebuilt from the cluster has no digest key, and makes one: no key of the output
    return { copy: shares, missing: shares ? Object.keys(valuesA).filter((k) => value(k) && held(k) && !(k in valuesB)).sort() : [] };
  } catch {
    return { copy: false, missing: [] };
  }
}

/**
 * Whether `file` is the generated Secrets a synth writes, by its first line (`LocalSecretStore`'s header, since
 * November 2026): a synth of a version before the mark wrote its directory, whatever else it wrote then (node files
 * the stack writes only without a mirror, say).
 */
function wroteSecrets(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(GENERATED_HEADER.length);
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.toString('utf8') === GENERATED_HEADER;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** One walk of the app: every construct in pre-order, its charts in order, and each chart's own constructs. */
interface AppWalk {
  /** `app.node.findAll()`. */
  readonly all: IConstruct[];
  /** The charts, in the tree's pre-order, which is `app.charts`' order when no construct has dependencies and no chart nests. */
  readonly charts: Chart[];
  /** Each chart and the constructs below it but not below a nested chart, in pre-order. */
  readonly own: Map<Chart, IConstruct[]>;
}

/**
 * Walk `app` once for `synthesize`; undefined where the charts' order is not the tree's (dependencies, nested
 * charts: then `app.charts` orders them), or when the walk fails: then everything walks again at its own time, and
 * fails there as before.
 */
function walkApp(app: App): AppWalk | undefined {
  const all: IConstruct[] = [];
  const charts: Chart[] = [];
  const own = new Map<Chart, IConstruct[]>();
  let ordered = false;
  const visit = (c: IConstruct, owner: Chart | undefined): void => {
    all.push(c);
    if (c.node.dependencies.length > 0) ordered = true;
    if (Chart.isChart(c)) {
      if (owner !== undefined) ordered = true;
      charts.push(c);
      own.set(c, []);
      owner = c;
    }
    own.get(owner!)?.push(c);
    for (const child of c.node.children) visit(child, owner);
  };
  try {
    visit(app, undefined);
  } catch {
    return undefined;
  }
  return ordered ? undefined : { all, charts, own };
}

/**
 * The namespaces `chart`'s manifest creates and those its objects live in, for `applyOrderWarnings`.
 *
 * @param own the chart's constructs without those of nested charts, if walked already
 */
function chartNamespaces(chart: Chart, own?: readonly IConstruct[]): ManifestNamespaces[] {
  const paths = manifestPaths(chart);
  const shards = isDockyardChart(chart) ? outputShardsOf(chart) : undefined;
  const files = paths.map((file) => ({ path: file, defines: new Set<string>(), uses: new Map<string, string>() }));
  const take = (c: IConstruct): void => {
    if (!(c instanceof ApiObject)) return;
    const cluster = CLUSTER_KINDS.includes(c.kind);
    // the file the writer puts it in (`DockyardChart._toYamlFiles`)
    const { defines, uses } = files[shards?.fileOf(c.kind, cluster ? undefined : c.metadata.namespace, c.name) ?? 0];
    if (c.kind === 'Namespace') {
      defines.add(c.name);
    } else if (!cluster && c.metadata.namespace !== undefined && !uses.has(c.metadata.namespace)) {
      uses.set(c.metadata.namespace, `${c.kind} ${c.metadata.namespace}/${c.name}`);
    }
  };
  const visit = (c: IConstruct): void => {
    // a nested chart writes a manifest of its own
    if (c !== chart && Chart.isChart(c)) return;
    take(c);
    c.node.children.forEach(visit);
  };
  if (own === undefined) {
    visit(chart);
  } else {
    own.forEach(take);
  }
  return files;
}

/** The namespaces the generated Secrets of `secrets.local.yaml` live in, from the constructs of the app. */
function secretNamespaces(all: readonly IConstruct[]): ManifestNamespaces {
  const uses = new Map<string, string>();
  for (const c of all) {
    if (c instanceof Secret) {
      for (const namespace of c.namespaces) {
        if (!uses.has(namespace)) uses.set(namespace, `Secret ${namespace}/${c.secretName}`);
      }
    }
  }
  return { path: SECRETS_FILE, defines: new Set(), uses };
}

/**
 * For each `OutputFile` and `SecretFile` with an `onChange` note whose content differs from what the output directory
 * holds (or that it lacks), `<output directory>/<path> changed: <note>`. Nothing when the directory does not exist
 * yet or is empty: a first synth's files are all new, and the README's first steps install them. Read before the output is
 * replaced, printed after: a synth that fails writes nothing and announces nothing. A file the previous output wrote
 * without a note (`previous`, its mark's noted files; undefined where it lists none) is named whatever its content:
 * its copy was never made, and what is there is another file's (registries.yaml once the nodes' login is taken out of
 * `NodeMirrorFiles`, where registries.local.yaml's copy is).
 */
function changeNotices(app: App, files: readonly { path: string; content: string | readonly Buffer[] }[], noted: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string> | undefined): string[] {
  const notes = new Map(noted);
  // the files the mark lists with their notes (notedFileList), as the previous output's mark would have
  const marked = new Set(noted.keys());
  // an upgrade that relocates more images (Trivy's databases, 12-03) failed on the mirror until they were copied
  if (Images.mirrored(app)) {
    notes.set(IMAGE_PAIRS_FILE, 'copy the images it lists that the mirror lacks (dockyard-images --pairs) before applying');
  }
  if (notes.size === 0) {
    return [];
  }
  const dir = outputPath(app.outdir);
  // no previous output: a missing directory, or an empty one made for it
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
    return [];
  }
  const out: string[] = [];
  for (const f of files) {
    const note = notes.get(path.posix.normalize(f.path));
    if (note === undefined) continue;
    const now = typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.concat([...f.content]);
    let before: Buffer | undefined;
    try {
      before = fs.readFileSync(path.join(dir, f.path));
    } catch {
      before = undefined;
    }
    if (before === undefined) {
      out.push(`${path.join(app.outdir, f.path)} is new: ${note}`);
    } else if (previous !== undefined && marked.has(path.posix.normalize(f.path)) && !previous.has(path.posix.normalize(f.path))) {
      // comparing it with itself said 'changed in its comment lines (#) only: nothing to do', and the nodes kept the
      // login the output no longer holds
      out.push(`${path.join(app.outdir, f.path)} is now a file to copy: ${note}`);
    } else if (!before.equals(now)) {
      // a new release's header told every upgrade to restart containerd on every node (an upgrade trial)
      out.push(commentsOnly(before.toString('utf8'), now.toString('utf8'))
        ? `${path.join(app.outdir, f.path)} changed in its comment lines (#) only: nothing to do`
        : `${path.join(app.outdir, f.path)} changed: ${note}`);
    }
  }
  return out;
}

/** Whether two texts differ only in lines that are comments (`#` first, after any blanks), which no reader acts on. */
function commentsOnly(a: string, b: string): boolean {
  const content = (text: string) => text.split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
  return content(a) === content(b);
}

/**
 * A plain cdk8s chart's manifest, as `cdk8s synth` writes it, and its objects' identities added to `identities`
 * (those the cluster removes itself, `removesItself`, to `passing` too): such a chart claims no object names
 * (`ObjectNames`), and its objects belong in the mark's list all the same.
 */
function plainChartChunks(chart: Chart, identities: string[], passing: Set<string>): Buffer[] {
  const objects = chart.toJson();
  for (const o of objects) {
    const identity = objectIdentity(o, CLUSTER_KINDS.includes(o?.kind));
    if (identity === undefined) continue;
    identities.push(identity);
    if (removesItself(o)) passing.add(identity);
  }
  return toYamlChunks(objects);
}

/** The text of the mark in the output directory `link` names, if it has one (`OUTPUT_MARKER`). */
function previousMark(link: string): string | undefined {
  const previous = previousOutputDirectory(link);
  return previous === undefined ? undefined : readMark(previous);
}

/** The previous output's directory, whose mark `previousMark` reads, if there is one. */
function previousOutputDirectory(link: string): string | undefined {
  // killed between a swap's renames, a synth left the previous output beside the directory, which is put back
  const dir = outputPath(link);
  return fs.existsSync(dir) ? dir : previousOutputs(dir)[0];
}

/** Whether `chart` is a DockyardChart (`instanceof` is true of every cdk8s Chart: Chart.isChart). */
function isDockyardChart(chart: Chart): chart is DockyardChart {
  return DockyardChart.prototype.isPrototypeOf(chart);
}

/** Write `content`, a string or its UTF-8 in pieces, to a new file `file` of `mode` (as `fs.writeFileSync` does). */
function writeFile(file: string, content: string | readonly Buffer[], mode: number): void {
  if (typeof content === 'string') {
    fs.writeFileSync(file, content, { mode });
    return;
  }
  const fd = fs.openSync(file, 'w', mode);
  try {
    for (const chunk of content) {
      for (let done = 0; done < chunk.length;) {
        done += fs.writeSync(fd, chunk, done, chunk.length - done);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `outputs` and, when a mirror relocation is set, `images.pairs.txt`: the `<source> <destination>` lines of every
 * image relocated to the mirror, complete only now that every manifest and output file has resolved its images.
 */
function withImagePairs(app: App, outputs: { path: string; content: string }[]): { path: string; content: string }[] {
  if (!Images.mirrored(app)) {
    return outputs;
  }
  const lines = Images.relocatedPairs(app);
  return [...outputs, { path: IMAGE_PAIRS_FILE, content: lines.length > 0 ? `${lines.join('\n')}\n` : '' }];
}

/**
 * Fill a fresh sibling of `dir`, `.<dir>.new-XXXXXX`, with `fill`, then put it in `dir`'s place, moving `dir` to
 * `.<dir>.old-XXXXXX` for the moment between the two renames. Until the swap `dir` is untouched; a failure removes
 * the sibling and leaves `dir` as it was, unless the previous output cannot be put back either: then it stays in
 * `.<dir>.old-XXXXXX`, which the error names. What an interrupted synth left (a process killed while writing, or
 * between the renames) is cleared first: see `recoverSiblings`.
 */
function replaceDirectory(link: string, fill: (staging: string) => void): void {
  const dir = outputPath(link);
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  fs.mkdirSync(parent, { recursive: true });
  recoverSiblings(dir);
  const staging = fs.mkdtempSync(path.join(parent, `.${base}.new-`));
  // only the folder's own name changes: the parent's path may hold ".new-" too
  const old = path.join(parent, path.basename(staging).replace('.new-', '.old-'));
  // whether `old` holds the only copy of the previous output: then it stays, for the next synth to put back
  let keepOld = false;
  try {
    fill(staging);
    fs.chmodSync(staging, 0o755);
    const previous = fs.existsSync(dir);
    if (previous) {
      fs.renameSync(dir, old);
    }
    try {
      fs.renameSync(staging, dir);
    } catch (err: any) {
      if (previous) {
        try {
          fs.renameSync(old, dir); // the previous output back, before the finally removes `old`
        } catch {
          keepOld = true;
          throw new Error(`${err?.message ?? err}; the previous output could not be put back either and is kept in ${describePath(old)} ` +
            `(the next synth puts it back if ${describePath(dir)} is missing, and otherwise removes it: copy it out first if you need it)`);
        }
      }
      throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!keepOld) removePreviousOutput(old, true);
  }
}

/**
 * Remove `old`, a previous output, once another is in place. A folder in it the user may not empty (the output of an
 * earlier synth run as another user, with sudo say) fails the removal after the new output and the secret state are
 * saved: the synth has done its work, so that is one warning naming the folder, which still holds the previous
 * Secrets, not an error that would send the user to synthesize, and rotate, again. The next synth tries again
 * (`recoverSiblings`), with the same warning while it cannot.
 */
function removePreviousOutput(old: string, written: boolean): void {
  try {
    fs.rmSync(old, { recursive: true, force: true });
  } catch (err: any) {
    // `written`: after the swap; before it (`recoverSiblings`), the synth may still fail
    process.stderr.write(`dockyard: warning: the previous output could not be removed from ${describePath(old)} (${err?.code ?? 'error'}), ` +
      `which still holds its Secrets: remove it as the user who owns its files (an earlier synth run as another user?)${written ? '; the output is written' : ''}\n`);
  }
}

/** The sticky bit of a file mode, S_ISVTX (Linux include/uapi/linux/stat.h; Node's fs.constants has none). */
const STICKY = 0o1000;

/**
 * Refuse an output directory `dir` (named `link`) in a folder this synth may not write, before the state is saved:
 * the new output is made beside the old one there and renamed into place (`replaceDirectory`), so without write
 * access the synth would save a rotation, then fail with the system's bare error (a bad-input trial: an output in a
 * folder owned by another user). The folder is the nearest one that exists, as `replaceDirectory` makes the rest.
 *
 * The folder is probed as `replaceDirectory` uses it, with a `mkdtemp` there that is removed at once, not asked with
 * `access()`: access(2) answers for the permission bits alone, and root (CAP_DAC_OVERRIDE) passes them everywhere,
 * so `CDK8S_OUTDIR=/proc/x` as root passed, saved the state, and failed with "ENOENT: ... mkdtemp", /proc making no
 * directories for anyone (Linux fs/proc/root.c `proc_root_inode_operations` has no `mkdir`); a read-only mount
 * (EROFS) or a filesystem full (ENOSPC) fails the probe as it would fail the synth. The probe is named as the staging
 * folder is, `.<dir>.new-XXXXXX`, so one that a synth killed between making and removing it (Ctrl-C) leaves is removed
 * by the next synth with the staging folders an interrupted synth leaves (`recoverSiblings`).
 */
function checkOutputFolderWritable(link: string, dir: string): void {
  let folder = path.dirname(dir);
  while (!fs.existsSync(folder) && path.dirname(folder) !== folder) {
    folder = path.dirname(folder);
  }
  try {
    // write to add the new output and rename the old, search to reach them: what mkdtemp needs too
    fs.rmdirSync(fs.mkdtempSync(path.join(folder, `.${path.basename(dir)}.new-`)));
  } catch (err: any) {
    throw new ValidationError(`invalid output directory ${describePath(link)}: its folder ${describePath(folder)} cannot be written ` +
      `(${err?.code ?? 'error'}), where each synth makes the new output beside the old one before swapping it in; synthesize into a ` +
      'directory in a folder you can write (CDK8S_OUTDIR, or new App({ outdir }))');
  }
  // a sticky folder (/tmp, mode 1777) lets only the owner of an entry, or of the folder, rename it (Linux
  // fs/namei.c may_delete, through check_sticky; root's CAP_FOWNER passes): the old output, another user's, could
  // not be moved aside for the swap, which fails with EPERM only after the state is saved
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && fs.existsSync(dir)) {
    const [folderStat, dirStat] = [fs.statSync(folder), fs.statSync(dir)];
    if ((folderStat.mode & STICKY) !== 0 && folderStat.uid !== uid && dirStat.uid !== uid) {
      throw new ValidationError(`invalid output directory ${describePath(link)}: it belongs to user ${dirStat.uid}, and its folder ` +
        `${describePath(folder)} has the sticky bit (as /tmp does), so this synth, as user ${uid}, may not move it aside to swap the new ` +
        'output in; remove it as its owner, or synthesize into a directory of your own (CDK8S_OUTDIR, or new App({ outdir }))');
    }
  }
}

/**
 * The directory an output path names: a symbolic link (into a GitOps checkout, say) keeps its link and its target
 * is swapped, even when an interrupted synth moved the target away and left the link dangling.
 */
function outputPath(link: string): string {
  if (fs.existsSync(link)) {
    const real = fs.realpathSync(link);
    // a file there would be swapped out and removed with the previous output
    if (!fs.statSync(real).isDirectory()) {
      throw new ValidationError(`invalid output directory ${describePath(link)}: ${describePath(real)} is not a directory; ` +
        'point it at a directory, or at nothing');
    }
    return real;
  }
  // a dangling link, followed as the kernel follows it: a relative target from the link's real folder (its parent
  // may be a link itself, and `..` then leaves the real one), and a link to a link on to the last; past Linux's 40
  // links (MAXSYMLINKS, include/linux/namei.h) the kernel fails with ELOOP, and so does this
  let at = path.resolve(link);
  for (let hops = 0; hops <= 40; hops++) {
    let target: string;
    try {
      target = fs.readlinkSync(at);
    } catch (err: any) {
      if (err?.code === 'EINVAL' || err?.code === 'ENOENT') {
        return at; // not a link, or nothing there
      }
      // a loop among the links of a folder above it (ELOOP), a file where a folder must be (ENOTDIR), a folder it
      // may not read (EACCES), …
      throw new ValidationError(`invalid output directory ${describePath(link)}: ${describePath(at)} cannot be read (${err?.code ?? 'error'}); ` +
        'point it at a directory you can write, or at nothing');
    }
    const folder = path.dirname(at);
    at = path.resolve(fs.existsSync(folder) ? fs.realpathSync(folder) : folder, target);
  }
  throw new ValidationError(`invalid output directory ${describePath(link)}: its symbolic links form a loop (more than 40 to follow); ` +
    'point it at a directory, or at nothing');
}

/** The staging and previous-output siblings `replaceDirectory` makes for `dir`: `mkdtemp`'s six random characters. */
function siblingsOf(dir: string, kind: 'new' | 'old'): string[] {
  const prefix = `.${path.basename(dir)}.${kind}-`;
  return fs.readdirSync(path.dirname(dir))
    .filter((name) => name.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(name.slice(prefix.length)))
    .map((name) => path.join(path.dirname(dir), name));
}

/** The previous outputs interrupted swaps left beside `dir`, the newest (the one `recoverSiblings` puts back) first. */
function previousOutputs(dir: string): string[] {
  if (!fs.existsSync(path.dirname(dir))) return [];
  return siblingsOf(dir, 'old').sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
}

/**
 * Clear what an interrupted `replaceDirectory` left beside `dir`: its staging folders (half-written, generated
 * Secrets among them) are removed; when `dir` itself is gone (killed between the two renames), the newest previous
 * output is put back; any other previous output is removed, as the finished swap would have, unless it is no synth's
 * (`isSynthOutput`): that one is kept, with a warning.
 */
function recoverSiblings(dir: string): void {
  for (const staging of siblingsOf(dir, 'new')) {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const olds = previousOutputs(dir);
  if (olds.length > 0 && !fs.existsSync(dir)) {
    fs.renameSync(olds.shift()!, dir);
  }
  for (const old of olds) {
    // an earlier version's swap replaced any directory: one killed while it removed a folder of sources left it here
    if (!isSynthOutput(old)) {
      process.stderr.write(`dockyard: warning: kept ${describePath(old)}, which an interrupted synth left beside the output: it holds no ` +
        `synth's output (no ${OUTPUT_MARKER}, no generated Secrets), so it is not removed; delete it once you have looked at it\n`);
      continue;
    }
    removePreviousOutput(old, false);
  }
}

/**
 * Whether `dir` is a synth's output: it has the mark, or the generated Secrets of a version before the mark, or holds
 * nothing but chart manifests and the image pairs.
 */
function isSynthOutput(dir: string): boolean {
  return fs.existsSync(path.join(dir, OUTPUT_MARKER)) || wroteSecrets(path.join(dir, SECRETS_FILE))
    || fs.readdirSync(dir).every((e) => e.endsWith('.k8s.yaml') || e === IMAGE_PAIRS_FILE);
}

/**
 * Tell the operator, on stderr, which existing Secrets the app reads and must be created before applying, and, called
 * after `synthesize`, the command that restarts the workloads reading each: such a Secret counts in their pod
 * checksums by name alone (lib/core/checksum.ts), so a change of it reaches none of them by itself, those another pod
 * hands its value to included (Harbor's jobservice, which loads the database password from core at start).
 */
export function printRequiredSecrets(app: App): void {
  for (const s of Secret.requiredIn(app)) {
    const description = s.description ? `: ${s.description}` : '';
    process.stderr.write(`dockyard: create Secret ${s.namespace}/${s.secretName} (keys: ${s.keys.join(', ')})${description}` +
      `${restartAfterChange(app, s.namespace, s.secretName)}\n`);
  }
}

/**
 * The note of what to run after changing the Secret `namespace/name`, or nothing: restart the workloads that read it,
 * and delete the Jobs that do (a finished Job stays ten minutes under the same name) and apply again, so that they
 * run anew with the new value.
 */
function restartAfterChange(app: App, namespace: string, name: string): string {
  const restarts = new Map<string, string[]>();
  const jobs = new Map<string, string[]>();
  for (const reader of outsideSecretReaders(app, namespace, name)) {
    const [ns, kind, object] = reader.split('/');
    const into = kind === 'job' ? jobs : restarts;
    into.set(ns, [...into.get(ns) ?? [], `${kind}/${object}`]);
  }
  const commands = [
    ...[...restarts].map(([ns, workloads]) => `kubectl -n ${ns} rollout restart ${workloads.join(' ')}`),
    ...[...jobs].map(([ns, names]) => `kubectl -n ${ns} delete --ignore-not-found ${names.join(' ')}`),
  ];
  if (commands.length === 0) {
    return '';
  }
  return `; a change of it reaches no running pod${jobs.size > 0 ? ' and runs no Job again' : ''}: after one, run ${commands.join(' and ')}` +
    `${jobs.size > 0 ? ', then apply the manifests again' : ''}`;
}

/**
 * Run a synth entry point: any failure prints one line, `dockyard: error: <message>`, on stderr and exits with
 * status 1, without a stack trace (set `DOCKYARD_DEBUG=1` to see it). Dockyard's messages name the prop, variable
 * or file, and never quote a credential. An entry point that returns without calling `synthesize(app, …)` has
 * written nothing: that is printed as one line, `dockyard: warning: …`, and the exit status stays 0.
 */
export function runSynth(main: () => void): void {
  const before = synthesizeCalls;
  try {
    const result: unknown = main();
    // an async entry point synthesizes after it returns: whether it does is not known here
    const pending = typeof (result as PromiseLike<unknown> | undefined)?.then === 'function';
    if (!pending && synthesizeCalls === before) {
      process.stderr.write('dockyard: warning: no app was synthesized: the function given to runSynth returned without calling ' +
        'synthesize(app, secrets), so no Secrets were written (app.synth() writes the manifests only); call it at the end, after ' +
        'the app is built\n');
    }
  } catch (err: any) {
    const message = String(err?.message ?? err).replace(/\s*\n\s*/g, ' ');
    const known = isUserError(err);
    const debug = debugRequested();
    process.stderr.write(`dockyard: error: ${message}${known || debug ? '' : ' (set DOCKYARD_DEBUG=1 for the stack trace)'}\n`);
    if (debug) {
      process.stderr.write(`${err?.stack ?? ''}\n`);
    }
    process.exitCode = 1;
  }
}

/** The file a chart's manifest is written to, as `cdk8s synth` names it: `<chart id>.k8s.yaml`. */
function manifestPath(chart: Chart): string {
  return `${chart.node.id}.k8s.yaml`;
}

/**
 * The files a chart's manifest is written to: `manifestPath`, then, for a DockyardChart split into shards
 * (`TeamPlatformProps.outputShards`), each shard's file.
 */
function manifestPaths(chart: Chart): string[] {
  return [manifestPath(chart), ...(isDockyardChart(chart) ? outputShardsOf(chart)?.files ?? [] : [])];
}
