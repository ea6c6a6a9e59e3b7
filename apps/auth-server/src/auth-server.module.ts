import { databaseConfig, DatabaseModule } from '@app/database';
import { envFilePaths, HealthModule } from '@app/platform';
import { Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminAuthModule } from './admin/admin-auth.module';
import { AdminApiConfig, adminApiSettings } from './admin/admin-api.config';
import { AdminModule } from './admin/admin.module';
import { AdminResourceModule } from './admin/admin-resource';
import { AuditModule } from './audit/audit.module';
import { ClientAuthenticationModule } from './client-authentication/client-authentication.module';
import { ClientsModule } from './clients/clients.module';
import { authServerConfig } from './config/auth-server.config';
import { DiscoveryModule } from './discovery/discovery.module';
import { ExplorerModule } from './explorer/explorer.module';
import { IntrospectionModule } from './introspection/introspection.module';
import { KeysModule } from './keys/keys.module';
import { ResourcesModule } from './resources/resources.module';
import { AUTH_SERVER_MIGRATIONS } from './migrations';
import { RevocationModule } from './revocation/revocation.module';
import { DemoSeedModule } from './seed/demo-seed.module';
import { TokenModule } from './token/token.module';
import { TrustedIssuersModule } from './trusted-issuers/trusted-issuers.module';

/** Everything but HTTP controllers' wiring is shared with the operator CLI. */
export const AUTH_SERVER_CORE_IMPORTS = [
  ConfigModule.forRoot({ isGlobal: true, cache: true, load: [authServerConfig, databaseConfig], envFilePath: envFilePaths() }),
  DatabaseModule.forRoot({ schema: 'auth', migrations: AUTH_SERVER_MIGRATIONS }),
  AuditModule,
  ClientsModule,
  KeysModule,
  ResourcesModule,
  TrustedIssuersModule,
];

@Module({
  imports: [
    ...AUTH_SERVER_CORE_IMPORTS,
    HealthModule,
    ClientAuthenticationModule,
    TokenModule,
    IntrospectionModule,
    RevocationModule,
    DiscoveryModule,
    DemoSeedModule,
    ExplorerModule,
    AdminAuthModule,
    AdminResourceModule,
  ],
})
export class AuthServerModule {}

/**
 * The HTTP app's root: AuthServerModule, and the admin API where ADMIN_API_ENABLED allows. Decided
 * when the app is created (its environment read), not when this file is imported.
 */
export function authServerRootModule(admin: AdminApiConfig = adminApiSettings()): Type<unknown> {
  @Module({ imports: [AuthServerModule, ...(admin.enabled ? [AdminModule] : [])] })
  class AuthServerRootModule {}
  return AuthServerRootModule;
}
