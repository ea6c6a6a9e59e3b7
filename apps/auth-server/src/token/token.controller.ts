import { InvalidRequest, Public, UnauthorizedClient, UnsupportedGrantType } from '@nest-oauth-m2m/auth';
import { Controller, Get, Header, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticationGuard } from '../client-authentication/client-authentication.guard';
import { ensureAuthMethodAccepted } from '../client-authentication/endpoint-auth-methods';
import { ensureGrantAllowed } from '../client-authentication/client-authentication.service';
import { FormParams } from '../http/form-params';
import { UserGrantsService, UserTokenResponse } from '../authorization/user-grants.service';
import { AccessTokenService } from './access-token.service';
import { GrantScopePolicy } from '../grant-scopes/grant-scope.policy';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiClientAuthenticatedForm, OAUTH_ERROR_SCHEMA } from '../http/api-docs';
import { adminApiConfig } from '../admin/admin-api.config';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * The token endpoint (RFC 6749 §3.2). client_credentials (§4.4) for services, with no refresh token;
 * authorization_code (+ PKCE) and refresh_token for end-user logins.
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): client authentication (ClientAuthenticationGuard), not a bearer token.
@Public()
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly userGrants: UserGrantsService,
    private readonly scopePolicy: GrantScopePolicy,
    @Inject(adminApiConfig.KEY) private readonly adminApi: ConfigType<typeof adminApiConfig>,
  ) {}

  @Post('token')
  @ApiClientAuthenticatedForm({
    summary: 'Issue an access token (RFC 6749 §3.2)',
    description:
      'client_credentials (§4.4) for services: no refresh token. authorization_code (+ PKCE code_verifier) and refresh_token ' +
      'for end-user logins. Cache-Control: no-store.',
    fields: {
      grant_type: { type: 'string', enum: ['client_credentials', 'authorization_code', 'refresh_token'], description: 'The grant.' },
      scope: { type: 'string', description: 'Space-separated scopes, a subset of the registered ones (default: all of them).' },
      resource: {
        type: 'string',
        description: 'RFC 8707 audience: client_credentials, one of the registered ones; authorization_code and refresh_token, only the audience the login was granted for.',
      },
      code: { type: 'string', description: 'authorization_code: the code from /oauth/authorize.' },
      redirect_uri: { type: 'string', description: 'authorization_code: the same redirect_uri as in the request.' },
      code_verifier: { type: 'string', description: 'authorization_code: the PKCE verifier (S256).' },
      refresh_token: { type: 'string', description: 'refresh_token: the token to rotate.' },
    },
    required: ['grant_type'],
    ok: {
      description: 'The access token (a JWT).',
      schema: {
        type: 'object',
        required: ['access_token', 'token_type', 'expires_in', 'scope'],
        properties: {
          access_token: { type: 'string' },
          token_type: { type: 'string', enum: ['Bearer'] },
          expires_in: { type: 'integer' },
          scope: { type: 'string' },
          refresh_token: { type: 'string', description: 'end-user grants only' },
        },
      },
    },
  })
  @HttpCode(200)
  @UseGuards(ClientAuthenticationGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async token(@Req() request: FastifyRequest, @CurrentClient() caller: AuthenticatedClient): Promise<TokenResponse | UserTokenResponse> {
    ensureAuthMethodAccepted('token', caller);
    const params = FormParams.of(request);
    const grantType = params.require('grant_type');
    const { client } = caller;
    switch (grantType) {
      case 'client_credentials':
        // A public client holds no credentials, so it cannot act on its own behalf, whatever its registration says.
        if (caller.method === 'none') throw new UnauthorizedClient('a public client cannot use the client_credentials grant');
        ensureGrantAllowed(client, grantType);
        return this.clientCredentials(caller, params);
      case 'authorization_code':
        ensureGrantAllowed(client, grantType);
        return this.userGrants.exchangeCode(client, params.require('code'), params.get('redirect_uri'), params.get('code_verifier'), params.get('resource'));
      case 'refresh_token':
        ensureGrantAllowed(client, grantType);
        return this.userGrants.refresh(client, params.require('refresh_token'), params.get('scope'), params.get('resource'));
      default:
        throw new UnsupportedGrantType(`unsupported grant_type "${grantType}"`);
    }
  }

  private async clientCredentials({ client, secretId }: AuthenticatedClient, params: FormParams): Promise<TokenResponse> {
    const { audience, scopes } = await this.scopePolicy.decide(client, { resource: params.get('resource'), audience: params.get('audience'), scope: params.get('scope') });
    // An admin token remembers the secret it was obtained with: revoking that secret ends it (AdminCallerGuard).
    const adminSecretId = audience === this.adminApi.audience ? secretId : undefined;
    const issued = await this.tokens.issue({ subject: client.clientId, clientId: client.clientId, audience, scopes, secretId: adminSecretId });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.claims.scope };
  }

  @Get('token')
  @ApiOperation({ summary: 'Always 400 invalid_request with Allow: POST: the token endpoint accepts POST only' })
  @ApiResponse({ status: 400, description: 'invalid_request', schema: OAUTH_ERROR_SCHEMA })
  tokenByGet(): never {
    const error = new InvalidRequest('the token endpoint accepts POST only');
    error.headers.Allow = 'POST';
    throw error;
  }
}
