// Tracing with real processes: the built apps (dist/) export spans to an OTLP/HTTP collector the test
// runs. Not part of `npm test` (require-hook instrumentation does not apply inside Jest's module
// loader, so the apps must run as node runs them): `npm run test:tracing` builds first.
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/tracing'],
  testRegex: '.*\\.tracing\\.ts$',
  moduleFileExtensions: base.moduleFileExtensions,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 180_000,
  verbose: true,
  forceExit: true,
};
