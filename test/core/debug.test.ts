import { runSynth } from '../../lib';
import { debugRequested } from '../../lib/core/debug';

/** What `runSynth` prints for a failure that is not one of Dockyard's own, with `DOCKYARD_DEBUG` at `value`. */
function failureWith(value: string | undefined): string {
  const saved = { debug: process.env.DOCKYARD_DEBUG, exitCode: process.exitCode };
  if (value === undefined) delete process.env.DOCKYARD_DEBUG;
  else process.env.DOCKYARD_DEBUG = value;
  let stderr = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    stderr += String(chunk);
    return true;
  });
  try {
    runSynth(() => {
      throw new TypeError('a bug');
    });
  } finally {
    spy.mockRestore();
    process.exitCode = saved.exitCode;
    if (saved.debug === undefined) delete process.env.DOCKYARD_DEBUG;
    else process.env.DOCKYARD_DEBUG = saved.debug;
  }
  return stderr;
}

describe('DOCKYARD_DEBUG', () => {
  test('is on for any value but the empty string, 0, false, no or off', () => {
    for (const on of ['1', 'true', 'yes', 'TRUE', '2', 'on', 'debug']) {
      expect(debugRequested({ DOCKYARD_DEBUG: on })).toBe(true);
    }
    // around whitespace too: DOCKYARD_DEBUG=' ' is as good as empty, not a value that turns traces on
    for (const off of [undefined, '', '0', 'false', 'False', 'FALSE', 'no', 'off', 'Off', ' ', '\t', ' 0 ', 'off\n']) {
      expect(debugRequested({ DOCKYARD_DEBUG: off })).toBe(false);
    }
  });

  test('runSynth prints the stack trace only when it is on, and otherwise says how to see it', () => {
    const hint = 'dockyard: error: a bug (set DOCKYARD_DEBUG=1 for the stack trace)\n';
    expect(failureWith(undefined)).toBe(hint);
    expect(failureWith('0')).toBe(hint);
    expect(failureWith('false')).toBe(hint);
    const traced = failureWith('1');
    expect(traced).toMatch(/^dockyard: error: a bug\nTypeError: a bug\n\s+at /);
  });
});
