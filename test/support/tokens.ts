import { randomUUID } from 'node:crypto';
import { signCompact } from '../../apps/auth-server/src/keys/jws';
import { SigningKeysService } from '../../apps/auth-server/src/keys/signing-keys.service';
import type { TestAuthServer } from '../../apps/auth-server/test/support/auth-server.harness';

export interface MintOptions {
  claims?: Record<string, unknown>;
  /** Replaces the JWS header entirely (attack cases). */
  header?: Record<string, unknown>;
}

/** A token signed with the auth-server's real current key: for matrix and attack tests. */
export function mintToken(auth: TestAuthServer, options: MintOptions = {}): string {
  const key = auth.app.get(SigningKeysService).signingKey();
  if (!key?.privateKey) throw new Error('no signing key');
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify(options.header ?? { alg: key.alg, typ: 'at+jwt', kid: key.kid })).toString('base64url');
  return signCompact(
    header,
    {
      iss: auth.issuer,
      sub: 'order-service',
      aud: 'api://user-service',
      exp: now + 300,
      iat: now,
      jti: randomUUID(),
      client_id: 'order-service',
      scope: 'users:read',
      ...options.claims,
    },
    key.privateKey,
    key.alg,
  );
}

export function userToken(auth: TestAuthServer, userId: string, scope: string, claims: Record<string, unknown> = {}): string {
  return mintToken(auth, {
    claims: {
      sub: userId,
      client_id: 'demo-app',
      aud: 'api://order-service',
      scope,
      auth_time: Math.floor(Date.now() / 1000),
      ...claims,
    },
  });
}

export function serviceToken(auth: TestAuthServer, clientId: string, audience: string, scope: string): string {
  return mintToken(auth, { claims: { sub: clientId, client_id: clientId, aud: audience, scope } });
}
