import type { TextMapPropagator } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ResourceDetector } from '@opentelemetry/resources';
import type { Sampler, SpanExporter, SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/*
 * The traces half of @opentelemetry/sdk-node's `NodeSDK.start()`, configured from the same standard
 * variables with the same defaults, but loading only the exporter and propagators they select.
 * NodeSDK requires at load every exporter it could build (OTLP over gRPC, HTTP/JSON and protobuf for
 * traces, metrics and logs, Prometheus, Zipkin) and the B3 and Jaeger propagators: 463 modules against
 * 264 for a traces-only start, 38 against 25 MB of RSS on Node 24 (bench/README.md, "Tracing without
 * the rest of NodeSDK"). The apps export traces only (metrics stay with prom-client), so the rest is
 * weight. The variables: OTEL_LOG_LEVEL, OTEL_PROPAGATORS, OTEL_NODE_RESOURCE_DETECTORS,
 * OTEL_TRACES_EXPORTER (otlp, zipkin, console, none), OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL (grpc,
 * http/json, http/protobuf), OTEL_BSP_*, OTEL_TRACES_SAMPLER[_ARG], OTEL_[SPAN_]ATTRIBUTE_* and
 * OTEL_SPAN_*_LIMIT; the exporters read their own (endpoint, headers, timeout, compression).
 */

const api = () => require('@opentelemetry/api') as typeof import('@opentelemetry/api');
const core = () => require('@opentelemetry/core') as typeof import('@opentelemetry/core');
const sdkTrace = () => require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
const resources = () => require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
const b3 = () => require('@opentelemetry/propagator-b3') as typeof import('@opentelemetry/propagator-b3');

/** Registers the instrumentations, context manager, propagator and tracer provider; returns the provider (none when no exporter is usable). */
export function startTraceSdk(options: { serviceName?: string; instrumentations: Instrumentation[] }): TracerProvider | undefined {
  const { diag, DiagConsoleLogger, context, propagation, trace } = api();
  const { getStringFromEnv, diagLogLevelFromString } = core();
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel != null) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });

  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  registerInstrumentations({ instrumentations: options.instrumentations });
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagator = propagatorFromEnv();
  if (propagator) propagation.setGlobalPropagator(propagator);

  const { defaultResource, detectResources, resourceFromAttributes } = resources();
  let resource = defaultResource().merge(detectResources({ detectors: resourceDetectorsFromEnv() }));
  if (options.serviceName !== undefined) resource = resource.merge(resourceFromAttributes({ 'service.name': options.serviceName }));

  const spanProcessors = spanProcessorsFromEnv();
  if (spanProcessors.length === 0) return undefined;
  const provider = new (sdkTrace().TracerProvider)({ sampler: samplerFromEnv(), spanLimits: spanLimitsFromEnv(), resource, spanProcessors });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

/** OTEL_PROPAGATORS: unset is W3C trace context + baggage; `none` (or nothing usable) registers none. */
function propagatorFromEnv(): TextMapPropagator | undefined {
  const { diag } = api();
  const { getStringListFromEnv, W3CTraceContextPropagator, W3CBaggagePropagator, CompositePropagator } = core();
  const names = getStringListFromEnv('OTEL_PROPAGATORS');
  if (names == null) return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  if (names.includes('none')) return undefined;
  const factories: Record<string, () => TextMapPropagator> = {
    tracecontext: () => new W3CTraceContextPropagator(),
    baggage: () => new W3CBaggagePropagator(),
    b3: () => new (b3().B3Propagator)(),
    b3multi: () => new (b3().B3Propagator)({ injectEncoding: b3().B3InjectEncoding.MULTI_HEADER }),
    jaeger: () => new (require('@opentelemetry/propagator-jaeger') as typeof import('@opentelemetry/propagator-jaeger')).JaegerPropagator(),
  };
  const unique = [...new Set(names)];
  const propagators = unique.flatMap((name) => {
    const factory = factories[name];
    if (!factory) diag.warn(`Propagator "${name}" requested through environment variable is unavailable.`);
    return factory ? [factory()] : [];
  });
  if (propagators.length === 0) return undefined;
  return unique.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}

/** OTEL_NODE_RESOURCE_DETECTORS (env, host, os, process, serviceinstance, all, none); unset: env, process, host. */
function resourceDetectorsFromEnv(): ResourceDetector[] {
  const { getStringListFromEnv } = core();
  const { envDetector, hostDetector, osDetector, processDetector, serviceInstanceIdDetector } = resources();
  const names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS');
  if (!names?.length) return [envDetector, processDetector, hostDetector];
  const known: Record<string, ResourceDetector> = { host: hostDetector, os: osDetector, serviceinstance: serviceInstanceIdDetector, process: processDetector, env: envDetector };
  if (names.includes('all')) return Object.values(known);
  if (names.includes('none')) return [];
  return names.flatMap((name) => {
    if (!known[name]) api().diag.warn(`Invalid resource detector "${name}" specified in the environment variable OTEL_NODE_RESOURCE_DETECTORS`);
    return known[name] ? [known[name]] : [];
  });
}

/** OTEL_TRACES_EXPORTER (default otlp): each exporter behind a batch processor, the console one behind a simple one. */
function spanProcessorsFromEnv(): SpanProcessor[] {
  const { diag } = api();
  let names = [...new Set(core().getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? [])].filter((name) => name !== 'null');
  if (names[0] === 'none') return [];
  if (names.length === 0 || (names.length > 1 && names.includes('none'))) names = ['otlp'];
  const { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } = sdkTrace();
  return names.flatMap((name): SpanProcessor[] => {
    if (name === 'console') return [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })];
    const exporter = name === 'otlp' ? otlpExporterFromEnv() : name === 'zipkin' ? zipkinExporter() : undefined;
    if (!exporter) {
      diag.warn(`Unrecognized OTEL_TRACES_EXPORTER value: ${name}.`);
      return [];
    }
    return [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: positiveNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
        scheduledDelayMillis: positiveNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: positiveNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
        maxExportBatchSize: positiveNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    ];
  });
}

function otlpExporterFromEnv(): SpanExporter {
  const { getStringFromEnv } = core();
  const protocol = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (protocol === 'grpc') return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json') return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  if (protocol !== 'http/protobuf') api().diag.warn(`Unsupported OTLP traces protocol: ${protocol}. Using http/protobuf.`);
  return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

function zipkinExporter(): SpanExporter {
  return new (require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin')).ZipkinExporter();
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; unset (or unknown) leaves the provider's default, parent-based always-on. */
function samplerFromEnv(): Sampler | undefined {
  const { diag } = api();
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdkTrace();
  const name = core().getStringFromEnv('OTEL_TRACES_SAMPLER');
  const ratio = () => {
    const value = core().getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
    if (value == null || value < 0 || value > 1) {
      diag.error(`OTEL_TRACES_SAMPLER_ARG=${value} is blank or out of range ([0..1]), defaulting to 1.`);
      return 1;
    }
    return value;
  };
  switch (name) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using default`);
      return undefined;
  }
}

function spanLimitsFromEnv() {
  const { getNumberFromEnv } = core();
  return {
    attributeCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: getNumberFromEnv('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: getNumberFromEnv('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}

function positiveNumberFromEnv(name: string): number | undefined {
  const value = core().getNumberFromEnv(name);
  if (value != null && value <= 0) {
    api().diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
    return undefined;
  }
  return value;
}
