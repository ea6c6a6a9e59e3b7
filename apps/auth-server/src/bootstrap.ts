import { createHttpApp, HttpAppOptions, metricsRegistry } from '@app/platform';
import { INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { authServerRootModule } from './auth-server.module';
import { authServerConfig } from './config/auth-server.config';
import { CLIENT_BASIC_SCHEME } from './http/api-docs';
import { registerSecurityMetrics } from './security/security-metrics';
import { registerTokenMetrics } from './token/token-metrics';
import { registerTokenTracing } from './token/token-tracing';

export async function createAuthServer(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  // .env and .env.example are merged into the environment before it says whether the admin API is on.
  await ConfigModule.envVariablesLoaded;
  const app = await createHttpApp(authServerRootModule(), {
    realm: 'auth-server',
    servedAtIssuer: true,
    docs: {
      title: 'auth-server',
      description:
        'OAuth 2.0 authorization server: client_credentials (client_secret_basic, client_secret_post, private_key_jwt, federated_jwt: workload tokens of trusted issuers), ' +
        'authorization_code + PKCE and refresh tokens for end users, introspection (RFC 7662), revocation (RFC 7009), ' +
        'metadata (RFC 8414) and JWKS. Errors are RFC 6749 §5.2 JSON bodies.',
      // libs/auth's bearer guard covers every route not @Public() (AdminAuthModule): the admin API.
      guardedByDefault: true,
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
  registerTokenTracing(app);
  registerSecurityMetrics(app, metricsRegistry(app));
  return app;
}
