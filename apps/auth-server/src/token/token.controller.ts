import { InvalidRequest, UnsupportedGrantType } from '@app/auth';
import { Controller, Get, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticationGuard } from '../client-authentication/client-authentication.guard';
import { ensureGrantAllowed } from '../client-authentication/client-authentication.service';
import { FormParams } from '../http/form-params';
import { AccessTokenService } from './access-token.service';
import { grantedAudience, grantedScopes } from './token-request';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** The token endpoint (RFC 6749 §3.2), client credentials grant (§4.4). No refresh token is issued. */
@Controller('oauth')
export class TokenController {
  constructor(private readonly tokens: AccessTokenService) {}

  @Post('token')
  @HttpCode(200)
  @UseGuards(ClientAuthenticationGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async token(@Req() request: FastifyRequest, @CurrentClient() caller: AuthenticatedClient): Promise<TokenResponse> {
    const params = FormParams.of(request);
    const grantType = params.require('grant_type');
    if (grantType !== 'client_credentials') throw new UnsupportedGrantType(`unsupported grant_type "${grantType}"`);
    const { client } = caller;
    ensureGrantAllowed(client, grantType);
    const scopes = grantedScopes(client, params.get('scope'));
    const audience = grantedAudience(client, params);
    const issued = await this.tokens.issue({ subject: client.clientId, clientId: client.clientId, audience, scopes });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.claims.scope };
  }

  @Get('token')
  tokenByGet(): never {
    const error = new InvalidRequest('the token endpoint accepts POST only');
    error.headers.Allow = 'POST';
    throw error;
  }
}
