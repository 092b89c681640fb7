/**
 * The previous output under Pulumi: the lists of a synth's mark that tell of what the code named before
 * (`keptLists`: the CI servers' admins and URLs, the version-checked workloads' images, the Harbor projects and robots,
 * a TeamPlatform's teams), kept as
 * an output of the stack itself and read back at the next run through a `StackReference` to that same stack, so that
 * `pulumi up` and `pulumi preview` refuse what a synth refuses (a Harbor downgrade) and warn of what it warns of (a
 * project, an admin or a CI URL the code dropped; a Harbor robot or a team's robots, which a synth tells from its secret
 * state and a Pulumi program has none of), with the same functions and `DOCKYARD_VERSION_CHANGE`. The lists
 * hold logins, URLs, names and image references only, never a credential, so the output is a plain one.
 *
 * Why this reads what the last update left (pulumi/pulumi at pkg/v3.259.0-14-g1b59498):
 * - a `StackReference` is a read (`id` is the stack's name, sdk/nodejs/stackReference.ts:58-66), and the engine runs
 *   reads in previews too (pkg/resource/deploy/step.go:1314-1316, `ReadStep.Apply`), so a preview checks as well;
 * - the builtin provider answers it with the backend's `GetStackOutputs` (pkg/resource/deploy/builtins.go:296, 389),
 *   which reads the stack's latest checkpoint without its update lock (diy pkg/backend/diy/state.go:175-195 and
 *   backend.go:909-924; Pulumi Cloud pkg/backend/httpstate/state.go:232-253, the latest deployment) and takes the
 *   root Stack resource's outputs (pkg/resource/stack/deployment.go:519-552): nothing refuses the stack being updated;
 * - during the update that root resource keeps its old outputs until the program's end (a same step retains them,
 *   step.go:177-179), and an update that failed keeps the outputs it did not register (engine since v3.112.0,
 *   pkg/resource/deploy/step_executor.go:223-268): a refused run, whose program registers `{}` as the Node SDK
 *   does when it throws (sdk/nodejs/runtime/stack.ts:76-86), leaves the previous lists in place;
 * - a stack never updated has no root resource: its outputs are empty (deployment.go:537-539; diy state.go:188-190),
 *   which is no previous output, as a synth's first run.
 * - the reference is a read, which `pulumi destroy` deletes without its provider or the program (step.go:659-660,
 *   "Deleting an External resource is a no-op"), where a resource hook made `pulumi destroy` need `--run-program`;
 *   a refresh reads it again by the name in its old state (step.go:1541-1590 `RefreshStep.Apply`, builtins.go:296),
 *   which `pulumi stack rename` or a move to another backend leaves stale until an update reads it anew (README).
 * - a read the backend refuses (`unknown stack "<name>"` when it holds no stack of that name, pkg/backend/backend.go:
 *   398-418 `GetStackOutputs`; Pulumi Cloud's refusal of a name not `<organization>/<project>/<stack>`,
 *   pkg/backend/httpstate/backend.go:2844-2858; a checkpoint it cannot load) fails the read step (step.go:1353-1356),
 *   which the engine reports under the reference and then cancels the whole preview or update (step_executor.go:
 *   404-431 and `cancelDueToError`, 435-462, unless `--continue-on-error`): no program can warn and read on without a
 *   previous mark, nor add a line of its own. The engine's line under the reference (`unknown stack "…"`, in a preview
 *   `Preview failed: …`: pkg/engine/update.go:1329-1340 and 1544-1552) is all that is printed: the monitor answers
 *   the program's read that it shut down (source_eval.go:1531-1534), a gRPC UNAVAILABLE that the SDK neither rejects
 *   nor reports (@pulumi/pulumi 3.270.0 runtime/resource.js `readResource`, `resolveURN`; rpc.js
 *   `transferProperties`; errors.js `isGrpcError`), so the read never settles and no stack trace follows; README
 *   ("What a version check shows under `pulumi up`") says what to check.
 * - under `--continue-on-error` the engine goes on past that failed step, answering the read with no property at all
 *   (step_executor.go:453-454 `step.Fail()`; source_eval.go:1553-1556 answers the read's own outputs, still the empty
 *   map step_generator.go:318 made), where a read that succeeds always holds the outputs (builtins.go:415-419): the
 *   reference's outputs are then undefined in an update and unknown in a preview, and `previousMark` stops the run in a
 *   line of its own (an `EnvironmentError`), rather than find no mark and check nothing.
 */
