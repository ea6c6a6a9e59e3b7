import type { Principal } from './principal';

/**
 * Characters of a token that key its entry: the tail of a JWS is its signature, 32 characters are
 * 192 bits of it. The whole token is kept in the entry and a hit must equal it.
 */
const KEY_LENGTH = 32;

interface Entry {
  token: string;
  principal: Principal;
}

/**
 * Tokens already verified, until they expire: a service seeing the same token many times (a
 * caller's cached client-credentials token) verifies its signature once. Bounded; oldest first out.
 *
 * Keyed by the token's tail, not the whole token: the token comes from a new header string on
 * every request, and a Map keyed by it hashes all of its 500-900 characters on each lookup,
 * 0.7-1.3 µs, the largest part of what the guards cost a request (bench/README.md, "The token
 * endpoint on a quiet machine, and the guard's cost"). The tail
 * hashes in a fraction of that, and comparing the whole token is a memory compare. Tokens whose tails
 * collide only share a slot: a lookup that does not equal the entry's token is a miss.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowSeconds = Date.now() / 1000): Principal | undefined {
    const key = token.slice(-KEY_LENGTH);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (entry.principal.claims.exp <= nowSeconds) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal): void {
    if (this.maxEntries <= 0) return;
    const key = token.slice(-KEY_LENGTH);
    // A token in the slot already (or one sharing its tail) is replaced, not counted twice.
    if (!this.entries.delete(key) && this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: drop the oldest.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { token, principal });
  }

  get size(): number {
    return this.entries.size;
  }
}
