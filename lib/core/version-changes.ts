import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { Image, imageOrUndefined, Images } from './image';
import { listsObject } from './left-objects';
import { manifestDocument } from './manifest-objects';
import { RunWords, SYNTH_WORDS } from './run-words';
import { describeValue, isDnsLabel, isDnsSubdomain, ValidationError } from './validation';
import { printWarning } from './warn';
import { markList, readMarkList } from './written-files';

// A workload that keeps data on a volume or in a database may not run another version of its program over that data:
// PostgreSQL refuses a data directory of another major version, Valkey an append-only file a newer server wrote,
// Harbor's core a schema a newer core migrated. Each such construct registers a rule here for its container; the synth
// compares the image the previous output ran there with this synth's, and refuses a change the program would refuse
// at start, with the steps that move the data, before anything is written. Once the data was moved (or restored to the
// older version), `DOCKYARD_VERSION_CHANGE=<namespace>/<name>` lets that one synth through.
// The previous image comes from the previous output's mark, which lists each ruled container's image as rendered
// (`versionList`): the check runs at every synth, and the manifests of a large stack (1,000 teams: 12 MB, 14,000
// documents) took a tenth of the synth to read and split. Their manifests are read only for a workload the mark does
// not list (an output written before the list, or a rule added since).
// Not exported from lib/core/index.ts: internals, imported by path.

/** The variable that lets a refused version change through, once its data was moved. */
export const VERSION_CHANGE_VARIABLE = 'DOCKYARD_VERSION_CHANGE';

/** One workload's container whose image may not change version freely. */
export interface VersionRule {
  /** `StatefulSet` or `Deployment`. */
  readonly kind: 'StatefulSet' | 'Deployment';
  readonly namespace: string;
  readonly name: string;
  /** The container's name. */
  readonly container: string;
  /** What the refusal calls the setting that chose the image, e.g. `image` or `version`. */
  readonly prop: string;
  /** The image this synth renders there, before any relocation (which keeps the repository's name and the tag). */
  readonly image: Image;
  /**
   * The prop's value as the refusal shows it.
   *
   * @default - the image's reference
   */
  readonly value?: string;
  /**
   * Whether the change is only warned of, as one the program takes but may not serve well (a server older than the
   * schema it finds), instead of refused.
   *
   * @default false
   */
  readonly warnOnly?: boolean;
  /**
   * Why running `after` over what `before` left cannot work (or, `warnOnly`, may not), and what to do instead;
   * undefined when the change just rolls the pod.
   */
  readonly check: (before: Image, after: Image) => string | undefined;
}

/** A rule, with the scope that registered it: the one whose pod template renders the container's image. */
interface Registered {
  readonly scope: IConstruct;
  readonly rule: VersionRule;
}

const rules = new WeakMap<IConstruct, Registered[]>();

/**
 * Register `rule` for the app `scope` belongs to: the synth checks it against the previous output. `scope` must be
 * the one that renders the workload's pod (the `deployment` or `statefulSet` call's), as the mark's list
 * (`versionList`) resolves the image there.
 */
export function checkVersionChange(scope: IConstruct, rule: VersionRule): void {
  const root = scope.node.root;
  rules.set(root, [...(rules.get(root) ?? []), { scope, rule }]);
}

/** The line that opens the mark's list of the ruled containers' images, and the line after it. */
const VERSIONS_HEADER = 'The images of the workloads whose version changes are checked, one a line (JSON strings of kind, namespace, ' +
  'name, container and image, tab-separated), for the next synth to compare:\n';
const VERSIONS_END = 'End of the images.\n';

/** A rule's workload and container as the mark's list names it (`versionList`), without the image. */
function containerKey(rule: VersionRule): string {
  return `${rule.kind}\t${rule.namespace}\t${rule.name}\t${rule.container}`;
}

/**
 * The mark's list of the images `app`'s rules' containers pull, as the manifests render them (relocated, pinned to
 * a digest: `Images._peek`, which reports nothing); empty when the app has no rule, as the next synth then has none
 * to compare (and a stack without one writes the mark it wrote before). Call it once the manifests are rendered.
 */
