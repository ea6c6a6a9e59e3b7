import { tracingRegistered } from '@nest-oauth-m2m/auth';
import type { Span } from '@opentelemetry/api';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { clientIdOf, grantTypeOf, isTokenRequest, knownGrantTypes, tokenErrorCodeOf } from './token-metrics';

/**
 * An `oauth.token` span per token request, when tracing is on: the grant, the authenticated client
 * (`unknown` when client authentication failed) and the outcome, `issued` or the RFC 6749 error code.
 * Nothing of the request body but its grant_type: never a secret, code, verifier or token. A child of
 * the request's span, so a service's token request and this endpoint's work share one trace.
 */
export function registerTokenTracing(app: NestFastifyApplication): void {
  if (!tracingRegistered()) return; // tracing off: not even the API is loaded for this
  const otel = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const tracer = otel.trace.getTracer('auth-server');
  const spans = new WeakMap<FastifyRequest, Span>();
  const knownGrants = knownGrantTypes(app);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (isTokenRequest(request)) spans.set(request, tracer.startSpan('oauth.token'));
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const span = spans.get(request);
    if (span) {
      const ok = reply.statusCode === 200;
      span.setAttributes({
        'oauth.grant_type': grantTypeOf(request, knownGrants),
        'oauth.client_id': clientIdOf(request),
        'oauth.token.outcome': ok ? 'issued' : typeof payload === 'string' ? tokenErrorCodeOf(payload) : 'other',
        'http.response.status_code': reply.statusCode,
      });
      // A refusal is the endpoint working (the outcome says which); only a server failure is an error.
      if (reply.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done(null, payload);
  });
}
