module.exports = async function globalTeardown() {
  const cluster = globalThis.__EMBEDDED_POSTGRES__;
  if (cluster) await cluster.stop();
};
