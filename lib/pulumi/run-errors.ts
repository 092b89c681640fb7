/**
 * Dockyard's input refusals and environment problems as the Pulumi language host prints them: one line, never a
 * stack trace. Loaded for its effect by every entry point of `lib/pulumi` (and by the DigitalOcean program's
 * settings), the only layer that knows Pulumi: `lib/core` stays free of it. It imports no Pulumi package itself, so
 * it can report their absence (`./peer-dependencies`).
 */
import { ValidationError } from '../core/validation';

/**
 * The property by which the Pulumi Node SDK recognises a `RunError`, in every copy of the SDK a process loads:
 * `RunError.isInstance(err)` is `err.__pulumiRunError === true`, read through the prototype chain
 * (@pulumi/pulumi 3.270.0 errors.js:41 sets it, errors.js:48-50 and utils.js `hasTrueBooleanMember` read it).
 */
const RUN_ERROR_MARK = '__pulumiRunError';

// The language host's handler of an uncaught error logs a RunError as its message alone, and any other error as
// "Running program '…' failed with an unhandled exception:" and its whole stack, over fifteen lines
// (@pulumi/pulumi 3.270.0 cmd/run/run.js:377-379 and 398-400; the Automation API's inline programs alike,
// automation/server.js:139-141). A ValidationError's one line says what to change, so it is marked on its prototype:
// every one then prints as that line, wherever it is thrown (a setting, a component, a construct that
// ChartDeployment renders). SecretStateError is not marked: only a state file's reader throws it, and no Pulumi
// program reads one (GeneratedSecrets keeps the values in the Pulumi state).
Object.defineProperty(ValidationError.prototype, RUN_ERROR_MARK, { value: true });

/**
 * A problem of the environment a Pulumi program runs in, neither of Dockyard nor of its input: a Pulumi package not
 * installed, a cloud resource not ready yet, a cloud's answer lacking what it should hold. Its message is one line
 * saying what to do, and never holds a secret; under Pulumi it prints as that line alone, as a `ValidationError` does.
 * A Dockyard bug stays a plain `Error`, printed with its stack.
 */
export class EnvironmentError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}
Object.defineProperty(EnvironmentError.prototype, RUN_ERROR_MARK, { value: true });
