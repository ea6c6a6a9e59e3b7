import type { AccessTokenClaims, Principal } from './principal';
import { VerifiedTokenCache } from './verified-token.cache';

const NOW = 1_800_000_000;

function principal(subject: string, exp = NOW + 600): Principal {
  return { kind: 'service', subject, clientId: subject, scopes: [], claims: { sub: subject, exp } as AccessTokenClaims };
}

/** A JWS-shaped token whose last 32 characters (the cache key) are `tail`. */
const token = (body: string, tail = 'S'.repeat(32)) => `eyJhbGciOiJFUzI1NiJ9.${body}.${tail}`;

describe('VerifiedTokenCache', () => {
  it('answers a token it holds, from an equal string that is not the same object', () => {
    const cache = new VerifiedTokenCache(10);
    const stored = token('payload-a');
    cache.set(stored, principal('a'));
    const presented = Buffer.from(`Bearer ${stored}`).toString('latin1').slice('Bearer '.length);
    expect(cache.get(presented, NOW)?.subject).toBe('a');
  });

  it('never answers a different token that shares the tail it is keyed by', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set(token('payload-a'), principal('a'));
    expect(cache.get(token('payload-b'), NOW)).toBeUndefined();
    // A one-character change anywhere before the tail is a different token too.
    expect(cache.get(token('payload-A'), NOW)).toBeUndefined();
    expect(cache.get(token('payload-a'), NOW)?.subject).toBe('a');
  });

  it('holds the later of two verified tokens that share a tail', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set(token('payload-a'), principal('a'));
    cache.set(token('payload-b'), principal('b'));
    expect(cache.size).toBe(1);
    expect(cache.get(token('payload-a'), NOW)).toBeUndefined();
    expect(cache.get(token('payload-b'), NOW)?.subject).toBe('b');
  });

  it('drops a token once it has expired', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set(token('payload-a'), principal('a', NOW + 5));
    expect(cache.get(token('payload-a'), NOW + 4)?.subject).toBe('a');
    expect(cache.get(token('payload-a'), NOW + 5)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, the oldest out first; setting a held token again makes it the newest', () => {
    const cache = new VerifiedTokenCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => token(name, name.repeat(32)));
    cache.set(a!, principal('a'));
    cache.set(b!, principal('b'));
    cache.set(a!, principal('a'));
    expect(cache.size).toBe(2);
    cache.set(c!, principal('c'));
    expect(cache.size).toBe(2);
    expect(cache.get(b!, NOW)).toBeUndefined();
    expect(cache.get(a!, NOW)?.subject).toBe('a');
    expect(cache.get(c!, NOW)?.subject).toBe('c');
  });

  it('holds nothing with maxEntries 0', () => {
    const cache = new VerifiedTokenCache(0);
    cache.set(token('payload-a'), principal('a'));
    expect(cache.size).toBe(0);
    expect(cache.get(token('payload-a'), NOW)).toBeUndefined();
  });
});
