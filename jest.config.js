/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // type-checking runs once in `npm test` (tsc --noEmit); jest only transpiles
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/fast-check-setup.ts'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
