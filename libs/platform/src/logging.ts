import { LoggerService, LogLevel } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { Logger as PinoInstance, LevelWithSilent } from 'pino';
import type { FastifyInstance } from 'fastify';
import { activeSpanIds, activeTraceId, tracingRegistered } from '@nest-oauth-m2m/auth';
import { colourEnabled } from './colour';
import { batchedStdout } from './stdout-lines';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Credentials and one-time values never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...['client_secret', 'password', 'code', 'code_verifier', 'refresh_token', 'client_assertion', 'access_token', 'token'].flatMap(
    (field) => [field, `*.${field}`, `req.body.${field}`],
  ),
];

const requestIds = new AsyncLocalStorage<string>();

const NEST_TO_PINO: Record<LogLevel, LevelWithSilent> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};
const ORDER: LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The most verbose of Nest's enabled levels, as pino's threshold; `false` silences the app. */
export function pinoLevel(levels: LogLevel[] | false): LevelWithSilent {
  if (levels === false || levels.length === 0) return 'silent';
  return levels.map((level) => NEST_TO_PINO[level]).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0]!;
}

/**
 * One JSON line per event in production; readable lines elsewhere (LOG_FORMAT=json forces JSON).
 *
 * JSON lines go to process.stdout, written synchronously once per turn of the event loop
 * (stdout-lines.ts: a line answered is written before the loop next waits, or at exit). The
 * readable format is built in pino-pretty's worker thread (a pino transport): inline, formatting
 * cost ~40 CPU-ms per 1,000 tokens more than JSON (issue 28), on the thread that serves requests.
 * Under test (NODE_ENV=test) it stays inline on process.stdout,
 * so an in-process test captures the lines it asserts on.
 */
export function createPinoLogger(service: string, levels: LogLevel[] | false, env: NodeJS.ProcessEnv = process.env): PinoInstance {
  const options = {
    level: pinoLevel(levels),
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Every line written while serving a request names it (and, with tracing on, its trace and span).
    mixin: tracingRegistered() ? traceMixin : requestIdMixin,
  };
  const pretty = env.NODE_ENV !== 'production' && env.LOG_FORMAT !== 'json';
  if (!pretty) return pino(options, batchedStdout());
  const prettyOptions = { sync: true, colorize: colourEnabled(process.stdout, env), ignore: 'pid,hostname', singleLine: true };
  if (env.NODE_ENV === 'test') {
    // Loaded only here: an app logging JSON (or through the worker) never loads pino-pretty itself.
    const PinoPretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino(options, PinoPretty({ ...prettyOptions, destination: process.stdout }));
  }
  // fd 1 from the worker, synchronously. At exit pino ends the worker once it has written every line
  // (http-app.ts ends a SIGTERM'd app with process.exit so that exit runs).
  return pino(options, pino.transport({ target: 'pino-pretty', options: { ...prettyOptions, destination: 1 } }));
}

function requestIdMixin(): { reqId?: string } {
  const reqId = requestIds.getStore();
  return reqId ? { reqId } : {};
}

/** The active span's ids, named as OpenTelemetry's log correlation names them (trace_id, span_id, trace_flags). */
function traceMixin(): Record<string, string> {
  const fields: Record<string, string> = requestIdMixin();
  const span = activeSpanIds();
  if (span) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
    fields.trace_flags = `0${span.traceFlags.toString(16)}`.slice(-2);
  }
  return fields;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The id a request is known by across the services: the caller's `x-request-id` when it is short and
 * plain, else (tracing on) the trace id the request is recorded under, else the trace id of a W3C
 * `traceparent`, else a new one.
 */
export function requestIdOf(headers: IncomingMessage['headers'], recordedUnder = activeTraceId()): string {
  const given = headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given;
  if (recordedUnder) return recordedUnder;
  const traceparent = headers.traceparent;
  const traceId = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
  return traceId && !/^0+$/.test(traceId) ? traceId : randomUUID();
}

/** Runs the rest of a request's handling with its id available to outgoing calls. */
export function runWithRequestId<T>(requestId: string, next: () => T): T {
  return requestIds.run(requestId, next);
}

/** Headers to forward on calls made while serving a request (service-to-service, token requests). */
export function propagatedHeaders(): Record<string, string> | undefined {
  const requestId = requestIds.getStore();
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : undefined;
}

/**
 * One access-log line per request (id, method, path, status, time): a Fastify hook on the app's
 * pino instance. pino-http's middleware (nestjs-pino's default) did the same through Nest's middleware
 * layer with two child loggers and an AsyncLocalStorage per request, ~100 µs of CPU per token request
 * (bench/README.md); this is a level check and, when enabled, one line.
 */
export function registerAccessLog(fastify: FastifyInstance, logger: PinoInstance): void {
  // The line is built here from fields that cannot hold a secret (a validated request id, the method,
  // the path without its query, status, time), so it skips the redaction every other line gets:
  // matching REDACTED_PATHS (wildcards included) costs ~13 µs a line, more than the rest of the line.
  const accessLog = logger.child({}, { redact: [] });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (accessLog.isLevelEnabled(level)) {
      accessLog[level](
        { reqId: request.id, req: { method: request.method, url: request.url.split('?')[0] }, res: { statusCode: status }, responseTime: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    done();
  });
}

/**
 * Nest's boot chatter, a line per module ("… dependencies initialized") and per route ("Mapped {…}"):
 * ~180 lines before `npm start`'s `ready:`. Debug (LOG_LEVEL=debug shows them), not info.
 */
export const NEST_BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Nest's logger interface on this app's pino instance: what the app and libs/auth log through
 * Nest's Logger becomes pino lines (with `context`, and the request id inside a request).
 * nestjs-pino's own Logger reads one pino root per process, which would give every app in a
 * process (the tests run three) the first app's name and level.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: PinoInstance) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write(NEST_BOOT_CONTEXTS.has(rest[rest.length - 1] as string) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, rest: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes the context last, and for errors a stack before it.
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = level === 'error' && rest.length === 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}
