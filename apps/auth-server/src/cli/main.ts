import { describeDatabaseUrl, resolveDatabaseUrl } from '@app/database';
import { loadEnvFiles } from '@app/platform/env';
import { runCli } from './cli';
import { withHint } from './hints';

/** Help needs no database: answer it without starting the embedded PostgreSQL. */
function asksForHelpOnly(argv: string[]): boolean {
  return argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
}

async function main(): Promise<void> {
  // Before anything reads DATABASE_URL or EMBEDDED_PG_*: the same sources as `npm start` and the apps.
  loadEnvFiles();
  const argv = process.argv.slice(2);
  if (asksForHelpOnly(argv)) process.exit(await runCli(argv));
  const embedded = !process.env.DATABASE_URL;
  const database = await resolveDatabaseUrl();
  // stderr, so --json output stays pure: an operator sees which registry a command is about to change.
  process.stderr.write(`database: ${describeDatabaseUrl(database.url)}${embedded ? ' (embedded, this checkout)' : ' (DATABASE_URL)'}\n`);
  const code = await runCli(argv);
  await database.stop();
  process.exit(code);
}

main().catch((error: unknown) => {
  // Whatever was thrown (a library may reject with no Error at all), a sentence and what to do.
  const message = error instanceof Error ? error.message : `unexpected failure (${String(error)})`;
  process.stderr.write(`error: ${withHint(message)}\n`);
  process.exit(2);
});
