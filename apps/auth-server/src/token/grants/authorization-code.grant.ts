import { Injectable } from '@nestjs/common';
import type { UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import { UserLoginGrant } from './user-login.grant';

/** authorization_code (RFC 6749 §4.1.3, PKCE RFC 7636): a user's login code for tokens. */
@Injectable()
export class AuthorizationCodeGrant extends UserLoginGrant {
  readonly grantType = 'authorization_code';

  handle({ client }: AuthenticatedClient, params: FormParams): Promise<UserTokenResponse> {
    return this.userGrants.exchangeCode(client, params.require('code'), params.get('redirect_uri'), params.get('code_verifier'), params.get('resource'));
  }
}
