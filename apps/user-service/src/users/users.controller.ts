import { InvalidRequest, OnBehalfOfUser, Principal, ServiceOnly, Scopes } from '@nest-oauth-m2m/auth';
import { isStorableText } from '@app/database';
import { Body, ConflictException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProvisionedIdentity, UserProfile, UsersService } from './users.service';

/** The auth-server's own rules for usernames and display names (printable; a username has no spaces). */
const USERNAME = /^[^\p{C}\s]{1,128}$/u;
const DISPLAY_NAME = /^[^\p{C}]{1,200}$/u;

function parseIdentity(id: string, body: unknown): ProvisionedIdentity {
  const { username, display_name } = (body ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || !USERNAME.test(username) || !isStorableText(username)) {
    throw new InvalidRequest('username must be 1-128 printable characters without spaces');
  }
  if (display_name !== undefined && (typeof display_name !== 'string' || !DISPLAY_NAME.test(display_name) || !isStorableText(display_name))) {
    throw new InvalidRequest('display_name must be 1-200 printable characters');
  }
  return { id, username, displayName: display_name ?? username };
}

/**
 * Profiles for other services: a service's own token, or one it obtained on behalf of a user (RFC 8693
 * token exchange); a user's own token is refused.
 */
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /**
   * A service token with users:read reads any profile (the client-credentials flow). A delegated token
   * reads only its user's: a service acting for alice cannot read bob (no confused deputy), and another
   * user's profile is 404 like a missing one, as orders are. Which clients may act for users here is
   * the auth-server's decision (its delegation grants for api://user-service), so no actor list is kept here.
   */
  @Get(':id')
  @OnBehalfOfUser({ orServiceToken: true })
  @Scopes('users:read')
  async findOne(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Principal() caller: Principal): Promise<UserProfile> {
    const profile = caller.delegation && caller.delegation.user !== id ? null : await this.users.findById(id);
    if (!profile) throw new NotFoundException(`no user ${id}`);
    return profile;
  }

  /**
   * Just-in-time provisioning: a service that has verified a user's token (signature, issuer, its own
   * audience) creates the profile from the token's `sub`, `preferred_username` and `name` the first
   * time it meets that user. 201 when created, 200 with the existing profile otherwise (never
   * overwritten), 409 when another user holds the username.
   */
  @Put(':id')
  @ServiceOnly()
  @Scopes('users:provision')
  async provision(
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserProfile> {
    const outcome = await this.users.provision(parseIdentity(id, body));
    if ('conflict' in outcome) throw new ConflictException('another user holds this username');
    reply.status(outcome.created ? 201 : 200);
    return outcome.profile;
  }
}
