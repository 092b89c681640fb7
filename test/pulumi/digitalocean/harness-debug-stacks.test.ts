import * as fs from 'fs';
import { setup } from './harness';

/**
 * The harness gives the stack the SDK keeps on each of its promises (@pulumi/pulumi runtime/debuggable.js,
 * debuggablePromise: `new Error().stack`) V8's own text, unmapped, for speed: no test reads it, and without
 * PULUMI_DEBUG_PROMISE_LEAKS the SDK's leak report at exit prints none of it. With that variable set, the report
 * prints each leaked promise's stack (debuggable.js leakedPromises, promiseDebugString), so they are mapped to the
 * TypeScript lines again: a leak is then looked for at the lines it names.
 */
describe('the SDK\'s promise stacks under the mocks', () => {
  beforeAll(() => setup());
  const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
  });

  // the line of this file that makes the promise, found by its text (the call below is the only one)
  const CALL = 'debuggablePromise(p, \'a test\')';
  const callLine = fs.readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes(CALL) && !l.includes('const CALL')) + 1;

  /** The line of this file that the stack the SDK kept on a promise made here names. */
  async function keptLine(): Promise<number> {
    // internal to the SDK (its declarations leave it out)
    const { debuggablePromise } = require('@pulumi/pulumi/runtime/debuggable') as { debuggablePromise: (p: Promise<unknown>, ctx: string) => Promise<unknown> };
    const p: any = Promise.resolve();
    await debuggablePromise(p, 'a test');
    const frame = String(p._debugStackTrace).split('\n').find((l) => l.includes('harness-debug-stacks.test.ts:'));
    return Number(/harness-debug-stacks\.test\.ts:(\d+):/.exec(frame ?? '')?.[1]);
  }

  test('are plain text by default, and mapped to the source where PULUMI_DEBUG_PROMISE_LEAKS asks for the leak report\'s stacks', async () => {
    expect(callLine).toBeGreaterThan(0);
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    // the transpiled line: this file's blank lines and imports moved it
    expect(await keptLine()).not.toBe(callLine);
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = '1';
    expect(await keptLine()).toBe(callLine);
  });
});
