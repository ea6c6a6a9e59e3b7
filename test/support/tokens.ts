import { JwtService } from '@nestjs/jwt';
import { KeyObject, randomUUID, sign } from 'node:crypto';
import { SigningKeysService } from '../../apps/auth-server/src/keys/signing-keys.service';
import type { TestAuthServer } from '../../apps/auth-server/test/support/auth-server.harness';

export interface MintOptions {
  claims?: Record<string, unknown>;
  /** Replaces the JWS header entirely (attack cases). */
  header?: Record<string, unknown>;
}

/**
 * A token signed with the auth-server's real current key: for matrix and attack tests. With the real
 * header and well-typed time claims it is signed by the auth-server's own JwtService; a replaced
 * header (numeric alg, crit, b64, missing typ...) or a non-numeric `exp`/`iat`/`nbf` is something
 * jsonwebtoken refuses to produce (or rewrites), so those attack tokens are forged by hand.
 */
export function mintToken(auth: TestAuthServer, options: MintOptions = {}): string {
  const key = auth.app.get(SigningKeysService).signingKey();
  if (!key?.privateKey) throw new Error('no signing key');
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: auth.issuer,
    sub: 'order-service',
    aud: 'api://user-service',
    exp: now + 300,
    iat: now,
    jti: randomUUID(),
    client_id: 'order-service',
    scope: 'users:read',
    ...options.claims,
  };
  const numericTimes = ['exp', 'nbf'].every((name) => !(name in claims) || typeof claims[name] === 'number');
  // jsonwebtoken replaces a falsy iat with now.
  if (!options.header && numericTimes && Number.isFinite(claims.iat) && claims.iat !== 0) {
    return auth.app.get(JwtService, { strict: false }).sign(claims, key.signOptions);
  }
  return forgeCompactJws(options.header ?? { alg: key.alg, typ: 'at+jwt', kid: key.kid }, claims, key.privateKey, key.alg);
}

/** header.payload signed with the key's algorithm whatever the header says (ES256 as raw r||s, RFC 7518 §3.4). */
function forgeCompactJws(header: object, payload: object, key: KeyObject, alg: string): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
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
