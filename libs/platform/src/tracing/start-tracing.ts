import type { NodeSDK } from '@opentelemetry/sdk-node';
import { loadOtelVariablesFromEnvFiles, tracingConfigured } from './tracing-config';
import { instrumentations } from './instrumentations';

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry Node SDK for this process when the OTEL_* variables ask for tracing
 * (tracingConfigured), and does nothing else otherwise: the SDK and the instrumentations are
 * required here, lazily, so an app with tracing off loads none of them. Called by each app's
 * src/tracing.ts, which its main.ts imports first: the instrumentations must hook http, pg, ioredis
 * and Fastify before those are loaded.
 *
 * Exporter, protocol, endpoint, headers, sampler and propagators come from the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER,
 * …), read by the SDK itself. `service` names the app unless OTEL_SERVICE_NAME is set. Traces only:
 * metrics stay with prom-client at /metrics (README, Tracing), and no logs go through OpenTelemetry.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk) return true;
  loadOtelVariablesFromEnvFiles(env);
  if (!tracingConfigured(env)) return false;
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  sdk = new Sdk({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }),
    instrumentations: instrumentations(),
    // Empty on purpose: without these the SDK would also start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return true;
}

/** Exports the spans still buffered (on shutdown, before the process exits); a no-op when tracing is off. */
export async function flushTracing(): Promise<void> {
  if (!sdk) return;
  const { trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as { forceFlush?: () => Promise<void> };
  await delegate.forceFlush?.().catch(() => undefined);
}
