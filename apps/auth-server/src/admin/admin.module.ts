import { Module } from '@nestjs/common';

/** The admin HTTP API (/admin/...): registry operations for automation, guarded by AdminAuthModule. */
@Module({})
export class AdminModule {}
