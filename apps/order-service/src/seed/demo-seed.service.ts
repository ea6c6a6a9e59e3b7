import { DEMO_ORDERS } from '@app/platform';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { orderServiceConfig } from '../config/order-service.config';

/** Re-exported where the order-service tests have always found it. */
export { DEMO_ORDERS };

@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(orderServiceConfig.KEY) private readonly config: ConfigType<typeof orderServiceConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    for (const order of DEMO_ORDERS) {
      await this.dataSource.query(
        `INSERT INTO orders (id, user_id, item, quantity) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [order.id, order.userId, order.item, order.quantity],
      );
    }
  }
}
