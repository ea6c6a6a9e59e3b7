import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthClientError } from '../client/errors';
import { OAuthError, ServerError, TemporarilyUnavailable } from './oauth.errors';
import { buildChallenge } from './www-authenticate';

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

/** PostgreSQL / driver failures that mean "the database is not reachable right now". */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } } | undefined;
  const code = e?.driverError?.code ?? e?.code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300'].includes(code)) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}

/** Any thrown value as an OAuthError: the single place that decides status and code. */
export function toOAuthError(exception: unknown): OAuthError {
  if (exception instanceof OAuthError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : exception.message;
    // RFC 6749 §5.2 answers a malformed request (unsupported media type included) with 400.
    const sent = status === 415 ? 400 : status;
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');
    return new (class extends OAuthError {
      readonly status = sent;
      readonly error = code;
    })(status === 413 ? 'request body too large' : message);
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string } | undefined;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode === 415 ? 400 : fastifyError.statusCode;
    const described = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body too large' : fastifyError.message;
    const error = new (class extends OAuthError {
      readonly status = status;
      readonly error = CODE_BY_STATUS[status] ?? 'invalid_request';
    })(described ?? 'malformed request');
    return error;
  }
  // Another party (token endpoint, downstream service) failed us: the caller may retry, it did nothing wrong.
  if (exception instanceof OAuthClientError) {
    return new TemporarilyUnavailable('a service this one depends on is unavailable, retry shortly');
  }
  if (isDatabaseUnavailable(exception)) {
    return new TemporarilyUnavailable('the service is temporarily unavailable, retry shortly');
  }
  return new ServerError('unexpected error');
}

/** Writes an OAuth error: RFC 6749 §5.2 / RFC 6750 §3 body, `WWW-Authenticate`, `Cache-Control: no-store`. */
export function sendOAuthError(reply: FastifyReply, error: OAuthError, realm: string): FastifyReply {
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-type': 'application/json; charset=utf-8',
    ...error.headers,
  };
  if (error.challenge === 'Basic') {
    headers['www-authenticate'] = buildChallenge('Basic', { realm, charset: 'UTF-8' });
  } else if (error.challenge === 'Bearer') {
    headers['www-authenticate'] = buildChallenge(
      'Bearer',
      error.omitChallengeError
        ? { realm }
        : { realm, error: error.error, error_description: error.description, ...error.challengeParams },
    );
  }
  return reply
    .status(error.status)
    .headers(headers)
    .send(JSON.stringify({ error: error.error, error_description: error.description }));
}

@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OAuthExceptionFilter.name);

  constructor(private readonly realm: string) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const error = toOAuthError(exception);
    if (error.status >= 500) {
      // Message and name only: a stack or driver error may quote request data.
      const e = exception as { name?: string; message?: string };
      this.logger.error(`${error.error}: ${e?.name ?? 'Error'}: ${e?.message ?? String(exception)}`);
    }
    sendOAuthError(host.switchToHttp().getResponse<FastifyReply>(), error, this.realm);
  }
}

