import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authServerConfig } from '../../config/auth-server.config';

const MAX_BACKOFF_SECONDS = 900;
const MAX_KEYS = 100_000;

interface Attempts {
  failures: number;
  /** No password is evaluated for this account from this address before then. */
  blockedUntil: number;
  /** Forgotten after then (window since the last failure). */
  forgetAt: number;
}

/**
 * Limits password guessing per (account, address): from the `failureLimit`-th wrong password for
 * one username from one address, each further attempt from there must wait, 1 s, then 2, 4, … up
 * to 15 min, doubling with every failure; a success clears it. Attempts inside the wait are refused
 * without evaluating the password (429), so guessing alice's password from one address is slowed
 * to a trickle.
 *
 * Never per account alone: that is a lockout anyone can trigger, alice locked out by a stranger
 * from elsewhere. Never per address alone either: everyone behind one NAT would share the wait.
 * (Many addresses guessing one account are bounded by the hashing queue's capacity and visible in
 * the login events.) Keys are the caller's username hash and address; memory is bounded.
 * Per replica: with N replicas an attacker spreading attempts gets N times the limit.
 */
@Injectable()
export class LoginThrottle {
  private readonly attempts = new Map<string, Attempts>();

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {}

  /** Seconds to wait before a password may be tried for this account from this address (0: now). */
  waitSeconds(accountKey: string, address: string, now = Date.now()): number {
    const entry = this.current(`${accountKey}|${address}`, now);
    return entry && entry.blockedUntil > now ? Math.ceil((entry.blockedUntil - now) / 1000) : 0;
  }

  /** Records a wrong password; returns the wait now imposed (0 while under the limit). */
  failed(accountKey: string, address: string, now = Date.now()): number {
    const key = `${accountKey}|${address}`;
    const { failureLimit, failureWindowSeconds } = this.config.loginProtection;
    let entry = this.current(key, now);
    if (!entry) {
      if (this.attempts.size >= MAX_KEYS) this.evict(now);
      entry = { failures: 0, blockedUntil: 0, forgetAt: 0 };
      this.attempts.set(key, entry);
    }
    entry.failures += 1;
    // The limit-th failure starts the wait: 1 s, then 2, 4, … with each further one.
    const over = entry.failures - failureLimit;
    const wait = over >= 0 ? Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(over, 16)) : 0;
    entry.blockedUntil = now + wait * 1000;
    entry.forgetAt = Math.max(now + failureWindowSeconds * 1000, entry.blockedUntil);
    return wait;
  }

  succeeded(accountKey: string, address: string): void {
    this.attempts.delete(`${accountKey}|${address}`);
  }

  private current(key: string, now: number): Attempts | undefined {
    const entry = this.attempts.get(key);
    if (entry && entry.forgetAt <= now) {
      this.attempts.delete(key);
      return undefined;
    }
    return entry;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.attempts) if (entry.forgetAt <= now) this.attempts.delete(key);
    // Still full: the oldest insertions go (Map keeps insertion order).
    for (const key of this.attempts.keys()) {
      if (this.attempts.size < MAX_KEYS) break;
      this.attempts.delete(key);
    }
  }
}
