// The Jest configuration of a suite that runs real processes (test:start, test:scaffold, test:tracing,
// test:faults): not part of `npm test`, one file at a time, each case reported. The transforms (ts-jest,
// SWC for the ESM-only packages) and @app/* paths are npm test's.
const base = require('../../jest.config');

/**
 * @param {string} folder under test/
 * @param {string} testRegex the suite's file names
 * @param {import('jest').Config} options what this suite adds (its timeout, forceExit, …)
 * @returns {import('jest').Config}
 */
function realProcessSuite(folder, testRegex, options) {
  return {
    rootDir: '../..',
    roots: [`<rootDir>/test/${folder}`],
    testRegex,
    moduleFileExtensions: base.moduleFileExtensions,
    transform: base.transform,
    transformIgnorePatterns: base.transformIgnorePatterns,
    moduleNameMapper: base.moduleNameMapper,
    testEnvironment: 'node',
    maxWorkers: 1,
    verbose: true,
    ...options,
  };
}

module.exports = { base, realProcessSuite };
