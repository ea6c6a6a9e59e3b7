import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { CreateUserDto, SetPasswordDto } from '../../users/user.dtos';
import { UserSummary, UsersService } from '../../users/users.service';
import { CliContext } from '../cli-context';
import { addDtoOptions } from '../dto-options';

const CLI = 'npm run cli --';

/**
 * The password to set: the one read from stdin (`--password-stdin`, so it never shows in the shell
 * history or the process list), or a generated one the caller prints once.
 */
function newPassword(given: string | undefined): { password: string; generated: boolean } {
  if (given !== undefined) return { password: given, generated: false };
  return { password: randomBytes(18).toString('base64url'), generated: true };
}

function describeUser(user: UserSummary): string {
  return `${user.username}${user.status === 'active' ? '' : ' (disabled)'}  "${user.display_name}"  id ${user.id}  created ${user.created_at}`;
}

/** `users …`: the end users who sign in (authorization code flow). */
export function registerUserCommands(program: Command, ctx: CliContext): void {
  const users = program.command('users').description('manage end-user logins (authorization code flow)');
  const service = async () => (await ctx.app()).get(UsersService);

  const create = users.command('create').description('create a user; without --password-stdin a generated password is printed once');
  const createOptions = addDtoOptions(create, CreateUserDto, ctx);
  create
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `\nExamples:\n  ${CLI} users create --username carol --name "Carol Example"\n  printf %s "$CAROL_PASSWORD" | npm run -s cli -- users create --username carol --password-stdin --json`,
    )
    .action(async (options) => {
      const dto = await createOptions.toDto(options);
      const { password, generated } = newPassword(dto.password);
      const user = await (await service()).create({ username: dto.username, displayName: dto.display_name, password }, ctx.actor);
      ctx.print(
        Boolean(options.json),
        generated ? { ...user, password } : user,
        [`created user ${describeUser(user)}`, ...(generated ? [`  password: ${password}`, '  (shown once: only its hash is stored)'] : [])].join('\n'),
      );
    });

  const passwd = users.command('passwd <username>').description("set a user's password and end their current logins; without --password-stdin a generated one is printed once");
  const passwdOptions = addDtoOptions(passwd, SetPasswordDto, ctx);
  passwd
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\nExamples:\n  ${CLI} users passwd carol\n  printf %s "$CAROL_PASSWORD" | npm run -s cli -- users passwd carol --password-stdin`)
    .action(async (username: string, options) => {
      const { password, generated } = newPassword((await passwdOptions.toDto(options)).password);
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
