import { createHttpApp, HttpAppOptions, resourceServerDocs } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UserServiceModule } from './user-service.module';

export function createUserService(options: Partial<HttpAppOptions> = {}): Promise<NestFastifyApplication> {
  return createHttpApp(UserServiceModule, {
    realm: 'user-service',
    libraryMetrics: ['guard-decisions', 'jwks'],
    docs: resourceServerDocs('user-service', 'User profiles for other services (service tokens: users:read to read, users:provision to create a profile just in time).'),
    ...options,
  });
}
