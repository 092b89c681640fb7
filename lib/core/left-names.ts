import { IConstruct } from 'constructs';
import { LEFT_NAMES_END, LEFT_NAMES_HEADER, previousOutput } from './previous-output';
import { RunWords, SYNTH_WORDS } from './run-words';
import { compare } from './text';
import { markList } from './written-files';

// What a program keeps after the code drops it, and no later run of Dockyard's finds again: a Harbor project taken
// out of the code stays in Harbor, public flag, images and group members included, while the configure Jobs look only
// at what the code declares, by name (lib/harbor/configure.js). A robot is found again through the secret state
// (lib/harbor/left-robots.ts), a project has no secret. So each synth lists the names every owner declares in its
// output's mark, and those it declared before and neither declares nor retires now (`leftNames`): such a name stays
// on the list, and is warned of on every synth, until its owner declares or retires it, or itself leaves the code.
// The CI admins' list (lib/core/ci-admins.ts) is told once; a left project still needs a step, so it is carried on.
// Not exported from lib/core.

/** What an owner (a Harbor's projects) records of its names. */
export interface NameOwner {
  /** Who holds the names, as the mark writes it: one line, no tab (`harbor-project <namespace>/<name>`). */
  readonly owner: string;
  /** The names the code declares now. */
  readonly declared: () => ReadonlySet<string>;
  /** The names the code retires now: the program lets go of them, so they leave the list. */
  readonly retired: () => ReadonlySet<string>;
  /** Whether a name read back from the mark (a file anyone may edit) may be one of the owner's: others are dropped. */
  readonly accepts: (name: string) => boolean;
  /**
   * The warning (without `warning: `) for a name declared before that the code neither declares nor retires, naming
   * the runs with `words` (a synth's, or a Pulumi program's).
   *
   * @default - none: a name leaves the list, unwarned, once the code stops declaring it (what it stands for went with
   * the call that declared it: a Woodpecker agent closed by `retireTeam`, lib/woodpecker/closed-agents.ts)
   */
  readonly warning?: (name: string, words: RunWords) => string;
  /**
   * The warnings (without `warning: `) for all such names at once, sorted, where one line should tell of several
   * (a Woodpecker route's agents, one per repository, event and branch); it takes the place of `warning`.
   *
   * @default - one `warning` per name
   */
  readonly warnings?: (names: readonly string[], words: RunWords) => string[];
}

/** Per app root: the owners, by `owner`. */
const owners = new WeakMap<IConstruct, Map<string, NameOwner>>();

/** Record the names of an owner of `scope`'s app, for its output's mark and the next synth. */
export function recordNames(scope: IConstruct, owner: NameOwner): void {
  const root = scope.node.root;
  const found = owners.get(root) ?? new Map<string, NameOwner>();
  found.set(owner.owner, owner);
  owners.set(root, found);
}

/** Whether an owner of that name (`NameOwner.owner`) recorded its names in `scope`'s app: it warns of those that left. */
export function namesRecorded(scope: IConstruct, owner: string): boolean {
  return owners.get(scope.node.root)?.has(owner) ?? false;
}

/** The owners (`NameOwner.owner`) recorded in `scope`'s app whose text starts with `prefix`: a kind of owner, and where. */
export function ownersRecordedUnder(scope: IConstruct, prefix: string): string[] {
  return [...(owners.get(scope.node.root)?.keys() ?? [])].filter((owner) => owner.startsWith(prefix));
}

/**
 * The names of `owner` that the previous output's mark lists (declared then, or left before) and that it neither
 * declares nor retires now, sorted; none outside `withPreviousOutput` (a synth's, or the DigitalOcean Pulumi
 * program's with the mark its stack output keeps: lib/pulumi/previous-mark.ts) or without a mark or its list (a first
 * synth or update, an earlier version's output).
 */
export function leftNames(scope: IConstruct, owner: NameOwner): string[] {
  if (owner.warning === undefined && owner.warnings === undefined) {
    return [];
  }
  const declared = owner.declared();
  const retired = owner.retired();
  const left = new Set<string>();
  for (const name of previousOutput(scope).namesOf(owner.owner)) {
    if (owner.accepts(name) && !declared.has(name) && !retired.has(name)) {
      left.add(name);
    }
  }
  return [...left].sort();
}

/** The mark's list of `app`'s owners' names, declared and left; empty when there are none. */
export function leftNameList(app: IConstruct): string {
  const items = [...(owners.get(app.node.root)?.values() ?? [])].flatMap((o) =>
    [...new Set([...o.declared(), ...leftNames(app, o)])].map((name) => `${o.owner}\t${name}`));
  return items.length === 0 ? '' : markList(LEFT_NAMES_HEADER, LEFT_NAMES_END, items);
}

/** One warning line for each name of `app`'s owners that `leftNames` finds, by owner and name, in `words`. */
export function leftNameWarnings(app: IConstruct, words: RunWords = SYNTH_WORDS): string[] {
  return [...(owners.get(app.node.root)?.values() ?? [])].sort((a, b) => compare(a.owner, b.owner))
    .flatMap((o) => {
      const left = leftNames(app, o);
      return (o.warnings !== undefined ? (left.length === 0 ? [] : o.warnings(left, words)) : left.map((name) => o.warning!(name, words)))
        .map((w) => `warning: ${w}`);
    });
}
