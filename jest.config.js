const os = require('os');

/** @type {import('jest').Config} */
module.exports = {
  // jest's default is one worker fewer than the cores, which on a 2-core machine (CI's) is one: the suites then run one
  // after another while a core idles, most of them CPU-bound (synths, schema checks). Two workers there took CI's jest
  // from 793 s to 501-533 s on a fresh clone; larger machines keep the default
  maxWorkers: Math.max(2, (os.availableParallelism ? os.availableParallelism() : os.cpus().length) - 1),
  // a worker whose heap is still this large after a file is replaced before its next one: the worker that ran
  // test/policy/teams-1000.test.ts (two 1,000-team synths) keeps about 800 MB, every other file's under 300 MB. At
  // the end of the run jest gives each worker 500 ms to exit (jest-worker build/base/BaseWorkerPool.js,
  // FORCE_EXIT_DELAY), which that worker sometimes overran, and jest then printed "A worker process has failed to
  // exit gracefully"; a worker replaced here is stopped by a signal instead (ChildProcessWorker.js,
  // _performRestartIfRequired), which prints nothing
  workerIdleMemoryLimit: '600MB',
  // node's, with a filter on stderr while each file runs: see the file
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // type-checking runs once in `npm test` (tsc --noEmit); jest only transpiles
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/clean-env.ts', '<rootDir>/test/fast-check-setup.ts'],
  // one temporary folder a run, removed at its end
  globalSetup: '<rootDir>/test/tmp-setup.js',
  globalTeardown: '<rootDir>/test/tmp-teardown.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
