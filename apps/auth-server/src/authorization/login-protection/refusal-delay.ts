import { Injectable } from '@nestjs/common';

/** How long a refused sign-in is held before its answer; bounded so held answers cannot pile up. */
const HOLD_MS = 1_000;
const MAX_HELD = 10_000;

/**
 * Holds a refused sign-in (429 backoff, 429/503 from the hashing gate) for a second before
 * answering it. A refusal is cheap, so answered at once it invites a flood to loop on it as fast as
 * the event loop allows: 64 connections then keep the loop saturated with refusals, and a real
 * user's request waits behind them. Held for a second, each flooding connection costs about one
 * refusal per second, and the loop stays free. A held answer costs a timer and an open socket;
 * past MAX_HELD at once, refusals are answered straight away.
 */
@Injectable()
export class RefusalDelay {
  private held = 0;

  async hold(): Promise<void> {
    if (this.held >= MAX_HELD) return;
    this.held += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    } finally {
      this.held -= 1;
    }
  }
}
