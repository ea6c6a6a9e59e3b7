import { Injectable } from '@nestjs/common';
import { UserGrantsService, UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import type { GrantHandler } from './grant-handler';

/** authorization_code (RFC 6749 §4.1.3, PKCE RFC 7636): a user's login code for tokens (UserGrantsService). */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code';
  readonly publicClients = true;

  constructor(private readonly userGrants: UserGrantsService) {}

  handle({ client }: AuthenticatedClient, params: FormParams): Promise<UserTokenResponse> {
    return this.userGrants.exchangeCode(client, params.require('code'), params.get('redirect_uri'), params.get('code_verifier'), params.get('resource'));
  }
}
