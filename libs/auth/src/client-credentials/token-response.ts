import { decodeJwtSegment } from '../jwt';
import { clip, InvalidTokenResponse, TokenEndpointError } from './errors';
import type { CachedToken } from './token-cache';

/**
 * A 2xx token response (RFC 6749 §5.1) as the client keeps it, or InvalidTokenResponse. `expires_in`
 * is authoritative; without it (it is only RECOMMENDED) a JWT's `exp` is read, unverified, as a cache
 * hint; with neither the token is not reused (`expiresAt` = `obtainedAt`).
 */
export function parseTokenResponse(status: number, text: string, obtainedAt: number): CachedToken {
  const body = parseJsonObject(text);
  if (!body) throw new InvalidTokenResponse(status, 'body is not a JSON object');
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, scope } = body;
  if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidTokenResponse(status, 'no access_token');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw new InvalidTokenResponse(status, `token_type must be Bearer, got ${clip(String(tokenType), 40)}`);
  }
  let lifetimeMs: number;
  if (expiresIn !== undefined) {
    const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new InvalidTokenResponse(status, 'expires_in must be a positive number');
    }
    lifetimeMs = seconds * 1000;
  } else {
    const exp = jwtExp(accessToken);
    lifetimeMs = exp === undefined ? 0 : exp * 1000 - obtainedAt;
  }
  return {
    accessToken,
    tokenType: 'Bearer',
    obtainedAt,
    expiresAt: obtainedAt + Math.max(0, lifetimeMs),
    ...(typeof scope === 'string' ? { scope } : {}),
  };
}

/** A non-2xx answer of the token endpoint: its RFC 6749 §5.2 error body (if any) and Retry-After. */
export function tokenEndpointError(status: number, text: string, headers: Headers, now: number): TokenEndpointError {
  const body = parseJsonObject(text);
  return new TokenEndpointError({
    status,
    error: typeof body?.error === 'string' ? body.error : undefined,
    errorDescription: typeof body?.error_description === 'string' ? body.error_description : undefined,
    errorUri: typeof body?.error_uri === 'string' ? body.error_uri : undefined,
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), now),
  });
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3), in ms from now. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function jwtExp(token: string): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  const exp = decodeJwtSegment(token, 1)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
}
