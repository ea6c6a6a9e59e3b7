import { createHttpApp, HttpAppOptions, metricsRegistry } from '@app/platform';
import { INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthServerModule } from './auth-server.module';
import { authServerConfig } from './config/auth-server.config';
import { CLIENT_BASIC_SCHEME } from './http/api-docs';
import { registerSecurityMetrics } from './security/security-metrics';
import { registerTokenMetrics } from './token/token-metrics';

export async function createAuthServer(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AuthServerModule, {
    realm: 'auth-server',
    docs: {
      title: 'auth-server',
      description:
        'OAuth 2.0 authorization server: client_credentials (client_secret_basic, client_secret_post, private_key_jwt), ' +
        'authorization_code + PKCE and refresh tokens for end users, introspection (RFC 7662), revocation (RFC 7009), ' +
        'metadata (RFC 8414) and JWKS. Errors are RFC 6749 §5.2 JSON bodies.',
      guardedByDefault: false,
      issuer: (nest: INestApplication) => nest.get<{ issuer: string }>(authServerConfig.KEY).issuer,
      configure: (builder) =>
        builder.addBasicAuth(
          { type: 'http', scheme: 'basic', description: 'client_secret_basic: client_id and client_secret, form-urlencoded then Base64 (RFC 6749 §2.3.1).' },
          CLIENT_BASIC_SCHEME,
        ),
    },
    ...options,
  });
  registerTokenMetrics(app, metricsRegistry(app));
  registerSecurityMetrics(app, metricsRegistry(app));
  return app;
}
