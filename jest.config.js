// One Jest config for the monorepo. tsconfig `paths` are the single source of truth for
// `@app/*` imports; ts-jest type-checks every file (diagnostics on).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

// Packages that ship only ES modules: Nest 12, jose 6, commander 15, and the ESM-only packages
// they load. Node runs them from our CommonJS code through require(esm), but Jest has its own
// module loader, which can load ESM from `require` only on Node >= 24.9 and only with
// --experimental-vm-modules. On every Node we support, Jest instead gets them as CommonJS from
// SWC (a native transformer: a cold cache costs a few seconds, a warm one nothing), which also
// rewrites `import.meta.url` and `import()` for CommonJS.
const ESM_ONLY = [
  '@nestjs',
  'jose',
  'commander',
  'cookie',
  'file-type',
  'token-types',
  'strtok3',
  '@tokenizer',
  'uint8array-extras',
  '@standard-schema',
];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/deploy', '<rootDir>/scripts', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  // The scaffold's template of a service's e2e test: run once rendered, by `npm run test:scaffold`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/scripts/new-service/files/'],
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  transform: {
    // tsconfig's module "nodenext" (what Nest 12 asks for: Node's own resolution, CommonJS output
    // here because package.json has no "type") makes ts-jest warn (TS151002) that it supports hybrid
    // module kinds only with isolatedModules; the .ts files here all compile to CommonJS, which
    // ts-jest handles with full type information, so the warning is silenced rather than giving up
    // type-checked tests.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
    '^.+\\.m?js$': [
      '@swc/jest',
      {
        swcrc: false,
        jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' },
        module: { type: 'commonjs' },
        sourceMaps: false,
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  testTimeout: 30_000,
};
