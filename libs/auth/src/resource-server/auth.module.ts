import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { OAuthErrorFilter } from '../errors/oauth-error.filter';
import { PassportModule } from '@nestjs/passport';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { BearerAuthGuard } from './bearer-auth.guard';
import { BEARER_STRATEGY_NAME, BearerTokenStrategy } from './bearer-token.strategy';
import { GuardDecisionStats } from './guard-decision.stats';
import { JwksKeyStore } from './jwks-key-store';
import { RevocationFeed } from './revocation-feed';
import { ScopesGuard } from './scopes.guard';

export interface AuthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: unknown[];
  useFactory: (...args: never[]) => ResourceServerAuthOptions | Promise<ResourceServerAuthOptions>;
}

/**
 * Resource-server authentication for a Nest app: verifies bearer JWTs against the issuer's JWKS and
 * registers two global guards, deny-by-default authentication then scope / token-kind checks.
 */
@Module({})
export class AuthModule {
  private static instances = 0;

  static forRoot(options: ResourceServerAuthOptions): DynamicModule {
    return AuthModule.build([{ provide: RESOURCE_SERVER_AUTH_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return AuthModule.build(
      [
        {
          provide: RESOURCE_SERVER_AUTH_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: options.useFactory,
        },
      ],
      options.imports ?? [],
    );
  }

  private static build(optionsProviders: Provider[], imports: ModuleMetadata['imports']): DynamicModule {
    // Each AuthModule's strategy under its own passport name (see BearerTokenStrategy).
    const strategyName = `oauth-bearer-${++AuthModule.instances}`;
    return {
      module: AuthModule,
      global: true,
      imports: [...(imports ?? []), PassportModule.register({ defaultStrategy: strategyName, session: false })],
      providers: [
        ...optionsProviders,
        { provide: BEARER_STRATEGY_NAME, useValue: strategyName },
        {
          provide: JwksKeyStore,
          inject: [RESOURCE_SERVER_AUTH_OPTIONS],
          useFactory: (options: ResourceServerAuthOptions) => new JwksKeyStore(options),
        },
        {
          provide: RevocationFeed,
          inject: [RESOURCE_SERVER_AUTH_OPTIONS],
          useFactory: ({ revocationFeed, authServerUrl, issuer }: ResourceServerAuthOptions) =>
            new RevocationFeed(
              revocationFeed && { ...revocationFeed, issuer, url: revocationFeed.url ?? `${(authServerUrl ?? issuer).replace(/\/+$/, '')}/oauth/revocations` },
            ),
        },
        BearerTokenStrategy,
        { provide: GuardDecisionStats, useValue: new GuardDecisionStats() },
        // The module renders its own errors (RFC 6750 status, body, WWW-Authenticate) on any platform.
        { provide: APP_FILTER, useClass: OAuthErrorFilter },
        // Order matters: authentication first, then scopes.
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_GUARD, useClass: ScopesGuard },
      ],
      exports: [RESOURCE_SERVER_AUTH_OPTIONS, JwksKeyStore, GuardDecisionStats, RevocationFeed],
    };
  }
}
