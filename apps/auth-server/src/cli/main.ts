import { resolveDatabaseUrl } from '@app/database';
import { runCli } from './cli';

async function main(): Promise<void> {
  const database = await resolveDatabaseUrl();
  const code = await runCli(process.argv.slice(2));
  await database.stop();
  process.exit(code);
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(2);
});
