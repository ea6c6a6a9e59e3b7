import { AccessTokenSource, InvalidToken, Principal, ServiceHttpClient, TemporarilyUnavailable, TokenEndpointError } from '@nest-oauth-m2m/auth';
import { Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UserDirectory } from './user-directory.service';
import { UserServiceCallerConfig } from './user-service-caller.config';

/** What user-service answers, call by call, and what it was asked. */
function userService(...answers: (Response | Error)[]) {
  const calls: { method: string; url: string; body?: unknown; bearer?: string }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ method: init?.method ?? 'GET', url: String(input), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    bearers.push(new Headers(init?.headers).get('authorization') ?? '');
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  const bearers: string[] = [];
  return { fetch: fetch as typeof globalThis.fetch, calls, bearers };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const empty = (status: number): Response => new Response(null, { status });

const tokens: AccessTokenSource = { getToken: async () => 'service-token', invalidate: async () => undefined, hasFreshToken: () => true };
const config = { userService: { url: 'http://users.test', audience: 'api://user-service', timeoutMs: 500 } } as UserServiceCallerConfig;

function directory(fetch: typeof globalThis.fetch): UserDirectory {
  return new UserDirectory(new ServiceHttpClient(tokens, { fetch }), config);
}

function user(claims: Record<string, unknown> = {}, subject: string = randomUUID()): Principal {
  return { kind: 'user', subject, clientId: 'web', scopes: [], claims: { sub: subject, ...claims } as Principal['claims'] };
}

describe('UserDirectory.profileOf (the answer of every service that calls user-service)', () => {
  // The unexpected answers are logged as warnings: kept out of the test output.
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('200: the profile, without what callers do not show', async () => {
    const caller = user();
    const users = userService(json(200, { id: caller.subject, username: 'alice', display_name: 'Alice', email: 'a@example.com' }));
    expect(await directory(users.fetch).profileOf(caller)).toEqual({ id: caller.subject, username: 'alice', display_name: 'Alice' });
    expect(users.calls).toEqual([{ method: 'GET', url: `http://users.test/users/${caller.subject}`, body: undefined }]);
  });

  it('404: the profile is made just in time from the token (PUT), the name defaulting to the username', async () => {
    const caller = user({ preferred_username: 'carol' });
    const users = userService(empty(404), json(201, { id: caller.subject, username: 'carol', display_name: 'carol', email: null }));
    expect(await directory(users.fetch).profileOf(caller)).toEqual({ id: caller.subject, username: 'carol', display_name: 'carol' });
    expect(users.calls[1]).toEqual({ method: 'PUT', url: `http://users.test/users/${caller.subject}`, body: { username: 'carol', display_name: 'carol' } });
  });

  it('404 when it cannot be made: a token that does not say who the user is (no PUT), or a PUT refused (409)', async () => {
    const stranger = userService(empty(404));
    await expect(directory(stranger.fetch).profileOf(user())).rejects.toThrow(new NotFoundException('no profile at user-service for this user'));
    expect(stranger.calls).toHaveLength(1);
    const taken = userService(empty(404), json(409, { error: 'conflict' }));
    const refused = directory(taken.fetch).profileOf(user({ preferred_username: 'carol', name: 'Carol' }));
    await expect(refused).rejects.toThrow(new NotFoundException('user-service could not create a profile for this user (409)'));
  });

  it.each([
    ['GET 401 (its token refused for good)', [401], 401],
    ['GET 403', [403], 403],
    ['GET 500', [500], 500],
    ['PUT 503', [404, 503], 503],
  ])('503 temporarily_unavailable when user-service fails: %s', async (_case, statuses, named) => {
    const users = userService(...statuses.map(empty));
    await expect(directory(users.fetch).profileOf(user({ preferred_username: 'carol' }))).rejects.toMatchObject({
      status: 503,
      error: 'temporarily_unavailable',
      message: `user-service answered ${named}`,
    });
  });

  it('503 when user-service cannot be reached', async () => {
    const down = userService(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    await expect(directory(down.fetch).profileOf(user())).rejects.toThrow(new TemporarilyUnavailable('user-service is unavailable, retry shortly'));
  });

  it('401 invalid_token for a subject that is not a user id, without calling user-service', async () => {
    const users = userService();
    await expect(directory(users.fetch).profileOf(user({}, 'order-service'))).rejects.toBeInstanceOf(InvalidToken);
    expect(users.calls).toEqual([]);
  });
});

describe('UserDirectory.profileOf with userLookup token_exchange (RFC 8693, on behalf of the caller)', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  const exchanged: string[] = [];
  let refuseExchange: Error | undefined;
  const tokenExchange = {
    sourceFor: (subjectToken: string): AccessTokenSource => ({
      getToken: async () => {
        if (refuseExchange) throw refuseExchange;
        exchanged.push(subjectToken);
        return `delegated-for-${subjectToken}`;
      },
      invalidate: async () => undefined,
      hasFreshToken: () => false,
    }),
  };
  const delegatedDirectory = (fetch: typeof globalThis.fetch, userLookup: 'client_credentials' | 'token_exchange' = 'token_exchange') =>
    new UserDirectory(new ServiceHttpClient(tokens, { fetch, tokenExchange }), { ...config, userLookup });
  beforeEach(() => {
    exchanged.length = 0;
    refuseExchange = undefined;
  });

  it("reads the profile with a token exchanged for the caller's", async () => {
    const caller = user();
    const users = userService(json(200, { id: caller.subject, username: 'alice', display_name: 'Alice' }));
    expect(await delegatedDirectory(users.fetch).profileOf(caller, 'alice-access-token')).toEqual({ id: caller.subject, username: 'alice', display_name: 'Alice' });
    expect(users.bearers).toEqual(['Bearer delegated-for-alice-access-token']);
    expect(exchanged).toEqual(['alice-access-token']);
  });

  it('creates a missing profile with the service’s own token (provisioning is the service’s act)', async () => {
    const caller = user({ preferred_username: 'carol' });
    const users = userService(empty(404), json(201, { id: caller.subject, username: 'carol', display_name: 'carol' }));
    await delegatedDirectory(users.fetch).profileOf(caller, 'carol-access-token');
    expect(users.calls.map((call) => call.method)).toEqual(['GET', 'PUT']);
    expect(users.bearers).toEqual(['Bearer delegated-for-carol-access-token', 'Bearer service-token']);
  });

  it('a refused exchange (invalid_grant: the caller’s token revoked or not for this service) is 401 invalid_token', async () => {
    refuseExchange = new TokenEndpointError({ status: 400, error: 'invalid_grant' });
    const users = userService();
    await expect(delegatedDirectory(users.fetch).profileOf(user(), 'revoked')).rejects.toBeInstanceOf(InvalidToken);
    expect(users.calls).toEqual([]);
  });

  it('other exchange failures stay what they are (the module filter answers 503)', async () => {
    refuseExchange = new TokenEndpointError({ status: 400, error: 'invalid_target' });
    await expect(delegatedDirectory(userService().fetch).profileOf(user(), 'token')).rejects.toBe(refuseExchange);
  });

  it('needs the caller’s token in this mode; client_credentials ignores it', async () => {
    await expect(delegatedDirectory(userService().fetch).profileOf(user())).rejects.toThrow(/needs the caller's access token/);
    const caller = user();
    const users = userService(json(200, { id: caller.subject, username: 'alice', display_name: 'Alice' }));
    await delegatedDirectory(users.fetch, 'client_credentials').profileOf(caller, 'alice-access-token');
    expect(users.bearers).toEqual(['Bearer service-token']);
    expect(exchanged).toEqual([]);
  });
});
