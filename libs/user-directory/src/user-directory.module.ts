import { ClientCredentialsModule } from '@nest-oauth-m2m/auth';
import { propagatedHeaders } from '@app/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigFactoryKeyHost } from '@nestjs/config';
import { UserDirectory, USER_SERVICE_CALLER_CONFIG } from './user-directory.service';
import { USER_SERVICE_DELEGATED_SCOPES, UserServiceCallerConfig } from './user-service-caller.config';

/**
 * user-service as a downstream API: UserDirectory, called with the service's own client-credentials
 * token for api://user-service, or (`userLookup: 'token_exchange'`) with one exchanged
 * for the user's. Exports UserDirectory and the token providers (ClientCredentialsModule).
 */
@Module({})
export class UserDirectoryModule {
  /**
   * @param config the service's config namespace (its registerAs factory), a UserServiceCallerConfig.
   */
  static forRoot<T extends UserServiceCallerConfig>(config: ConfigFactoryKeyHost<T>): DynamicModule {
    return {
      module: UserDirectoryModule,
      imports: [
        ClientCredentialsModule.forRootAsync({
          inject: [config.KEY],
          // The request id of the request being served goes along, to user-service and the auth-server.
          useFactory: ({ client, userService, redisUrl }: T) => ({
            ...client,
            audience: userService.audience,
            redisUrl,
            timeoutMs: userService.timeoutMs,
            propagateHeaders: propagatedHeaders,
            // USER_LOOKUP=token_exchange: lookups on behalf of the user ask for no more than reading them.
            tokenExchange: { scopes: [...USER_SERVICE_DELEGATED_SCOPES] },
          }),
        }),
      ],
      providers: [{ provide: USER_SERVICE_CALLER_CONFIG, useExisting: config.KEY }, UserDirectory],
      exports: [UserDirectory, ClientCredentialsModule],
    };
  }
}
