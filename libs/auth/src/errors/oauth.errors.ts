/**
 * OAuth 2.0 errors as typed classes, in the manner of node-oidc-provider: each carries its
 * HTTP status and RFC error code, and the challenge scheme for `WWW-Authenticate` where one applies.
 * OAuthErrorFilter (registered by the modules) writes them as RFC-shaped responses, through
 * oauthErrorResponse, the one place that turns an error into status, body and `WWW-Authenticate`.
 */
import { errorDescription } from './error-description';

export type ChallengeScheme = 'Basic' | 'Bearer';

export abstract class OAuthError extends Error {
  abstract readonly status: number;
  abstract readonly error: string;
  /** Scheme of the `WWW-Authenticate` challenge to send, if any. */
  challenge?: ChallengeScheme;
  /** Extra auth-params for the challenge (e.g. `scope` for insufficient_scope). */
  challengeParams: Record<string, string> = {};
  /** Extra response headers (e.g. `Retry-After`, `Allow`). */
  headers: Record<string, string> = {};
  /** RFC 6750 §3.1: a request with no credentials gets a challenge without error attributes. */
  omitChallengeError = false;

  /** Always within the RFC 6749 §5.2 character set (see errorDescription): safe for bodies, challenges, redirects. */
  readonly description: string;

  constructor(description: string) {
    const safe = errorDescription(description);
    super(safe);
    this.description = safe;
    this.name = new.target.name;
  }
}

/** RFC 6749 §5.2 */
export class InvalidRequest extends OAuthError {
  readonly status = 400;
  readonly error = 'invalid_request';
}

/** RFC 6749 §5.2: 401, and a challenge when the client tried HTTP authentication. */
export class InvalidClient extends OAuthError {
  readonly status = 401;
  readonly error = 'invalid_client';
  constructor(description = 'client authentication failed', challenge?: ChallengeScheme) {
    super(description);
    this.challenge = challenge;
  }
}

export class InvalidGrant extends OAuthError {
  readonly status = 400;
  readonly error = 'invalid_grant';
}

export class UnauthorizedClient extends OAuthError {
  readonly status = 400;
  readonly error = 'unauthorized_client';
}

export class UnsupportedGrantType extends OAuthError {
  readonly status = 400;
  readonly error = 'unsupported_grant_type';
}

export class InvalidScope extends OAuthError {
  readonly status = 400;
  readonly error = 'invalid_scope';
}

/** RFC 8707 §2 */
export class InvalidTarget extends OAuthError {
  readonly status = 400;
  readonly error = 'invalid_target';
}

/** RFC 7009 §2.2.1 */
export class UnsupportedTokenType extends OAuthError {
  readonly status = 400;
  readonly error = 'unsupported_token_type';
}

export class TemporarilyUnavailable extends OAuthError {
  readonly status = 503;
  readonly error = 'temporarily_unavailable';
}

export class ServerError extends OAuthError {
  readonly status = 500;
  readonly error = 'server_error';
}

/** RFC 6750 §3.1 */
export class InvalidToken extends OAuthError {
  readonly status = 401;
  readonly error = 'invalid_token';
  override challenge: ChallengeScheme = 'Bearer';
}

/** RFC 6750 §3.1: names the scopes the resource needs. */
export class InsufficientScope extends OAuthError {
  readonly status = 403;
  readonly error = 'insufficient_scope';
  override challenge: ChallengeScheme = 'Bearer';
  constructor(description: string, requiredScopes: readonly string[]) {
    super(description);
    if (requiredScopes.length) this.challengeParams.scope = requiredScopes.join(' ');
  }
}

/**
 * Too many failed client authentications from this source: 429 with Retry-After. `slow_down` is the
 * registered token-endpoint error for "ask again later, less often" (RFC 8628 §3.5); `invalid_client`
 * would tell a legitimate client its credentials are wrong.
 */
export class SlowDown extends OAuthError {
  readonly status = 429;
  readonly error = 'slow_down';
  constructor(description: string, retryAfterSeconds: number) {
    super(description);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}
