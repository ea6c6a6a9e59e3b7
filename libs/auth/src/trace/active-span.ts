// What the package exports about tracing, in plain types: its declarations never name
// @opentelemetry/api (an optional peer), so a consumer without it still type-checks them.
import { tracingApi } from './otel';

/** Whether an OpenTelemetry tracer provider is registered in this process (tracing is on). */
export function tracingRegistered(): boolean {
  return tracingApi() !== undefined;
}

/** The ids of the span active right now (hex strings, W3C flags), if tracing is on and there is one. */
export function activeSpanIds(): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const context = tracingApi()?.trace.getActiveSpan()?.spanContext();
  if (!context || context.traceId === '00000000000000000000000000000000') return undefined;
  return { traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags };
}

/** The trace id of the span active right now (a hex string), if tracing is on and there is one. */
export function activeTraceId(): string | undefined {
  return activeSpanIds()?.traceId;
}
