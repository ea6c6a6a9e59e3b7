import { Injectable } from '@nestjs/common';
import { UserGrantsService, UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import type { GrantHandler } from './grant-handler';

/** refresh_token (RFC 6749 §6): a login's refresh token rotated for new tokens (UserGrantsService). */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token';
  readonly publicClients = true;

  constructor(private readonly userGrants: UserGrantsService) {}

  handle({ client }: AuthenticatedClient, params: FormParams): Promise<UserTokenResponse> {
    return this.userGrants.refresh(client, params.require('refresh_token'), params.get('scope'), params.get('resource'));
  }
}
