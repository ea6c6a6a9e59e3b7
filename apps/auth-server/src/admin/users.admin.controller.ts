import { Body, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiParam } from '@app/platform';
import { randomBytes } from 'node:crypto';
import type { AuditActor } from '../audit/audit-log';
import { CreateUserDto, SetPasswordDto } from '../users/user.dtos';
import { CreatedUserSummary, UsersService, UserSummary } from '../users/users.service';
import { AdminActor } from './admin-actor';
import { AdminPathId } from './admin-params';
import { AdminController, AdminOperation } from './admin-docs';

const ApiUsernameParam = () => ApiParam({ name: 'username' });

/** The password given in the body, or a generated one the answer shows once (as the CLI does). */
function passwordOf(given: string | undefined): { password: string; generated: boolean } {
  return given !== undefined ? { password: given, generated: false } : { password: randomBytes(18).toString('base64url'), generated: true };
}

/** End users (the people who sign in at /oauth/authorize) over HTTP: what `npm run cli -- users …` does. */
@AdminController('admin/users', 'users')
export class UsersAdminController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @AdminOperation({ summary: 'List users', ok: { status: 200, description: 'every user', type: UserSummary, isArray: true }, refusals: [] })
  list(): Promise<UserSummary[]> {
    return this.users.list();
  }

  @Post()
  @Header('Cache-Control', 'no-store')
  @AdminOperation({
    summary: 'Create a user',
    ok: {
      status: 201,
      description: 'the user, with `password` when it was generated (shown once: only its hash is stored)',
      type: CreatedUserSummary,
    },
    refusals: [400, 409],
  })
  async create(@Body() body: CreateUserDto, @AdminActor() actor: AuditActor): Promise<CreatedUserSummary> {
    const { password, generated } = passwordOf(body.password);
    const user = await this.users.create({ username: body.username, displayName: body.display_name, password }, actor);
    return generated ? { ...user, password } : user;
  }

  @Post(':username/password')
  @Header('Cache-Control', 'no-store')
  @ApiUsernameParam()
  @AdminOperation({
    summary: "Set a user's password",
    description: "Their current logins end (refresh tokens and the access tokens issued from them are revoked).",
    ok: { status: 200, description: '`{ "password": … }` when it was generated, `{}` otherwise', schema: { type: 'object', properties: { password: { type: 'string' } } } },
    refusals: [400, 404],
  })
  @HttpCode(200)
  async setPassword(@AdminPathId('username') username: string, @Body() body: SetPasswordDto, @AdminActor() actor: AuditActor): Promise<{ password?: string }> {
    const { password, generated } = passwordOf(body.password);
    await this.users.setPassword(username, password, actor);
    return generated ? { password } : {};
  }

  @Post(':username/disable')
  @HttpCode(204)
  @ApiUsernameParam()
  @AdminOperation({ summary: 'Disable a user', description: 'They cannot sign in, and their logins (refresh tokens) end.', ok: { status: 204, description: 'disabled' }, refusals: [404] })
  async disable(@AdminPathId('username') username: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.users.setStatus(username, 'disabled', actor);
  }

  @Post(':username/enable')
  @HttpCode(204)
  @ApiUsernameParam()
  @AdminOperation({ summary: 'Enable a user', ok: { status: 204, description: 'enabled' }, refusals: [404] })
  async enable(@AdminPathId('username') username: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.users.setStatus(username, 'active', actor);
  }
}
