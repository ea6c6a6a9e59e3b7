import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExecutionContext } from '@nestjs/common';
import { InvalidToken } from '../errors/oauth.errors';
import { ClientCredentialsTokenProvider } from '../client-credentials/client-credentials-token-provider';
import { Public, Scopes, UserOnly } from '../resource-server/decorators';
import { GuardDecisionStats } from '../resource-server/guard-decision.stats';
import { routeAuthRequirements } from '../resource-server/decorators';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { FlowTrace } from './flow-trace';
import { activeTraceId, tracingRegistered } from './active-span';
import { tracingApi } from './otel';

class OrdersController {
  @Scopes('orders:read')
  @UserOnly()
  findOne(): void {}

  @Public()
  health(): void {}
}

function httpContext(handler: () => void, request: Record<string, unknown>): ExecutionContext {
  const context = new ExecutionContextHost([request], OrdersController, handler);
  routeAuthRequirements(new Reflector(), context); // as the guards do before they decide
  return context;
}

const tokenResponse = (accessToken: string) =>
  new Response(JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 900 }), { status: 200, headers: { 'content-type': 'application/json' } });

describe('OpenTelemetry spans of libs/auth', () => {
  describe('with no tracer provider registered', () => {
    it('is off: no API, no trace id, and a guard decision records nothing', () => {
      expect(tracingApi()).toBeUndefined();
      expect(tracingRegistered()).toBe(false);
      expect(activeTraceId()).toBeUndefined();
      expect(() => new GuardDecisionStats().record(httpContext(OrdersController.prototype.findOne, { method: 'GET' }), 'missing_token')).not.toThrow();
      expect(FlowTrace.start('order-service')).toEqual({ service: 'order-service', downstream: [] });
    });
  });

  describe('with a tracer provider registered', () => {
    const exporter = new InMemorySpanExporter();
    const contextManager = new AsyncLocalStorageContextManager();
    const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    });
    afterAll(() => {
      trace.disable();
      context.disable();
    });
    beforeEach(() => exporter.reset());

    it('records a guard denial with the route, its requirements and the reason', () => {
      const request = { method: 'GET', routeOptions: { url: '/orders/:id' } };
      new GuardDecisionStats().record(httpContext(OrdersController.prototype.findOne, request), 'invalid_token', new InvalidToken('the access token expired'));
      expect(spans('auth.guard').map((span) => span.attributes)).toEqual([
        {
          'http.request.method': 'GET',
          'http.route': '/orders/:id',
          'auth.decision': 'deny',
          'auth.outcome': 'invalid_token',
          'auth.required_scopes': ['orders:read'],
          'auth.required_token_kind': 'user',
          'auth.denial_reason': 'invalid_token: the access token expired',
        },
      ]);
    });

    it('records an allow with the caller (client id, user id, scopes), never the token', () => {
      const user = { kind: 'user', subject: 'alice-id', clientId: 'demo-app', scopes: ['orders:read'], claims: {}, token: 'eyJ.secret.token' };
      new GuardDecisionStats().record(httpContext(OrdersController.prototype.findOne, { method: 'GET', routeOptions: { url: '/orders/:id' }, user }), 'allowed');
      const [span] = spans('auth.guard');
      expect(span!.attributes).toMatchObject({ 'auth.decision': 'allow', 'oauth.client_id': 'demo-app', 'user.id': 'alice-id', 'oauth.scope': ['orders:read'] });
      expect(JSON.stringify(span!.attributes)).not.toContain('secret');
    });

    it('records a public route as such', () => {
      new GuardDecisionStats().record(httpContext(OrdersController.prototype.health, { method: 'GET', routeOptions: { url: '/health' } }), 'public');
      expect(spans('auth.guard')[0]!.attributes).toMatchObject({ 'auth.decision': 'public', 'auth.required_scopes': [] });
    });

    it('names the flow trace by the active trace id', () => {
      const tracer = trace.getTracer('test');
      tracer.startActiveSpan('request', (span) => {
        expect(FlowTrace.start('order-service')).toEqual({ service: 'order-service', traceId: span.spanContext().traceId, downstream: [] });
        expect(activeTraceId()).toBe(span.spanContext().traceId);
        span.end();
      });
    });

    it('traces token acquisition: one fetch (joined by a concurrent caller, linked), then cache hits', async () => {
      let release!: () => void;
      const fetched = new Promise<void>((done) => (release = done));
      const fetch = jest.fn(async () => {
        await fetched;
        return tokenResponse('tok-1');
      });
      const provider = new ClientCredentialsTokenProvider({
        tokenEndpoint: 'http://auth.test/oauth/token',
        issuer: 'http://auth.test',
        clientId: 'order-service',
        clientSecret: 'a-secret-that-never-shows',
        scopes: ['users:read'],
        audience: 'api://user-service',
        fetch: fetch as unknown as typeof globalThis.fetch,
      });
      const first = provider.getToken();
      const joined = provider.getToken();
      release();
      await expect(Promise.all([first, joined])).resolves.toEqual(['tok-1', 'tok-1']);
      await expect(provider.getToken()).resolves.toBe('tok-1');
      expect(fetch).toHaveBeenCalledTimes(1);
      const acquisitions = spans('oauth.token.acquire');
      expect(acquisitions.map((span) => span.attributes['oauth.token.source'])).toEqual(['fetch', 'join', 'cache']);
      const [fetchSpan, joinSpan] = acquisitions;
      expect(fetchSpan!.attributes).toMatchObject({ 'oauth.client_id': 'order-service', 'oauth.audience': 'api://user-service', 'oauth.scope': ['users:read'] });
      expect(joinSpan!.links.map((link) => link.context.spanId)).toEqual([fetchSpan!.spanContext().spanId]);
      expect(JSON.stringify(acquisitions.map((span) => [span.attributes, span.events]))).not.toMatch(/a-secret-that-never-shows|tok-1/);
    });

    it('traces a failed fetch as an error, and the refusal during the back-off that follows', async () => {
      const fetch = jest.fn(async () => new Response(JSON.stringify({ error: 'invalid_client' }), { status: 401 }));
      const provider = new ClientCredentialsTokenProvider({
        tokenEndpoint: 'http://auth.test/oauth/token',
        issuer: 'http://auth.test',
        clientId: 'order-service',
        clientSecret: 'a-secret-that-never-shows',
        scopes: [],
        fetch: fetch as unknown as typeof globalThis.fetch,
        random: () => 0.99,
        now: () => 1_000_000, // the clock stands still: the second call falls in the back-off
        logger: { log: () => undefined, warn: () => undefined, debug: () => undefined },
      });
      await expect(provider.getToken()).rejects.toThrow('invalid_client');
      await expect(provider.getToken()).rejects.toThrow('invalid_client');
      expect(fetch).toHaveBeenCalledTimes(1);
      const [failed, refused] = spans('oauth.token.acquire');
      expect(failed!.attributes['oauth.token.source']).toBe('fetch');
      expect(failed!.status.code).toBe(2); // SpanStatusCode.ERROR
      expect(refused!.attributes['oauth.token.source']).toBe('refused');
      expect(JSON.stringify([failed!.events, refused!.events])).not.toContain('a-secret-that-never-shows');
    });
  });
});
