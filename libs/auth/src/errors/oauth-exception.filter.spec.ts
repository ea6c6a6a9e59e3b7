import { DownstreamUnavailable, TokenEndpointError, TokenEndpointUnavailable } from '../client/errors';
import { BadRequestException } from '@nestjs/common';
import { sendOAuthError, toOAuthError } from './oauth-exception.filter';
import { InvalidToken } from './oauth.errors';

describe('toOAuthError', () => {
  // Regression (fault drill c): with the auth-server down and its cached token used up, order-service
  // answered 500 server_error instead of 503 because token-acquisition errors were not mapped.
  it.each([
    ['token endpoint unreachable', new TokenEndpointUnavailable('connection', 'token endpoint unavailable: ECONNREFUSED')],
    ['token endpoint timed out', new TokenEndpointUnavailable('timeout', 'no answer within 3000 ms')],
    ['token endpoint refused the client', new TokenEndpointError({ status: 401, error: 'invalid_client' })],
    ['downstream unreachable', new DownstreamUnavailable('connection', 'http://users/users', 'unreachable')],
  ])('maps %s to 503 temporarily_unavailable', (_case, error) => {
    const mapped = toOAuthError(error);
    expect(mapped.status).toBe(503);
    expect(mapped.error).toBe('temporarily_unavailable');
    // Upstream details stay in the log, not in the answer.
    expect(mapped.description).not.toMatch(/ECONNREFUSED|invalid_client|http:/);
  });

  it('maps a PostgreSQL connection refusal to 503 and anything unknown to 500', () => {
    expect(toOAuthError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).status).toBe(503);
    expect(toOAuthError(new Error('boom')).status).toBe(500);
  });
});

describe('sendOAuthError', () => {
  /** Enough of a Fastify reply to capture what is sent. */
  const capture = () => {
    const sent: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
    const reply = {
      status(code: number) { sent.status = code; return reply; },
      headers(values: Record<string, string>) { Object.assign(sent.headers, values); return reply; },
      send(body: string) { sent.body = body; return reply; },
    };
    return { sent, reply: reply as unknown as Parameters<typeof sendOAuthError>[0] };
  };

  // Issue 10 finding 6: the challenge escaped '"' as '\"' and turned a tab into a space; RFC 6750 §3
  // allows neither '"' nor '\' in error_description at all.
  it('sends the same §5.2-clean error_description in the body and in WWW-Authenticate', () => {
    const { sent, reply } = capture();
    sendOAuthError(reply, new InvalidToken('alg "E\u00e9256"\tnot \\ accepted'), 'api');
    const description = "alg 'E?256' not ? accepted";
    expect(sent.status).toBe(401);
    expect(JSON.parse(sent.body!)).toEqual({ error: 'invalid_token', error_description: description });
    expect(sent.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", error_description="${description}"`);
  });

  it('answers framework errors (a Nest HttpException message) through the same sanitiser', () => {
    const { sent, reply } = capture();
    sendOAuthError(reply, toOAuthError(new BadRequestException('bad "value"\n')), 'api');
    expect(JSON.parse(sent.body!).error_description).toBe("bad 'value' ");
  });
});
