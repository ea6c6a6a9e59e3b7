// The README's "Guarding routes" snippet is the region below, verbatim (readme-examples.e2e-spec.ts
// compiles it, runs it and checks the README still shows it).
import { Controller, Get, Module, Param } from '@nestjs/common';
// #region guarding-routes
import { AuthModule, Principal, Scopes, ServiceOnly } from '@nest-oauth-m2m/auth';

@Controller('users')
export class UsersController {
  @Get(':id')
  @ServiceOnly()               // only client-credentials tokens
  @Scopes('users:read')        // every listed scope required
  findOne(@Param('id') id: string, @Principal() caller: Principal) {
    return { id, readBy: caller.clientId };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({ issuer: process.env.ISSUER ?? 'http://localhost:3000', audience: 'api://user-service' }),
  ],
  controllers: [UsersController],
})
export class UserServiceModule {}
// #endregion
