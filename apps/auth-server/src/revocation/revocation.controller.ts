import { Public, UnauthorizedClient } from '@nest-oauth-m2m/auth';
import { Controller, Post } from '@nestjs/common';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { UserGrantsService } from '../authorization/user-grants.service';
import { ClientAuthenticatedEndpoint } from '../client-authentication/client-authenticated.decorator';
import { Form } from '../http/form.decorator';
import { FormParams } from '../http/form-params';
import { AccessTokenService } from '../token/access-token.service';
import { RevocationService } from './revocation.service';

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
  @ClientAuthenticatedEndpoint('revocation', {
    summary: 'Revoke an access or refresh token (RFC 7009)',
    description: 'Answers 200 for any token it does not know, so nothing can be probed. Revoking a refresh token ends that login.',
    fields: {
      token: { type: 'string', description: 'The access or refresh token.' },
      token_type_hint: { type: 'string', description: 'Ignored (both kinds are tried).' },
    },
    required: ['token'],
    ok: { description: 'Revoked, or unknown.' },
  })
  async revoke(@CurrentClient() caller: AuthenticatedClient, @Form() form: FormParams): Promise<void> {
    // token_type_hint is optional and only a hint (§2.1): both kinds are tried, so it is ignored.
    const token = form.require('token');
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
