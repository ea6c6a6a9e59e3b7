import type { ExecutionContext } from '@nestjs/common';
import { traceGuardDecision } from './guard-decision.span';
import { httpRequestOf } from './http-request';

export type GuardOutcome = 'allowed' | 'public' | 'missing_token' | 'invalid_token' | 'invalid_request' | 'insufficient_scope';

export interface GuardDecisionCount {
  method: string;
  route: string;
  outcome: GuardOutcome;
  count: number;
}

/**
 * What the resource-server guards decided, by route template and outcome: plain counters for a
 * metrics exporter to read at scrape time (this library stays free of any metrics client).
 * Route templates (`/orders/:id`), never raw URLs, so the label set stays bounded. Each decision is
 * recorded here exactly once, so it is also where it becomes a span (when tracing is on).
 */
export class GuardDecisionStats {
  private readonly counts = new Map<string, Map<string, Partial<Record<GuardOutcome, number>>>>();

  /** `denial`: the OAuth error (or its description) that refused the request, for the span. */
  record(context: ExecutionContext, outcome: GuardOutcome, denial?: unknown): void {
    traceGuardDecision(context, outcome, denial);
    const request = httpRequestOf<{ method?: string; routeOptions?: { url?: string }; route?: { path?: string } }>(context);
    const method = request.method ?? 'UNKNOWN';
    const route = request.routeOptions?.url ?? request.route?.path ?? 'unknown';
    let byRoute = this.counts.get(method);
    if (!byRoute) this.counts.set(method, (byRoute = new Map()));
    let outcomes = byRoute.get(route);
    if (!outcomes) byRoute.set(route, (outcomes = {}));
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }

  snapshot(): GuardDecisionCount[] {
    const result: GuardDecisionCount[] = [];
    for (const [method, byRoute] of this.counts) {
      for (const [route, outcomes] of byRoute) {
        for (const [outcome, count] of Object.entries(outcomes)) result.push({ method, route, outcome: outcome as GuardOutcome, count: count! });
      }
    }
    return result;
  }
}
