// `npm run test:start`: `npm start` and `npm run start:dev` as real processes in a fresh copy of the
// repository (its own embedded PostgreSQL, free ports): one configuration story, process hygiene,
// the dev loop. Not part of `npm test`: each case starts the whole platform.
// The transforms (ts-jest, SWC for the ESM-only packages) and @app/* paths are npm test's.
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/start'],
  testRegex: '.*\\.start\\.ts$',
  moduleFileExtensions: base.moduleFileExtensions,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  moduleNameMapper: base.moduleNameMapper,
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 600_000,
  verbose: true,
};
