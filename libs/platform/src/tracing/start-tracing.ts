import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { loadOtelVariablesFromEnvFiles, tracingConfigured } from './tracing-config';
import { instrumentations } from './instrumentations';
import { startTraceSdk } from './trace-sdk';

let started = false;
let provider: TracerProvider | undefined;

/**
 * Starts OpenTelemetry tracing for this process when the OTEL_* variables ask for it
 * (tracingConfigured), and does nothing else otherwise: the SDK's trace parts and the
 * instrumentations are required here, lazily, so an app with tracing off loads none of them. Called by each app's
 * src/tracing.ts, which its main.ts imports first: the instrumentations must hook http, pg, ioredis
 * and Fastify before those are loaded.
 *
 * Exporter, protocol, endpoint, headers, sampler and propagators come from the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER,
 * …), read as NodeSDK reads them (trace-sdk.ts). `service` names the app unless OTEL_SERVICE_NAME is
 * set. Traces only: metrics stay with prom-client at /metrics (README, Tracing), and no logs go
 * through OpenTelemetry.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (started) return true;
  loadOtelVariablesFromEnvFiles(env);
  if (!tracingConfigured(env)) return false;
  started = true;
  provider = startTraceSdk({ ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }), instrumentations: instrumentations() });
  return true;
}

/** Exports the spans still buffered (on shutdown, before the process exits); a no-op when tracing is off. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush().catch(() => undefined);
}
