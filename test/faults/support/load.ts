import { Agent, request } from 'undici';

/** One finished request as the load generator saw it. */
export interface Outcome {
  at: number;
  status: number;
  /** RFC 6749 `error` member of a JSON error body, `timeout`, or `network`. */
  error?: string;
  latencyMs: number;
}

export interface LoadSummary {
  requests: number;
  byStatus: Record<string, number>;
  maxLatencyMs: number;
  p99LatencyMs: number;
  outcomes: Outcome[];
}

export interface RequestSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export type RequestFactory = () => RequestSpec;

/** One step of a load loop: usually one request, sometimes a chain (token, then the API). */
export type LoadStep = (send: (spec: RequestSpec) => Promise<Outcome & { body: string }>) => Promise<Outcome>;

/**
 * A small keep-alive load generator: `connections` loops, each sending its next request as soon as
 * the previous one answers. Every outcome is kept with its time so a drill can cut it into phases.
 */
export class LoadRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly outcomes: Outcome[] = [];
  private readonly agent: Agent;

  constructor(
    private readonly step: LoadStep | RequestFactory,
    private readonly connections: number,
    private readonly timeoutMs = 10_000,
    private readonly keepOutcomes = true,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 10_000, pipelining: 1 });
  }

  /** Counters kept even when outcomes are not (soak). */
  readonly counts = { requests: 0, byStatus: {} as Record<string, number>, maxLatencyMs: 0 };

  start(): this {
    this.running = true;
    this.loops = Array.from({ length: this.connections }, () => this.loop());
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.agent.close();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const outcome =
        this.step.length === 1 ? await (this.step as LoadStep)((spec) => this.send(spec)) : await this.send((this.step as RequestFactory)());
      // A refused connection answers at once: do not spin.
      if (outcome.status === 0) await new Promise((done) => setTimeout(done, 20));
      this.record(outcome);
    }
  }

  private async send(spec: RequestSpec): Promise<Outcome & { body: string }> {
    const startedAt = Date.now();
    {
      let outcome: Outcome & { body: string };
      try {
        const response = await request(spec.url, {
          method: spec.method ?? 'GET',
          headers: spec.headers,
          body: spec.body,
          dispatcher: this.agent,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        const text = await response.body.text();
        let error: string | undefined;
        if (response.statusCode >= 400) {
          try {
            error = (JSON.parse(text) as { error?: string }).error ?? 'no_error_member';
          } catch {
            error = 'not_json';
          }
        }
        outcome = { at: startedAt, status: response.statusCode, error, latencyMs: Date.now() - startedAt, body: text };
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        outcome = {
          at: startedAt,
          status: 0,
          error: /TIMEOUT/.test(code) ? 'timeout' : 'network',
          latencyMs: Date.now() - startedAt,
          body: '',
        };
      }
      return outcome;
    }
  }

  private record(outcome: Outcome): void {
    this.counts.requests++;
    const key = statusKey(outcome);
    this.counts.byStatus[key] = (this.counts.byStatus[key] ?? 0) + 1;
    this.counts.maxLatencyMs = Math.max(this.counts.maxLatencyMs, outcome.latencyMs);
    if (this.keepOutcomes) this.outcomes.push({ at: outcome.at, status: outcome.status, error: outcome.error, latencyMs: outcome.latencyMs });
  }
}

export function statusKey(outcome: Outcome): string {
  if (outcome.status === 0) return outcome.error!;
  return outcome.error ? `${outcome.status} ${outcome.error}` : String(outcome.status);
}

export function summarize(outcomes: Outcome[]): LoadSummary {
  const byStatus: Record<string, number> = {};
  for (const outcome of outcomes) byStatus[statusKey(outcome)] = (byStatus[statusKey(outcome)] ?? 0) + 1;
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    requests: outcomes.length,
    byStatus,
    maxLatencyMs: latencies.at(-1) ?? 0,
    p99LatencyMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    outcomes,
  };
}

export function between(outcomes: Outcome[], from: number, to = Infinity): Outcome[] {
  return outcomes.filter((o) => o.at >= from && o.at < to);
}

/** Printed by every drill so its figures land in the run's output (and RELIABILITY.md). */
export function report(drill: string, figures: Record<string, unknown>): void {
  process.stdout.write(`\nDRILL ${drill}\n${JSON.stringify(figures, null, 2)}\n`);
}

export function withoutOutcomes(summary: LoadSummary): Omit<LoadSummary, 'outcomes'> {
  const { outcomes: _outcomes, ...rest } = summary;
  return rest;
}
