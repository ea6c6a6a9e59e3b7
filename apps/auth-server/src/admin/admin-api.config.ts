import { registerAs } from '@nestjs/config';

export interface AdminApiConfig {
  /** Serve /admin/... (clients, users, resources over HTTP). */
  enabled: boolean;
  /** The `aud` an admin token must carry: a client needs this audience and the `admin` scope. */
  audience: string;
}

export const DEFAULT_ADMIN_AUDIENCE = 'api://auth-server-admin';

/**
 * ADMIN_API_ENABLED: on outside production unless `false`; in production only when `true` (it can
 * change every registration, so an operator turns it on knowingly). ADMIN_AUDIENCE: one URI, no spaces.
 */
export function adminApiSettings(env: NodeJS.ProcessEnv = process.env): AdminApiConfig {
  const production = env.NODE_ENV === 'production';
  const raw = env.ADMIN_API_ENABLED;
  if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'false') throw new Error('ADMIN_API_ENABLED must be true or false');
  const enabled = raw === undefined || raw === '' ? !production : raw === 'true';
  const audience = env.ADMIN_AUDIENCE || DEFAULT_ADMIN_AUDIENCE;
  if (/\s/.test(audience) || !URL.canParse(audience)) throw new Error('ADMIN_AUDIENCE must be an absolute URI without spaces');
  return { enabled, audience };
}

export const adminApiConfig = registerAs('adminApi', (): AdminApiConfig => adminApiSettings());
