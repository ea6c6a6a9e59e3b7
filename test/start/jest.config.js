// `npm run test:start`: `npm start` and `npm run start:dev` as real processes in a fresh copy of the
// repository (its own embedded PostgreSQL, free ports): one configuration story, process hygiene,
// the dev loop. Not part of `npm test`: each case starts the whole platform.
const { realProcessSuite } = require('../support/real-process-suite.jest');

module.exports = realProcessSuite('start', '.*\\.start\\.ts$', { testTimeout: 600_000 });
