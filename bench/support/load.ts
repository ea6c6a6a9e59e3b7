import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

export interface LoadRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /**
   * A fresh body for each request instead of `body` (taken synchronously, so pre-computed): for
   * credentials usable once, such as private_key_jwt assertions with their `jti`.
   */
  nextBody?: () => string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  failures: number;
  /** CPU time (user + system) the server process spent per 1,000 answered requests, when its pid is known. */
  cpuMsPer1000?: number;
}

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

function fire(request: LoadRequest, connections: number, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: request.url,
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    ...(request.nextBody ? { requests: [{ setupRequest: (sent: autocannon.Request) => ({ ...sent, body: request.nextBody!() }) }] } : {}),
    connections,
    duration: durationSeconds,
    timeout: 10,
  });
}

// /proc/<pid>/stat counts CPU in clock ticks; Linux's USER_HZ is 100 on every supported architecture.
const MS_PER_TICK = 10;

/** User + system CPU time a live process has used so far, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/**
 * A warm-up (discarded), then the measured run, both at the same concurrency. With `serverPid`, the
 * server's own CPU time over the measured run is reported per 1,000 answered requests: unlike req/s,
 * it does not depend on how much of the two cores the load generator took.
 */
export async function measure(request: LoadRequest, settings: LoadSettings, serverPid?: number): Promise<LoadResult> {
  if (settings.warmupSeconds > 0) await fire(request, settings.connections, settings.warmupSeconds);
  const cpuBefore = serverPid ? cpuTimeMs(serverPid) : 0;
  const result = await fire(request, settings.connections, settings.durationSeconds);
  const cpuMs = serverPid ? cpuTimeMs(serverPid) - cpuBefore : 0;
  const answered = result['2xx'];
  return {
    requestsPerSecond: Math.round(answered / settings.durationSeconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: answered + result.non2xx,
    failures: result.non2xx + result.errors + result.timeouts,
    ...(serverPid && answered ? { cpuMsPer1000: Math.round((cpuMs / answered) * 1000) } : {}),
  };
}

/** The middle value (the mean of the two middle ones, rounded, for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

/**
 * Several servers under the same load in alternating rounds: a warm-up of each, then `rounds` rounds
 * in which each server gets `durationSeconds / rounds` (after a second of the same load), the order rotating so each goes first as
 * often. On a shared machine whose speed drifts from minute to minute (single runs here have swung
 * ±30 %), each server meets the same minutes, so the ratios between them hold. Per server: the
 * medians of its rounds (req/s, latencies, CPU per 1,000), and the sums of requests and failures.
 */
export async function measureAlternating(targets: { request: LoadRequest; pid?: number }[], settings: LoadSettings, rounds: number): Promise<LoadResult[]> {
  if (settings.warmupSeconds > 0) {
    for (const { request } of targets) await fire(request, settings.connections, settings.warmupSeconds);
  }
  const roundSeconds = Math.max(1, Math.round(settings.durationSeconds / rounds));
  const results = targets.map((): LoadResult[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < targets.length; turn++) {
      const index = (round + turn) % targets.length;
      const { request, pid } = targets[index]!;
      // Each round opens its connections anew: a second of it first, discarded, keeps that burst out of its latencies.
      results[index]!.push(await measure(request, { ...settings, durationSeconds: roundSeconds, warmupSeconds: 1 }, pid));
    }
  }
  return results.map((own) => {
    const cpu = own.map((result) => result.cpuMsPer1000).filter((value): value is number => value !== undefined);
    return {
      requestsPerSecond: median(own.map((result) => result.requestsPerSecond)),
      p50Ms: median(own.map((result) => result.p50Ms)),
      p99Ms: median(own.map((result) => result.p99Ms)),
      requests: own.reduce((sum, result) => sum + result.requests, 0),
      failures: own.reduce((sum, result) => sum + result.failures, 0),
      ...(cpu.length ? { cpuMsPer1000: median(cpu) } : {}),
    };
  });
}