import * as pulumi from '@pulumi/pulumi';
import { IConstruct } from 'constructs';
import { keptListWarnings, keptLists } from '../core/kept-lists';
import { previousOutputOf, withPreviousOutput } from '../core/previous-output';
import { RunWords } from '../core/run-words';
import { describeValue } from '../core/validation';
import { checkVersionChangesOfMark } from '../core/version-changes';
// a refusal of the checks (a ValidationError) prints as its one line under Pulumi
import { EnvironmentError } from './run-errors';

/** The stack output that holds the mark's lists for the next run (`previousMark` reads it). */
export const MARK_OUTPUT = 'dockyardMark';

/** The name of the `StackReference` by which `previousMark` reads the stack, as the engine shows it. */
const REFERENCE = 'dockyard-previous-output';

/**
 * How the checks' lines name the runs under Pulumi: what they compare with is the stack's last update, a preview
 * checks as an update does, and the variable that lets a change through is set for one `pulumi up`.
 */
const PULUMI_WORDS: RunWords = {
  current: 'this run', earlier: 'an earlier run', previous: 'the stack\'s last update', once: 'run pulumi up once',
};

/** The organization Pulumi's diy backends always give a program (pkg/backend/diy/state.go:104). */
const DIY_ORGANIZATION = 'organization';

/**
 * The name by which a `StackReference` finds the stack being run. Pulumi Cloud takes only
 * `<organization>/<project>/<stack>` (pkg/backend/httpstate/backend.go:2849-2856). A diy backend (organization
 * `organization`) takes the stack's name alone in both its layouts, the project's taken from Pulumi.yaml
 * (pkg/backend/diy/store.go:138-198), while its legacy layout (stacks not under a project, kept for states made
 * before projects) refuses a name with a `/` (store.go:362-368 and sdk/go/common/tokens/stack_name.go:54-80).
 */
