// `npm run test:scaffold`: the acceptance run of issue 15, in a fresh copy of the repository with real
// processes (npm run new:service, the CLI, npm start) on their own embedded PostgreSQL. Not part of
// `npm test`: it builds the copy several times and takes minutes.
const { realProcessSuite } = require('../support/real-process-suite.jest');

module.exports = realProcessSuite('scaffold', '.*\\.scaffold\\.ts$', { testTimeout: 900_000 });
