import { registerAs } from '@nestjs/config';

export interface ExplorerConfig {
  enabled: boolean;
  /** order-service as the learner's browser reaches it. */
  orderServiceUrl: string;
  /**
   * A second order-service, run with USER_LOOKUP=token_exchange, for the page's "token exchange" mode:
   * which token order-service carries to user-service is that instance's configuration, not a request's.
   */
  delegatedOrderServiceUrl: string;
  /** A trace viewer's page for one trace, `{traceId}` replaced (EXPLORER_TRACE_URL, e.g. Jaeger's UI). */
  traceUrl?: string;
}

/** Where `npm run demo` starts its order-service in token-exchange mode, and the page looks for one by default. */
export const DEFAULT_DELEGATED_ORDER_SERVICE_PORT = 3003;

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
  const delegatedOrderServiceUrl = (process.env.EXPLORER_DELEGATED_ORDER_SERVICE_URL ?? `http://localhost:${DEFAULT_DELEGATED_ORDER_SERVICE_PORT}`).replace(/\/+$/, '');
  if (enabled) {
    // fails fast on a malformed URL
    new URL(orderServiceUrl);
    new URL(delegatedOrderServiceUrl);
  }
  const traceUrl = process.env.EXPLORER_TRACE_URL || undefined;
  if (enabled && traceUrl && !/^https?:$/.test(new URL(traceUrl.replace('{traceId}', '0')).protocol)) {
    throw new Error('EXPLORER_TRACE_URL must be an http(s) URL');
  }
  return { enabled, orderServiceUrl, delegatedOrderServiceUrl, traceUrl };
});
