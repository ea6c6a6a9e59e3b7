import { DownstreamUnavailable, oauthErrorOf, oauthErrorResponse, TokenEndpointError, TokenEndpointUnavailable } from '@nest-oauth-m2m/auth';
import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { appErrorOf } from './app-error';

describe('the apps\' error policy', () => {
  // Regression (fault drill c): with the auth-server down and its cached token used up, order-service
  // answered 500 server_error instead of 503 because token-acquisition errors were not mapped.
  it.each([
    ['token endpoint unreachable', new TokenEndpointUnavailable('connection', 'token endpoint unavailable: ECONNREFUSED')],
    ['token endpoint timed out', new TokenEndpointUnavailable('timeout', 'no answer within 3000 ms')],
    ['token endpoint refused the client', new TokenEndpointError({ status: 401, error: 'invalid_client' })],
    ['downstream unreachable', new DownstreamUnavailable('connection', 'http://users/users', 'unreachable')],
  ])('libs/auth maps %s to 503 temporarily_unavailable', (_case, error) => {
    const mapped = oauthErrorOf(error)!;
    expect(mapped.status).toBe(503);
    expect(mapped.error).toBe('temporarily_unavailable');
    // Upstream details stay in the log, not in the answer.
    expect(mapped.description).not.toMatch(/ECONNREFUSED|invalid_client|http:/);
  });

  it('leaves the app\'s own errors to the app', () => {
    expect(oauthErrorOf(new Error('boom'))).toBeUndefined();
    expect(oauthErrorOf(new NotFoundException())).toBeUndefined();
  });

  it('maps a PostgreSQL connection refusal or shutdown to 503 and anything unknown to 500', () => {
    expect(appErrorOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).status).toBe(503);
    expect(appErrorOf(Object.assign(new Error('terminating connection'), { driverError: { code: '57P01' } })).status).toBe(503);
    const unknown = appErrorOf(new Error('boom at /srv/app.js:12'));
    expect(unknown.status).toBe(500);
    expect(unknown.description).toBe('unexpected error');
  });

  it('maps framework errors to RFC-style codes: 404 not_found, 415 as 400, a Fastify body error by its code', () => {
    expect([appErrorOf(new NotFoundException('Cannot GET /x')).status, appErrorOf(new NotFoundException()).error]).toEqual([404, 'not_found']);
    expect(appErrorOf(new BadRequestException('bad')).error).toBe('invalid_request');
    expect(appErrorOf({ statusCode: 415, message: 'Unsupported Media Type' }).status).toBe(400);
    expect(appErrorOf({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'x' }).description).toBe('request body too large');
    // A 5xx HttpException says nothing of its cause.
    const unavailable = appErrorOf(new ServiceUnavailableException('db pool exhausted at host x'));
    expect([unavailable.status, unavailable.error, unavailable.description]).toEqual([503, 'temporarily_unavailable', 'the service cannot answer right now']);
  });

  // Issue 10 finding 6 (main's sendOAuthError test, on the package's one renderer).
  it('answers framework errors (a Nest HttpException message) through the same sanitiser', () => {
    const sent = oauthErrorResponse(appErrorOf(new BadRequestException('bad "value"\n')), 'api');
    expect(JSON.parse(sent.body).error_description).toBe("bad 'value' ");
  });
});
