import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { TrustedIssuersModule } from '../trusted-issuers/trusted-issuers.module';
import { ClientSecretBasicAuthenticator } from './authenticators/client-secret-basic.authenticator';
import { ClientSecretPostAuthenticator } from './authenticators/client-secret-post.authenticator';
import { FederatedJwtAuthenticator } from './authenticators/federated-jwt.authenticator';
import { PrivateKeyJwtAuthenticator } from './authenticators/private-key-jwt.authenticator';
import { PublicClientAuthenticator } from './authenticators/public-client.authenticator';
import { CLIENT_AUTHENTICATORS } from './client-authenticator';
import { ClientAuthenticationGuard } from './client-authentication.guard';
import { ClientSecretVerifier } from './client-secret.verifier';
import { ClientAuthThrottle } from './throttling/client-auth-throttle';
import { UsedClientAssertionEntity } from './used-assertion.entity';

/** The client authentication methods: one class each (ClientAuthenticator); a new one is added here. */
const AUTHENTICATORS = [ClientSecretBasicAuthenticator, ClientSecretPostAuthenticator, PrivateKeyJwtAuthenticator, FederatedJwtAuthenticator, PublicClientAuthenticator];

@Module({
  imports: [ClientsModule, TrustedIssuersModule, TypeOrmModule.forFeature([UsedClientAssertionEntity])],
  providers: [
    ClientAuthThrottle,
    ClientSecretVerifier,
    ...AUTHENTICATORS,
    { provide: CLIENT_AUTHENTICATORS, useFactory: (...authenticators: unknown[]) => authenticators, inject: AUTHENTICATORS },
    ClientAuthenticationGuard,
  ],
  // The guard is instantiated in each module whose routes use it: its dependencies go along.
  exports: [ClientsModule, TrustedIssuersModule, ClientAuthThrottle, CLIENT_AUTHENTICATORS, ClientAuthenticationGuard],
})
export class ClientAuthenticationModule {}
