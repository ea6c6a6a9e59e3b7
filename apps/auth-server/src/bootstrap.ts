import { createHttpApp, HttpAppOptions } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthServerModule } from './auth-server.module';

export function createAuthServer(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(AuthServerModule, { realm: 'auth-server', ...options });
}
