import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { AuditActor } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { ResourcesService } from '../resources/resources.service';
import { adminApiConfig } from './admin-api.config';
import { ADMIN_AREA_SCOPES, ADMIN_SCOPE } from './admin-scope';

const REGISTRATION_ACTOR: AuditActor = { kind: 'seed', id: 'admin-api' };

/** The scopes the admin API defines: `admin` and one per area. */
export const ADMIN_API_SCOPES = [ADMIN_SCOPE, ...Object.values(ADMIN_AREA_SCOPES)];

/**
 * The admin API is a resource like any other: ADMIN_AUDIENCE with its scopes, so an automation client
 * is given it as a grant (`clients grant deployer --resource api://auth-server-admin --scopes admin`).
 * Registered at start where the admin API is served (idempotent, safe for replicas starting together);
 * an existing one gains the scopes it lacks and keeps the rest.
 */
@Injectable()
export class AdminResourceRegistration implements OnApplicationBootstrap {
  constructor(
    private readonly resources: ResourcesService,
    @Inject(adminApiConfig.KEY) private readonly adminApi: ConfigType<typeof adminApiConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const uri = this.adminApi.audience;
    try {
      await this.resources.create({ uri, name: 'auth-server admin API', scopes: ADMIN_API_SCOPES }, REGISTRATION_ACTOR);
    } catch (error) {
      if (!(error instanceof RegistrationError && error.reason === 'conflict')) throw error;
      const existing = (await this.resources.show(uri)).scopes;
      const missing = ADMIN_API_SCOPES.filter((scope) => !existing.includes(scope));
      if (missing.length) await this.resources.update(uri, { scopes: [...existing, ...missing] }, REGISTRATION_ACTOR);
    }
  }
}
