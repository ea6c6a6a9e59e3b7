// `npm run test:compose`: docker compose up with real containers (test/compose/compose-up.check.ts).
// Not part of `npm test`: it needs Docker (and root the first time, for the stand-in base images).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('../../tsconfig.json');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/compose'],
  testRegex: '.*\\.check\\.ts$',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
  maxWorkers: 1,
  verbose: true,
};
