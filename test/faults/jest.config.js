// Fault drills and soak: real processes (built apps) on their own embedded PostgreSQL.
// Not part of `npm test`: run through `npm run test:faults` / `npm run test:soak` (they build first).
const { realProcessSuite } = require('../support/real-process-suite.jest');

module.exports = realProcessSuite('faults', '.*\\.(drill|soak)\\.ts$', {
  testTimeout: 600_000,
  // The drills spawn, freeze and kill real processes; a socket left by a killed child must not keep
  // the run from ending once every drill has reported.
  forceExit: true,
});
