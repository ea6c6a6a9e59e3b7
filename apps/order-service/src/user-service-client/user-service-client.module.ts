import { UserDirectoryModule } from '@app/user-directory';
import { Module } from '@nestjs/common';
import { orderServiceConfig } from '../config/order-service.config';
import { TokenStatsController } from '../debug/token-stats.controller';

/** user-service as a downstream API (libs/user-directory): order-service's own client-credentials token for api://user-service. */
@Module({
  imports: [UserDirectoryModule.forRoot(orderServiceConfig)],
  // The token provider lives here, so its (development-only) stats endpoint does too.
  controllers: process.env.NODE_ENV === 'production' ? [] : [TokenStatsController],
  exports: [UserDirectoryModule],
})
export class UserServiceClientModule {}
