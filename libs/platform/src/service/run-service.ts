import { resolveDatabaseUrl } from '@app/database';
import { Logger } from '@nestjs/common';
import { ConfigFactoryKeyHost } from '@nestjs/config';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpAppOptions } from '../http-app';
import { resourceServerDocs } from '../api-docs';
import { releaseStartHeapWhenIdle } from '../start-heap-release';
import { applyAppV8Settings } from '../runtime';

/** What a service's `ready` line and listener need from its config namespace. */
export interface ListeningConfig {
  port: number;
  host: string;
  auth: { audience: string };
  /** Set by services that call user-service: the line says where. */
  userService?: { url: string };
}

/**
 * A service's main(): the app's V8 settings (applyAppV8Settings), its database (an embedded
 * PostgreSQL when DATABASE_URL is unset, stopped with the app), the app on its configured port and
 * host, one `ready on …` line, the heap its start left given back once it first goes idle (releaseStartHeapWhenIdle);
 * a failure to start is one fatal line and exit code 1.
 */
export function runService<T extends ListeningConfig>(
  name: string,
  createApp: () => Promise<NestFastifyApplication>,
  config: ConfigFactoryKeyHost<T>,
): Promise<void> {
  applyAppV8Settings();
  const logger = new Logger(name);
  const start = async () => {
    const database = await resolveDatabaseUrl();
    const app = await createApp();
    const { port, host, auth, userService } = app.get<string, T>(config.KEY);
    await app.listen(port, host);
    const calls = userService ? `; calls ${userService.url}` : '';
    logger.log(`ready on http://localhost:${port} (accepts tokens for ${auth.audience}${calls})`);
    const heapRelease = releaseStartHeapWhenIdle();
    app.getHttpServer().once('close', () => {
      heapRelease.stop();
      void database.stop();
    });
  };
  return start().catch((error: Error) => {
    logger.fatal(`failed to start: ${error.message}`);
    process.exit(1);
  });
}

/**
 * createHttpApp's options for a resource server that calls other services with its own token: its
 * request ids go along (to them and to the auth-server), and its token provider's counters are at /metrics.
 */
export function callingServiceAppOptions(name: string, description: string): HttpAppOptions {
  return {
    realm: name,
    propagateRequestId: true,
    libraryMetrics: ['guard-decisions', 'jwks', 'token-provider'],
    docs: resourceServerDocs(name, description),
  };
}
