// Tracing with real processes: the built apps (dist/) export spans to an OTLP/HTTP collector the test
// runs. Not part of `npm test` (require-hook instrumentation does not apply inside Jest's module
// loader, so the apps must run as node runs them): `npm run test:tracing` builds first.
const { base, realProcessSuite } = require('../support/real-process-suite.jest');

module.exports = realProcessSuite('tracing', '.*\\.tracing\\.ts$', {
  globalSetup: base.globalSetup,
  globalTeardown: base.globalTeardown,
  testTimeout: 180_000,
  forceExit: true,
});
