import { DEMO_USERS } from '@app/platform';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { orderServiceConfig } from '../config/order-service.config';

/** Fixed ids so the demo and the docs can name them (alice's first order, bob's order). */
export const DEMO_ORDERS = [
  { id: '0a1b2c3d-0000-4000-8000-a11ce0000101', userId: DEMO_USERS.alice.id, item: 'Espresso beans, 1 kg', quantity: 2 },
  { id: '0a1b2c3d-0000-4000-8000-a11ce0000102', userId: DEMO_USERS.alice.id, item: 'Milk frother', quantity: 1 },
  { id: '0a1b2c3d-0000-4000-8000-b0b000000201', userId: DEMO_USERS.bob.id, item: 'Green tea, 100 bags', quantity: 3 },
] as const;

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
