import { IConstruct } from 'constructs';
import { noteIn } from './checksum';
import { SecretKey } from './secret';
import { secretStateKey } from './secret-record-review';
import { originOf } from './value-rules';

// A rotation whose apply a consumer takes up only partly by itself: the pods that read the key roll, but one of them
// hands the value on to another, or saves it, through whichever pod of a rolling Deployment answers, so an old pod may
// pass on the old value. Neither the consumer nor Dockyard can tell its pods apart without Kubernetes API access, so
// the synth that rotates the key says what to run once the apply has rolled them. The key is declared by one construct
// (Postgres, Redis) and used so by another (Harbor), which cannot mark its value (`SecretValue.encrypting`,
// `.readOnFirstStart`): the consumer declares the step here, and the secret store prints it in the same report as
// those marks' warnings (lib/core/local-secret-store.ts `report`).

/** The steps to run once a rotation is applied, by app root and state key of the rotated (root) key. */
const steps = new WeakMap<IConstruct, Map<string, Set<string>>>();

/**
 * Declare `step`, the command to run once a rotation of `key` is applied, as its consumer in `scope`'s app does not
 * take the new value up by rolling alone. A copy's step goes to the key it copies, which is what a rotation names.
 * A synth that rotates that key (`DOCKYARD_ROTATE`, by name or with `all`) prints one warning line per step, beside
 * the marks' warnings; a key it does not rotate prints nothing.
 *
 * @param step one line, what to run and when, naming nothing secret
 * @internal
 */
export function stepAfterRotating(scope: IConstruct, key: SecretKey, step: string): void {
  const origin = originOf(key);
  noteIn(steps, scope, secretStateKey(origin.secret.namespace, origin.secret.secretName, origin.key), step);
}

/** The steps `stepAfterRotating` declared in `scope`'s app, by state key. @internal */
export function rotationSteps(scope: IConstruct): ReadonlyMap<string, ReadonlySet<string>> {
  return steps.get(scope.node.root) ?? new Map();
}
