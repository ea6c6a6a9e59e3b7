import { hkdfSync } from 'node:crypto';

/**
 * A key of its own for one purpose (`label`), derived from a deployment secret with HKDF-SHA-256:
 * the sign-in page's CSRF tokens and the username hashes in security logs need a server-side key
 * that survives restarts and is the same on every replica, without a new secret to manage, and
 * learning one derived key tells nothing about the secret or the other keys.
 */
export function derivedKey(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'nest-oauth-m2m', label, 32));
}
