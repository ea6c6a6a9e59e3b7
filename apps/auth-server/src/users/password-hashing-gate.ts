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
 * a core and 32 MiB each), so an unbounded flood of sign-ins would queue every hash on libuv's
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
 * So a sign-in from an address that is not flooding waits behind at most one hash per other
 * address, whatever one address sends.
 */
@Injectable()
export class PasswordHashingGate {
  private running = 0;
  private waitingCount = 0;
  private readonly addresses = new Map<string, AddressState>();
  private served = 0;
  private readonly maxRunningPerAddress: number;
  readonly stats = { refusedPerAddress: 0, refusedBusy: 0 };

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {
    this.maxRunningPerAddress = Math.max(1, Math.floor(config.loginProtection.hashConcurrency / 2));
  }

  /** Runs `work` when a hashing slot is free for this address, or throws HashingRefused straight away. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const { hashConcurrency, hashQueueLimit, hashPerAddress } = this.config.loginProtection;
    const state = this.addresses.get(address) ?? { running: 0, waiting: [], servedAt: 0 };
    if (state.running + state.waiting.length >= hashPerAddress) {
      this.stats.refusedPerAddress += 1;
      throw new HashingRefused(429, 1);
    }
    const startsNow = this.running < hashConcurrency && state.running < this.maxRunningPerAddress;
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

  /** Gives free slots to waiting addresses in turn: the one served longest ago first. */
  private dispatch(): void {
    const { hashConcurrency } = this.config.loginProtection;
    while (this.running < hashConcurrency && this.waitingCount > 0) {
      let next: AddressState | undefined;
      for (const state of this.addresses.values()) {
        if (state.waiting.length && state.running < this.maxRunningPerAddress && (!next || state.servedAt < next.servedAt)) next = state;
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
