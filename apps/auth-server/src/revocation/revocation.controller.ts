import { Public, UnauthorizedClient } from '@nest-oauth-m2m/auth';
import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { UserGrantsService } from '../authorization/user-grants.service';
import { ClientAuthenticationGuard } from '../client-authentication/client-authentication.guard';
import { ensureAuthMethodAccepted } from '../client-authentication/endpoint-auth-methods';
import { FormParams } from '../http/form-params';
import { AccessTokenService } from '../token/access-token.service';
import { RevocationService } from './revocation.service';
import { ApiClientAuthenticatedForm } from '../http/api-docs';

/** RFC 7009 token revocation (access and refresh tokens): 200 for any token it does not know, so nothing can be probed. */
// Outside the bearer guard (deny by default, see AdminAuthModule): client authentication (ClientAuthenticationGuard), not a bearer token.
@Public()
@Controller('oauth')
export class RevocationController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly revocations: RevocationService,
    private readonly userGrants: UserGrantsService,
  ) {}

  @Post('revoke')
  @ApiClientAuthenticatedForm({
    summary: 'Revoke an access or refresh token (RFC 7009)',
    description: 'Answers 200 for any token it does not know, so nothing can be probed. Revoking a refresh token ends that login.',
    fields: {
      token: { type: 'string', description: 'The access or refresh token.' },
      token_type_hint: { type: 'string', description: 'Ignored (both kinds are tried).' },
    },
    required: ['token'],
    ok: { description: 'Revoked, or unknown.' },
  })
  @HttpCode(200)
  @UseGuards(ClientAuthenticationGuard)
  @Header('Cache-Control', 'no-store')
  async revoke(@Req() request: FastifyRequest, @CurrentClient() caller: AuthenticatedClient): Promise<void> {
    ensureAuthMethodAccepted('revocation', caller);
    // token_type_hint is optional and only a hint (§2.1): both kinds are tried, so it is ignored.
    const token = FormParams.of(request).require('token');
    const claims = this.tokens.verify(token);
    if (!claims) {
      // A refresh token (end-user logins): revoking it ends the login session, the whole rotation family.
      await this.userGrants.revokeRefreshToken(caller.client, token);
      return;
    }
    if (claims.client_id !== caller.client.clientId) {
      throw new UnauthorizedClient('the token was not issued to this client');
    }
    await this.revocations.revoke(claims.jti, claims.client_id, claims.exp);
  }
}
