import { Injectable } from '@nestjs/common';

/** How long a refused sign-in is held before its answer (0.5–1.5 s); bounded so held answers cannot pile up. */
const HOLD_MIN_MS = 500;
const HOLD_SPREAD_MS = 1_000;
const MAX_HELD = 10_000;

/**
 * Holds a refused sign-in (429 backoff, 429/503 from the hashing gate) for about a second before
 * answering it. A refusal is cheap, so answered at once it invites a flood to loop on it as fast as
 * the event loop allows: 64 connections then keep the loop saturated with refusals, and a real
 * user's request waits behind them. Held for about a second, each flooding connection costs about
 * one refusal per second, and the loop stays free. A held answer costs a timer and an open socket;
 * past MAX_HELD at once, refusals are answered straight away.
 */
@Injectable()
export class RefusalDelay {
  private held = 0;

  async hold(): Promise<void> {
    if (this.held >= MAX_HELD) return;
    this.held += 1;
    try {
      // Spread, so a flood's connections do not come back in step as one burst the loop must get through.
      await new Promise((resolve) => setTimeout(resolve, HOLD_MIN_MS + Math.random() * HOLD_SPREAD_MS));
    } finally {
      this.held -= 1;
    }
  }
}
