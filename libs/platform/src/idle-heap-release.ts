import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleHeapReleaseOptions {
  /** How often the event loop's busy share is read (ms). */
  checkEveryMs?: number;
  /** The busy share under which the app counts as idle over the last check. */
  idleBelow?: number;
  /** How much V8's committed heap must have grown since the last release for another one (bytes). */
  minGrowthBytes?: number;
}

export interface IdleHeapRelease {
  /** Releases so far (each one memory-reducing collection). */
  readonly releases: number;
  stop(): void;
}

type GcFunction = (options: { type: 'major'; execution: 'async'; flavor: 'last-resort' }) => Promise<void> | void;

/**
 * Gives V8's spare heap back to the system when the app has gone idle, as the JVM's G1 does with
 * its periodic collection (JEP 346), because V8's own memory reducer does not in these apps.
 *
 * After a burst of requests V8 keeps the heap it grew to: the auth-server after 10 s of token load
 * holds 69-71 MB of heap pages for 47 MB of live objects (Node 24), and keeps them. V8's memory
 * reducer is meant to shrink an idle heap, but `--trace-memory-reducer` shows it deciding "high alloc"
 * every 8 s for as long as the app stays idle: the allocation rate it judges by is sampled at garbage
 * collections, and an idle app runs none. So when the event loop was busy less than `idleBelow` of the
 * last check and the heap has grown by `minGrowthBytes` since the last release, this runs one
 * memory-reducing collection (V8's last-resort flavour: it compacts and unmaps the emptied pages).
 * Measured on the auth-server, Node 24 (bench/README.md, issue 28): RSS after its start 130 -> 118 MB,
 * after a token load 148-151 -> 121-123 MB; the collection takes 90-135 ms, once per idle spell, never
 * under load. Node 20's V8 has no last-resort flavour and runs an ordinary full collection instead.
 */
export function releaseHeapWhenIdle({ checkEveryMs = 1_000, idleBelow = 0.05, minGrowthBytes = 8 * 2 ** 20 }: IdleHeapReleaseOptions = {}): IdleHeapRelease {
  const gc = memoryReducingCollection();
  let releases = 0;
  let committedAfterRelease = 0;
  let releasing = false;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (releasing || busy >= idleBelow || getHeapStatistics().total_heap_size < committedAfterRelease + minGrowthBytes) return;
    releasing = true;
    void Promise.resolve(gc({ type: 'major', execution: 'async', flavor: 'last-resort' })).finally(() => {
      releases += 1;
      committedAfterRelease = getHeapStatistics().total_heap_size;
      releasing = false;
      // The collection itself kept the loop busy; the next check judges what came after it.
      last = performance.eventLoopUtilization();
    });
  }, checkEveryMs);
  timer.unref();
  return {
    get releases() {
      return releases;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * V8's `gc` function without exposing it to the app: `--expose-gc` is read when a context is created,
 * so it is switched on for one new context only (unless the process already runs with it).
 */
function memoryReducingCollection(): GcFunction {
  const exposed = (globalThis as { gc?: GcFunction }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as GcFunction;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
