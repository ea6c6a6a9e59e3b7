import { ClientCredentialsModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OrderServiceConfig } from '../config/order-service.config';
import { UserDirectory } from './user-directory.service';

/** user-service as a downstream API: order-service's own client-credentials token for api://user-service. */
@Module({
  imports: [
    ClientCredentialsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const { client, userService, redisUrl } = config.getOrThrow<OrderServiceConfig>('orderService', { infer: true });
        return { ...client, audience: userService.audience, redisUrl, timeoutMs: userService.timeoutMs };
      },
    }),
  ],
  providers: [UserDirectory],
  exports: [UserDirectory],
})
export class UsersModule {}
