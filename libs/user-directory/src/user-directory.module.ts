import { ClientCredentialsModule } from '@nest-oauth-m2m/auth';
import { propagatedHeaders } from '@app/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigFactoryKeyHost } from '@nestjs/config';
import { UserDirectory, USER_SERVICE_CALLER_CONFIG } from './user-directory.service';
import { UserServiceCallerConfig } from './user-service-caller.config';

/**
 * user-service as a downstream API: UserDirectory, called with the service's own client-credentials
 * token for api://user-service. Exports UserDirectory and the token provider (ClientCredentialsModule).
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
          }),
        }),
      ],
      providers: [{ provide: USER_SERVICE_CALLER_CONFIG, useExisting: config.KEY }, UserDirectory],
      exports: [UserDirectory, ClientCredentialsModule],
    };
  }
}
