// Fault drills and soak: real processes (built apps) on their own embedded PostgreSQL.
// Not part of `npm test`: run through `npm run test:faults` / `npm run test:soak` (they build first).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('../../tsconfig.json');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/faults'],
  testRegex: '.*\\.(drill|soak)\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 600_000,
  verbose: true,
  // The drills spawn, freeze and kill real processes; a socket left by a killed child must not keep
  // the run from ending once every drill has reported.
  forceExit: true,
};
