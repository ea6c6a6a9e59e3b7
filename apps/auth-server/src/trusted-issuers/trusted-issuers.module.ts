import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TrustedIssuerEntity } from './trusted-issuer.entity';
import { TrustedIssuerRegistry } from './trusted-issuer.registry';
import { TrustedIssuersService } from './trusted-issuers.service';

/** Workload identity issuers federated_jwt clients authenticate with (issue 30): registration, and the hot path's cache and keys. */
@Module({
  imports: [TypeOrmModule.forFeature([TrustedIssuerEntity])],
  providers: [TrustedIssuersService, TrustedIssuerRegistry],
  exports: [TrustedIssuersService, TrustedIssuerRegistry],
})
export class TrustedIssuersModule {}