export function versionList(app: IConstruct): string {
  const list = rules.get(app.node.root) ?? [];
  return list.length === 0 ? '' : markList(VERSIONS_HEADER, VERSIONS_END,
    list.map(({ scope, rule }) => `${containerKey(rule)}\t${Images._peek(scope, rule.image).reference}`));
}

/**
 * The image references the previous output's mark (its text) lists, by `containerKey`; undefined without the list
 * (a mark of a version before it, or of a stack that had no rule). A line edited into another shape lists nothing.
 */
function imagesOfMark(mark: string | undefined): Map<string, string> | undefined {
  const items = readMarkList(mark, VERSIONS_HEADER, VERSIONS_END);
  if (items === undefined) return undefined;
  const images = new Map<string, string>();
  for (const item of items) {
    const fields = item.split('\t');
    if (fields.length === 5) images.set(fields.slice(0, 4).join('\t'), fields[4]);
  }
  return images;
}

/**
 * The image `dir`'s manifests (`*.k8s.yaml`, a previous output) render for `rule`'s container, or undefined when they
 * hold no such workload. Only the documents that name the workload's kind and name are parsed: the default stack's
 * manifest is large, and this runs at every synth.
 */
function previousImage(dir: string, rule: VersionRule, documents: (file: string) => readonly string[]): Image | undefined {
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.k8s.yaml')).sort();
  for (const file of files) {
    for (const doc of documents(path.join(dir, file))) {
      if (!doc.includes(`kind: ${rule.kind}\n`) || !doc.includes(`name: ${rule.name}\n`)) continue;
      const o = manifestDocument(doc);
      if (o?.kind !== rule.kind || o.metadata?.name !== rule.name || (o.metadata?.namespace ?? '') !== rule.namespace) continue;
      const containers: any[] = Array.isArray(o.spec?.template?.spec?.containers) ? o.spec.template.spec.containers : [];
      const image = containers.find((c) => c?.name === rule.container)?.image;
      return typeof image === 'string' ? imageOrUndefined(image) : undefined;
    }
  }
  return undefined;
}

/**
 * What the previous mark tells of `rule`'s container: the image its list (`marked`, `imagesOfMark`) names, or no image
 * when its object list lacks the workload (the previous output had none); undefined when only the manifests can tell:
 * the mark has no list of images, or its list lacks a workload its object list holds (a rule added since).
 */
function markedImage(marked: Map<string, string> | undefined, mark: string | undefined, rule: VersionRule): { image?: Image } | undefined {
  const reference = marked?.get(containerKey(rule));
  if (reference !== undefined) return { image: imageOrUndefined(reference) };
  return listsObject(mark, `apps\t${rule.kind}\t${rule.namespace}\t${rule.name}`) === false ? {} : undefined;
}

/** The `<namespace>/<name>` entries of `DOCKYARD_VERSION_CHANGE`; refuses a malformed one. */
function acceptedChanges(raw: string | undefined): Set<string> {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0 && (raw ?? '') !== '') {
    throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} ${describeValue(raw)}: names nothing: must be a comma-separated list of ` +
      '<namespace>/<name> of the StatefulSets and Deployments whose version change to let through, or unset', VERSION_CHANGE_VARIABLE);
  }
  for (const entry of entries) {
    // a Namespace's name and an object's, by the rules every other name is checked by
    const [namespace, name, ...more] = entry.split('/');
    if (more.length > 0 || !isDnsLabel(namespace) || !isDnsSubdomain(name)) {
      throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} entry ${describeValue(entry)}: must be <namespace>/<name> of a StatefulSet or ` +
        'Deployment, e.g. "dockyard/postgres"', VERSION_CHANGE_VARIABLE);
    }
  }
  return new Set(entries);
}

/**
 * Refuse, in one line, the first version change among the app's rules that its program would refuse over the data
 * the previous output's workload left (`previousDir`, the previous output's directory, and `mark`, the text of its
 * mark; nothing without the directory), unless `DOCKYARD_VERSION_CHANGE` (`env`) names the workload; warn of each
 * change a `warnOnly` rule names. An entry of the variable that lets nothing through is refused too: left set, it
 * would let a later, unmeant change through without a word.
 */
export function checkVersionChanges(app: IConstruct, previousDir: string | undefined, mark: string | undefined,
  env: NodeJS.ProcessEnv = process.env): void {
  checkAgainstPrevious(app, previousDir === undefined ? undefined : { dir: previousDir, mark }, env);
}

