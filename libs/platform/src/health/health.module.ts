import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { JwksHealthIndicator } from './jwks.health';
import { RedisHealthIndicator } from './redis.health';

/** /health/live and /health/ready for any of the apps (needs ConfigModule and TypeORM). */
@Module({
  // Failed checks are answered with their reasons; logging each failed probe would flood the logs.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [JwksHealthIndicator, RedisHealthIndicator],
})
export class HealthModule {}
