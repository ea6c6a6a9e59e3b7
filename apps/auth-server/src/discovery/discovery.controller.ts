import { Public } from '@nest-oauth-m2m/auth';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ASSERTION_ALGORITHMS } from '../client-authentication/authenticators/private-key-jwt.authenticator';
import { ENDPOINT_AUTH_METHODS } from '../client-authentication/endpoint-auth-methods';
import { ClientViews } from '../clients/client-views';
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../clients/client.entity';
import { authServerConfig } from '../config/auth-server.config';
import { SigningKeysService } from '../keys/signing-keys.service';
import { ResourcesService } from '../resources/resources.service';
import { ApiOperation } from '@app/platform';

const SCOPES_CACHE_MS = 30_000;

/**
 * RFC 8414 metadata and the JWKS. This is an OAuth authorization server, not an OpenID Provider (no ID
 * tokens, no UserInfo, no subject types), so nothing is served at /.well-known/openid-configuration: a
 * document there would claim what OpenID Connect Discovery 1.0 requires and this server does not do.
 * Clients discover it the RFC 8414 way (libs/auth's JwksKeyStore, oauth4webapi, openid-client's
 * `discovery(..., { algorithm: 'oauth2' })`).
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): metadata and keys are for anyone (RFC 8414, RFC 7517).
@Public()
@Controller('.well-known')
export class DiscoveryController {
  private scopes: { value: string[]; until: number } = { value: [], until: 0 };

  constructor(
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
    private readonly keys: SigningKeysService,
    private readonly clients: ClientViews,
    private readonly resources: ResourcesService,
  ) {}

  @Get('jwks.json')
  @ApiOperation({ summary: 'The public signing keys (JWKS, RFC 7517); resource servers verify tokens with them' })
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/jwk-set+json')
  jwks() {
    return this.keys.publicJwks();
  }

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @Header('Cache-Control', 'public, max-age=300')
  authorizationServer() {
    return this.metadata();
  }

  private async metadata() {
    const { issuer } = this.config;
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT_TYPE],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      // What each endpoint enforces (ENDPOINT_AUTH_METHODS), so the metadata cannot promise more or less.
      token_endpoint_auth_methods_supported: ENDPOINT_AUTH_METHODS.token,
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      introspection_endpoint_auth_methods_supported: ENDPOINT_AUTH_METHODS.introspection,
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      revocation_endpoint_auth_methods_supported: ENDPOINT_AUTH_METHODS.revocation,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      // Not RFC 8414 (additional metadata, §2): the revocation feed resource servers poll, and how they
      // authenticate there, from the same table as the standard endpoints.
      revocation_feed_endpoint: `${issuer}/oauth/revocations`,
      revocation_feed_endpoint_auth_methods_supported: ENDPOINT_AUTH_METHODS.revocation_feed,
      revocation_feed_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      scopes_supported: await this.knownScopes(),
      access_token_signing_alg_values_supported: [this.config.signingAlgorithm],
    };
  }

  private async knownScopes(): Promise<string[]> {
    if (this.scopes.until < Date.now()) {
      // What some client may request, and what some registered API defines.
      const [allowed, defined] = await Promise.all([this.clients.knownScopes(), this.resources.knownScopes()]);
      this.scopes = { value: [...new Set([...allowed, ...defined])].sort(), until: Date.now() + SCOPES_CACHE_MS };
    }
    return this.scopes.value;
  }
}
