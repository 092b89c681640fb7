import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { Image, imageOrUndefined } from './image';
import { describeValue, ValidationError } from './validation';
import { printWarning } from './warn';

// A workload that keeps data on a volume or in a database may not run another version of its program over that data:
// PostgreSQL refuses a data directory of another major version, Valkey an append-only file a newer server wrote,
// Harbor's core a schema a newer core migrated. Each such construct registers a rule here for its container; the synth
// compares the image the previous output ran there (its manifest, as applied) with this synth's, and refuses a change
// the program would refuse at start, with the steps that move the data, before anything is written. Once the data was
// moved (or restored to the older version), `DOCKYARD_VERSION_CHANGE=<namespace>/<name>` lets that one synth through.
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

const rules = new WeakMap<IConstruct, VersionRule[]>();

/** Register `rule` for the app `scope` belongs to: the synth checks it against the previous output. */
export function checkVersionChange(scope: IConstruct, rule: VersionRule): void {
  const root = scope.node.root;
  rules.set(root, [...(rules.get(root) ?? []), rule]);
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
      const o = parseDocument(doc);
      if (o?.kind !== rule.kind || o.metadata?.name !== rule.name || (o.metadata?.namespace ?? '') !== rule.namespace) continue;
      const containers: any[] = Array.isArray(o.spec?.template?.spec?.containers) ? o.spec.template.spec.containers : [];
      const image = containers.find((c) => c?.name === rule.container)?.image;
      return typeof image === 'string' ? imageOrUndefined(image) : undefined;
    }
  }
  return undefined;
}

/** One YAML document as kubectl reads it (YAML 1.1), or undefined when it does not parse. */
function parseDocument(doc: string): any {
  // the yaml library cdk8s bundles, as lib/core/manifest-objects.ts reads manifests
  const YAML = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));
  try {
    return YAML.parse(doc, { version: '1.1' });
  } catch {
    return undefined;
  }
}

/** The `<namespace>/<name>` entries of `DOCKYARD_VERSION_CHANGE`; refuses a malformed one. */
function acceptedChanges(raw: string | undefined): Set<string> {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0 && (raw ?? '') !== '') {
    throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} ${describeValue(raw)}: names nothing: must be a comma-separated list of ` +
      '<namespace>/<name> of the StatefulSets and Deployments whose version change to let through, or unset', VERSION_CHANGE_VARIABLE);
  }
  for (const entry of entries) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(entry)) {
      throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} entry ${describeValue(entry)}: must be <namespace>/<name> of a StatefulSet or ` +
        'Deployment, e.g. "dockyard/postgres"', VERSION_CHANGE_VARIABLE);
    }
  }
  return new Set(entries);
}

/**
 * Refuse, in one line, the first version change among the app's rules that its program would refuse over the data
 * the previous output's workload left (`previousDir`, the previous output's directory; nothing without one), unless
 * `DOCKYARD_VERSION_CHANGE` (`env`) names the workload; warn of each change a `warnOnly` rule names. An entry of the
 * variable that lets nothing through is refused too: left set, it would let a later, unmeant change through without
 * a word.
 */
export function checkVersionChanges(app: IConstruct, previousDir: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const accepted = acceptedChanges(env[VERSION_CHANGE_VARIABLE]);
  const list = rules.get(app.node.root) ?? [];
  if (previousDir === undefined || (list.length === 0 && accepted.size === 0)) {
    if (accepted.size > 0) unusedEntries(accepted);
    return;
  }
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
  const used = new Set<string>();
  for (const rule of list) {
    const before = previousImage(previousDir, rule, documents);
    const why = before === undefined ? undefined : rule.check(before, rule.image);
    if (why === undefined) continue;
    const id = `${rule.namespace}/${rule.name}`;
    if (rule.warnOnly) {
      printWarning(`${rule.kind} ${id} goes from ${before!.reference} to ${rule.image.reference}, and ${why}`);
      continue;
    }
    if (accepted.has(id)) {
      used.add(id);
      continue;
    }
    throw new ValidationError(`invalid ${rule.prop} ${describeValue(rule.value ?? rule.image.reference)} of ${rule.kind} ${id}: the previous output ran ` +
      `${before!.reference} there, and ${why}; once that is done, synthesize once with ${VERSION_CHANGE_VARIABLE}=${id}`, rule.prop, why);
  }
  unusedEntries(new Set([...accepted].filter((e) => !used.has(e))));
}

/** The `major.minor.patch` of a release tag such as `v2.15.1` or `8.1.11-alpine`, or undefined when it names none. */
export function releaseOf(image: Image): readonly [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?=$|-)/.exec(image.tag ?? '');
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Whether release `a` comes before `b` (`releaseOf`). */
export function releaseBefore(a: readonly number[], b: readonly number[]): boolean {
  const i = a.findIndex((n, k) => n !== b[k]);
  return i >= 0 && a[i] < b[i];
}

function unusedEntries(entries: Set<string>): void {
  if (entries.size === 0) return;
  const first = [...entries][0];
  throw new ValidationError(`invalid ${VERSION_CHANGE_VARIABLE} entry ${describeValue(first)}: lets nothing through, as this synth changes no ` +
    `version there that would be refused (against the previous output); unset it, so that it lets no later change through unseen`, VERSION_CHANGE_VARIABLE);
}
