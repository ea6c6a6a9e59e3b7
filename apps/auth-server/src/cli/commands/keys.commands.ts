import { Command } from 'commander';
import { SigningKeysService } from '../../keys/signing-keys.service';
import { CliContext, UsageError } from '../cli-context';

/** `keys …`: token-signing keys. */
export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('token-signing keys');
  keys
    .command('rotate')
    .description('publish a new signing key now; it signs after the activation delay, the old key stays published until its tokens expire')
    .option('--activation-delay <seconds>', 'seconds before the new key signs (default KEY_ACTIVATION_DELAY)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--activation-delay must be a whole number of seconds');
      return n;
    })
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  npm run cli -- keys rotate\n  npm run -s cli -- keys rotate --activation-delay 0 --json')
    .action(async (options) => {
      const signingKeys = (await ctx.app()).get(SigningKeysService);
      ctx.progress('generating and publishing a new signing key…');
      const result = await signingKeys.rotate({ activationDelaySeconds: options.activationDelay }, ctx.actor);
      ctx.progress(`done: ${result.kid}`);
      ctx.print(
        Boolean(options.json),
        result,
        `new key ${result.kid} signs from ${result.activatesAt.toISOString()}\n` +
          result.retired.map((k) => `  retiring ${k.kid}: published until ${k.publishUntil.toISOString()}`).join('\n'),
      );
    });
  keys
    .command('list')
    .description('keys currently published in the JWKS')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const published = (await ctx.app()).get(SigningKeysService).publicJwks().keys;
      ctx.print(Boolean(options.json), published, published.map((k) => `${k.kid}  ${k.alg}`).join('\n'));
    });
}
