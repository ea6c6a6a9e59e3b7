import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authServerConfig } from '../config/auth-server.config';

/** A password check refused at once instead of queued: the sign-in page says when to retry. */
export class HashingRefused extends Error {
  constructor(
    /** 429: this address already has its share in flight; 503: the queue is full. */
    readonly status: 429 | 503,
    readonly retryAfterSeconds: number,
  ) {
    super(status === 429 ? 'too many sign-ins in progress from this address' : 'sign-in is busy');
  }
}

/**
 * Bounded concurrency for password hashing. scrypt is deliberately expensive (~30 ms of a core and
 * 32 MiB each), so an unbounded flood of sign-ins would queue every hash on libuv's thread pool and
 * make everyone, the real user included, wait seconds. Here at most `hashConcurrency` hashes run,
 * at most `hashQueueLimit` wait (first come, first served), and the rest are refused at once with
 * a Retry-After; one address may hold at most `hashPerAddress` of those places (running or
 * waiting), so one address's flood cannot fill the queue, and a sign-in from elsewhere waits
 * behind a handful of hashes at most.
 */
@Injectable()
export class PasswordHashingGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Places (running or waiting) each address holds. */
  private readonly held = new Map<string, number>();
  readonly stats = { refusedPerAddress: 0, refusedBusy: 0 };

  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {}

  /** Runs `work` when a hashing slot is free, or throws HashingRefused straight away. */
  async run<T>(address: string, work: () => Promise<T>): Promise<T> {
    const { hashConcurrency, hashQueueLimit, hashPerAddress } = this.config.loginProtection;
    const held = this.held.get(address) ?? 0;
    if (held >= hashPerAddress) {
      this.stats.refusedPerAddress += 1;
      throw new HashingRefused(429, 1);
    }
    if (this.running >= hashConcurrency && this.waiting.length >= hashQueueLimit) {
      this.stats.refusedBusy += 1;
      throw new HashingRefused(503, 1);
    }
    this.held.set(address, held + 1);
    try {
      if (this.running < hashConcurrency) this.running += 1;
      else await new Promise<void>((start) => this.waiting.push(start));
      return await work();
    } finally {
      this.release(address);
    }
  }

  private release(address: string): void {
    const held = (this.held.get(address) ?? 1) - 1;
    if (held > 0) this.held.set(address, held);
    else this.held.delete(address);
    // The slot passes straight to the next waiter (running stays the same), or is freed.
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
