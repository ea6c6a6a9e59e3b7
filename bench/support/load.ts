import autocannon from 'autocannon';

export interface LoadRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  failures: number;
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
    connections,
    duration: durationSeconds,
    timeout: 10,
  });
}

/** A warm-up (discarded), then the measured run, both at the same concurrency. */
export async function measure(request: LoadRequest, settings: LoadSettings): Promise<LoadResult> {
  if (settings.warmupSeconds > 0) await fire(request, settings.connections, settings.warmupSeconds);
  const result = await fire(request, settings.connections, settings.durationSeconds);
  const answered = result['2xx'];
  return {
    requestsPerSecond: Math.round(answered / settings.durationSeconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: answered + result.non2xx,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
