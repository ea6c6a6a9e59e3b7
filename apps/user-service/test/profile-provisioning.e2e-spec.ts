import { DEMO_USERS } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { serviceToken, userToken } from '../../../test/support/tokens';

/** PUT /users/:id: user-service creates the profile of a user a service has just met (issue 25 item 1). */
describe('user-service: just-in-time profiles (PUT /users/:id, users:provision)', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(() => platform.close());

  const provisioner = () => serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read users:provision');
  const put = async (id: string, body: unknown, token = provisioner()) => {
    const response = await fetch(`${platform.users.url}/users/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('201 creates the profile, 200 returns it unchanged afterwards (a token never overwrites it)', async () => {
    const id = randomUUID();
    expect(await put(id, { username: `dave-${id}`, display_name: 'Dave' })).toEqual({
      status: 201,
      body: { id, username: `dave-${id}`, display_name: 'Dave', email: null },
    });
    expect(await put(id, { username: `dave-${id}`, display_name: 'Someone Else' })).toEqual({
      status: 200,
      body: { id, username: `dave-${id}`, display_name: 'Dave', email: null },
    });
    // A seeded profile is never touched either.
    const alice = await put(DEMO_USERS.alice.id, { username: 'alice', display_name: 'Mallory' });
    expect(alice).toEqual({ status: 200, body: expect.objectContaining({ display_name: DEMO_USERS.alice.displayName, email: DEMO_USERS.alice.email }) });
  });

  it('concurrent first requests for one user create it once', async () => {
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => put(id, { username: `erin-${id}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.every((r) => r.body.username === `erin-${id}` && r.body.display_name === `erin-${id}`)).toBe(true);
  });

  it('409 when another user holds the username; 400 for a bad body or id', async () => {
    expect((await put(randomUUID(), { username: 'alice' })).status).toBe(409);
    expect((await put(randomUUID(), {})).status).toBe(400);
    expect((await put(randomUUID(), { username: 'two words' })).status).toBe(400);
    expect((await put(randomUUID(), { username: 'x', display_name: 'a\u0000b' })).status).toBe(400);
    expect((await put('not-a-uuid', { username: 'x' })).status).toBe(400);
  });

  it('needs a service token with users:provision: users:read alone or a user token is 403', async () => {
    const id = randomUUID();
    const readOnly = await put(id, { username: `f-${id}` }, serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read'));
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error).toBe('insufficient_scope');
    const user = await put(id, { username: `f-${id}` }, userToken(platform.auth, id, 'users:provision', { aud: 'api://user-service' }));
    expect(user.status).toBe(403);
  });
});
