import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthServerConfig } from '../config/auth-server.config';
import { ClientSecretHasher } from './client-secret.hasher';

// Calls through to the real comparison; lets the tests count and inspect comparisons.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const compare = jest.mocked(timingSafeEqual);

const PEPPER = 'unit-test-client-secret-pepper-0123456789';

function config(overrides: Partial<AuthServerConfig> = {}): AuthServerConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    issuer: 'http://127.0.0.1',
    accessTokenTtlSeconds: 900,
    refreshTokenAbsoluteTtlSeconds: 30 * 86_400,
    signingAlgorithm: 'ES256',
    keyEncryptionKey: 'unit-test-key-encryption-key-0123456789',
    clientSecretPepper: PEPPER,
    keyActivationDelaySeconds: 60,
    keyReloadIntervalSeconds: 30,
    clientCacheTtlMs: 5_000,
    signingThread: true,
    clientAuthThrottle: { clientLimit: 10, addressLimit: 50, windowSeconds: 60 },
    loginProtection: { failureLimit: 5, failureWindowSeconds: 900, hashConcurrency: 2, hashQueueLimit: 16, hashPerAddress: 2 },
    defaultAudience: 'api://default',
    seedDemoData: false,
    clientJwksAllowPrivateNetworks: false,
    federatedJwksCooldownMs: 30_000,
    production: false,
    ...overrides,
  };
}

describe('ClientSecretHasher', () => {
  const hasher = new ClientSecretHasher(config());

  beforeEach(() => compare.mockClear());

  describe('generate()', () => {
    it('makes 256-bit secrets: 43 base64url characters that decode to 32 bytes', () => {
      for (let i = 0; i < 50; i++) {
        const secret = hasher.generate();
        expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      }
    });

    it('never repeats itself', () => {
      const secrets = new Set(Array.from({ length: 200 }, () => hasher.generate()));
      expect(secrets.size).toBe(200);
    });
  });

  describe('hash()', () => {
    it('is HMAC-SHA-256 keyed with the pepper: 32 bytes, deterministic', () => {
      const expected = createHmac('sha256', PEPPER).update('some secret', 'utf8').digest();
      expect(hasher.hash('some secret')).toEqual(expected);
      expect(hasher.hash('some secret')).toHaveLength(32);
      expect(hasher.hash('some secret')).toEqual(hasher.hash('some secret'));
    });

    it('is not a plain (unkeyed) SHA-256 and depends on the pepper', () => {
      const unkeyed = createHash('sha256').update('some secret').digest();
      expect(hasher.hash('some secret')).not.toEqual(unkeyed);
      const otherPepper = new ClientSecretHasher(config({ clientSecretPepper: 'another-pepper-0123456789abcdef-xyz' }));
      expect(otherPepper.hash('some secret')).not.toEqual(hasher.hash('some secret'));
    });

    it('hashes the whole secret: no cut-off at 72 bytes as with bcrypt', () => {
      const long = 'x'.repeat(72);
      expect(hasher.hash(`${long}y`)).not.toEqual(hasher.hash(long));
      expect(hasher.hash(`${long}y`)).not.toEqual(hasher.hash(`${long}z`));
    });

    it('hashes UTF-8 text', () => {
      const expected = createHmac('sha256', PEPPER).update(Buffer.from('été', 'utf8')).digest();
      expect(hasher.hash('été')).toEqual(expected);
    });
  });

  describe('matchingIndex()', () => {
    const a = hasher.hash('secret-a');
    const b = hasher.hash('secret-b');
    const c = hasher.hash('secret-c');
    const wrong = hasher.hash('wrong');

    it('names the stored hash the presented one equals, whichever it is', () => {
      expect(hasher.matchingIndex(a, [a])).toBe(0);
      expect(hasher.matchingIndex(a, [a, b])).toBe(0);
      expect(hasher.matchingIndex(b, [a, b])).toBe(1);
    });

    it('finds a match beyond the default slot count', () => {
      expect(hasher.matchingIndex(c, [a, b, c])).toBe(2);
    });

    it('is -1 for a hash that is not stored, and for no stored hashes at all', () => {
      expect(hasher.matchingIndex(wrong, [a, b])).toBe(-1);
      expect(hasher.matchingIndex(wrong, [a])).toBe(-1);
      expect(hasher.matchingIndex(wrong, [])).toBe(-1);
      expect(hasher.matchingIndex(a, [])).toBe(-1);
    });

    it('never lets the padding dummy match, whatever is presented', () => {
      // Whatever the padding value is, a presented hash equal to it must not authenticate.
      expect(hasher.matchingIndex(wrong, [])).toBe(-1);
      expect(compare).toHaveBeenCalledTimes(2);
      const dummy = Buffer.from(compare.mock.calls[0]![0] as Uint8Array);
      expect(dummy).toHaveLength(32);
      expect(hasher.matchingIndex(dummy, [])).toBe(-1);
      expect(hasher.matchingIndex(dummy, [a])).toBe(-1);
    });

    it('pads to 2 slots: always compares at least twice, whether 0, 1 or 2 hashes are stored', () => {
      const comparisons = (stored: Buffer[], slots?: number) => {
        compare.mockClear();
        hasher.matchingIndex(wrong, stored, slots);
        return compare.mock.calls.length;
      };
      expect(comparisons([])).toBe(2);
      expect(comparisons([a])).toBe(2);
      expect(comparisons([a, b])).toBe(2);
      expect(comparisons([a, b, c])).toBe(3);
      expect(comparisons([a], 4)).toBe(4);
    });

    it('does not stop at the first match (every slot is compared)', () => {
      expect(hasher.matchingIndex(a, [a, b])).toBe(0);
      expect(compare).toHaveBeenCalledTimes(2);
      compare.mockClear();
      expect(hasher.matchingIndex(a, [a, b, c])).toBe(0);
      expect(compare).toHaveBeenCalledTimes(3);
    });
  });
});
