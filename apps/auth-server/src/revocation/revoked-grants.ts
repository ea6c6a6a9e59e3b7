import type { EntityManager } from 'typeorm';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../config/auth-server.config';

/**
 * Revokes an end-user grant (a login: one refresh-token family) and, through the grant id that its
 * access tokens carry as `sid`, every access token issued from it (RFC 7009 §2.1, RFC 6749 §4.1.2,
 * RFC 9700 §4.14.2). Runs inside the caller's transaction, so the refresh tokens and the access
 * tokens are revoked together or not at all.
 *
 * The revoked_grants row is kept as long as the longest access token could still live (the largest
 * ACCESS_TOKEN_TTL the config allows), so a TTL changed between restarts cannot outlive it.
 */
export async function revokeGrant(manager: EntityManager, grantId: string, clientId: string): Promise<void> {
  await manager.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [grantId]);
  await manager.query(
    `INSERT INTO revoked_grants (grant_id, client_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (grant_id) DO UPDATE SET expires_at = GREATEST(revoked_grants.expires_at, EXCLUDED.expires_at)`,
    [grantId, clientId, MAX_ACCESS_TOKEN_TTL_SECONDS],
  );
  if (Math.random() < 0.01) await manager.query('DELETE FROM revoked_grants WHERE expires_at < now()');
}

/** Grant ids are UUIDs we made; anything else (never signed by us) is simply not a revoked grant. */
export const isGrantId = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
