import { createHttpApp } from '@app/platform';
import { Logger } from '@nestjs/common';
import { OrderServiceModule } from './order-service.module';

async function main(): Promise<void> {
  const app = await createHttpApp(OrderServiceModule, { realm: 'order-service' });
  const port = Number(process.env.ORDER_SERVICE_PORT ?? 3002);
  await app.listen(port, process.env.HOST ?? '0.0.0.0');
  new Logger('order-service').log(`ready on http://localhost:${port}`);
}

main().catch((error: Error) => {
  new Logger('order-service').fatal(`failed to start: ${error.message}`);
  process.exit(1);
});
