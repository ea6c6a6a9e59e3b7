import { InvalidRequest, Public } from '@nest-oauth-m2m/auth';
import { Controller, Get, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@app/platform';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticatedEndpoint } from '../client-authentication/client-authenticated.decorator';
import { OAUTH_ERROR_SCHEMA } from '../http/api-docs';
import { Form } from '../http/form.decorator';
import { FormParams } from '../http/form-params';
import { GrantHandlers } from './grants/grant-handlers';
import { ACCESS_TOKEN_TYPE } from './grants/token-exchange.grant';
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../clients/client.entity';
import type { TokenEndpointResponse } from './grants/grant-handler';

/**
 * The token endpoint (RFC 6749 §3.2), read top to bottom: the guard authenticates the client
 * (ClientAuthenticationGuard, one ClientAuthenticator per method), the dispatch picks the grant's
 * handler (GrantHandlers, one GrantHandler per grant_type: client_credentials for services,
 * authorization_code and refresh_token for end-user logins, token exchange for services acting on
 * behalf of a user), and the handler has AccessTokenService sign the token.
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): client authentication (ClientAuthenticationGuard), not a bearer token.
@Public()
@Controller('oauth')
export class TokenController {
  constructor(private readonly grants: GrantHandlers) {}

  @Post('token')
  @ClientAuthenticatedEndpoint('token', {
    summary: 'Issue an access token (RFC 6749 §3.2)',
    description:
      'client_credentials (§4.4) for services: no refresh token. authorization_code (+ PKCE code_verifier) and refresh_token ' +
      'for end-user logins. urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693, delegation) for a confidential client acting on behalf ' +
      "of the user of a token it received: the issued token's sub is the user, act.sub the client; no refresh token. Cache-Control: no-store.",
    fields: {
      grant_type: { type: 'string', enum: ['client_credentials', 'authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT_TYPE], description: 'The grant.' },
      scope: { type: 'string', description: 'Space-separated scopes, a subset of the registered ones (default: all of them).' },
      resource: {
        type: 'string',
        description:
          'RFC 8707 audience: client_credentials, one of the registered ones; authorization_code and refresh_token, only the audience the login was granted for; ' +
          'token exchange, an API the client may act at on behalf of users (this or audience is required).',
      },
      audience: { type: 'string', description: 'The audience by another name than resource (client_credentials, token exchange); not both.' },
      code: { type: 'string', description: 'authorization_code: the code from /oauth/authorize.' },
      redirect_uri: { type: 'string', description: 'authorization_code: the same redirect_uri as in the request.' },
      code_verifier: { type: 'string', description: 'authorization_code: the PKCE verifier (S256).' },
      refresh_token: { type: 'string', description: 'refresh_token: the token to rotate.' },
      subject_token: { type: 'string', description: "token exchange: a user's access token from this server, issued for an API the client serves." },
      subject_token_type: { type: 'string', enum: [ACCESS_TOKEN_TYPE], description: 'token exchange: the type of subject_token.' },
      requested_token_type: { type: 'string', enum: [ACCESS_TOKEN_TYPE], description: 'token exchange: optional; only an access token is issued.' },
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
          issued_token_type: { type: 'string', description: 'token exchange only (RFC 8693 §2.2.1)' },
        },
      },
    },
  })
  async token(@CurrentClient() caller: AuthenticatedClient, @Form() form: FormParams): Promise<TokenEndpointResponse> {
    const handler = this.grants.handlerFor(form.require('grant_type'), caller);
    return handler.handle(caller, form);
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
