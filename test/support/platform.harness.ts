import { LogLevel } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOrderService } from '../../apps/order-service/src/bootstrap';
import { createUserService } from '../../apps/user-service/src/bootstrap';
import { startAuthServer, StartOptions, TEST_DEMO_SECRET, TestAuthServer } from '../../apps/auth-server/test/support/auth-server.harness';
import { freePort } from './ports';

export interface TestService {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export interface TestPlatform {
  auth: TestAuthServer;
  users: TestService;
  orders: TestService;
  /** Token endpoint requests the auth-server has seen, by client_id (Basic or body). */
  tokenRequests: Map<string, number>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  auth?: StartOptions;
  /** Extra environment for the resource servers. */
  env?: Record<string, string>;
  /** order-service's port, when a test must know it before the auth-server starts (default: a free one). */
  ordersPort?: number;
  /** Runs before user-service listens (e.g. to add Fastify hooks). */
  beforeUsersListen?: (app: NestFastifyApplication) => void;
  /** Log levels of the resource servers (default fatal only); the auth-server's are in `auth`. */
  serviceLogger?: LogLevel[];
  /** Runs before order-service listens. */
  beforeOrdersListen?: (app: NestFastifyApplication) => void;
}

function clientIdOf(request: { headers: Record<string, unknown>; body?: unknown }): string {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Basic ')) {
    return decodeURIComponent(Buffer.from(authorization.slice(6), 'base64').toString().split(':')[0] ?? '');
  }
  return String((request.body as Record<string, unknown> | undefined)?.client_id ?? 'unknown');
}

async function startService(
  create: (options: { logger: false | LogLevel[] }) => Promise<NestFastifyApplication>,
  portVariable: string,
  env: Record<string, string>,
  beforeListen?: (app: NestFastifyApplication) => void,
  presetPort?: number,
  logger: LogLevel[] = ['fatal'],
): Promise<TestService> {
  const port = presetPort ?? (await freePort());
  Object.assign(process.env, env, { [portVariable]: String(port) });
  const app = await create({ logger });
  beforeListen?.(app);
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** auth-server, user-service and order-service, in this process, on one fresh PostgreSQL database. */
export async function startPlatform(options: PlatformOptions = {}): Promise<TestPlatform> {
  const tokenRequests = new Map<string, number>();
  const auth = await startAuthServer({
    ...options.auth,
    beforeListen: (app) => {
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('preHandler', async (request) => {
          if (request.url.startsWith('/oauth/token') && request.method === 'POST') {
            const clientId = clientIdOf(request as never);
            tokenRequests.set(clientId, (tokenRequests.get(clientId) ?? 0) + 1);
          }
        });
      options.auth?.beforeListen?.(app);
    },
  });
  const env = {
    ISSUER: auth.issuer,
    AUTH_SERVER_URL: auth.url,
    ORDER_SERVICE_CLIENT_SECRET: TEST_DEMO_SECRET,
    USER_SERVICE_TIMEOUT_MS: '1000',
    REDIS_URL: '',
    ...options.env,
  };
  const users = await startService(createUserService, 'USER_SERVICE_PORT', env, options.beforeUsersListen, undefined, options.serviceLogger);
  const orders = await startService(
    createOrderService,
    'ORDER_SERVICE_PORT',
    { ...env, USER_SERVICE_URL: users.url },
    options.beforeOrdersListen,
    options.ordersPort,
    options.serviceLogger,
  );
  let closed = false;
  return {
    auth,
    users,
    orders,
    tokenRequests,
    close: async () => {
      if (closed) return;
      closed = true;
      await orders.close().catch(() => undefined);
      await users.close().catch(() => undefined);
      await auth.close();
    },
  };
}
