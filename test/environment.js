'use strict';
// jest's test environment: node's, and while each test file runs, a filter on stderr. Synths run inside tests tell the
// operator what they did on stderr ("dockyard: generated 20 new keys, ..."): hundreds of lines in a run, among which
// a failure is hard to find. They are left out of the run's output, errors ("dockyard: error: ...") and everything
// else still show. A test that checks what a synth says captures stderr itself (test/util.ts stderrOf, or
// jest.spyOn), which replaces this filter while it runs.
//
// The filter is made here, outside the test files' sandboxes, and taken off when a file ends: process.stderr is the
// worker's own stream, shared by every file the worker runs. It was once set in a setupFile, a function of the file's
// sandbox that wrapped the previous file's and was never taken off: each kept its file's sandbox, modules and all,
// alive, a worker's heap grew with every file (past 1 GB in a full run), and freeing it when jest ends the worker
// took longer than the 500 ms jest-worker waits before it kills it ("A worker process has failed to exit
// gracefully and has been force exited ...").
const { TestEnvironment } = require('jest-environment-node');

const QUIET = /^dockyard: (?!error:)/;

class DockyardEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const stderr = process.stderr;
    const had = Object.prototype.hasOwnProperty.call(stderr, 'write');
    const write = stderr.write;
    stderr.write = (chunk, ...rest) => (QUIET.test(String(chunk)) ? true : write.call(stderr, chunk, ...rest));
    this.restoreStderr = () => {
      if (had) {
        stderr.write = write;
      } else {
        delete stderr.write;
      }
    };
  }

  async teardown() {
    this.restoreStderr?.();
    await super.teardown();
  }
}

module.exports = DockyardEnvironment;
