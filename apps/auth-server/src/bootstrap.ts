import { createHttpApp, HttpAppOptions, metricsRegistry } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthServerModule } from './auth-server.module';
import { registerTokenMetrics } from './token/token-metrics';

export async function createAuthServer(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AuthServerModule, { realm: 'auth-server', ...options });
  registerTokenMetrics(app, metricsRegistry(app));
  return app;
}
