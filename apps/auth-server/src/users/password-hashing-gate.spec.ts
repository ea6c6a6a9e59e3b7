import { HashingRefused, PasswordHashingGate } from './password-hashing-gate';

function gate(loginProtection: { hashConcurrency: number; hashQueueLimit: number; hashPerAddress: number }) {
  return new PasswordHashingGate({ loginProtection } as never);
}

/** A hash that finishes when the test says so. */
function pendingWork() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const started = { value: false };
  return { work: () => ((started.value = true), done), finish, started };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PasswordHashingGate', () => {
  it('runs at most hashConcurrency hashes, and at most half of them for one address', async () => {
    const hashing = gate({ hashConcurrency: 4, hashQueueLimit: 10, hashPerAddress: 5 });
    const flood = Array.from({ length: 5 }, () => pendingWork());
    const runs = flood.map((w) => hashing.run('203.0.113.1', w.work));
    await tick();
    expect(flood.filter((w) => w.started.value)).toHaveLength(2);
    // Another address starts at once: the flooder cannot hold every slot.
    const other = pendingWork();
    const otherRun = hashing.run('198.51.100.1', other.work);
    await tick();
    expect(other.started.value).toBe(true);
    other.finish();
    for (const w of flood) w.finish();
    await Promise.all([...runs, otherRun]);
  });

  it("refuses at once: 429 past an address's places, 503 past the queue", async () => {
    const hashing = gate({ hashConcurrency: 2, hashQueueLimit: 2, hashPerAddress: 2 });
    const held = Array.from({ length: 2 }, () => pendingWork());
    const runs = held.map((w) => hashing.run('203.0.113.1', w.work));
    await expect(hashing.run('203.0.113.1', async () => 'x')).rejects.toEqual(expect.objectContaining({ status: 429, retryAfterSeconds: 1 }));
    // 203.0.113.1: one running, one waiting. Fill the rest: one runs, one more waits, then the queue is full.
    const others = [pendingWork(), pendingWork()];
    const otherRuns = [hashing.run('198.51.100.2', others[0]!.work), hashing.run('198.51.100.3', others[1]!.work)];
    const refused = await hashing.run('198.51.100.4', async () => 'x').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HashingRefused);
    expect((refused as HashingRefused).status).toBe(503);
    expect(hashing.stats).toEqual({ refusedPerAddress: 1, refusedBusy: 1 });
    for (const w of [...held, ...others]) w.finish();
    await Promise.all([...runs, ...otherRuns]);
  });

  it('gives a freed slot to waiting addresses in turn, not to the longest queue', async () => {
    const hashing = gate({ hashConcurrency: 1, hashQueueLimit: 10, hashPerAddress: 10 });
    const order: string[] = [];
    const job = (label: string) => async () => {
      order.push(label);
      await tick();
    };
    const runs = [
      hashing.run('a', job('a1')),
      hashing.run('a', job('a2')),
      hashing.run('a', job('a3')),
      hashing.run('b', job('b1')),
    ];
    await Promise.all(runs);
    expect(order).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('frees its slot when the work throws', async () => {
    const hashing = gate({ hashConcurrency: 1, hashQueueLimit: 0, hashPerAddress: 1 });
    await expect(hashing.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(hashing.run('a', async () => 'ok')).resolves.toBe('ok');
  });
});

describe('PasswordHashingGate with a flooding address', () => {
  it("runs a flooder's hashes only while nobody else hashes or waits", async () => {
    const hashing = gate({ hashConcurrency: 2, hashQueueLimit: 10, hashPerAddress: 2 });
    const first = pendingWork();
    const flooderRun = hashing.run('203.0.113.1', first.work);
    const queued = pendingWork();
    const queuedRun = hashing.run('203.0.113.1', queued.work);
    // A third from the same address is refused, which marks it as flooding.
    await expect(hashing.run('203.0.113.1', async () => 'x')).rejects.toBeInstanceOf(HashingRefused);
    const user = pendingWork();
    const userRun = hashing.run('198.51.100.1', user.work);
    await tick();
    expect(user.started.value).toBe(true);
    // The flooder's first hash ends; its next one waits while the user's runs, although slots are free.
    first.finish();
    await flooderRun;
    await tick();
    expect(queued.started.value).toBe(false);
    user.finish();
    await userRun;
    await tick();
    expect(queued.started.value).toBe(true);
    queued.finish();
    await queuedRun;
  });
});
