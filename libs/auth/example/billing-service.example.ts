// The README's "A service outside this repository" snippet (under "Adding a service") is the region below, verbatim
// (readme-examples.e2e-spec.ts compiles it, runs it and checks the README still shows it).
import { ClientCredentialsModule, ServiceHttpClient } from '@nest-oauth-m2m/auth';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';

@Injectable()
export class UsersClient {
  constructor(
    private readonly http: ServiceHttpClient,
    private readonly config: ConfigService,
  ) {}

  /** user-service's answer for one user, with billing-service's own token. */
  find(id: string) {
    return this.http.request<{ id: string; readBy: string }>(`${this.config.getOrThrow<string>('USER_SERVICE_URL')}/users/${encodeURIComponent(id)}`);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    // #region calling-another-service
    ClientCredentialsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        issuer: config.getOrThrow('ISSUER'),   // its token_endpoint is discovered
        clientId: 'billing-service',
        clientSecret: config.getOrThrow('BILLING_SERVICE_CLIENT_SECRET'),
        scopes: ['users:read'],
        audience: 'api://user-service',
        redisUrl: process.env.REDIS_URL,   // optional: replicas share one token
      }),
    })
    // #endregion
  ],
  providers: [UsersClient],
})
export class BillingServiceModule {}
