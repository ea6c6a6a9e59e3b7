import { ClientCredentialsTokenProvider, GuardDecisionStats, JwksKeyStore, TokenExchangeTokenProvider } from '@nest-oauth-m2m/auth';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastify as createFastify, FastifyInstance, FastifyReply } from 'fastify';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { HttpPlatformConfig } from './http-platform.config';

const registries = new WeakMap<NestFastifyApplication, Registry>();

/** The app's Prometheus registry, for app-specific metrics (the auth-server's token counters). */
export function metricsRegistry(app: NestFastifyApplication): Registry {
  const registry = registries.get(app);
  if (!registry) throw new Error('metricsRegistry: the app was not created by createHttpApp');
  return registry;
}

/** What libs/auth counts in this app: resource servers have guards and JWKS, order-service a token provider. */
export type LibraryMetrics = 'guard-decisions' | 'jwks' | 'token-provider';

/**
 * `GET /metrics` in Prometheus text format: process metrics, and what libs/auth counts (guard
 * decisions, the client-credentials token cache, JWKS fetches), read at scrape time so the request
 * path only ever increments plain counters. Served outside Nest's guards, like the health checks:
 * keep it on the cluster network rather than behind a token. With METRICS_PORT set it is served on
 * that port only (deploy/k8s does this; production defaults it), so the port an ingress exposes has
 * no /metrics at all.
 */
export function registerMetrics(
  app: NestFastifyApplication,
  service: string,
  library: LibraryMetrics[] = [],
  placement: Pick<HttpPlatformConfig, 'metricsPort' | 'metricsHost'> = { metricsHost: '0.0.0.0' },
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  const decisions = library.includes('guard-decisions') ? app.get(GuardDecisionStats, { strict: false }) : undefined;
  if (decisions) {
    new Counter({
      name: 'resource_server_guard_decisions_total',
      help: 'Bearer and scope guard decisions by route template and outcome',
      labelNames: ['method', 'route', 'outcome'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { method, route, outcome, count } of decisions.snapshot()) this.inc({ method, route, outcome }, count);
      },
    });
  }
  const tokens = library.includes('token-provider') ? app.get(ClientCredentialsTokenProvider, { strict: false }) : undefined;
  if (tokens) {
    new Counter({
      name: 'client_credentials_token_cache_total',
      help: "This service's own access token: served from cache (hit) or not (miss)",
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, tokens.stats.hits);
        this.inc({ result: 'miss' }, tokens.stats.misses);
      },
    });
    new Counter({
      name: 'client_credentials_token_requests_total',
      help: 'Token endpoint requests made by this service, and how many failed',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'sent' }, tokens.stats.fetches);
        this.inc({ outcome: 'failed' }, tokens.stats.failures);
      },
    });
  }
  // Tokens exchanged on behalf of users (RFC 8693), when the service calls that way (USER_LOOKUP=token_exchange).
  const exchange = library.includes('token-provider') ? app.get(TokenExchangeTokenProvider, { strict: false }) : undefined;
  if (exchange) {
    new Counter({
      name: 'token_exchange_token_cache_total',
      help: 'Tokens exchanged on behalf of users: served from cache (hit) or not (miss)',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, exchange.stats.hits);
        this.inc({ result: 'miss' }, exchange.stats.misses);
      },
    });
    new Counter({
      name: 'token_exchange_requests_total',
      help: 'Token-exchange requests made by this service, and how many failed',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'sent' }, exchange.stats.fetches);
        this.inc({ outcome: 'failed' }, exchange.stats.failures);
      },
    });
  }
  const jwks = library.includes('jwks') ? app.get(JwksKeyStore, { strict: false }) : undefined;
  if (jwks) {
    new Counter({
      name: 'jwks_fetches_total',
      help: "Fetches of the issuer's JWKS (first load, TTL refresh, unknown kid), and how many failed",
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'sent' }, jwks.stats.fetches);
        this.inc({ outcome: 'failed' }, jwks.stats.failures);
      },
    });
  }

  const serve = async (_request: unknown, reply: FastifyReply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  };
  const main = app.getHttpAdapter().getInstance();
  if (placement.metricsPort === undefined) {
    main.get('/metrics', serve);
  } else {
    serveOnOwnPort(main, placement.metricsPort, placement.metricsHost, serve);
  }
  registries.set(app, registry);
  return registry;
}

/**
 * A second, bare Fastify server answering GET /metrics alone (anything else is a 404), started when the
 * app starts and closed with it, so its lifetime is the app's.
 */
function serveOnOwnPort(
  main: FastifyInstance,
  port: number,
  host: string,
  serve: (request: unknown, reply: FastifyReply) => Promise<string>,
): void {
  const server = createFastify({ logger: false });
  server.get('/metrics', serve);
  main.addHook('onReady', async () => {
    await server.listen({ port, host });
  });
  main.addHook('onClose', async () => {
    await server.close();
  });
}

