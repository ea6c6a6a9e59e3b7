import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import type { JWK } from 'jose';

/** Compact JWS with node:crypto: no allocation-heavy library on the token endpoint's hot path. */
export function signCompact(encodedHeader: string, payload: object, key: KeyObject, alg: string): string {
  const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(signingInput), signingOptions(key, alg));
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function verifyCompact(token: string, key: KeyObject, alg: string): boolean {
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return verify('sha256', Buffer.from(token.slice(0, lastDot)), signingOptions(key, alg), signature);
}

function signingOptions(key: KeyObject, alg: string) {
  // JWS ES256 signatures are raw r||s (RFC 7518 §3.4), not DER.
  return alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
}

/** RFC 7638 JWK thumbprint, used as `kid`. */
export function jwkThumbprint(jwk: JWK): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'RSA'
        ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function publicJwkOf(key: KeyObject): JWK {
  return createPublicKey(key).export({ format: 'jwk' }) as JWK;
}
