import './tracing';
import { resolveDatabaseUrl } from '@app/database';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createOrderService } from './bootstrap';
import { OrderServiceConfig } from './config/order-service.config';

async function main(): Promise<void> {
  const database = await resolveDatabaseUrl();
  const app = await createOrderService();
  const config = app.get(ConfigService).getOrThrow<OrderServiceConfig>('orderService', { infer: true });
  await app.listen(config.port, config.host);
  new Logger('order-service').log(
    `ready on http://localhost:${config.port} (accepts tokens for ${config.auth.audience}; calls ${config.userService.url})`,
  );
  app.getHttpServer().once('close', () => void database.stop());
}

main().catch((error: Error) => {
  new Logger('order-service').fatal(`failed to start: ${error.message}`);
  process.exit(1);
});
