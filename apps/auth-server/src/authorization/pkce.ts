import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. A challenge (S256) has the same alphabet. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

/** An S256 challenge is base64url(SHA-256(verifier)): 43 characters. */
export function isValidS256Challenge(value: string): boolean {
  return /^[A-Za-z0-9\-_]{43}$/.test(value);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6, compared in constant time. */
export function verifyCodeVerifier(verifier: string, challenge: string): boolean {
  if (!isValidCodeVerifier(verifier)) return false;
  const computed = Buffer.from(s256(verifier));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
