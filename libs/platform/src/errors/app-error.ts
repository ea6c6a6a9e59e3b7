import { OAuthError, ServerError, TemporarilyUnavailable } from '@nest-oauth-m2m/auth';
import { HttpException } from '@nestjs/common';

/**
 * The apps' fallback policy for errors that are not OAuth errors: framework and router errors,
 * database outages, bugs. (libs/auth renders its own errors; this decides everything else, once.)
 */

/** Generic RFC-style codes for framework errors that carry no OAuth error of their own. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'access_denied',
  404: 'not_found',
  405: 'invalid_request',
  408: 'request_timeout',
  413: 'invalid_request',
  415: 'invalid_request',
  429: 'too_many_requests',
  503: 'temporarily_unavailable',
};

/** An error answer with a status and code chosen here. */
class AppError extends OAuthError {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

/** PostgreSQL / driver failures that mean "the database is not reachable right now". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300'].includes(code)) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}

/** A 4xx framework error (Nest's HttpException, Fastify's body/content-type errors) as an RFC-shaped one. */
function clientError(status: number, description: string): OAuthError {
  // RFC 6749 §5.2 answers a malformed request (unsupported media type included) with 400.
  const sent = status === 415 ? 400 : status;
  return new AppError(sent, CODE_BY_STATUS[status] ?? 'invalid_request', description);
}

/** Any thrown value that is not an OAuth error, as the answer the apps give. */
export function appErrorOf(exception: unknown): OAuthError {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500) return new AppError(status, CODE_BY_STATUS[status] ?? 'server_error', 'the service cannot answer right now');
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : exception.message;
    return clientError(status, status === 413 ? 'request body too large' : message);
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string } | undefined;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const described = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body too large' : fastifyError.message;
    return clientError(fastifyError.statusCode, described ?? 'malformed request');
  }
  if (isDatabaseUnavailable(exception)) {
    return new TemporarilyUnavailable('the service is temporarily unavailable, retry shortly');
  }
  return new ServerError('unexpected error');
}
