import { IConstruct } from 'constructs';
import { reaches } from './in-tree';

// What the secret state holds is read only inside a synth of the secret store (`LocalSecretStore.transaction`), not
// when constructs are made: a construct that checks something against it (a team retired under a name the state
// never held, a team's robots left live when its addTeam call went) registers a review here, and the store runs it
// on a synth. Not exported from lib/core.

/** The secret state as a synth found it, before it saved: what a review may read. */
export interface SecretRecordView {
  /** What the store renders: keys declared outside it are not in `declared`. */
  readonly scope: IConstruct;
  /** Every key the state holds a value of, or the key record lists. */
  readonly onRecord: ReadonlySet<string>;
  /** The path of the construct that last declared each key, as the state keeps it (`declaredBy`). */
  readonly declaredBy: Readonly<Record<string, string>>;
  /** The keys this synth declares. */
  readonly declared: ReadonlySet<string>;
  /**
   * The keys an earlier synth retired (`onRetiredKeys`) and none declared since: their values are gone from the
   * state, revoked, and a review counts them as retired whether this synth still retires them or not.
   */
  readonly retiredBefore: ReadonlySet<string>;
  /**
   * What each key was declared for, as the state recorded it before this synth (`onDeclaredFor`): absent for a key
   * no synth of this release declared.
   */
  readonly declaredFor: Readonly<Record<string, string>>;
  /**
   * The other output directories synths from this state wrote that still hold Secrets made from it
   * (`SecretState.outputs`, without this synth's own), as absolute paths: other stacks on the state, whose marks tell
   * what they hold (`outputIn`).
   */
  readonly otherOutputs: readonly string[];
}

/**
 * A per-app registry of keys that constructs give a synth of the secret store, each with a text (the path that
 * declared a retired key, what a declared key is for): `add` registers an owner's keys, `of` collects those of the
 * owners `scope` reaches (one taken out of the tree again gives none).
 */
function keyRegistry(): { add: (owner: IConstruct, keys: () => Iterable<[string, string]>) => void; of: (scope: IConstruct) => Map<string, string> } {
  const byApp = new WeakMap<IConstruct, { owner: IConstruct; keys: () => Iterable<[string, string]> }[]>();
  return {
    add: (owner, keys) => {
      const root = owner.node.root;
      byApp.set(root, [...(byApp.get(root) ?? []), { owner, keys }]);
    },
    of: (scope) => {
      const out = new Map<string, string>();
      for (const { owner, keys } of byApp.get(scope.node.root) ?? []) {
        if (reaches(scope, owner)) {
          for (const [key, text] of keys()) out.set(key, text);
        }
      }
      return out;
    },
  };
}

/** The keys each construct retires, read when a synth of the secret store runs. */
const retiredKeys = keyRegistry();

/**
 * Have each synth of a secret store that renders `owner` take `keys` as retired: credentials revoked where they were
 * used (a retired Harbor robot, deleted with its secret), whose kept values the store drops, so that a key declared
 * again later (a team onboarded again under its old name) gets a new value, never the revoked one back. Each key comes
 * with the path of the construct that declared it: a value the state records as another's is not the owner's to drop.
 */
export function onRetiredKeys(owner: IConstruct, keys: () => Iterable<[key: string, declaredBy: string]>): void {
  retiredKeys.add(owner, keys);
}

/**
 * The keys the constructs `scope` reaches retire (`onRetiredKeys`), each with the path of the construct that declared
 * it while it was current, as the state's `declaredBy` records it.
 */
export function retiredSecretKeys(scope: IConstruct): Map<string, string> {
  return retiredKeys.of(scope);
}

/** What each construct declares its keys for, written to the state by each synth. */
const keysDeclaredFor = keyRegistry();

/**
 * Have each synth of a secret store that renders `owner` record in the state what each of `keys` is declared for (a
 * Harbor robot's: `team` or `harbor`), kept while no synth declares the key, so that a later synth that no longer
 * declares it can tell whose it was to warn of (`SecretRecordView.declaredFor`).
 */
export function onDeclaredFor(owner: IConstruct, keys: () => Iterable<[key: string, declaredFor: string]>): void {
  keysDeclaredFor.add(owner, keys);
}

/** What the constructs `scope` reaches declare their keys for (`onDeclaredFor`). */
export function declaredForKeys(scope: IConstruct): Map<string, string> {
  return keysDeclaredFor.of(scope);
}

/** Per app root: the reviews, with the construct that registered each. */
const reviewsByApp = new WeakMap<IConstruct, { owner: IConstruct; review: (view: SecretRecordView) => void }[]>();

/** The secret state's key of `key` of the Secret `name` in `namespace`: `<namespace>/<name>/<key>`. */
export function secretStateKey(namespace: string, name: string, key: string): string {
  return `${namespace}/${name}/${key}`;
}

/** The Secret of a state key (`secretStateKey`), as `<namespace>/<name>`. */
export function secretOfStateKey(stateKey: string): string {
  return stateKey.split('/').slice(0, 2).join('/');
}

/**
 * Have each synth of a secret store that renders `owner` run `review` on what the state holds: for warnings, which
 * it prints itself. It is not run for a state the synth starts anew, which holds nothing yet.
 */
export function onSecretRecord(owner: IConstruct, review: (view: SecretRecordView) => void): void {
  const root = owner.node.root;
  reviewsByApp.set(root, [...(reviewsByApp.get(root) ?? []), { owner, review }]);
}

/** Run the reviews of the constructs `view.scope` reaches: one taken out of the tree again reviews nothing. */
export function runSecretRecordReviews(view: SecretRecordView): void {
  for (const { owner, review } of reviewsByApp.get(view.scope.node.root) ?? []) {
    if (reaches(view.scope, owner)) {
      review(view);
    }
  }
}
