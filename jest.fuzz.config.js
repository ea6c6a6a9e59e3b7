// `npm run test:fuzz`: only the property-based fuzzing suites, at FUZZ_RUNS cases per endpoint
// (10,000 unless set). `npm test` runs the same suites with a small fixed-seed set.
const base = require('./jest.config');

process.env.FUZZ_RUNS = process.env.FUZZ_RUNS ?? '10000';

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testRegex: '.*\\.fuzz\\.e2e-spec\\.ts$',
  testTimeout: 30 * 60_000,
};
