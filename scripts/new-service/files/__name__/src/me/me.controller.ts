import { Principal, Scopes, UserOnly } from '@nest-oauth-m2m/auth';
import { UserDirectory, UserProfile } from '@app/user-directory';
import { Controller, Get } from '@nestjs/common';

/**
 * The sample route: an end user's own data. The user is only ever the verified token's `sub`; the
 * profile comes from user-service, called with __name__'s own token (not the user's), and is created
 * there on first use: UserDirectory answers exactly as it does for order-service.
 */
@Controller('__base__')
@UserOnly()
export class MeController {
  constructor(private readonly users: UserDirectory) {}

  @Get('me')
  @Scopes('__base__:read')
  me(@Principal() caller: Principal): Promise<UserProfile> {
    return this.users.profileOf(caller);
  }
}
