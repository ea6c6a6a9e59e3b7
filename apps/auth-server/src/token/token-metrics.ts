import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { AuthenticatedClient, CLIENT_PROPERTY } from '../client-authentication/authenticated-client';
import { GrantHandlers } from './grants/grant-handlers';

/** RFC 6749 §5.2 codes (and the few others this endpoint answers); anything else is counted as "other". */
const KNOWN_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'slow_down',
  'temporarily_unavailable',
  'server_error',
]);

/** The authenticated (registered) client's id, or "unknown" when authentication failed or never ran. */
export function clientIdOf(request: FastifyRequest): string {
  return (request as unknown as Record<string, AuthenticatedClient | undefined>)[CLIENT_PROPERTY]?.client.clientId ?? 'unknown';
}

/** The grant asked for, if it is one this endpoint has a handler for (else "other": the label set stays bounded). */
export function grantTypeOf(request: FastifyRequest, knownGrants: ReadonlySet<string>): string {
  const grant = (request.body as Record<string, unknown> | undefined)?.grant_type;
  return typeof grant === 'string' && knownGrants.has(grant) ? grant : 'other';
}

/** The grant types registered with the token endpoint (GrantHandlers). */
export function knownGrantTypes(app: NestFastifyApplication): ReadonlySet<string> {
  return app.get(GrantHandlers, { strict: false }).grantTypes;
}

/** The RFC 6749 error code of an error body the exception filter wrote ("other" if unknown or unreadable). */
export function tokenErrorCodeOf(payload: string): string {
  try {
    const code = (JSON.parse(payload) as { error?: unknown }).error;
    return typeof code === 'string' && KNOWN_ERRORS.has(code) ? code : 'other';
  } catch {
    return 'other';
  }
}

export const isTokenRequest = (request: FastifyRequest): boolean => request.method === 'POST' && request.routeOptions.url === '/oauth/token';

/**
 * Token endpoint metrics: tokens issued by client and grant, failures by client and RFC error code,
 * and a latency histogram. Client ids are only ever those of authenticated (registered) clients;
 * a failure before authentication counts as "unknown", so the label set stays bounded.
 */
export function registerTokenMetrics(app: NestFastifyApplication, registry: Registry): void {
  const issued = new Counter({
    name: 'oauth_tokens_issued_total',
    help: 'Access tokens issued by the token endpoint',
    labelNames: ['client_id', 'grant_type'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'oauth_token_errors_total',
    help: 'Token endpoint error responses by client and RFC 6749 error code',
    labelNames: ['client_id', 'error'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'oauth_token_request_duration_seconds',
    help: 'Token endpoint latency, request received to response sent',
    labelNames: ['outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const errorCodes = new WeakMap<FastifyRequest, string>();
  const knownGrants = knownGrantTypes(app);
  const fastify = app.getHttpAdapter().getInstance();

  // The error code is in the body the exception filter wrote: read it on error responses only.
  // Callback hooks, not async ones: they run on every request of the app.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && isTokenRequest(request) && typeof payload === 'string') errorCodes.set(request, tokenErrorCodeOf(payload));
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    done();
    if (!isTokenRequest(request)) return;
    const ok = reply.statusCode === 200;
    duration.observe({ outcome: ok ? 'issued' : 'failed' }, reply.elapsedTime / 1000);
    if (ok) {
      issued.inc({ client_id: clientIdOf(request), grant_type: grantTypeOf(request, knownGrants) });
    } else {
      failed.inc({ client_id: clientIdOf(request), error: errorCodes.get(request) ?? 'other' });
    }
  });
}
