import { sign } from 'node:crypto';
import type { LoadedKey } from '../keys/signing-keys.service';

/**
 * The token endpoint's signing step: a compact JWS (RFC 7515 §7.1) over claims this server built,
 * with the key JwtService's key provider would hand jsonwebtoken for the same `kid`.
 *
 * Why not JwtService.sign here: per token, jsonwebtoken validates its options and the claims with
 * lodash checks, builds the header, and jws/jwa run the signature through streams and base64
 * conversions; under the token-endpoint load that was ~8 % of the auth-server's busy time on top of
 * the ECDSA signature itself (bench/README.md, issue 28). None of it applies to claims built in
 * AccessTokenService. JwtService still owns the key configuration (jwt-key-provider.ts) and every
 * verification; the output is the same token (the same header bytes, the same JSON payload), which
 * compact-jws.spec.ts checks against JwtService.
 */
export function signAccessTokenJws(key: LoadedKey, claims: object): string {
  const privateKey = key.privateKey;
  if (!privateKey) throw new Error(`no private key for kid ${key.kid}`);
  const input = `${encodedHeaderOf(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // ES256 signatures are r||s (RFC 7518 §3.4), not the DER node:crypto gives by default.
  const data = Buffer.from(input);
  const signature = key.alg === 'ES256' ? sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** The base64url header (`alg`, `typ: at+jwt`, `kid`, in jsonwebtoken's order), once per loaded key. */
const encodedHeaders = new WeakMap<LoadedKey, string>();

function encodedHeaderOf(key: LoadedKey): string {
  let encoded = encodedHeaders.get(key);
  if (encoded === undefined) {
    if (key.alg !== 'ES256' && key.alg !== 'RS256') throw new Error(`unsupported signing algorithm ${key.alg}`);
    encoded = Buffer.from(JSON.stringify({ alg: key.alg, typ: 'at+jwt', kid: key.kid })).toString('base64url');
    encodedHeaders.set(key, encoded);
  }
  return encoded;
}
