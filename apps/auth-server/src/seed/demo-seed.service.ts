import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClientEntity } from '../clients/client.entity';
import { ClientRegistrationError, ClientsService } from '../clients/clients.service';
import { authServerConfig } from '../config/auth-server.config';

export const DEMO_CLIENT_ID = 'order-service';
export const USER_SERVICE_AUDIENCE = 'api://user-service';

/**
 * Outside production, creates the demo client once: `order-service`, allowed `users:read` on
 * user-service, with the secret from ORDER_SERVICE_CLIENT_SECRET (see .env.example).
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly clients: ClientsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData || !this.config.demoOrderServiceSecret) return;
    if (await this.dataSource.getRepository(ClientEntity).exists({ where: { clientId: DEMO_CLIENT_ID } })) return;
    try {
      await this.clients.create({
        clientId: DEMO_CLIENT_ID,
        name: 'Order service (demo)',
        scopes: ['users:read'],
        audiences: [USER_SERVICE_AUDIENCE],
        authMethod: 'client_secret_basic',
        secret: this.config.demoOrderServiceSecret,
      });
      this.logger.log(`seeded demo client "${DEMO_CLIENT_ID}" (secret from ORDER_SERVICE_CLIENT_SECRET)`);
    } catch (error) {
      // A replica starting at the same moment seeded it first.
      if (!(error instanceof ClientRegistrationError)) throw error;
    }
  }
}
