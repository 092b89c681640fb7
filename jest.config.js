/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // type-checking runs once in `npm test` (tsc --noEmit); jest only transpiles
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/fast-check-setup.ts', '<rootDir>/test/quiet-stderr.ts'],
  // one temporary folder a run, removed at its end
  globalSetup: '<rootDir>/test/tmp-setup.js',
  globalTeardown: '<rootDir>/test/tmp-teardown.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
