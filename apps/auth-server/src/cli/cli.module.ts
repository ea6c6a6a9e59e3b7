import { Module } from '@nestjs/common';
import { AUTH_SERVER_CORE_IMPORTS } from '../auth-server.module';

/** The registry and keys without HTTP: what the operator CLI works on. */
@Module({ imports: AUTH_SERVER_CORE_IMPORTS })
export class AuthServerCliModule {}
