import { createHttpApp } from '@app/platform';
import { Logger } from '@nestjs/common';
import { UserServiceModule } from './user-service.module';

async function main(): Promise<void> {
  const app = await createHttpApp(UserServiceModule, { realm: 'user-service' });
  const port = Number(process.env.USER_SERVICE_PORT ?? 3001);
  await app.listen(port, process.env.HOST ?? '0.0.0.0');
  new Logger('user-service').log(`ready on http://localhost:${port}`);
}

main().catch((error: Error) => {
  new Logger('user-service').fatal(`failed to start: ${error.message}`);
  process.exit(1);
});
