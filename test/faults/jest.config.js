// Fault drills and soak: real processes (built apps) on their own embedded PostgreSQL.
// Not part of `npm test`: run through `npm run test:faults` / `npm run test:soak` (they build first).
// The transforms (ts-jest, SWC for the ESM-only packages) and @app/* paths are npm test's.
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.(drill|soak)\\.ts$',
  moduleFileExtensions: base.moduleFileExtensions,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 600_000,
  verbose: true,
  // The drills spawn, freeze and kill real processes; a socket left by a killed child must not keep
  // the run from ending once every drill has reported.
  forceExit: true,
};
