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
 * Where the signature is computed is the signer's: SigningThread (signing-thread.ts) on the token
 * endpoint, libuv's thread pool (threadPoolSigner) where there is none.
 */
export function signAccessTokenJws(key: LoadedKey, claims: object, signer: JwsSigner = threadPoolSigner): Promise<string> {
  if (!key.privateKey) return Promise.reject(new Error(`no private key for kid ${key.kid}`));
  const input = `${encodedHeaderOf(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return signer.signature(key, input).then((signature) => `${input}.${signature}`);
}

/** Computes a JWS signature (base64url) over a signing input with a key that can sign. */
export interface JwsSigner {
  signature(key: LoadedKey, signingInput: string): Promise<string>;
}

/**
 * Each signature in libuv's thread pool (node:crypto's `sign` with a callback), off the event loop:
 * on the loop it was ~20 % of the auth-server's busy time (bench/README.md, "Signing off the event loop").
 */
export const threadPoolSigner: JwsSigner = {
  signature(key, signingInput) {
    const privateKey = key.privateKey;
    if (!privateKey) return Promise.reject(new Error(`no private key for kid ${key.kid}`));
    // ES256 signatures are r||s (RFC 7518 §3.4), not the DER node:crypto gives by default.
    const signingKey = key.alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
    return new Promise((resolve, reject) =>
      sign('sha256', Buffer.from(signingInput), signingKey, (error, signature) => (error ? reject(error) : resolve(signature.toString('base64url')))),
    );
  },
};

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
