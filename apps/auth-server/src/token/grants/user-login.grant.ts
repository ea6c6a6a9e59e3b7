import { Injectable } from '@nestjs/common';
import { UserGrantsService, UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import type { GrantHandler } from './grant-handler';

/**
 * The grants of end-user logins (authorization_code, refresh_token): thin adapters over
 * UserGrantsService, which decides and issues. Public clients (apps without a secret) may use them.
 */
@Injectable()
export abstract class UserLoginGrant implements GrantHandler {
  abstract readonly grantType: string;
  readonly publicClients = true;

  constructor(protected readonly userGrants: UserGrantsService) {}

  abstract handle(caller: AuthenticatedClient, params: FormParams): Promise<UserTokenResponse>;
}
