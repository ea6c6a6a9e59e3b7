import { OAuthExceptionFilter } from '@app/auth';
import { LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiDocsOptions, setupApiDocs } from './api-docs/api-docs';
import { secureHeaderPolicy, secureHeaders } from './secure-headers';

export interface HttpAppOptions {
  /** `realm` of WWW-Authenticate challenges. */
  realm: string;
  /** Largest accepted request body; OAuth requests are small. */
  bodyLimit?: number;
  logger?: LogLevel[] | false;
  /** OpenAPI document and UI at /docs, /docs-json. */
  docs?: ApiDocsOptions;
}


export function logLevels(): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const wanted = (process.env.LOG_LEVEL ?? 'log') as LogLevel;
  const index = order.indexOf(wanted);
  return order.slice(0, index < 0 ? 4 : index + 1);
}

/** A Nest app on Fastify with RFC-shaped errors everywhere, secure headers, API docs, shutdown hooks and bounded bodies. */
export async function createHttpApp(module: Type<unknown>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 32 * 1024, routerOptions: { maxParamLength: 256 } }),
    { logger: options.logger ?? logLevels(), bufferLogs: false, abortOnError: false },
  );
  app.useGlobalFilters(new OAuthExceptionFilter(options.realm));
  const issuerOrigin = options.docs ? new URL(options.docs.issuer(app)).origin : undefined;
  const headers = secureHeaders(secureHeaderPolicy(issuerOrigin ? [issuerOrigin] : []));
  // Set first thing, so a route may still replace one (the login page sets its own CSP).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  if (options.docs) setupApiDocs(app, options.docs);
  drainKeepAliveOnClose(app);
  app.enableShutdownHooks();
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
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
