import { ClientCredentialsModule } from '@nest-oauth-m2m/auth';
import { propagatedHeaders } from '@app/platform';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OrderServiceConfig } from '../config/order-service.config';
import { TokenStatsController } from '../debug/token-stats.controller';
import { UserDirectory } from './user-directory.service';

/** user-service as a downstream API: order-service's own client-credentials token for api://user-service. */
@Module({
  imports: [
    ClientCredentialsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { client, userService, redisUrl } = config.getOrThrow<OrderServiceConfig>('orderService', { infer: true });
        // The request id of the request being served goes along, to user-service and the auth-server.
        return { ...client, audience: userService.audience, redisUrl, timeoutMs: userService.timeoutMs, propagateHeaders: propagatedHeaders };
      },
    }),
  ],
  // The token provider lives in this module, so its (development-only) stats endpoint does too.
  controllers: process.env.NODE_ENV === 'production' ? [] : [TokenStatsController],
  providers: [UserDirectory],
  exports: [UserDirectory],
})
export class UserServiceClientModule {}
