import './tracing';
import { resolveDatabaseUrl } from '@app/database';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createUserService } from './bootstrap';
import { UserServiceConfig } from './config/user-service.config';

async function main(): Promise<void> {
  const database = await resolveDatabaseUrl();
  const app = await createUserService();
  const config = app.get(ConfigService).getOrThrow<UserServiceConfig>('userService', { infer: true });
  await app.listen(config.port, config.host);
  new Logger('user-service').log(`ready on http://localhost:${config.port} (accepts tokens for ${config.auth.audience})`);
  app.getHttpServer().once('close', () => void database.stop());
}

main().catch((error: Error) => {
  new Logger('user-service').fatal(`failed to start: ${error.message}`);
  process.exit(1);
});
