import { FLOW_TRACE_HEADER, FlowTrace, FlowTraceRecord } from '@nest-oauth-m2m/auth';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The flow trace is a teaching aid: never in production, and FLOW_TRACE=false turns it off elsewhere. */
export function flowTraceEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV !== 'production' && env.FLOW_TRACE !== 'false';
}

/**
 * A request sent with `X-Flow-Trace: 1` gets its authorization decisions (guards, downstream calls)
 * back in the `X-Flow-Trace` response header (base64url JSON; claims and decisions only).
 */
export function registerFlowTraceHooks(app: NestFastifyApplication, service: string): void {
  const fastify = app.getHttpAdapter().getInstance();
  const traces = new WeakMap<object, FlowTraceRecord>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.headers[FLOW_TRACE_HEADER] !== '1') return done();
    const trace = FlowTrace.start(service);
    traces.set(request, trace);
    // Everything after this hook (guards, handler, downstream calls) runs inside the trace's context.
    FlowTrace.run(trace, done);
  });
  // A callback hook, not an async one: it runs on every response, traced or not.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const trace = traces.get(request);
    if (trace) {
      trace.status = reply.statusCode;
      reply.header(FLOW_TRACE_HEADER, FlowTrace.encode(trace));
    }
    done(null, payload);
  });
}
