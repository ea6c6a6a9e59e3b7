/**
 * Issue 15's acceptance: what a team does to add a service, with no SQL, from a clean copy of the
 * repository. Scaffold billing-service (which registers its resource and client through the CLI),
 * register a public client for it through the CLI, start everything with `npm start`, sign in as
 * alice for api://billing-service, and call billing-service, which calls user-service with its own
 * token; then the 401, 403 and 404 cases the same way. Issue 25: users made at the CLI work in every
 * service at once (profiles just in time), and a disable reaches the services within the documented bound.
 */
import { DEMO_USERS } from '@app/platform';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../support/ports';
import { copyCheckout, CheckoutCopy } from './support/checkout-copy';
import { Finished, run, Running, startUntil } from './support/commands';

const ROOT = resolve(__dirname, '../..');

describe('npm run new:service, from scaffold to a 200 (issue 15 acceptance)', () => {
  let checkout: CheckoutCopy;
  let env: NodeJS.ProcessEnv;
  let platform: Running | undefined;
  const ports: Record<string, number> = {};
  const url = (app: string) => `http://127.0.0.1:${ports[app]}`;

  /** `npm run -s <script> -- <args>` in the copy, as a developer types it. */
  const npm = (script: string, args: string[], input?: string): Promise<Finished> =>
    run('npm', ['run', '-s', script, '--', ...args], { cwd: checkout.dir, env, input });
  const cli = (...args: string[]) => npm('cli', args);
  const expectSuccess = (result: Finished) => expect({ code: result.code, stderr: result.code ? result.stderr : '' }).toEqual({ code: 0, stderr: '' });
  const token = async (...args: string[]): Promise<string> => {
    const result = await npm('token', args);
    expectSuccess(result);
    return result.stdout.trim();
  };
  const billingMe = (accessToken?: string, path = '/billing/me') =>
    fetch(`${url('billing-service')}${path}`, { headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });

  beforeAll(async () => {
    checkout = copyCheckout(ROOT);
    for (const app of ['embedded-pg', 'auth-server', 'user-service', 'order-service', 'billing-service']) ports[app] = await freePort();
    // A developer's shell: no DATABASE_URL (the embedded PostgreSQL of the copy, on a free port), and
    // nothing of this Jest run's own environment.
    const { DATABASE_URL: _database, TEST_DATABASE_URL: _test, NODE_ENV: _node, ...developer } = process.env;
    env = {
      ...developer,
      EMBEDDED_PG_PORT: String(ports['embedded-pg']),
      AUTH_SERVER_PORT: String(ports['auth-server']),
      USER_SERVICE_PORT: String(ports['user-service']),
      ORDER_SERVICE_PORT: String(ports['order-service']),
      BILLING_SERVICE_PORT: String(ports['billing-service']),
      ISSUER: url('auth-server'),
      AUTH_SERVER_URL: url('auth-server'),
      USER_SERVICE_URL: url('user-service'),
    };
  });

  afterAll(async () => {
    await platform?.stop();
    checkout?.remove();
  });

  it('1. npm run new:service -- billing-service: the app, its project, its variables, its registration, its secret in .env', async () => {
    const result = await npm('new:service', ['billing-service']);
    expectSuccess(result);
    expect(existsSync(join(checkout.dir, 'apps/billing-service/src/me/me.controller.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(join(checkout.dir, 'nest-cli.json'), 'utf8')).projects['billing-service']).toMatchObject({ type: 'application' });
    expect(readFileSync(join(checkout.dir, '.env.example'), 'utf8')).toContain('# BILLING_SERVICE_CLIENT_SECRET=');
    const dotenv = join(checkout.dir, '.env');
    const secret = /^BILLING_SERVICE_CLIENT_SECRET=(.+)$/m.exec(readFileSync(dotenv, 'utf8'))?.[1];
    expect(secret).toMatch(/^.{32,}$/);
    expect(statSync(dotenv).mode & 0o777).toBe(0o600);
    expect(result.stdout + result.stderr).not.toContain(secret);
    // Not even its first characters (issue 24 item 10).
    expect(result.stdout).toContain('wrote BILLING_SERVICE_CLIENT_SECRET to .env (readable by you only; the secret is never printed)');
    expect(result.stdout + result.stderr).not.toMatch(/CLIENT_SECRET=\S/);

    // Asked twice, or for a bad name: a clear refusal, nothing written.
    const again = await npm('new:service', ['billing-service']);
    expect([again.code, again.stderr]).toEqual([1, 'new:service: apps/billing-service already exists: pick another name, or remove it first\n']);
    const bad = await npm('new:service', ['Billing']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"Billing" is not a service name');
  });

  it('2. a public client for it, through the CLI', async () => {
    const result = await cli(
      ...['clients', 'create', '--id', 'billing-web', '--auth-method', 'none', '--redirect-uri', 'http://127.0.0.1/callback'],
      ...['--grant', 'api://billing-service=billing:read', '--json'],
    );
    expectSuccess(result);
    const client = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(client).toMatchObject({ client_id: 'billing-web', token_endpoint_auth_method: 'none' });
    expect(client.client_secret).toBeUndefined();
  });

  it('3. npm start runs it with the others (built first), and alice signs in for api://billing-service', async () => {
    platform = await startUntil('npm', ['start'], { cwd: checkout.dir, env, ready: /ready: all 4 apps up/, timeoutMs: 600_000 });
    expect(platform.output()).toContain(`billing-service`);
    expect((await fetch(`${url('billing-service')}/health/ready`)).status).toBe(200);
  });

  it("4. GET /billing/me with alice's token: 200, her profile from user-service, fetched with billing-service's own token", async () => {
    const alice = await token('--user', 'alice', '--client', 'billing-web', '--resource', 'api://billing-service', '--scope', 'billing:read');
    const response = await billingMe(alice);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: DEMO_USERS.alice.id, username: 'alice', display_name: DEMO_USERS.alice.displayName });
    const metrics = await (await fetch(`${url('billing-service')}/metrics`)).text();
    // Its own token requests to the auth-server (its token provider's counters): sent, none failed.
    expect(metrics).toMatch(/^client_credentials_token_requests_total\{outcome="sent"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^client_credentials_token_requests_total\{outcome="failed"[^}]*\} 0$/m);
  });

  it('5. 401 without a token, 403 without billing:read or with a service token, 404 for an unknown route; a CLI-made user gets a profile', async () => {
    const anonymous = await billingMe();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="billing-service"');

    // A user token for api://billing-service that lacks billing:read (another public client, billing:write only).
    expectSuccess(
      await cli(
        ...['clients', 'create', '--id', 'billing-writer-web', '--auth-method', 'none', '--redirect-uri', 'http://127.0.0.1/callback'],
        ...['--grant', 'api://billing-service=billing:write', '--json'],
      ),
    );
    const writer = await token('--user', 'alice', '--client', 'billing-writer-web', '--resource', 'api://billing-service', '--scope', 'billing:write');
    expect((await billingMe(writer)).status).toBe(403);

    // A service token for api://billing-service with billing:read: /billing/me serves end users only.
    const batch = await cli('clients', 'create', '--id', 'billing-batch', '--grant', 'api://billing-service=billing:read', '--json');
    expectSuccess(batch);
    const { client_secret: batchSecret } = JSON.parse(batch.stdout) as { client_secret: string };
    const issued = await fetch(`${url('auth-server')}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`billing-batch:${encodeURIComponent(batchSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'billing:read', resource: 'api://billing-service' }).toString(),
    });
    expect(issued.status).toBe(200);
    const service = await billingMe(((await issued.json()) as { access_token: string }).access_token);
    expect(service.status).toBe(403);

    const alice = await token('--user', 'alice', '--client', 'billing-web', '--resource', 'api://billing-service', '--scope', 'billing:read');
    expect((await billingMe(alice, '/billing/nothing-here')).status).toBe(404);

    // A user the auth-server knows (made with the CLI) but user-service has no profile for.
    const carol = await run('npm', ['run', '-s', 'cli', '--', 'users', 'create', '--username', 'carol', '--password-stdin', '--json'], {
      cwd: checkout.dir,
      env,
      input: 'carol-scaffold-password-0123456789\n',
    });
    expectSuccess(carol);
    const carolToken = (
      await npm('token', ['--user', 'carol', '--password-stdin', '--client', 'billing-web', '--resource', 'api://billing-service', '--scope', 'billing:read'], 'carol-scaffold-password-0123456789\n')
    ).stdout.trim();
    expect(carolToken).not.toBe('');
    // Issue 25: her profile is created at user-service on first use, from her token's claims.
    const carolMe = await billingMe(carolToken);
    expect(carolMe.status).toBe(200);
    expect(await carolMe.json()).toEqual({ id: (JSON.parse(carol.stdout) as { id: string }).id, username: 'carol', display_name: 'carol' });
  });

  it('6. issue 25 acceptance: a CLI-made user reads her orders and calls billing-service, is disabled at the CLI, and both refuse her within the documented 12 s', async () => {
    const password = 'dave-scaffold-password-0123456789\n';
    const created = await run('npm', ['run', '-s', 'cli', '--', 'users', 'create', '--username', 'dave', '--name', 'Dave Example', '--password-stdin', '--json'], {
      cwd: checkout.dir,
      env,
      input: password,
    });
    expectSuccess(created);
    const daveId = (JSON.parse(created.stdout) as { id: string }).id;
    const signIn = async (...args: string[]) => {
      const result = await npm('token', ['--user', 'dave', '--password-stdin', ...args], password);
      expectSuccess(result);
      return result.stdout.trim();
    };
    const ordersToken = await signIn('--resource', 'api://order-service', '--scope', 'orders:read orders:write');
    const billingToken = await signIn('--client', 'billing-web', '--resource', 'api://billing-service', '--scope', 'billing:read');
    const orders = () => fetch(`${url('order-service')}/orders`, { headers: { authorization: `Bearer ${ordersToken}` } });

    const placed = await fetch(`${url('order-service')}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ordersToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'Oat milk', quantity: 2 }),
    });
    expect(placed.status).toBe(201);
    const listed = await orders();
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      orders: [expect.objectContaining({ user_id: daveId, item: 'Oat milk', quantity: 2 })],
      owner: { id: daveId, username: 'dave', display_name: 'Dave Example' },
    });
    const me = await billingMe(billingToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ id: daveId, username: 'dave', display_name: 'Dave Example' });

    // Disabled at the CLI. The bound is counted from the audit event's time (written after the commit).
    const disabled = await cli('users', 'disable', 'dave');
    expectSuccess(disabled);
    const event = disabled.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { action?: string; time?: string })
      .find((line) => line.action === 'user.disable');
    const disabledAt = Date.parse(event!.time!);
    const refusedAt: Record<string, number> = {};
    while (Object.keys(refusedAt).length < 2 && Date.now() - disabledAt < 30_000) {
      for (const [service, call] of [['order-service', orders], ['billing-service', () => billingMe(billingToken)]] as const) {
        if (refusedAt[service]) continue;
        const response = await call();
        if (response.status === 401) {
          expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'the access token has been revoked' });
          refusedAt[service] = Date.now();
        } else expect(response.status).toBe(200);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = Object.fromEntries(Object.entries(refusedAt).map(([service, at]) => [service, (at - disabledAt) / 1000]));
    console.log(`issue 25: dave refused after the disable (s): ${JSON.stringify(seconds)}; the CLI took ${((Date.now() - disabledAt) / 1000).toFixed(1)} s ago`);
    expect(Object.keys(seconds).sort()).toEqual(['billing-service', 'order-service']);
    // 10 s poll interval + a request of at most 2 s; 0.5 s for this loop's own probing.
    for (const elapsed of Object.values(seconds)) expect(elapsed).toBeLessThanOrEqual(12.5);
  });

  it("7. the generated service's own e2e test and the route-decision test (which now covers it) pass in the copy", async () => {
    // Jest's own database, as npm test has it: DATABASE_URL when this run has one, else a throwaway embedded cluster.
    const result = await run('npx', ['jest', '--verbose', 'apps/billing-service/test', 'test/route-auth-decisions.e2e-spec.ts'], {
      cwd: checkout.dir,
      env: { ...env, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) },
    });
    expect({ code: result.code, output: result.code ? result.stderr.slice(-6000) : '' }).toEqual({ code: 0, output: '' });
    expect(result.stderr).toContain('billing-service: @Public, @Scopes, @UserOnly or @ServiceOnly on every route');
  });
});
