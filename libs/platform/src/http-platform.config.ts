/**
 * Settings every app's HTTP platform (createHttpApp) reads, validated when the app is created, so a
 * bad value stops the app at boot rather than at the first scrape or page view.
 */
export interface HttpPlatformConfig {
  /**
   * METRICS_PORT: serve /metrics on this port (on HOST) instead of the app's port, which then has no
   * /metrics. Deployments set it so the scrape port is never the one an ingress exposes (deploy/k8s).
   * In production it defaults to DEFAULT_PRODUCTION_METRICS_PORT: per-client counters are never on the
   * public port there. Outside production, unset keeps /metrics on the app's port.
   */
  metricsPort?: number;
  /** Where the metrics port listens: HOST, as the app itself (default 0.0.0.0). */
  metricsHost: string;
  /**
   * API_DOCS_ENABLED: the OpenAPI UI and document at /docs and /docs-json. On outside production unless
   * `false`; in production only when `true` (they map every route for whoever asks).
   */
  apiDocsEnabled: boolean;
}

/** Where /metrics goes in production without METRICS_PORT: the port the Dockerfile exposes and deploy/k8s sets. */
export const DEFAULT_PRODUCTION_METRICS_PORT = 9464;

export function httpPlatformConfig(env: NodeJS.ProcessEnv = process.env): HttpPlatformConfig {
  const production = env.NODE_ENV === 'production';
  return {
    metricsPort: optionalPort(env, 'METRICS_PORT') ?? (production ? DEFAULT_PRODUCTION_METRICS_PORT : undefined),
    metricsHost: env.HOST || '0.0.0.0',
    apiDocsEnabled: flag(env, 'API_DOCS_ENABLED', !production),
  };
}

function optionalPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65_535) throw new Error(`${name} must be a port number (1-65535)`);
  return port;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false`);
  return raw === 'true';
}
