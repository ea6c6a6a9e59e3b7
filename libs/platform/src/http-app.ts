import { oauthErrorResponse } from '@nest-oauth-m2m/auth';
import { LogLevel, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { corsOptions, corsOrigins } from './cors';
import { flowTraceEnabled, registerFlowTraceHooks } from './flow-trace-hooks';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { createPinoLogger, PinoNestLogger, registerAccessLog, REQUEST_ID_HEADER, requestIdOf, runWithRequestId } from './logging';
import { LibraryMetrics, registerMetrics } from './metrics';
import { ApiDocsOptions, setupApiDocs } from './api-docs/api-docs';
import { secureHeaderPolicy, secureHeaders } from './secure-headers';
import { appErrorOf } from './errors/app-error';
import { AppExceptionFilter } from './errors/app-exception.filter';
import { httpPlatformConfig } from './http-platform.config';
import { trustProxyFrom } from './trust-proxy';
import { flushTracing } from './tracing';

export interface HttpAppOptions {
  /** `realm` of WWW-Authenticate challenges. */
  realm: string;
  /** Largest accepted request body; OAuth requests are small. */
  bodyLimit?: number;
  logger?: LogLevel[] | false;
  /** OpenAPI document and UI at /docs, /docs-json (when API_DOCS_ENABLED allows, see httpPlatformConfig). */
  docs?: ApiDocsOptions;
  /**
   * Keep each request's id for the calls it makes (ServiceHttpClient, token requests): for apps that
   * call other services. It runs every request in an AsyncLocalStorage context, which costs every
   * promise of the process a hook, so apps that call no one leave it off.
   */
  propagateRequestId?: boolean;
  /** libs/auth counters this app exports at /metrics. */
  libraryMetrics?: LibraryMetrics[];
  /** The auth-server: served at the issuer's origin, so CORS's development default leaves it out (cors.ts). */
  servedAtIssuer?: boolean;
}


export function logLevels(): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const wanted = (process.env.LOG_LEVEL ?? 'log') as LogLevel;
  const index = order.indexOf(wanted);
  return order.slice(0, index < 0 ? 4 : index + 1);
}

/**
 * A Nest app on Fastify with RFC-shaped errors everywhere, secure headers, API docs, logs with a request
 * id, metrics, shutdown hooks, bounded bodies, CORS for the configured origins and (outside
 * production) the flow-trace hooks.
 */
export async function createHttpApp(module: Type<unknown>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  // Logging is part of every app: one pino instance for Nest's logger, nestjs-pino and the access log.
  const logger = createPinoLogger(options.realm, options.logger ?? logLevels());
  // Validated before anything starts: a bad TRUST_PROXY must stop the app, not trust the wrong peers.
  const trustProxy = trustProxyFrom(process.env.TRUST_PROXY);
  class HttpAppRoot {}
  // nestjs-pino gives app code `PinoLogger` / `@InjectPinoLogger()` on this app's pino instance; its
  // pino-http middleware is not mounted (forRoutes: []): registerAccessLog writes the access log.
  Module({ imports: [LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }), module] })(HttpAppRoot);
  const app = await NestFactory.create<NestFastifyApplication>(
    HttpAppRoot,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit ?? 32 * 1024,
      // Who may set request.ip through X-Forwarded-For (TRUST_PROXY; nobody by default).
      trustProxy,
      routerOptions: { maxParamLength: 256 },
      // One id per request, the caller's when it sent a usable one.
      genReqId: (raw: { headers: IncomingMessage['headers'] }) => requestIdOf(raw.headers),
      // Errors the router raises before any route runs (a path parameter over maxParamLength, a
      // malformed %-escape) never reach Nest's filters: answer them in the same RFC shape.
      frameworkErrors: (error: { statusCode?: number }, _request: unknown, reply: unknown) => {
        const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
        const answer = oauthErrorResponse(appErrorOf({ statusCode: status, message: 'malformed request URL' }), options.realm);
        (reply as FastifyReply).status(answer.status).headers(answer.headers).send(answer.body);
      },
    }),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(new PinoNestLogger(logger));
  // Read once the app's ConfigModule has loaded .env / .env.example; a bad METRICS_PORT or
  // API_DOCS_ENABLED stops the app here, before it listens.
  const platform = httpPlatformConfig();
  app.useGlobalFilters(new AppExceptionFilter(app.getHttpAdapter(), options.realm));
  const issuerOrigin = options.docs ? new URL(options.docs.issuer(app)).origin : undefined;
  const pageHeaders = secureHeaders(secureHeaderPolicy(issuerOrigin ? [issuerOrigin] : []));
  // JSON answers need only these two; the rest of helmet's set is about documents (framing, CSP,
  // cross-origin isolation) and goes on HTML pages alone, so the token endpoint does not carry 15 headers.
  const apiHeaders = Object.freeze({
    'x-content-type-options': pageHeaders['x-content-type-options']!,
    'strict-transport-security': pageHeaders['strict-transport-security']!,
  });
  const pageHeaderEntries = Object.entries(pageHeaders);
  const fastify = app.getHttpAdapter().getInstance();
  const propagateRequestId = options.propagateRequestId === true;
  // One hook, first thing: the API's secure headers, the request id back to the caller, and (where
  // asked) the id for the calls made while serving it.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(apiHeaders);
    reply.header(REQUEST_ID_HEADER, request.id);
    if (propagateRequestId) runWithRequestId(request.id, done);
    else done();
  });
  // HTML pages (login, explorer, API docs) get helmet's whole set; a header the route set itself
  // (the login page's CSP) stays.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      for (const [name, value] of pageHeaderEntries) if (!reply.hasHeader(name)) reply.header(name, value);
    }
    done(null, payload);
  });
  registerAccessLog(fastify, logger);
  // Off in production unless API_DOCS_ENABLED=true: the document maps every route for anyone.
  if (options.docs && platform.apiDocsEnabled) setupApiDocs(app, options.docs);
  drainKeepAliveOnClose(app);
  // The spans of the last requests leave before the process does (a no-op with tracing off).
  fastify.addHook('onClose', () => flushTracing());
  // Once closed, end with process.exit rather than re-raising the signal (Nest's default): only then
  // does the 'exit' event run, where pino ends the readable format's worker thread after it has
  // written every line (test/faults/log-flush.drill.ts lost the last ~2 % of lines without it).
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  const origins = corsOrigins(process.env, options.servedAtIssuer);
  if (origins.length) app.enableCors(corsOptions(origins));
  if (flowTraceEnabled()) registerFlowTraceHooks(app, options.realm);
  registerMetrics(app, options.realm, options.libraryMetrics, platform);
  return app;
}

/**
 * Graceful shutdown: on close, Fastify stops accepting connections and waits for in-flight requests;
 * a keep-alive connection that was busy at that moment would then hold the close open until its
 * idle timeout. Responses sent while closing carry `Connection: close` so those sockets end with them.
 * A request still running after SHUTDOWN_GRACE_MS (a stalled download) is cut, so close always ends.
 * (The database pool and Redis close afterwards, in the modules' shutdown hooks.)
 */
function drainKeepAliveOnClose(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const graceMs = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
    setTimeout(() => fastify.server.closeAllConnections(), graceMs).unref();
  });
  // A callback hook, not an async one: it runs on every response.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
