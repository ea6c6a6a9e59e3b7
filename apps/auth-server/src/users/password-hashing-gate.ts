import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authServerConfig } from '../config/auth-server.config';

/** A password check refused at once instead of queued: the sign-in page says when to retry. */
export class HashingRefused extends Error {
  constructor(
    /** 429: this address already holds its share of places; 503: the queue is full. */
    readonly status: 429 | 503,
    readonly retryAfterSeconds: number,
  ) {
    super(status === 429 ? 'too many sign-ins in progress from this address' : 'sign-in is busy');
  }
}

/** How long an address refused for holding too many places counts as flooding. */
const FLOODING_MEMORY_MS = 5_000;
const MAX_FLOODING = 10_000;

interface AddressState {
  /** Hashes running for this address. */
  running: number;
  /** Callers waiting for a slot, oldest first. */
  waiting: Array<() => void>;
  /** When this address last got a slot (a sequence number; 0: never). */
  servedAt: number;
}

/**
 * Bounded, fair concurrency for password hashing. scrypt is deliberately expensive (tens of ms of
 * a core and 16 MiB each), so an unbounded flood of sign-ins would queue every hash on libuv's
 * thread pool and make everyone, the real user included, wait seconds. Here:
 *
 * - at most `hashConcurrency` hashes run at once, and no address runs more than half of them
 *   (at least one), so a flood from one address always leaves a slot for everyone else;
 * - at most `hashQueueLimit` callers wait in all, and one address holds at most `hashPerAddress`
 *   places (running or waiting): a sign-in past that is refused at once (429, Retry-After), and
 *   one past the queue's end too (503, Retry-After), rather than waiting for seconds;
 * - a freed slot goes to the waiting address served longest ago (round robin), not to the longest
 *   queue.
 *
 * - an address refused for holding too many places counts as flooding for a few seconds: its
 *   hashes then run only while nobody else's run or wait, so they do not compete for the CPU
 *   with a real user's (in a container limited to one CPU they would double its time).
 *
 * So a sign-in from an address that is not flooding waits behind at most one hash per other
 * address, whatever one address sends.
 */
@Injectable()
export class PasswordHashingGate {
  private running = 0;
  private waitingCount = 0;
  private readonly addresses = new Map<string, AddressState>();
  private served = 0;
  /** Addresses refused for holding too many places lately, until when: their hashes run only when nobody else's do. */
  private readonly flooding = new Map<string, number>();
  private readonly maxRunningPerAddress: number;
  readonly stats = { refusedPerAddress: 0, refusedBusy: 0 };

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {
    this.maxRunningPerAddress = Math.max(1, Math.floor(config.loginProtection.hashConcurrency / 2));
  }

  /** Runs `work` when a hashing slot is free for this address, or throws HashingRefused straight away. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const { hashConcurrency, hashQueueLimit, hashPerAddress } = this.config.loginProtection;
    const state = this.addresses.get(address) ?? { running: 0, waiting: [], servedAt: 0 };
    const now = Date.now();
    if (state.running + state.waiting.length >= hashPerAddress) {
      this.stats.refusedPerAddress += 1;
      if (this.flooding.size >= MAX_FLOODING) this.flooding.clear();
      this.flooding.set(address, now + FLOODING_MEMORY_MS);
      throw new HashingRefused(429, 1);
    }
    const startsNow = this.mayStart(address, state, now);
    if (!startsNow && this.waitingCount >= hashQueueLimit) {
      this.stats.refusedBusy += 1;
      throw new HashingRefused(503, 1);
    }
    this.addresses.set(address, state);
    if (startsNow) {
      this.start(state);
    } else {
      this.waitingCount += 1;
      await new Promise<void>((start) => state.waiting.push(start));
    }
    try {
      return await work();
    } finally {
      this.running -= 1;
      state.running -= 1;
      this.dispatch();
      if (state.running === 0 && state.waiting.length === 0 && this.addresses.get(address) === state) this.addresses.delete(address);
    }
  }

  /**
   * Whether a hash for this address may start now: a free slot, the address under its share, and
   * for an address that was flooding lately, nobody else hashing or waiting. (With CPU limits, a
   * flooder's hash running next to a real user's would slow it down; this way it yields.)
   */
  private mayStart(address: string, state: AddressState, now: number): boolean {
    const { hashConcurrency } = this.config.loginProtection;
    if (this.running >= hashConcurrency || state.running >= this.maxRunningPerAddress) return false;
    return !this.isFlooding(address, now) || this.running === 0;
  }

  private isFlooding(address: string, now: number): boolean {
    const until = this.flooding.get(address);
    if (until === undefined) return false;
    if (until > now) return true;
    this.flooding.delete(address);
    return false;
  }

  /** Gives free slots to waiting addresses in turn: the one served longest ago first, flooders last. */
  private dispatch(): void {
    const { hashConcurrency } = this.config.loginProtection;
    const now = Date.now();
    while (this.running < hashConcurrency && this.waitingCount > 0) {
      let next: AddressState | undefined;
      let nextFlooding = true;
      for (const [address, state] of this.addresses) {
        if (!state.waiting.length || !this.mayStart(address, state, now)) continue;
        const flooding = this.isFlooding(address, now);
        if (!next || (nextFlooding && !flooding) || (nextFlooding === flooding && state.servedAt < next.servedAt)) {
          next = state;
          nextFlooding = flooding;
        }
      }
      if (!next) return;
      this.waitingCount -= 1;
      this.start(next);
      next.waiting.shift()!();
    }
  }

  private start(state: AddressState): void {
    this.running += 1;
    state.running += 1;
    state.servedAt = ++this.served;
  }
}
