/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The V8 sampler is one per isolate and the addon is loaded once per worker
  // process, so its state outlives a test file: every suite that starts
  // tracing stops it in afterEach (see test/helpers/tracing.ts).
  testTimeout: 60000,
};
