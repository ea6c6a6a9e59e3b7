import type { HttpServer } from '@nestjs/common';
import { OAuthClientError } from '../client-credentials/errors';
import { errorDescription } from './error-description';
import { OAuthError, TemporarilyUnavailable } from './oauth.errors';
import { buildChallenge } from './www-authenticate';

/** An OAuth error as an HTTP answer, independent of the platform (Express, Fastify, a raw reply). */
export interface OAuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** RFC 6749 §5.2 / RFC 6750 §3 JSON body, serialised. */
  body: string;
}

/**
 * The errors this package answers for, as OAuthError; `undefined` for anything else (the app's own
 * errors stay the app's). This is the only translation: OAuthErrors are already what the client gets,
 * and a failure of another party (token endpoint, downstream service) is 503 for our caller, who
 * did nothing wrong and may retry. Upstream details stay in the log.
 */
export function oauthErrorOf(exception: unknown): OAuthError | undefined {
  if (exception instanceof OAuthError) return exception;
  if (exception instanceof OAuthClientError) {
    return new TemporarilyUnavailable('a service this one depends on is unavailable, retry shortly');
  }
  return undefined;
}

/**
 * Status, headers (`WWW-Authenticate`, `Cache-Control: no-store`) and body of an OAuth error. The body
 * and the challenge carry the same `error_description`, within the RFC 6749 §5.2 / RFC 6750 §3
 * character set (errorDescription: OAuthError already applies it; applied again here, for free on a
 * clean text, so that nothing rendered by the package can carry anything else).
 */
export function oauthErrorResponse(error: OAuthError, realm?: string): OAuthErrorResponse {
  const description = errorDescription(error.description);
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-type': 'application/json; charset=utf-8',
    ...error.headers,
  };
  if (error.challenge === 'Basic') {
    headers['www-authenticate'] = buildChallenge('Basic', { realm, charset: 'UTF-8' });
  } else if (error.challenge === 'Bearer') {
    // RFC 6750 §3.1: a request without credentials gets a challenge without error attributes.
    headers['www-authenticate'] = buildChallenge(
      'Bearer',
      error.omitChallengeError
        ? { realm }
        : { realm, error: error.error, error_description: description, ...error.challengeParams },
    );
  }
  return { status: error.status, headers, body: JSON.stringify({ error: error.error, error_description: description }) };
}

/**
 * Writes an OAuth error through Nest's HTTP adapter, so the same code answers on Express and on
 * Fastify (no platform API, no platform types).
 */
export function sendOAuthError(adapter: HttpServer, response: unknown, error: OAuthError, realm?: string): void {
  const { status, headers, body } = oauthErrorResponse(error, realm);
  for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
  adapter.reply(response, body, status);
}
