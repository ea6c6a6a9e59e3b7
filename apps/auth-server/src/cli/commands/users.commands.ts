import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { UserSummary, UsersService } from '../../users/users.service';
import { CliContext } from '../cli-context';

const CLI = 'npm run cli --';

/**
 * The password to set: all of stdin without its one trailing newline (`--password-stdin`, so it never
 * shows in the shell history or the process list), or a generated one the caller prints once.
 */
async function newPassword(ctx: CliContext, fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (fromStdin) return { password: (await ctx.readStdin()).replace(/\r?\n$/, ''), generated: false };
  return { password: randomBytes(18).toString('base64url'), generated: true };
}

function describeUser(user: UserSummary): string {
  return `${user.username}${user.status === 'active' ? '' : ' (disabled)'}  "${user.display_name}"  id ${user.id}  created ${user.created_at}`;
}

/** `users …`: the end users who sign in (authorization code flow). */
export function registerUserCommands(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('manage end-user logins (authorization code flow)');
  const service = async () => (await ctx.app()).get(UsersService);

  users
    .command('create')
    .description('create a user; without --password-stdin a generated password is printed once')
    .requiredOption('--username <username>', 'the login name (1-128 printable characters, no spaces)')
    .option('--name <display-name>', 'display name (default: the username)')
    .option('--password-stdin', 'read the password from stdin (8-1024 characters; one trailing newline is dropped)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `\nExamples:\n  ${CLI} users create --username carol --name "Carol Example"\n  printf %s "$CAROL_PASSWORD" | npm run -s cli -- users create --username carol --password-stdin --json`,
    )
    .action(async (options) => {
      const { password, generated } = await newPassword(ctx, Boolean(options.passwordStdin));
      const user = await (await service()).create({ username: options.username, displayName: options.name, password }, ctx.actor);
      ctx.print(
        Boolean(options.json),
        generated ? { ...user, password } : user,
        [`created user ${describeUser(user)}`, ...(generated ? [`  password: ${password}`, '  (shown once: only its hash is stored)'] : [])].join('\n'),
      );
    });

  users
    .command('passwd <username>')
    .description("set a user's password and end their current logins; without --password-stdin a generated one is printed once")
    .option('--password-stdin', 'read the password from stdin (8-1024 characters; one trailing newline is dropped)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\nExamples:\n  ${CLI} users passwd carol\n  printf %s "$CAROL_PASSWORD" | npm run -s cli -- users passwd carol --password-stdin`)
    .action(async (username: string, options) => {
      const { password, generated } = await newPassword(ctx, Boolean(options.passwordStdin));
      await (await service()).setPassword(username, password, ctx.actor);
      ctx.print(
        Boolean(options.json),
        { username, password_changed: true, ...(generated ? { password } : {}) },
        [`new password for ${username}`, ...(generated ? [`  password: ${password}`, '  (shown once: only its hash is stored)'] : [])].join('\n'),
      );
    });

  for (const [name, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    users
      .command(`${name} <username>`)
      .description(
        status === 'active' ? 'let the user sign in again' : 'stop the user signing in; their logins end now (refresh tokens refused), and resource servers polling the revocation feed refuse their access tokens within 12 s (REVOCATION_FEED_INTERVAL_MS 10 s + one request), others at expiry',
      )
      .option('--json', 'machine-readable output')
      .addHelpText('after', `\nExample:\n  ${CLI} users ${name} carol`)
      .action(async (username: string, options) => {
        await (await service()).setStatus(username, status, ctx.actor);
        ctx.print(Boolean(options.json), { username, status }, `${name}d user ${username}`);
      });
  }

  users
    .command('list')
    .description('list users (never their passwords)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\nExample:\n  npm run -s cli -- users list --json`)
    .action(async (options) => {
      const list = await (await service()).list();
      ctx.print(Boolean(options.json), list, list.length ? list.map(describeUser).join('\n') : 'no users');
    });
}
