import { Injectable } from '@nestjs/common';
import type { UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import { UserLoginGrant } from './user-login.grant';

/** refresh_token (RFC 6749 §6): a login's refresh token, rotated, for new tokens. */
@Injectable()
export class RefreshTokenGrant extends UserLoginGrant {
  readonly grantType = 'refresh_token';

  handle({ client }: AuthenticatedClient, params: FormParams): Promise<UserTokenResponse> {
    return this.userGrants.refresh(client, params.require('refresh_token'), params.get('scope'), params.get('resource'));
  }
}
