import type { Principal } from './principal';

/**
 * Tokens already verified, until they expire: a service seeing the same token many times (a
 * caller's cached client-credentials token) verifies its signature once. Bounded; oldest first out.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Principal>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowSeconds = Date.now() / 1000): Principal | undefined {
    const principal = this.entries.get(token);
    if (!principal) return undefined;
    if (principal.claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return principal;
  }

  set(token: string, principal: Principal): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: drop the oldest.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, principal);
  }

  get size(): number {
    return this.entries.size;
  }
}
