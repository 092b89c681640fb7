import { IConstruct } from 'constructs';
import { secretsOfMark } from './left-objects';
import { filesOfMark } from './written-files';

// What the secret store learns from the stack's previous output, which `synthesize` hands it (`withPreviousOutput`):
// its mark lists the objects and files the previous synth of this very stack wrote. A Secret of this stack that moved
// to another namespace is known by the Secrets (lib/core/secret-moves.ts, movedWithoutValues), and a chart of this
// stack renamed since by the charts' manifests (lib/core/moved-paths.ts): another stack on a shared state has an
// output of its own. Not exported from lib/core.

/** The previous output of a stack, as its mark tells it. */
export interface PreviousOutput {
  /** Its Secrets, as `<namespace>/<name>`. */
  readonly secrets: ReadonlySet<string>;
  /** The IDs of its charts, by their manifests (`<id>.k8s.yaml`). */
  readonly charts: ReadonlySet<string>;
}

const NONE: PreviousOutput = { secrets: new Set(), charts: new Set() };

/** What the previous output's mark (its text, if there is one) tells: nothing without a mark or its lists. */
export function previousOutputOf(mark: string | undefined): PreviousOutput {
  const manifests = (filesOfMark(mark) ?? []).filter((f) => f.endsWith('.k8s.yaml') && !f.includes('/'));
  return { secrets: secretsOfMark(mark), charts: new Set(manifests.map((f) => f.slice(0, -'.k8s.yaml'.length))) };
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
