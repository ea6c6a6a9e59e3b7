import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from './user.entity';
import { PasswordHashingGate } from './password-hashing-gate';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UsersService, PasswordHashingGate],
  exports: [UsersService, PasswordHashingGate],
})
export class UsersModule {}
