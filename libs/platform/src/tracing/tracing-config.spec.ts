import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOtelVariablesFromEnvFiles, tracingConfigured } from './tracing-config';
import { redactedPath } from './instrumentations';

describe('tracingConfigured: off unless the standard OTEL_* variables ask for it', () => {
  it('is off with none of them, or empty ones', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: ' ' })).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe(false);
  });

  it('is on with an OTLP endpoint (all signals or traces only) or an exporter named', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp,console' })).toBe(true);
  });

  it('stays off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, whatever else is set', () => {
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(false);
    expect(tracingConfigured({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'console' })).toBe(false);
  });
});

describe('loadOtelVariablesFromEnvFiles', () => {
  let dir: string;
  const saved = process.env.NODE_ENV;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'otel-env-'))));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    process.env.NODE_ENV = saved;
  });

  it('takes OTEL_* from .env, then .env.example, under what the environment already says', () => {
    writeFileSync(join(dir, '.env'), 'OTEL_TRACES_EXPORTER=console\nOTHER=1\n');
    writeFileSync(join(dir, '.env.example'), 'OTEL_TRACES_EXPORTER=otlp\nOTEL_SERVICE_NAME=from-example\nOTEL_EXPORTER_OTLP_ENDPOINT=http://x\n');
    const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: '' };
    loadOtelVariablesFromEnvFiles(env, dir);
    expect(env).toEqual({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'from-example', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  });

  it('reads no file in production', () => {
    process.env.NODE_ENV = 'production';
    writeFileSync(join(dir, '.env'), 'OTEL_TRACES_EXPORTER=console\n');
    const env: NodeJS.ProcessEnv = {};
    loadOtelVariablesFromEnvFiles(env, dir);
    expect(env).toEqual({});
  });
});

describe('redactedPath', () => {
  it('replaces the values of OAuth query parameters, keeping the rest', () => {
    expect(redactedPath('/explorer/callback?code=abc&state=xyz&lang=en')).toBe('/explorer/callback?code=REDACTED&state=REDACTED&lang=en');
    expect(redactedPath('/users/1')).toBe('/users/1');
  });
});
