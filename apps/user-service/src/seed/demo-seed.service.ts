import { DEMO_USERS } from '@app/platform';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { userServiceConfig } from '../config/user-service.config';

/** Outside production, the profiles of alice and bob (idempotent, safe for replicas starting together). */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(userServiceConfig.KEY) private readonly config: ConfigType<typeof userServiceConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    for (const user of Object.values(DEMO_USERS)) {
      await this.dataSource.query(
        `INSERT INTO user_profiles (id, username, display_name, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [user.id, user.username, user.displayName, user.email],
      );
    }
  }
}
