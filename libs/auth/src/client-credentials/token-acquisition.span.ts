import type { Link, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { authTracer, tracingApi } from '../trace/otel';

/**
 * How getToken() answered: from the process-local cache, by starting a token request (which may
 * still be answered by the shared cache), by joining the request already in flight (single flight),
 * or, during the back-off after a failure, with the still-valid token or a refusal.
 */
export type TokenSource = 'cache' | 'fetch' | 'join' | 'stale' | 'refused';

export interface TokenAcquisitionTarget {
  clientId: string;
  audience?: string;
  scopes: string[];
}

/**
 * An `oauth.token.acquire` span around one getToken() call, when a tracer provider is registered.
 * A fetch's span is the parent of its token request (so the auth-server's span joins its trace); a
 * caller that joins it links to it. Attributes name the client and what it asked for, never a token.
 */
export class TokenAcquisitionTracing {
  private inFlight?: SpanContext;

  constructor(private readonly target: TokenAcquisitionTarget) {}

  /** Runs `acquire` inside a span when tracing is on; `acquire` reports its source through `onSource`. */
  trace(acquire: (onSource: (source: TokenSource) => void) => Promise<string>): Promise<string> {
    const tracer = authTracer();
    if (!tracer) return acquire(() => undefined);
    return this.traced(tracer, acquire);
  }

  private traced(tracer: Tracer, acquire: (onSource: (source: TokenSource) => void) => Promise<string>): Promise<string> {
    const { context, trace, SpanStatusCode } = tracingApi()!;
    const { clientId, audience, scopes } = this.target;
    const span = tracer.startSpan('oauth.token.acquire', {
      attributes: { 'oauth.client_id': clientId, 'oauth.scope': scopes, ...(audience ? { 'oauth.audience': audience } : {}) },
    });
    const onSource = (source: TokenSource) => {
      span.setAttribute('oauth.token.source', source);
      if (source === 'fetch') this.inFlight = span.spanContext();
      else if (source === 'join' && this.inFlight) span.addLink({ context: this.inFlight } satisfies Link);
    };
    const finish = (failure?: unknown) => {
      if (failure !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure instanceof Error ? failure.name : 'token acquisition failed' });
        if (failure instanceof Error) span.recordException({ name: failure.name, message: failure.message });
      }
      if (this.inFlight === span.spanContext()) this.inFlight = undefined;
      span.end();
    };
    return context.with(trace.setSpan(context.active(), span as Span), () => acquire(onSource)).then(
      (token) => {
        finish();
        return token;
      },
      (error: unknown) => {
        finish(error);
        throw error;
      },
    );
  }
}
