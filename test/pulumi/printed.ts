// What the Pulumi language host prints for an error Dockyard throws: shared by the tests of refusals and of
// environment problems.
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
