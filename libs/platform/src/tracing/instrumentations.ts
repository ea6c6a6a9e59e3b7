import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';

/** Query parameters whose values never reach a span (the OAuth ones, plus the SDK's own defaults). */
export const REDACTED_QUERY_PARAMETERS = [
  'code',
  'code_verifier',
  'state',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'client_assertion',
  'password',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

/** Probes and scrapes, polled every few seconds, would drown the traces that matter. */
const UNTRACED_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/** A URL path with the values of REDACTED_QUERY_PARAMETERS replaced by `REDACTED`. */
export function redactedPath(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = new URLSearchParams(url.slice(queryAt + 1));
  for (const name of REDACTED_QUERY_PARAMETERS) if (query.has(name)) query.set(name, 'REDACTED');
  return `${url.slice(0, queryAt)}?${query.toString()}`;
}

/**
 * The maintained instrumentations the platform needs, each configured so that no credential
 * reaches a span: http (incoming requests, and outgoing node:http calls with W3C traceparent:
 * libs/auth's token requests, JWKS, introspection and service calls), undici (an app's own `fetch`
 * calls), Fastify (@fastify/otel, the
 * Fastify team's own), pg and ioredis (statements without their values). Database and Redis calls
 * are traced only inside a traced request, so background work (key reloads, pool checks) starts no trace.
 */
export function instrumentations(): Instrumentation[] {
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
      redactedQueryParamsServer: REDACTED_QUERY_PARAMETERS,
      redactedQueryParams: REDACTED_QUERY_PARAMETERS,
    }),
    new UndiciInstrumentation({
      requestHook: (span, request) => {
        if (!request.path.includes('?')) return;
        const path = redactedPath(request.path);
        span.setAttributes({ 'url.full': `${request.origin}${path}`, 'url.query': path.slice(path.indexOf('?')) });
      },
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // The request span and the route handler's; a span per hook (ours add seven) is noise and cost.
      instrumentHooks: false,
      ignorePaths: (route: { url: string }) => UNTRACED_PATHS.test(route.url),
      // @fastify/otel records the raw URL (query included) as url.path.
      requestHook: (span, request) => span.setAttribute('url.path', request.url.split('?')[0]!),
    }),
    new PgInstrumentation({ requireParentSpan: true }),
    // Only the command's name: arguments hold cached tokens and lock owners (and EVAL would show them all).
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  ];
}
