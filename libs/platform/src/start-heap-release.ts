import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface StartHeapReleaseOptions {
  /** How often the event loop's busy share is read until the release (ms). */
  checkEveryMs?: number;
  /** The busy share under which the app counts as idle over the last check. */
  idleBelow?: number;
}

export interface StartHeapRelease {
  /** Whether the release has run. */
  readonly released: boolean;
  stop(): void;
}

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Gives back to the system the V8 heap an app's start left behind, once, the first time its event
 * loop goes idle after the start (busy under `idleBelow` of a check).
 *
 * A start compiles thousands of modules and builds the app; V8 keeps the heap pages that took, and an
 * idle app runs no collection that would give them back (V8's memory reducer judges by an allocation
 * rate refreshed only by collections: `--trace-memory-reducer` says "high alloc" every 8 s for as
 * long as the app stays idle). One memory-reducing collection (V8's last-resort flavour) returns
 * them: the auth-server's RSS after its start 130 -> 116-119 MB on Node 24, and every later peak
 * starts from there (bench/README.md, issue 28). It takes 100-190 ms, once. Bytecode flushing is off
 * for its duration: a memory-reducing collection otherwise drops all compiled code, and the requests
 * served before it would be compiled again (the memory comes from the heap pages, not the code).
 *
 * Only once, not after every burst: a memory-reducing collection after a load (V8's own, or this
 * one) left the next burst paying 20-100 % more CPU per request for its first seconds (measured:
 * the heap and the young generation grow back, feedback is relearned).
 */
export function releaseStartHeapWhenIdle({ checkEveryMs = 1_000, idleBelow = 0.05 }: StartHeapReleaseOptions = {}): StartHeapRelease {
  let released = false;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy >= idleBelow) return;
    clearInterval(timer);
    memoryReducingCollection();
    released = true;
  }, checkEveryMs);
  timer.unref();
  return {
    get released() {
      return released;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The same collection, now: for a start about to take a large block outside the V8 heap. The
 * auth-server's demo seed calls it before its first password hash on a fresh database (scrypt, 16 MiB
 * each): the start's peak is then the heap the app keeps plus that block, not the heap plus the
 * garbage of loading and wiring the app (Node 24: 143 -> 125 MB; bench/README.md, issue 28).
 */
export function releaseStartHeapNow(): void {
  memoryReducingCollection();
}

/**
 * One memory-reducing collection through V8's `gc` function, without exposing it to the app:
 * `--expose-gc` is read when a context is created, so it is on for one new context only (unless the
 * process already runs with it). Node 20's V8 has no last-resort flavour and runs a full collection.
 */
function memoryReducingCollection(): void {
  let gc = (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== 'function') {
    setFlagsFromString('--expose-gc');
    try {
      gc = runInNewContext('gc') as GcFunction;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  setFlagsFromString('--no-flush-bytecode');
  try {
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } finally {
    setFlagsFromString('--flush-bytecode');
  }
}
