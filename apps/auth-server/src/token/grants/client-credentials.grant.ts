import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { adminApiConfig } from '../../admin/admin-api.config';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';
import { AccessTokenService } from '../access-token.service';
import { GrantScopePolicy } from '../../grant-scopes/grant-scope.policy';
import type { GrantHandler, TokenResponse } from './grant-handler';

/** client_credentials (RFC 6749 §4.4): a service's token for itself, with no refresh token. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';
  readonly publicClients = false;

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly scopePolicy: GrantScopePolicy,
    @Inject(adminApiConfig.KEY) private readonly adminApi: ConfigType<typeof adminApiConfig>,
  ) {}

  async handle({ client, secretId }: AuthenticatedClient, params: FormParams): Promise<TokenResponse> {
    const { audience, scopes } = await this.scopePolicy.decide(client, { resource: params.get('resource'), audience: params.get('audience'), scope: params.get('scope') });
    // An admin token remembers the secret it was obtained with: revoking that secret ends it (AdminCallerGuard).
    const adminSecretId = audience === this.adminApi.audience ? secretId : undefined;
    const issued = await this.tokens.issue({ subject: client.clientId, clientId: client.clientId, audience, scopes, secretId: adminSecretId });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.claims.scope };
  }
}
