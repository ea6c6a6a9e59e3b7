import { Module } from '@nestjs/common';
import { AuthModule, ClientCredentialsModule } from '@nest-oauth-m2m/auth';
import { ThingsController } from './things.controller.js';

// The consumer app's whole auth setup: a guarded API (AuthModule) that also calls another service
// with its own client-credentials token (ClientCredentialsModule). Settings come from the environment
// the contract suite starts the app with.
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

@Module({
  imports: [
    AuthModule.forRoot({
      issuer: env('ISSUER'),
      audience: env('AUDIENCE'),
      // The suite rotates the issuer's keys and sends tokens that expired a second ago.
      jwksCooldownMs: 0,
      clockToleranceSeconds: 0,
    }),
    // No tokenEndpoint: discovered from the issuer's metadata. With CLIENT_ASSERTION_FILE (a workload
    // token the platform keeps in a file) the app has no secret: federated_jwt.
    ClientCredentialsModule.forRoot({
      issuer: env('ISSUER'),
      clientId: env('CLIENT_ID'),
      ...(process.env.CLIENT_ASSERTION_FILE
        ? { authMethod: 'federated_jwt' as const, assertionFile: process.env.CLIENT_ASSERTION_FILE }
        : { clientSecret: env('CLIENT_SECRET') }),
      scopes: ['things:read'],
      audience: env('AUDIENCE'),
    }),
  ],
  controllers: [ThingsController],
})
export class AppModule {}
