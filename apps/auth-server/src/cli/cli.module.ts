import { Module } from '@nestjs/common';
import { AUTH_SERVER_CORE_IMPORTS } from '../auth-server.module';
import { UsersModule } from '../users/users.module';

/** The registry (clients, users) and keys without HTTP: what the operator CLI works on. */
@Module({ imports: [...AUTH_SERVER_CORE_IMPORTS, UsersModule] })
export class AuthServerCliModule {}