/**
 * `checkVersionChanges` where the previous output is its mark's text alone (`versionList`'s, which a Pulumi program
 * keeps as a stack output: lib/pulumi/previous-mark.ts), with no manifests to fall back to: a workload its list lacks
 * has nothing to compare. Undefined `mark` is no previous output (a stack's first run), as a missing directory is.
 * `warn` shows a `warnOnly` rule's warning (under Pulumi, `pulumi.log.warn`); `words` name the runs in a refusal (under
 * Pulumi, its update and `pulumi up`).
 */
export function checkVersionChangesOfMark(app: IConstruct, mark: string | undefined, env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = printWarning, words: RunWords = SYNTH_WORDS): void {
  checkAgainstPrevious(app, mark === undefined ? undefined : { mark }, env, warn, words);
}

/** The one check of both: `previous` undefined is no previous output; without its `dir`, its mark alone tells. */
function checkAgainstPrevious(app: IConstruct, previous: { readonly dir?: string; readonly mark?: string } | undefined,
  env: NodeJS.ProcessEnv, warn: (message: string) => void = printWarning, words: RunWords = SYNTH_WORDS): void {
  const accepted = acceptedChanges(env[VERSION_CHANGE_VARIABLE]);
  const list = (rules.get(app.node.root) ?? []).map((r) => r.rule);
  if (previous === undefined || (list.length === 0 && accepted.size === 0)) {
    if (accepted.size > 0) unusedEntries(accepted, words);
    return;
  }
  const { dir, mark } = previous;
  // each manifest read and split into its documents once, for all the rules
  const split = new Map<string, readonly string[]>();
  const documents = (file: string): readonly string[] => {
    if (!split.has(file)) {
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        // an unreadable manifest holds nothing to compare
      }
      split.set(file, text.split(/^---$/m));
    }
    return split.get(file)!;
  };
  const marked = imagesOfMark(mark);
  const used = new Set<string>();
  for (const rule of list) {
    const before = (markedImage(marked, mark, rule) ?? { image: dir === undefined ? undefined : previousImage(dir, rule, documents) }).image;
    const why = before === undefined ? undefined : rule.check(before, rule.image);
    if (why === undefined) continue;
    const id = `${rule.namespace}/${rule.name}`;
    if (rule.warnOnly) {
      warn(`${rule.kind} ${id} goes from ${before!.reference} to ${rule.image.reference}, and ${why}`);
      continue;
    }
    if (accepted.has(id)) {
      used.add(id);
      continue;
    }
    throw new ValidationError(`invalid ${rule.prop} ${describeValue(rule.value ?? rule.image.reference)} of ${rule.kind} ${id}: ${words.previous} ran ` +
      `${before!.reference} there, and ${why}; once that is done, ${words.once} with ${VERSION_CHANGE_VARIABLE}=${id}`, rule.prop, why);
  }
  unusedEntries(new Set([...accepted].filter((e) => !used.has(e))), words);
}

/** The `major.minor.patch` of a release tag such as `v2.15.1` or `8.1.11-alpine`, or undefined when it names none. */
export function releaseOf(image: Image): readonly [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?=$|-)/.exec(image.tag ?? '');
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The `major.minor` of a tag that names one: a release's (`8.1.11`, `v3.17.0-alpine`) and also a minor's own tag
 * (`8.1`, `9.0-alpine`, `v3.17`), which images publish beside the release tags and move with the patch releases.
 * Undefined for a tag that names no minor (`8`, `v3`, a digest alone).
 */
export function minorOf(image: Image): readonly [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?=$|[.-])/.exec(image.tag ?? '');
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/** Whether release `a` comes before `b` (`releaseOf`). */
export function releaseBefore(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((n, k) => n !== b[k]);
  return i >= 0 && a[i] < b[i];
}

function unusedEntries(entries: Set<string>, words: RunWords): void {
  if (entries.size === 0) return;
  const first = [...entries][0];
  throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} entry ${describeValue(first)}: lets nothing through, as ${words.current} changes no ` +
    `version there that would be refused (against ${words.previous}); unset it, so that it lets no later change through unseen`, VERSION_CHANGE_VARIABLE);
}