export function ownStackName(): string {
  const organization = pulumi.getOrganization();
  return organization === DIY_ORGANIZATION ? pulumi.getStack() : `${organization}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The mark the stack's last update kept (`MARK_OUTPUT`), read through a `StackReference` to the stack itself
 * (`ownStackName`); undefined when there is none: the stack's first update, or one by a version before this output
 * (warned of, as the stack then has other outputs). A read that found no outputs at all (it failed, and the run went
 * on) is refused.
 * Call it once per program, before anything it would refuse is registered.
 *
 * @param name the stack to read
 * @default - the stack being run
 */
export async function previousMark(name: string = ownStackName()): Promise<string | undefined> {
  const reference = new pulumi.StackReference(REFERENCE, { name });
  // a read that succeeds always holds the outputs, an empty map for a stack never updated (builtins.go:415-419); none
  // (or the unknown in their place, which the SDK may give a read the engine reports unknown, @pulumi/pulumi 3.270.0
  // runtime/resource.js readResource `getUnknown`, rpc.js resolveProperties) is a read that failed while the run went
  // on (`--continue-on-error`), which would otherwise throw a TypeError in an update and in a preview find no mark and
  // check nothing (see above). Taken with the unknowns they may hold: an update that went on past a failed resource
  // leaves its outputs unknown in the checkpoint (the kubeconfig), which makes the whole map unknown in a preview, the
  // mark beside them being known all the same
  const outputs = await (reference.outputs as unknown as OutputState).promise(true);
  if (outputs === undefined || outputs === null || pulumi.isUnknown(outputs)) {
    throw new EnvironmentError(`the StackReference ${REFERENCE} read no outputs of the stack ${describeValue(name)}: its read failed, ` +
      'as the error printed under it says, and the run went on (--continue-on-error); without them this run cannot check its changes against ' +
      'the stack\'s last update, so it stops here: fix what that error names (README, "What a version check shows under pulumi up") and run again');
  }
  // the value itself, whose secrets the SDK unwrapped, pushing their secrecy up to the whole map (runtime/rpc.js
  // deserializeProperty): the mark is read whichever of the stack's outputs is secret (the kubeconfig), and whether or
  // not the CLI reports their names, where StackReference.getOutputValue took every output for a secret without them
  const mark = (outputs as Record<string, unknown>)[MARK_OUTPUT];
  if (mark === undefined || mark === null) {
    // outputs without the mark: an update ran before, by a release without it (or the outputs were edited, or imported
    // from elsewhere), and what it deployed is not compared: said once, as this run's output then holds the mark
    if (Object.keys(outputs).length > 0) {
      void pulumi.log.warn(`the stack ${describeValue(name)} has outputs but no ${MARK_OUTPUT}, as after an update by a Dockyard release ` +
        'before it: this run checks nothing against that update (no version change refused, no dropped admin, URL, project, robot or team ' +
        'warned of) and keeps its own mark for the next; if Harbor already runs a newer version than this run\'s (kubectl -n harbor get ' +
        'deployment harbor-core -o jsonpath=\'{..image}\'), stop here (README, "Upgrading the components")');
    }
    return undefined;
  }
  if (typeof mark !== 'string') {
    // warned of, not refused: a refused update keeps the stack's outputs (see above), so a refusal would come back at
    // every run with no way out but editing the state, while this run's own output replaces it. The value is not
    // shown: it is not Dockyard's, and may hold what its author kept secret
    void pulumi.log.warn(`the stack output ${MARK_OUTPUT} of ${describeValue(name)} is ${kindOf(mark)}, not the text Dockyard keeps there (an output of ` +
      'that name from another program, or edited by hand): this update compares nothing with the last one and replaces it with its own');
    return undefined;
  }
  return mark;
}

/**
 * What an `Output` holds, which the SDK keeps internal (@pulumi/pulumi sdk/nodejs/output.ts:1024, `@internal`) and
 * reads itself through every copy of it loaded (`StackReference.getOutputDetails`, stackReference.ts
 * `readOutputValue`): with `withUnknowns`, the value even where it holds unknowns, undefined where there is none.
 */
interface OutputState {
  promise(withUnknowns: boolean): Promise<unknown>;
}

/** What a JSON value is, as a warning names it: `an object`, `a list`, `a number`, `a boolean`. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Run `fn`, which renders `app`'s charts (`ChartDeployment.check`, a `ChartDeployment`), with `previous` (the text
 * `previousMark` read) as `app`'s previous output, as a synth renders inside its own: Harbor's first configure Job is
 * handed the projects an earlier run declared and this one dropped, and warns while one is public
 * (lib/harbor/left-projects.ts).
 */
export function withPreviousMark<T>(app: IConstruct, previous: string | undefined, fn: () => T): T {
  return withPreviousOutput(app, previousOutputOf(previous), fn);
}

/**
 * Check `app` against `previous` (`previousMark`'s) as a synth checks against its previous output: refuse a version
 * change its workloads could not take, unless `DOCKYARD_VERSION_CHANGE` (`env`) lets it through, and warn with
 * `pulumi.log.warn` of an older CI server, and of an admin, a Harbor project or robot, a team or a CI URL the code
 * dropped. Returns
 * this run's mark, for the program to export as `MARK_OUTPUT`. Call it once the charts are rendered
 * (`ChartDeployment.check`), as the lists hold the images as rendered (relocated, pinned).
 */
export function checkAgainstPreviousMark(app: IConstruct, previous: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const warn = (message: string) => void pulumi.log.warn(message);
  checkVersionChangesOfMark(app, previous, env, warn, PULUMI_WORDS);
  return withPreviousMark(app, previous, () => {
    keptListWarnings(previous, app, PULUMI_WORDS).forEach((line) => warn(line.replace(/^warning: /, '')));
    return keptLists(app);
  });
}
