import { createHttpApp, HttpAppOptions } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UserServiceModule } from './user-service.module';

export function createUserService(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(UserServiceModule, { realm: 'user-service', ...options });
}
