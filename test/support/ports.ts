import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports for servers a test starts later (an app whose URL another app needs at boot).
 *
 * A port the kernel handed out for `listen(0)` comes from the ephemeral range, the same range every
 * outgoing connection (HTTP clients, PostgreSQL pools) takes its local port from. Between choosing it
 * and listening on it, a busy suite's connection can take it: EADDRINUSE. So the ports come from below
 * that range, where the kernel never assigns one on its own; each jest worker draws from its own slice,
 * and a process never hands out the same port twice.
 */
const RANGE_START = 10_000;
const ATTEMPTS = 50;
const handedOut = new Set<number>();

function rangeEnd(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > RANGE_START + 2_000) return low;
  } catch {
    // Not Linux: macOS and Windows start their ephemeral range at 49152.
  }
  return 32_768;
}

function workerSlice(): [number, number] {
  const end = rangeEnd();
  const worker = Number(process.env.JEST_WORKER_ID ?? 0);
  const slices = 16;
  const size = Math.floor((end - RANGE_START) / slices);
  const start = RANGE_START + (worker % slices) * size;
  return [start, start + size];
}

/** This process's slice, read once. */
const [SLICE_START, SLICE_END] = workerSlice();

function listensOn(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port nothing listens on at `host` (loopback by default; '0.0.0.0' for ports docker publishes). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = SLICE_START + Math.floor(Math.random() * (SLICE_END - SLICE_START));
    if (handedOut.has(port)) continue;
    if (await listensOn(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  // The slice is crowded (another program's servers): the kernel's choice, as before.
  const port = await kernelPort(host);
  handedOut.add(port);
  return port;
}
