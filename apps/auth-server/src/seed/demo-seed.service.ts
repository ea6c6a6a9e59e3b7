import { DEMO_USERS } from '@app/platform';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClientEntity } from '../clients/client.entity';
import { ClientRegistrationError, ClientsService, CreateClientInput } from '../clients/clients.service';
import { authServerConfig } from '../config/auth-server.config';
import { UsersService } from '../users/users.service';

export const DEMO_CLIENT_ID = 'order-service';
export const USER_SERVICE_AUDIENCE = 'api://user-service';
export const ORDER_SERVICE_AUDIENCE = 'api://order-service';

/**
 * Outside production, creates the demo data once (idempotent, safe for replicas starting together):
 * - `order-service`: confidential client, users:read on user-service, secret ORDER_SERVICE_CLIENT_SECRET;
 * - `reporting-service` (when REPORTING_SERVICE_CLIENT_SECRET is set): a client WITHOUT users:read;
 * - `demo-app`: public client for end-user login (authorization code + PKCE), loopback redirects;
 * - users alice and bob, passwords from ALICE_PASSWORD / BOB_PASSWORD.
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoData) return;
    if (this.config.demoOrderServiceSecret) {
      await this.ensureClient({
        clientId: DEMO_CLIENT_ID,
        name: 'Order service (demo)',
        scopes: ['users:read'],
        audiences: [USER_SERVICE_AUDIENCE],
        authMethod: 'client_secret_basic',
        secret: this.config.demoOrderServiceSecret,
      });
    }
    if (this.config.demoReportingServiceSecret) {
      await this.ensureClient({
        clientId: 'reporting-service',
        name: 'Reporting service (demo)',
        scopes: ['orders:read', 'reports:read'],
        audiences: [ORDER_SERVICE_AUDIENCE, USER_SERVICE_AUDIENCE],
        authMethod: 'client_secret_basic',
        secret: this.config.demoReportingServiceSecret,
      });
    }
    await this.ensureClient({
      clientId: 'demo-app',
      name: 'Demo app',
      scopes: ['orders:read', 'orders:write'],
      audiences: [ORDER_SERVICE_AUDIENCE],
      authMethod: 'none',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/callback', 'http://localhost:3000/explorer/callback'],
    });
    const passwords = this.config.demoUserPasswords;
    if (passwords) {
      await this.users.ensure({ ...DEMO_USERS.alice, password: passwords.alice });
      await this.users.ensure({ ...DEMO_USERS.bob, password: passwords.bob });
    }
  }

  private async ensureClient(input: CreateClientInput): Promise<void> {
    if (await this.dataSource.getRepository(ClientEntity).exists({ where: { clientId: input.clientId } })) return;
    try {
      await this.clients.create(input);
      this.logger.log(`seeded demo client "${input.clientId}"`);
    } catch (error) {
      // A replica starting at the same moment seeded it first.
      if (!(error instanceof ClientRegistrationError)) throw error;
    }
  }
}
