import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOrderService } from '../../apps/order-service/src/bootstrap';
import { freePort } from './ports';

export interface DelegatedOrderService {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * A second order-service beside startPlatform()'s, in this process, configured as that one is
 * (process.env, which the harness set) but with USER_LOOKUP=token_exchange: it carries a token
 * exchanged for the user it serves to user-service, where the first carries its own. The demo and
 * the flow explorer show the two side by side.
 */
export async function startDelegatedOrderService(port?: number): Promise<DelegatedOrderService> {
  const listenOn = port ?? (await freePort());
  const saved = { USER_LOOKUP: process.env.USER_LOOKUP, ORDER_SERVICE_PORT: process.env.ORDER_SERVICE_PORT };
  Object.assign(process.env, { USER_LOOKUP: 'token_exchange', ORDER_SERVICE_PORT: String(listenOn) });
  try {
    const app = await createOrderService({ logger: ['fatal'] });
    await app.listen(listenOn, '127.0.0.1');
    return { app, url: `http://127.0.0.1:${listenOn}`, close: () => app.close() };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
