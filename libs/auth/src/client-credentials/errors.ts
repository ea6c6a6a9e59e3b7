/**
 * Errors of the client side (getting tokens, calling other services). They are not OAuthError:
 * those describe what *this* service answers, while these describe what another party answered,
 * so a failure here is a 502/503 for our own caller, never a copy of the upstream status.
 */
export abstract class OAuthClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface TokenEndpointErrorDetails {
  status: number;
  /** RFC 6749 §5.2 `error`, when the body carried one. */
  error?: string;
  errorDescription?: string;
  errorUri?: string;
  /** From a `Retry-After` header (seconds or HTTP date), in milliseconds. */
  retryAfterMs?: number;
}

/** The token endpoint answered, but not with a token (non-2xx; RFC 6749 §5.2 error body if any). */
export class TokenEndpointError extends OAuthClientError {
  readonly status: number;
  readonly error?: string;
  readonly errorDescription?: string;
  readonly errorUri?: string;
  readonly retryAfterMs?: number;

  constructor(details: TokenEndpointErrorDetails, message?: string) {
    super(message ?? describeTokenEndpointError(details));
    this.status = details.status;
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorUri = details.errorUri;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A 2xx whose body is not a usable RFC 6749 §5.1 Bearer token response. */
export class InvalidTokenResponse extends TokenEndpointError {
  constructor(status: number, reason: string) {
    super({ status }, `token endpoint returned an unusable token response (${status}): ${reason}`);
  }
}

/** The token endpoint could not be reached or did not answer in time. */
export class TokenEndpointUnavailable extends OAuthClientError {
  constructor(
    readonly reason: 'timeout' | 'connection',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ClientAssertionProblem = 'missing' | 'unreadable' | 'empty' | 'malformed' | 'expired';

/**
 * `federated_jwt`: the workload identity token file could not give a usable assertion (missing, empty,
 * not a JWT, or expired). Like the token endpoint being down, a 503 for our caller: the platform
 * rewrites the file, so a later call may succeed.
 */
export class ClientAssertionUnavailable extends OAuthClientError {
  constructor(
    readonly reason: ClientAssertionProblem,
    /** The file's path (never its content: it is a credential). */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A downstream service could not be reached, timed out, or sent an unreadable body: map it to 503. */
export class DownstreamUnavailable extends OAuthClientError {
  constructor(
    readonly reason: 'timeout' | 'connection' | 'invalid_response',
    /** Origin and path of the request (never the query string, which may carry data). */
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describeTokenEndpointError(details: TokenEndpointErrorDetails): string {
  const code = details.error ? ` ${details.error}` : '';
  const description = details.errorDescription ? `: ${clip(details.errorDescription)}` : '';
  return `token endpoint answered ${details.status}${code}${description}`;
}

/** Upstream text in our messages: one line, bounded. */
export function clip(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** "connect ECONNREFUSED 127.0.0.1:1" rather than undici's bare "fetch failed". */
export function describeNetworkError(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = e?.cause?.message ?? e?.cause?.code;
  return clip(cause ? `${e?.message ?? 'error'} (${cause})` : (e?.message ?? String(error)));
}
