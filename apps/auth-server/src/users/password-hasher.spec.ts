import { scryptSync } from 'node:crypto';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from './password-hasher';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and rejects others', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^scrypt\$16384\$8\$5\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(encoded).not.toContain('correct horse');
    await expect(verifyPassword('correct horse battery staple', encoded)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', encoded)).resolves.toBe(false);
    await expect(verifyPassword('', encoded)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('treats a damaged or tampered encoding as a mismatch instead of failing', async () => {
    const [scheme, , r, p, salt, hash] = (await hashPassword('pw')).split('$');
    const variants = [
      [scheme, 'abc', r, p, salt, hash], // N not a number
      [scheme, '1000', r, p, salt, hash], // N not a power of two
      [scheme, String(2 ** 30), r, p, salt, hash], // absurd cost
      [scheme, '32768', '0', p, salt, hash],
      [scheme, '32768', r, p, '', hash], // no salt
      [scheme, '32768', r, p, salt, 'c2hvcnQ'], // truncated hash
      [scheme, '32768', r, p, salt], // missing part
    ];
    for (const parts of variants) {
      await expect(verifyPassword('pw', parts.join('$'))).resolves.toBe(false);
    }
  });

  it('verifies a hash of the former parameters (N = 2^15, r = 8, p = 1) and asks for it to be replaced', async () => {
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('pw'.normalize('NFKC'), salt, 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const former = ['scrypt', 32_768, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    await expect(verifyPassword('pw', former)).resolves.toBe(true);
    await expect(verifyPassword('pw!', former)).resolves.toBe(false);
    expect(needsRehash(former)).toBe(true);
    expect(needsRehash(await hashPassword('pw'))).toBe(false);
    expect(needsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it('treats unknown encodings as a mismatch, and the dummy hash never matches', async () => {
    await expect(verifyPassword('x', 'bcrypt$whatever')).resolves.toBe(false);
    await expect(verifyPassword('', DUMMY_PASSWORD_HASH)).resolves.toBe(false);
    await expect(verifyPassword('password', DUMMY_PASSWORD_HASH)).resolves.toBe(false);
  });
});
