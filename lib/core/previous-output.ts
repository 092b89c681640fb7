import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { objectsOfMark, secretsOfMark } from './left-objects';
import { markList, readMarkList } from './written-files';

// What the secret store learns from the stack's previous output, which `synthesize` hands it (`withPreviousOutput`):
// its mark lists the objects and files the previous synth of this very stack wrote. A Secret of this stack that moved
// to another namespace is known by the Secrets (lib/core/secret-moves.ts, movedWithoutValues), and a chart of this
// stack renamed since by the charts it lists (lib/core/moved-paths.ts): another stack on a shared state has an
// output of its own. Not exported from lib/core.

/** The previous output of a stack, as its mark tells it. */
export interface PreviousOutput {
  /** Its Secrets, as `<namespace>/<name>`. */
  readonly secrets: ReadonlySet<string>;
  /**
   * Its objects of an API group and kind, as `<namespace>/<name>`: a Woodpecker route's agents (StatefulSets), which
   * a route closed later must find (lib/woodpecker/closed-agents.ts), a Drone runner's Roles in its build namespaces.
   */
  readonly objects: (group: string, kind: string) => ReadonlySet<string>;
  /** The IDs of the app's own charts (`chartList`). */
  readonly charts: ReadonlySet<string>;
  /** The names its owners declared, and those they left without retiring them (`leftNameList`), as `<owner>\t<name>`. */
  readonly names: readonly string[];
  /**
   * The names of one owner among `names`, in the mark's order, each line of the list split once however many owners
   * ask (a Woodpecker server's route agents are five lines a team); a line with more than owner and name is none.
   */
  readonly namesOf: (owner: string) => readonly string[];
  /**
   * The owners among `names` whose text starts with `prefix` (a kind of owner, and where: `harbor-team <namespace>/`),
   * in the mark's order, from the same split as `namesOf`.
   */
  readonly ownersUnder: (prefix: string) => readonly string[];
  /**
   * The output directory this synth writes, as an absolute path, which the store records in its state
   * (`SecretState.outputs`); undefined outside `synthesize`.
   */
  readonly directory?: string;
}

/**
 * The file every synth leaves in its output directory, which says the directory is a synth's: the next synth replaces
 * such a directory whole. One without it is replaced only if it holds nothing a synth would not write
 * (`checkOutputDirectory`). It lists the objects the synth wrote, and the next synth warns of those it no longer
 * writes (`leftObjectsWarning`).
 */
export const OUTPUT_MARKER = '.dockyard-output';

/** The text of the mark in the output directory `dir`, if it has one. */
export function readMark(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * What the output directory `dir` held, as its mark tells it (`previousOutputOf`): another output made from the same
 * secret state (`SecretRecordView.otherOutputs`), another stack's, whose Secrets tell its teams (lib/harbor/left-robots.ts).
 */
export function outputIn(dir: string): PreviousOutput {
  return previousOutputOf(readMark(dir));
}

const NONE: PreviousOutput = { secrets: new Set(), objects: () => new Set(), charts: new Set(), names: [], ...namesByOwner([]) };

/** The line that opens the mark's list of the app's charts (their IDs), and the line after it. */
const CHARTS_HEADER = 'The charts it wrote, one a line (JSON strings of the IDs of the app\'s own charts):\n';
const CHARTS_END = 'End of the charts.\n';

/** The line that opens the mark's list of names declared and left (lib/core/left-names.ts), and the line after it. */
export const LEFT_NAMES_HEADER = 'The names it declared to programs that keep them once the code drops them, and those it dropped without ' +
  'retiring them, one a line (JSON strings of owner and name, tab-separated):\n';
export const LEFT_NAMES_END = 'End of the declared names.\n';

/**
 * The mark's list of the charts of `app` (its children, not charts nested in them): a chart's ID is the first
 * segment of every path below it, which the state records (lib/core/moved-paths.ts). A manifest's name would not do:
 * a nested chart's and a user's `OutputFile` named `x.k8s.yaml` look alike.
 */
export function chartList(app: IConstruct): string {
  return markList(CHARTS_HEADER, CHARTS_END, app.node.children.filter((c) => Chart.isChart(c)).map((c) => c.node.id));
}

/**
 * `PreviousOutput.namesOf` and `ownersUnder` over `names` (`<owner>\t<name>` lines): the lines are split once, when
 * an owner is first asked for, however many owners ask.
 */
export function namesByOwner(names: readonly string[]): Pick<PreviousOutput, 'namesOf' | 'ownersUnder'> {
  let byOwner: Map<string, string[]> | undefined;
  const split = () => {
    if (byOwner === undefined) {
      byOwner = new Map();
      for (const item of names) {
        const [who, name, extra] = item.split('\t');
        if (name === undefined || extra !== undefined) continue;
        const list = byOwner.get(who);
        if (list === undefined) byOwner.set(who, [name]);
        else list.push(name);
      }
    }
    return byOwner;
  };
  return {
    namesOf: (owner) => split().get(owner) ?? [],
    ownersUnder: (prefix) => [...split().keys()].filter((owner) => owner.startsWith(prefix)),
  };
}

/** What the previous output's mark (its text, if there is one) tells: nothing without a mark or its lists. */
export function previousOutputOf(mark: string | undefined): PreviousOutput {
  // each kind read from the mark once, as asked
  const kinds = new Map<string, ReadonlySet<string>>();
  const objects = (group: string, kind: string) => {
    const key = `${group}\t${kind}`;
    const found = kinds.get(key) ?? objectsOfMark(mark, group, kind);
    kinds.set(key, found);
    return found;
  };
  const names = readMarkList(mark, LEFT_NAMES_HEADER, LEFT_NAMES_END) ?? [];
  return {
    secrets: secretsOfMark(mark), objects, charts: new Set(readMarkList(mark, CHARTS_HEADER, CHARTS_END) ?? []),
    names, ...namesByOwner(names),
  };
}

const previous = new WeakMap<IConstruct, PreviousOutput>();

/** Run `fn` with `output`, what `app`'s previous output held, known to `previousOutput(app)`. */
export function withPreviousOutput<T>(app: IConstruct, output: PreviousOutput, fn: () => T): T {
  previous.set(app, output);
  try {
    return fn();
  } finally {
    previous.delete(app);
  }
}

/** What the previous output of the app `scope` belongs to held, inside `withPreviousOutput`; nothing outside it. */
export function previousOutput(scope: IConstruct): PreviousOutput {
  return previous.get(scope.node.root) ?? NONE;
}

/**
 * Whether `scope`'s app runs against a Pulumi stack's mark (`withPreviousOutput` without an output directory: the
 * DigitalOcean program, lib/pulumi/previous-mark.ts), rather than a synth's output. Its objects are the stack's
 * resources, deleted by the update that drops them, and it has no secret state to tell what the code declared before.
 */
export function underStackMark(scope: IConstruct): boolean {
  const output = previous.get(scope.node.root);
  return output !== undefined && output.directory === undefined;
}
