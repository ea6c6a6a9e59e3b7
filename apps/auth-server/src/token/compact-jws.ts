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
 *
 * The signature is computed in libuv's thread pool (node:crypto's `sign` with a callback), not on
 * the event loop: it was ~20 % of the auth-server's busy time there, and while one token is signed
 * the loop reads, routes and answers the next requests, on another core where there is one (what
 * jose's WebCrypto signing does for node-oidc-provider). Measured in issue 28 (bench/README.md,
 * "Signing off the event loop"): on Node 24, 1.36-1.49x node-oidc-provider's tokens/s before,
 * 1.52-1.99x after; CPU per token -10.9 % (median of four paired runs).
 */
export function signAccessTokenJws(key: LoadedKey, claims: object): Promise<string> {
  const privateKey = key.privateKey;
  if (!privateKey) return Promise.reject(new Error(`no private key for kid ${key.kid}`));
  const input = `${encodedHeaderOf(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // ES256 signatures are r||s (RFC 7518 §3.4), not the DER node:crypto gives by default.
  const signingKey = key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  return new Promise((resolve, reject) =>
    sign('sha256', Buffer.from(input), signingKey, (error, signature) => (error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`))),
  );
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
