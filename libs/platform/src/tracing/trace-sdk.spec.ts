import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, transpileModule } from 'typescript';

/** The module as the apps run it, compiled to CommonJS for a plain `node` child. */
const moduleSource = transpileModule(readFileSync(join(__dirname, 'trace-sdk.ts'), 'utf8'), { compilerOptions: { module: ModuleKind.CommonJS } }).outputText;

interface Outcome {
  started: boolean;
  /** @opentelemetry packages the process loaded. */
  packages: string[];
  propagatorFields: string[];
  serviceName?: unknown;
  recording?: boolean;
  printed: string;
}

/** Each configuration in its own process: the SDK registers globals, and what it loads is the point. */
function start(env: Record<string, string>): Outcome {
  const script = `
    const loaded = { exports: {} };
    new Function('exports', 'require', 'module', process.argv[1])(loaded.exports, require, loaded);
    const provider = loaded.exports.startTraceSdk({ serviceName: 'spec-service', instrumentations: [] });
    const { propagation } = require('@opentelemetry/api');
    const printed = [];
    console.dir = (value) => printed.push(JSON.stringify(value));
    console.log = (...values) => printed.push(values.join(' '));
    let recording;
    if (provider) {
      const span = provider.getTracer('spec').startSpan('spec-span');
      recording = span.isRecording();
      span.end();
    }
    const packages = [...new Set(Object.keys(require.cache).map((path) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(path)?.[1]).filter(Boolean))].sort();
    setTimeout(() => {
      process.stdout.write('\\n' + JSON.stringify({ started: Boolean(provider), packages, propagatorFields: propagation.fields(), serviceName: provider?._config?.resource?.attributes?.['service.name'], recording, printed: printed.join('\\n') }));
    }, 50);
  `;
  const child = spawnSync(process.execPath, ['-e', script, moduleSource], {
    cwd: join(__dirname, '..', '..', '..', '..'),
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Outcome;
}

describe('startTraceSdk: the traces half of NodeSDK, from the same variables', () => {
  it('by default: OTLP over HTTP/protobuf behind a batch processor, W3C trace context and baggage, and nothing it was not asked for', () => {
    const outcome = start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(outcome.started).toBe(true);
    expect(outcome.recording).toBe(true);
    expect(outcome.propagatorFields).toEqual(['traceparent', 'tracestate', 'baggage']);
    expect(outcome.packages).toContain('@opentelemetry/exporter-trace-otlp-proto');
    for (const absent of ['@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/exporter-zipkin', '@opentelemetry/propagator-b3', '@opentelemetry/propagator-jaeger']) {
      expect(outcome.packages).not.toContain(absent);
    }
  });

  it('honours the exporter, protocol, propagators and sampler variables', () => {
    const console = start({ OTEL_TRACES_EXPORTER: 'console', OTEL_PROPAGATORS: 'b3multi', OTEL_TRACES_SAMPLER: 'always_on' });
    expect(console.printed).toContain('spec-span'); // the console exporter printed the span at once
    expect(console.propagatorFields).toEqual(expect.arrayContaining(['x-b3-traceid', 'x-b3-spanid']));
    expect(console.packages).not.toContain('@opentelemetry/exporter-trace-otlp-proto');

    const grpc = start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    expect(grpc.packages).toContain('@opentelemetry/exporter-trace-otlp-grpc');
    expect(grpc.recording).toBe(false);
  });

  it('starts no provider with OTEL_TRACES_EXPORTER=none, and registers no propagator with OTEL_PROPAGATORS=none', () => {
    const none = start({ OTEL_TRACES_EXPORTER: 'none', OTEL_PROPAGATORS: 'none' });
    expect(none.started).toBe(false);
    expect(none.propagatorFields).toEqual([]);
  });
});
