// `npm run test:scaffold`: the acceptance run of issue 15, in a fresh copy of the repository with real
// processes (npm run new:service, the CLI, npm start) on their own embedded PostgreSQL. Not part of
// `npm test`: it builds the copy several times and takes minutes.
// The transforms (ts-jest, SWC for the ESM-only packages) and @app/* paths are npm test's.
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/scaffold'],
  testRegex: '.*\\.scaffold\\.ts$',
  moduleFileExtensions: base.moduleFileExtensions,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 900_000,
  verbose: true,
};
