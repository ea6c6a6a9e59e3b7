import './size-thread-pool';
import './tracing';
import '@app/platform/lazy-http-websocket';
import '@app/platform/lazy-nest-timestamps';
import { resolveDatabaseUrl } from '@app/database';
import { applyAppV8Settings, releaseStartHeapWhenIdle } from '@app/platform';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createAuthServer } from './bootstrap';
import { AuthServerConfig } from './config/auth-server.config';

async function main(): Promise<void> {
  applyAppV8Settings();
  const database = await resolveDatabaseUrl();
  const app = await createAuthServer();
  const config = app.get(ConfigService).getOrThrow<AuthServerConfig>('authServer', { infer: true });
  await app.listen(config.port, config.host);
  new Logger('auth-server').log(`ready on ${config.issuer} (token endpoint ${config.issuer}/oauth/token)`);
  // The heap the start left goes back to the system once the app first goes idle (issue 28).
  const heapRelease = releaseStartHeapWhenIdle();
  app.getHttpServer().once('close', () => {
    heapRelease.stop();
    void database.stop();
  });
}

main().catch((error: Error) => {
  new Logger('auth-server').fatal(`failed to start: ${error.message}`);
  process.exit(1);
});
