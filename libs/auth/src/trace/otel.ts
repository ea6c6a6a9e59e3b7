import type * as OpenTelemetryApi from '@opentelemetry/api';

/**
 * Where the OpenTelemetry API (major 1) keeps what an SDK registers, shared by every copy of
 * `@opentelemetry/api` in the process: its own cross-copy contract. Reading it costs one property
 * lookup, so with no SDK registered this package neither loads `@opentelemetry/api` (an optional peer
 * dependency) nor creates a span.
 */
const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');
const TRACER_NAME = '@nest-oauth-m2m/auth';

let api: typeof OpenTelemetryApi | null | undefined;
let cached: { provider: OpenTelemetryApi.TracerProvider; tracer: OpenTelemetryApi.Tracer } | undefined;

/** The OpenTelemetry API when a tracer provider is registered in this process; otherwise undefined. */
export function tracingApi(): typeof OpenTelemetryApi | undefined {
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[GLOBAL_API_KEY];
  if (registered?.trace === undefined) return undefined;
  if (api === undefined) {
    try {
      api = require('@opentelemetry/api') as typeof OpenTelemetryApi;
    } catch {
      api = null; // registered by an SDK whose API this package cannot load: stay silent
    }
  }
  return api ?? undefined;
}

/** This package's tracer, or undefined when no tracer provider is registered (then record nothing). */
export function authTracer(): OpenTelemetryApi.Tracer | undefined {
  const otel = tracingApi();
  if (!otel) return undefined;
  const provider = otel.trace.getTracerProvider();
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return cached.tracer;
}
