import { ResourceServiceModule } from '@app/platform/service';
import { UserDirectoryModule } from '@app/user-directory';
import { Module } from '@nestjs/common';
import { __nameCamel__Config } from './config/__name__.config';
import { MeController } from './me/me.controller';
import { __NAME___MIGRATIONS } from './migrations';

@Module({
  imports: [
    // Config, its own schema (__schema__), /health, and AuthModule accepting tokens for api://__name__.
    ResourceServiceModule.forRoot({ config: __nameCamel__Config, schema: '__schema__', migrations: __NAME___MIGRATIONS }),
    // user-service, called with __name__'s own client-credentials token (as order-service calls it).
    UserDirectoryModule.forRoot(__nameCamel__Config),
  ],
  controllers: [MeController],
})
export class __Name__Module {}
