import { ServiceOnly, Scopes } from '@nest-oauth-m2m/auth';
import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { UserProfile, UsersService } from './users.service';

/** Profiles for other services: service tokens with users:read only (a user token is refused). */
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':id')
  @ServiceOnly()
  @Scopes('users:read')
  async findOne(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<UserProfile> {
    const profile = await this.users.findById(id);
    if (!profile) throw new NotFoundException(`no user ${id}`);
    return profile;
  }
}
