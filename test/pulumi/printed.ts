// What the Pulumi language host prints for an error Dockyard throws: shared by the tests of refusals and of
// environment problems.
import * as pulumi from '@pulumi/pulumi';
import { RunError } from '@pulumi/pulumi';

/**
 * The error's message, checked to be what the host prints for a RunError: its one line (@pulumi/pulumi 3.270.0
 * cmd/run/run.js:377-379 logs a RunError's message alone, any other error with its stack).
 */
export function printed(err: Error): string {
  expect(RunError.isInstance(err)).toBe(true);
  expect(err.message).not.toMatch(/[\r\n]/);
  return err.message;
}

/** The error an Output fails with: thrown in its `apply`, it reaches the host as the Output's rejection. */
export async function failure(out: pulumi.Output<unknown>): Promise<Error> {
  const internal = out as any;
  // every promise of the Output fails alike; each is handled, so none is an unhandled rejection
  internal.isKnown.catch(() => undefined);
  internal.isSecret.catch(() => undefined);
  return internal.promise().then(() => { throw new Error('the Output did not fail'); }, (e: Error) => e);
}
