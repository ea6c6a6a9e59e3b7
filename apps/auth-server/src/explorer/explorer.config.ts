import { registerAs } from '@nestjs/config';

export interface ExplorerConfig {
  enabled: boolean;
  /** order-service as the learner's browser reaches it. */
  orderServiceUrl: string;
  /** A trace viewer's page for one trace, `{traceId}` replaced (EXPLORER_TRACE_URL, e.g. Jaeger's UI). */
  traceUrl?: string;
}

/**
 * The flow explorer is a teaching page: on outside production unless EXPLORER_ENABLED=false, and in
 * production only when EXPLORER_ENABLED=true (it also needs a public client like the demo-app,
 * which production does not seed).
 */
export const explorerConfig = registerAs('explorer', (): ExplorerConfig => {
  const production = process.env.NODE_ENV === 'production';
  const flag = process.env.EXPLORER_ENABLED;
  const enabled = flag === undefined || flag === '' ? !production : flag === 'true';
  const orderServiceUrl = (process.env.EXPLORER_ORDER_SERVICE_URL ?? `http://localhost:${process.env.ORDER_SERVICE_PORT ?? 3002}`).replace(/\/+$/, '');
  if (enabled) new URL(orderServiceUrl); // fails fast on a malformed URL
  const traceUrl = process.env.EXPLORER_TRACE_URL || undefined;
  if (enabled && traceUrl && !/^https?:$/.test(new URL(traceUrl.replace('{traceId}', '0')).protocol)) {
    throw new Error('EXPLORER_TRACE_URL must be an http(s) URL');
  }
  return { enabled, orderServiceUrl, traceUrl };
});
