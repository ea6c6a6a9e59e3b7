import { OAuthExceptionFilter } from '@app/auth';
import { LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

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

/** A Nest app on Fastify with RFC-shaped errors everywhere, shutdown hooks and bounded bodies. */
export async function createHttpApp(module: Type<unknown>, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 32 * 1024, routerOptions: { maxParamLength: 256 } }),
    { logger: options.logger ?? logLevels(), bufferLogs: false, abortOnError: false },
  );
  app.useGlobalFilters(new OAuthExceptionFilter(options.realm));
  app.enableShutdownHooks();
  return app;
}
