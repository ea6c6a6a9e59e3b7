import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt parameters: N = 2^14, r = 8, p = 5, one of the OWASP Password Storage Cheat Sheet's settings
 * (its equivalents of N = 2^17, r = 8, p = 1). A hash holds 128·N·r = 16 MiB while it runs; the five
 * lanes run one after another in that memory. Measured on the shared 2-vCPU VM (issue 28): 157 ms a
 * hash, against 147 ms and 32 MiB for the N = 2^15, r = 8, p = 1 used before (below OWASP's list).
 * An attacker's cost per guess (memory × time) is ~25 % higher; the server's peak per hash is half.
 * Stored hashes carry their parameters: older ones still verify and are re-hashed at the next sign-in.
 */
const N = 16_384;
const R = 8;
const P = 5;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/**
 * End-user passwords are human-chosen, so they get a slow, memory-hard hash (scrypt, from node:crypto:
 * no native addon). Encoded as `scrypt$N$r$p$salt$hash` so the parameters can be raised later.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** The parameters new hashes get (the login-flood drill times one hash of them). */
export const SCRYPT_PARAMETERS = Object.freeze({ N, r: R, p: P, maxmem: MAX_MEMORY });

/** Parameters a stored hash may carry: anything else (a damaged or tampered row) is a mismatch, not a crash. */
function acceptedParameters(n: number, r: number, p: number): boolean {
  const powerOfTwo = Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
  const sane = powerOfTwo && n >= 2 ** 14 && Number.isInteger(r) && r >= 1 && Number.isInteger(p) && p >= 1 && p <= P;
  // scrypt needs about 128·N·r bytes: refuse what would exceed the memory bound rather than throw.
  return sane && 128 * n * r < MAX_MEMORY;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts.map(String) as [string, string, string, string, string, string];
  if (!/^\d+$/.test(n) || !/^\d+$/.test(r) || !/^\d+$/.test(p) || !acceptedParameters(Number(n), Number(r), Number(p))) return false;
  const expected = Buffer.from(hash, 'base64url');
  const saltBytes = Buffer.from(salt, 'base64url');
  if (expected.length !== KEY_LENGTH || saltBytes.length < 16) return false;
  const actual = await derive(password, saltBytes, Number(n), Number(r), Number(p));
  return timingSafeEqual(actual, expected);
}

/** A stored hash made with other parameters than new hashes get: replace it once the password is known (at sign-in). */
export function needsRehash(encoded: string): boolean {
  const [scheme, n, r, p] = encoded.split('$');
  return scheme !== 'scrypt' || Number(n) !== N || Number(r) !== R || Number(p) !== P;
}

/** Verified against when the username is unknown, so the response time does not reveal which usernames exist. */
export const DUMMY_PASSWORD_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;
