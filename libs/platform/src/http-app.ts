import { OAuthExceptionFilter, sendOAuthError, toOAuthError } from '@app/auth';
import { LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { corsOptions, corsOrigins } from './cors';
import { flowTraceEnabled, registerFlowTraceHooks } from './flow-trace-hooks';

export interface HttpAppOptions {
  /** `realm` of WWW-Authenticate challenges. */
  realm: string;
  /** Largest accepted request body; OAuth requests are small. */
  bodyLimit?: number;
  logger?: LogLevel[] | false;
}

export function logLevels(): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const wanted = (process.env.LOG_LEVEL ?? 'log') as LogLevel;
  const index = order.indexOf(wanted);
  return order.slice(0, index < 0 ? 4 : index + 1);
}

/**
 * A Nest app on Fastify with RFC-shaped errors everywhere, shutdown hooks, bounded bodies, CORS for
 * the configured origins and (outside production) the flow-trace hooks.
 */
export async function createHttpApp(module: Type<unknown>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: options.bodyLimit ?? 32 * 1024,
      routerOptions: { maxParamLength: 256 },
      // Errors the router raises before any route runs (a path parameter over maxParamLength, a
      // malformed %-escape) never reach Nest's filters: answer them in the same RFC shape.
      frameworkErrors: (error: { statusCode?: number }, _request: unknown, reply: unknown) => {
        const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
        sendOAuthError(reply as FastifyReply, toOAuthError({ statusCode: status, message: 'malformed request URL' }), options.realm);
      },
    }),
    { logger: options.logger ?? logLevels(), bufferLogs: false, abortOnError: false },
  );
  app.useGlobalFilters(new OAuthExceptionFilter(options.realm));
  app.enableShutdownHooks();
  const origins = corsOrigins();
  if (origins.length) app.enableCors(corsOptions(origins));
  if (flowTraceEnabled()) registerFlowTraceHooks(app, options.realm);
  return app;
}
