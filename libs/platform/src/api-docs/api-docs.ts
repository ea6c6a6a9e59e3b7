import { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, openApi, OpenAPIObject } from './openapi-decorators';
import { BEARER_SCHEME, describeSecurity, OAUTH2_SCHEME, routeSecurity, securityRequirement } from './route-security';
import { listRoutes } from './route-table';
import { serveSwaggerUi } from './swagger-ui';

export const API_DOCS_PATH = 'docs';
export const API_DOCS_JSON_PATH = '/docs-json';

export interface ApiDocsOptions {
  title: string;
  description: string;
  /** The auth-server's issuer URL; the token and authorize URLs hang off it. */
  issuer: (app: INestApplication) => string;
  /** True on resource servers, whose global bearer guard protects every route that is not @Public(). */
  guardedByDefault: boolean;
  /** App-specific additions (e.g. the auth-server's client authentication scheme). */
  configure?: (builder: DocumentBuilder) => DocumentBuilder;
}

/**
 * Serves the OpenAPI document at /docs (UI) and /docs-json. These routes are added on Fastify
 * directly, outside Nest's guards, so they are public by construction. The document is built on the
 * first request for it, not at start: most processes never serve it, building it walks every
 * controller and keeps the result (issue 28: 1-4 MB of the auth-server's RSS on Node 24), and only
 * then is @nestjs/swagger loaded (openapi-decorators.ts).
 */
export function setupApiDocs(app: NestFastifyApplication, options: ApiDocsOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  let json: string | undefined;
  fastify.get(API_DOCS_JSON_PATH, (_request, reply) => {
    json ??= JSON.stringify(buildApiDocument(app, options));
    return reply.type('application/json; charset=utf-8').send(json);
  });
  serveSwaggerUi(fastify, API_DOCS_PATH, API_DOCS_JSON_PATH, options.title);
}

export function buildApiDocument(app: INestApplication, options: ApiDocsOptions): OpenAPIObject {
  const routes = listRoutes(app);
  const security = routes.map((route) => ({ route, security: routeSecurity(route, options.guardedByDefault) }));
  const issuer = options.issuer(app).replace(/\/+$/, '');
  const scopes = Object.fromEntries(
    [...new Set(security.flatMap((entry) => [...entry.security.scopes, ...entry.security.anyScopes]))].sort().map((scope) => [scope, `grants ${scope}`]),
  );
  const { DocumentBuilder, SwaggerModule } = openApi();
  let builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1.0')
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'Tokens from the auth-server: client_credentials for services, authorization_code + PKCE for end users.',
        flows: {
          clientCredentials: { tokenUrl: `${issuer}/oauth/token`, scopes },
          authorizationCode: { authorizationUrl: `${issuer}/oauth/authorize`, tokenUrl: `${issuer}/oauth/token`, scopes },
        },
      },
      OAUTH2_SCHEME,
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (JWT) issued by the auth-server.' }, BEARER_SCHEME);
  if (options.configure) builder = options.configure(builder);
  const document = SwaggerModule.createDocument(app, builder.build());

  // Security comes from the guards' own metadata, so the document cannot drift from what is enforced.
  if (options.guardedByDefault) {
    for (const { route, security: routeRules } of security) {
      const operation = document.paths[route.path]?.[route.method as 'get'];
      if (!operation) continue;
      if (routeRules.public) {
        // Public to the bearer guard; a route with its own authentication (client_secret_basic) keeps it.
        operation.security ??= [];
        continue;
      }
      operation.security = securityRequirement(routeRules);
      operation.description = [operation.description, describeSecurity(routeRules)].filter(Boolean).join('\n\n');
      operation.responses['401'] ??= { description: 'missing, expired or invalid token (RFC 6750 invalid_token)' };
      operation.responses['403'] ??= { description: 'insufficient_scope: a scope is missing or the token kind is not accepted' };
    }
  }
  return document;
}
