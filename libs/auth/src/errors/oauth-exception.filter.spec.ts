import { DownstreamUnavailable, TokenEndpointError, TokenEndpointUnavailable } from '../client/errors';
import { toOAuthError } from './oauth-exception.filter';

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
