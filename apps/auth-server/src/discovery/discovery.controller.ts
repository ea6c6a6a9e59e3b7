import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ASSERTION_ALGORITHMS } from '../client-authentication/client-authentication.service';
import { CLIENT_AUTH_METHODS } from '../clients/client.entity';
import { ClientsService } from '../clients/clients.service';
import { authServerConfig } from '../config/auth-server.config';
import { SigningKeysService } from '../keys/signing-keys.service';
import { ApiOperation } from '@nestjs/swagger';

const SCOPES_CACHE_MS = 30_000;

/** RFC 8414 metadata (also at the OpenID path, where most client libraries look) and the JWKS. */
@Controller('.well-known')
export class DiscoveryController {
  private scopes: { value: string[]; until: number } = { value: [], until: 0 };

  constructor(
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
    private readonly keys: SigningKeysService,
    private readonly clients: ClientsService,
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

  @Get('openid-configuration')
  @ApiOperation({ summary: 'The same metadata at the OpenID Connect discovery path, where many client libraries look' })
  @Header('Cache-Control', 'public, max-age=300')
  openidConfiguration() {
    return this.metadata();
  }

  private async metadata() {
    const { issuer } = this.config;
    const authMethods = [...CLIENT_AUTH_METHODS];
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: [...authMethods, 'none'],
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      introspection_endpoint_auth_methods_supported: authMethods,
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      revocation_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      scopes_supported: await this.knownScopes(),
      access_token_signing_alg_values_supported: [this.config.signingAlgorithm],
    };
  }

  private async knownScopes(): Promise<string[]> {
    if (this.scopes.until < Date.now()) {
      this.scopes = { value: await this.clients.knownScopes(), until: Date.now() + SCOPES_CACHE_MS };
    }
    return this.scopes.value;
  }
}
