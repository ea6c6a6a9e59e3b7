import { Command } from 'commander';
import { CliContext } from '../cli-context';

/** `migrate`: apply pending migrations without starting the server. */
export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  program.command('migrate').description('apply pending database migrations (the apps also do this at start)').action(async () => {
    const started = Date.now();
    ctx.progress('connecting to the database and applying pending migrations…');
    await ctx.app();
    ctx.progress(`done in ${Date.now() - started} ms`);
    ctx.out('migrations are up to date\n');
  });
}
