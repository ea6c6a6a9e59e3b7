import { Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';

/** Resource server shell; its routes and guards arrive with the order→user flow. */
@Module({ controllers: [HealthController] })
export class OrderServiceModule {}
