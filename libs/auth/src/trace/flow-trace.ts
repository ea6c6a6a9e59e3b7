import { AsyncLocalStorage } from 'node:async_hooks';
import { decodeJwtSegment } from '../jwt';
import { activeTraceId } from './active-span';

/** Request header that asks for a flow trace (development only), and the response header carrying it. */
export const FLOW_TRACE_HEADER = 'x-flow-trace';

/** What a service's guards required of a request and what they decided. */
export interface GuardDecision {
  requiredScopes: string[];
  requiredTokenKind?: string;
  decision: 'allow' | 'deny';
  /** Why a request was denied (the OAuth error and its description). */
  reason?: string;
  /** The verified caller, as the guard saw it (claims only). */
  caller?: { kind: string; sub: string; client_id: string; scope: string[]; /** A delegated token's actors, the current one first (RFC 8693 `act`). */ act?: string[] };
}

/** One call this service made to another with its own token. */
export interface DownstreamHop {
  target: string;
  /** The service token's decoded claims: never the token itself. */
  serviceTokenClaims: Record<string, unknown>;
  /** Whether the token came from the provider's cache or needed a token-endpoint request. */
  tokenSource: 'cache' | 'token-endpoint';
  status: number;
  /** The downstream service's own trace, when it returned one. */
  trace?: FlowTraceRecord;
}

export interface FlowTraceRecord {
  service: string;
  /** The OpenTelemetry trace id this service recorded the request under (when tracing is on). */
  traceId?: string;
  status?: number;
  guard?: GuardDecision;
  downstream: DownstreamHop[];
}

const storage = new AsyncLocalStorage<FlowTraceRecord>();

/**
 * A development-only record of one request's authorization decisions, so a learner can see each hop
 * (the flow explorer). Only claims, scopes and decisions go in: never a token, signature or secret.
 */
export const FlowTrace = {
  start(service: string): FlowTraceRecord {
    const traceId = activeTraceId();
    return traceId ? { service, traceId, downstream: [] } : { service, downstream: [] };
  },
  /** Runs `next` with `trace` as the current trace; what runs inside records into it. */
  run<T>(trace: FlowTraceRecord, next: () => T): T {
    return storage.run(trace, next);
  },
  current(): FlowTraceRecord | undefined {
    return storage.getStore();
  },
  recordGuard(decision: GuardDecision): void {
    const trace = storage.getStore();
    // The first denial wins; an allow by the authentication guard is completed by the scopes guard.
    if (trace && trace.guard?.decision !== 'deny') trace.guard = { ...trace.guard, ...decision };
  },
  encode(trace: FlowTraceRecord): string {
    return Buffer.from(JSON.stringify(trace)).toString('base64url');
  },
  decode(header: string | null | undefined): FlowTraceRecord | undefined {
    if (!header) return undefined;
    try {
      return JSON.parse(Buffer.from(header, 'base64url').toString()) as FlowTraceRecord;
    } catch {
      return undefined;
    }
  },
};

/** A JWT's payload, read without verification and without its signature (for display only). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  return decodeJwtSegment(token, 1) ?? {};
}
