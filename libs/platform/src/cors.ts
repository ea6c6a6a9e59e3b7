import { FLOW_TRACE_HEADER } from '@nest-oauth-m2m/auth';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** @fastify/cors options, as bundled with @nestjs/platform-fastify. */
type FastifyCorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

/**
 * Browser origins allowed to call this service: CORS_ORIGINS (comma-separated; empty = none).
 * Unset, development allows the auth-server's origin (the flow explorer page lives there) and
 * production allows none. The auth-server itself (`servedAtIssuer`) then allows none either: the
 * explorer's calls to it are same-origin, and @fastify/cors would only add headers to every answer
 * (3.6 % of the token endpoint's CPU, issue 28).
 */
export function corsOrigins(env: NodeJS.ProcessEnv = process.env, servedAtIssuer = false): string[] {
  const configured = env.CORS_ORIGINS;
  if (configured !== undefined) {
    return configured
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => {
        const url = new URL(origin);
        if (url.origin !== origin.replace(/\/+$/, '')) throw new Error(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`);
        return url.origin;
      });
  }
  if (env.NODE_ENV === 'production' || servedAtIssuer) return [];
  const issuer = env.ISSUER ?? `http://localhost:${env.AUTH_SERVER_PORT ?? 3000}`;
  return [new URL(issuer).origin];
}

/** CORS for bearer-token APIs: no cookies, the headers a browser client needs to read errors and traces. */
export function corsOptions(origins: string[]): FastifyCorsOptions {
  return {
    origin: origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', FLOW_TRACE_HEADER],
    exposedHeaders: ['www-authenticate', 'retry-after', FLOW_TRACE_HEADER],
    credentials: false,
    maxAge: 600,
  };
}
