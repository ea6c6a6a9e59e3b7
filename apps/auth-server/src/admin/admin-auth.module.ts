import { AuthModule } from '@nest-oauth-m2m/auth';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { authServerConfig } from '../config/auth-server.config';
import { KeysModule } from '../keys/keys.module';
import { SigningKeysService } from '../keys/signing-keys.service';
import { adminApiConfig } from './admin-api.config';

/**
 * libs/auth's resource-server guards on the auth-server itself, for the admin API: global and deny by
 * default, so every other controller says @Public(). Tokens are checked against the server's own
 * issuer, the admin audience, and the keys SigningKeysService holds in memory: never fetched over
 * HTTP, since ISSUER (a public URL) may not be reachable from inside the server's container.
 */
export const AdminAuthModule = AuthModule.forRootAsync({
  imports: [KeysModule, ConfigModule.forFeature(adminApiConfig)],
  inject: [SigningKeysService, authServerConfig.KEY, adminApiConfig.KEY],
  useFactory: (keys: SigningKeysService, server: ConfigType<typeof authServerConfig>, admin: ConfigType<typeof adminApiConfig>) => ({
    issuer: server.issuer,
    audience: admin.audience,
    realm: 'auth-server',
    jwksProvider: () => keys.publicJwks(),
    // As fresh as the service's own view of the key table (it re-reads it on that interval); an
    // unknown kid reads it again after a second, which costs no I/O.
    jwksCacheTtlMs: server.keyReloadIntervalSeconds * 1000,
    jwksCooldownMs: 1_000,
  }),
});
