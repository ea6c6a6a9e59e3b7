import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { envFilePaths } from '../env';

/**
 * Tracing is off unless the standard OpenTelemetry variables ask for it: an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT for traces alone) or an explicit
 * OTEL_TRACES_EXPORTER (`otlp`, `console`, `zipkin`; `none` is off). OTEL_SDK_DISABLED=true wins.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (exporters.length) return !(exporters.length === 1 && exporters[0] === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * The SDK reads OTEL_* from process.env before any app has loaded its configuration, so outside
 * production those set in .env / .env.example (and not in the environment) are copied in first,
 * the same precedence as every other variable.
 */
export function loadOtelVariablesFromEnvFiles(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): void {
  for (const file of envFilePaths()) {
    const path = `${cwd}/${file}`;
    if (!existsSync(path)) continue;
    for (const [name, value] of Object.entries(parse(readFileSync(path)))) {
      if (name.startsWith('OTEL_') && env[name] === undefined) env[name] = value;
    }
  }
}
